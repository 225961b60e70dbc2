"""Benchmark: the annotation store on the AllSides corpus (../shared/data/allsides_baly2020), every stage
against a bare spaCy parse of the same texts in the same run.

Measures, on this machine, in one run:

1. a cold build of every default stage (parse, sentences, voices, vader, minilm + learned loaded
   words, terms, actors, frames) on all articles but 10, with ``--processes`` workers: wall seconds,
   words/s, per-stage seconds (summed over workers) and peak memory (all processes);
2. a re-run on the unchanged corpus (nothing to compute);
3. the 10 held-back articles added (only they are annotated);
4. a bare spaCy parse (``nlp.pipe`` of the same pipeline, batch 16) of the same texts, twice: on one
   process, and in the build's own layout (``--processes`` workers, each parsing its share at once,
   seconds summed over workers as the stage seconds are). Reported ratios (the issue "One encoder
   pass", its speed goals): summed stage seconds ÷ bare parse (goal ≤ 2.5), actors ÷ bare parse
   (≤ 0.3), parse stage ÷ bare parse (≤ 1.2), each against both references, and the build's wall
   seconds ÷ the one-process bare parse. Ratios from one run are figures a noisy machine disturbs
   much less than seconds.

``--sample N``: a seeded sample of N articles, equal per side (left, center, right; the sample of
``bench_frames.py``), instead of the whole corpus; writes ``bench/results/store-sample.json``. The
inference recipe (``analysis.minilm.QUANTISATION``) and the CPU are recorded.

Writes ``bench/results/store.json``. Run: ``.venv/bin/python bench/bench_store.py`` (hours on 2 cores
for the whole corpus; ``--sample 400`` about half an hour; ``--bare-articles N`` parses only N articles
for the references and scales by words, which the results then say). Stores and models go to a
temporary folder unless ``--keep``.
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


def _bare_parse(texts: list[str]) -> float:
    """Seconds of a bare ``nlp.pipe`` (batch 16) over ``texts`` in this (worker) process."""
    from analysis.nlp import load_pipeline

    nlp = load_pipeline()
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=16):
        pass
    return time.perf_counter() - t0


def _cpu() -> str:
    try:
        return next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(paths.shared_dataset("allsides_baly2020")))
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--bare-articles", type=int, default=None, help="parse only this many articles for the reference")
    ap.add_argument("--keep", action="store_true", help="keep the store (under data/interim/bench-store)")
    ap.add_argument("--sample", type=int, default=0, help="a seeded sample of N articles, equal per side (0: all)")
    ap.add_argument("--seed", type=int, default=2026, help="the sample's seed (default 2026)")
    ap.add_argument("--out", help="results file (default: bench/results/store.json, or store-sample.json with --sample)")
    args = ap.parse_args()
    args.out = args.out or str(paths.BENCH_RESULTS / ("store-sample.json" if args.sample else "store.json"))
    if not Path(args.data).exists():
        sys.exit(f"{args.data} not found (set FRAMING_SHARED_DATA)")

    from analysis.corpus import Corpus, skipped_frame
    from analysis.importers import load_source
    from analysis.store import build

    work = Path(tempfile.mkdtemp(prefix="bench-store-")) if not args.keep else paths.INTERIM / "bench-store"
    if work.exists() and args.keep:
        shutil.rmtree(work)
    if args.sample:
        from bench_frames import allsides_sample

        tmp_src = Path(tempfile.mkdtemp(prefix="bench-sample-"))
        for f in allsides_sample(args.sample // 3, seed=args.seed):
            shutil.copyfile(f, tmp_src / f.name)
        corpus = load_source(tmp_src)
        shutil.rmtree(tmp_src, ignore_errors=True)
    else:
        corpus = load_source(args.data)
    arts = corpus.articles
    held = arts[-10:]
    base = Corpus(articles=arts[:-10], skipped=skipped_frame([]), n_inputs=len(arts) - 10)
    words = sum(a.n_words for a in arts)
    from analysis.minilm import quantisation

    result: dict = {"corpus": {"source": paths.display_path(args.data), "articles": len(arts), "words": words,
                               "skipped_on_load": len(corpus.skipped),
                               **({"sample": args.sample, "seed": args.seed, "per_side": args.sample // 3} if args.sample else {})},
                    "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "cpu": _cpu()},
                    "inference": quantisation(), "processes": args.processes}
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

    # 5. bare spaCy parse in the build's layout: the workers parse their shares at once (seconds summed)
    from concurrent.futures import ProcessPoolExecutor

    shares = [[a.body for a in sample[i :: args.processes]] for i in range(args.processes)]
    with ProcessPoolExecutor(max_workers=args.processes) as pool:
        list(pool.map(_bare_parse, [share[:2] for share in shares]))  # start and warm every worker
        layout_s = sum(pool.map(_bare_parse, shares))
    layout_full = layout_s * base_words / sample_words
    result["bare_parse_layout"] = {"processes": args.processes, "summed_seconds": round(layout_s, 1),
                                   "scaled_to_build_words_seconds": round(layout_full, 1)}
    stage_s = {k: v.seconds for k, v in cold.stages.items()}
    total = sum(stage_s.values())
    result["ratios"] = {
        ref: {"stages_sum": round(total / d, 3), "actors": round(stage_s.get("actors", 0.0) / d, 3),
              "parse": round(stage_s.get("parse", 0.0) / d, 3), "frames": round(stage_s.get("frames", 0.0) / d, 3),
              "minilm": round(stage_s.get("minilm", 0.0) / d, 3)}
        for ref, d in (("bare_parse_one_process", bare_full), ("bare_parse_build_layout", layout_full))}
    result["goals"] = {"stages_sum_over_parse": 2.5, "actors_over_parse": 0.3, "parse_over_parse": 1.2}
    print(json.dumps(result["ratios"]), file=sys.stderr)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
