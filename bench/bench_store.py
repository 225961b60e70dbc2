"""Benchmark: the annotation store on the full AllSides corpus (../shared/data/allsides_baly2020).

Measures, on this machine, in one run:

1. a cold build of every default stage (parse, sentences, voices, vader, minilm + learned
   loaded words, terms) on all articles but 10, with ``--processes`` workers: wall seconds,
   words/s, per-stage seconds (summed over workers) and peak memory (all processes);
2. a re-run on the unchanged corpus (nothing to compute);
3. the 10 held-back articles added (only they are annotated);
4. a bare spaCy parse (``nlp.pipe`` of the same pipeline, batch 16) of the same texts on one
   process: the reference for ``ratio = build seconds / bare parse seconds`` (goal <= 1.0), a
   speed figure that a noisy machine disturbs much less than seconds do.

Writes ``bench/results/store.json``. Run: ``.venv/bin/python bench/bench_store.py`` (about an hour
on 2 cores; ``--bare-articles N`` parses only N articles for the reference and scales by words,
which the results then say). Stores and models go to a temporary folder unless ``--keep``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import paths  # noqa: E402


class PeakMemory:
    """Peak resident memory of this process and all its children (sampled every 0.2 s)."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(paths.shared_dataset("allsides_baly2020")))
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--bare-articles", type=int, default=None, help="parse only this many articles for the reference")
    ap.add_argument("--keep", action="store_true", help="keep the store (under data/interim/bench-store)")
    ap.add_argument("--out", default=str(paths.BENCH_RESULTS / "store.json"))
    args = ap.parse_args()
    if not Path(args.data).exists():
        sys.exit(f"{args.data} not found (set FRAMING_SHARED_DATA)")

    from analysis.corpus import Corpus, skipped_frame
    from analysis.importers import load_source
    from analysis.store import build

    work = Path(tempfile.mkdtemp(prefix="bench-store-")) if not args.keep else paths.INTERIM / "bench-store"
    if work.exists() and args.keep:
        shutil.rmtree(work)
    corpus = load_source(args.data)
    arts = corpus.articles
    held = arts[-10:]
    base = Corpus(articles=arts[:-10], skipped=skipped_frame([]), n_inputs=len(arts) - 10)
    words = sum(a.n_words for a in arts)
    result: dict = {"corpus": {"source": paths.display_path(args.data), "articles": len(arts), "words": words,
                               "skipped_on_load": len(corpus.skipped)},
                    "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                    "processes": args.processes}
    print(f"{len(arts)} articles, {words:,} words; store in {work}", file=sys.stderr)

    # 1. cold build (all but 10 articles)
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        cold = build(corpus=base, out=work / "store", processes=args.processes)
        cold_s = time.perf_counter() - t0
    base_words = sum(a.n_words for a in base.articles)
    result["cold"] = {"articles": len(base.articles), "words": base_words, "seconds": round(cold_s, 1),
                      "words_per_s": round(base_words / cold_s), "peak_memory_gb": round(mem.peak / 1e9, 2),
                      "stages": {k: {"seconds": round(v.seconds, 1), "computed": v.computed, "cached": v.cached,
                                     "words_per_s_per_process": round(base_words / v.seconds) if v.seconds else None}
                                 for k, v in cold.stages.items()},
                      "summary": cold.summary()}
    print(cold.summary(), file=sys.stderr)

    # 2. re-run, nothing changed
    t0 = time.perf_counter()
    warm = build(corpus=base, out=work / "store", processes=args.processes)
    result["rerun"] = {"seconds": round(time.perf_counter() - t0, 1), "summary": warm.summary()}
    print(warm.summary(), file=sys.stderr)

    # 3. ten articles added
    full = Corpus(articles=arts, skipped=skipped_frame([]), n_inputs=len(arts))
    t0 = time.perf_counter()
    added = build(corpus=full, out=work / "store", processes=args.processes)
    result["ten_added"] = {"seconds": round(time.perf_counter() - t0, 1), "words": sum(a.n_words for a in held),
                           "summary": added.summary()}
    print(added.summary(), file=sys.stderr)

    # 4. bare spaCy parse on one process (the reference)
    from analysis.nlp import load_pipeline

    nlp = load_pipeline()
    sample = base.articles if args.bare_articles is None else base.articles[: args.bare_articles]
    sample_words = sum(a.n_words for a in sample)
    t0 = time.perf_counter()
    for _ in nlp.pipe((a.body for a in sample), batch_size=16):
        pass
    bare_s = time.perf_counter() - t0
    bare_full = bare_s * base_words / sample_words
    result["bare_parse"] = {"articles": len(sample), "words": sample_words, "seconds": round(bare_s, 1),
                            "words_per_s": round(sample_words / bare_s),
                            "scaled_to_build_words_seconds": round(bare_full, 1),
                            "scaled": sample is not base.articles}
    result["ratio_build_over_bare_parse"] = round(cold_s / bare_full, 3)
    print(f"bare parse: {bare_s:.1f} s for {sample_words:,} words ({sample_words / bare_s:,.0f} words/s); "
          f"ratio {result['ratio_build_over_bare_parse']}", file=sys.stderr)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
