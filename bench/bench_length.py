"""Benchmark: does annotation time grow linearly with article length?

Builds one long article from real news text (the shipped Wikinews articles, concatenated in
corpus order and cut at a word boundary) at 50k, 100k, 200k and 400k characters, in two layouts:
``paragraphs`` (the articles' own paragraph breaks) and ``one-paragraph`` (every line break
replaced by a space: the worst case for sentence and quote windows). Each size is annotated in a
fresh process (so peak memory is that size's alone) with the stages that read the whole document
at once: parse (spaCy), sentences and voices (quotes, speakers, segments), plus terms; MiniLM
scores sentence by sentence and is left out (``--with-minilm`` adds it).

Reports per size: seconds per stage, total seconds, peak resident memory, and the ratios
``time(400k) / time(100k)`` (goal: <= 4.5, i.e. at most 12.5 % above linear) for the total and
for the voices stage alone. Writes ``bench/results/length.json``.
Run: ``.venv/bin/python bench/bench_length.py`` (a few minutes on 2 cores).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES: tuple[int, ...] = (50_000, 100_000, 200_000, 400_000)


def long_text(n_chars: int, *, one_paragraph: bool) -> str:
    """Real news text of about ``n_chars`` characters (cut at a word boundary)."""
    from analysis.corpus import load_corpus

    parts, total = [], 0
    while total < n_chars:
        for art in load_corpus():
            body = art.body.strip()
            parts.append(body)
            total += len(body) + 2
            if total >= n_chars:
                break
    text = "\n\n".join(parts)
    if one_paragraph:
        text = " ".join(text.split())
    cut = text.rfind(" ", 0, n_chars)
    return text[: cut if cut > 0 else n_chars]


def _run_one(n_chars: int, one_paragraph: bool, stages: list[str], queue) -> None:
    import os

    os.environ.setdefault("FRAMING_PROGRESS", "0")
    from analysis.corpus import Article
    from analysis.store import annotate_articles

    text = long_text(n_chars, one_paragraph=one_paragraph)
    with tempfile.TemporaryDirectory(prefix="bench-length-") as tmp:
        from analysis.nlp import load_pipeline

        load_pipeline()  # model loading is not part of the time
        t0 = time.perf_counter()
        from analysis.store import build
        from analysis.corpus import Corpus, skipped_frame

        art = Article(id="long", body=text)
        report = build(corpus=Corpus(articles=[art], skipped=skipped_frame([]), n_inputs=1), out=tmp, stages=stages,
                       processes=1, progress=False, learned=False, max_chars=len(text) + 1)
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    queue.put({"chars": len(text), "seconds": round(seconds, 2),
               "stages": {name: round(s.seconds, 2) for name, s in report.stages.items()},
               "peak_rss_gb": round(peak / 1e9, 2)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    ap.add_argument("--with-minilm", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "length.json"))
    args = ap.parse_args()
    stages = ["parse", "sentences", "voices", "terms"] + (["minilm"] if args.with_minilm else [])
    ctx = mp.get_context("spawn")
    results: dict[str, list[dict]] = {}
    for layout in ("paragraphs", "one-paragraph"):
        rows = []
        for n in args.sizes:
            q = ctx.Queue()
            p = ctx.Process(target=_run_one, args=(n, layout == "one-paragraph", stages, q))
            p.start()
            row = q.get()
            p.join()
            rows.append(row)
            print(f"{layout:14} {row['chars']:>8,} chars  {row['seconds']:7.2f} s  "
                  f"voices {row['stages'].get('voices', 0):6.2f} s  peak {row['peak_rss_gb']:.2f} GB", flush=True)
        results[layout] = rows
    summary = {}
    for layout, rows in results.items():
        by = {min(args.sizes, key=lambda s: abs(s - r["chars"])): r for r in rows}
        if 100_000 in by and 400_000 in by:
            summary[layout] = {
                "ratio_total_400k_100k": round(by[400_000]["seconds"] / by[100_000]["seconds"], 2),
                "ratio_voices_400k_100k": round(by[400_000]["stages"]["voices"] / max(by[100_000]["stages"]["voices"], 1e-9), 2),
                "goal": "<= 4.5",
            }
    out = {"machine": f"{platform.machine()}, {mp.cpu_count()} cores, Python {platform.python_version()}",
           "stages": stages, "results": results, "summary": summary,
           "command": "python bench/bench_length.py" + (" --with-minilm" if args.with_minilm else "")}
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
