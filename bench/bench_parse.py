"""Benchmark: the store's ``parse`` stage against a bare ``nlp.pipe`` of the same texts, in one process.

The parse stage is ``nlp.pipe`` (batch 64) + :func:`analysis.stages.token_tables` + the Parquet bytes of the
``tokens`` and ``entities`` tables. Both are run on the same seeded AllSides sample (../shared/data/
allsides_baly2020, equal numbers of left, center and right articles) in one process, alternating
(bare, stage, bare, stage, ...), so the ratio ``stage seconds / bare seconds`` is one a noisy machine
disturbs far less than seconds. Goal (the issue "One encoder pass", item 3): at most 1.2. The stage's
own work beyond the parse (token tables, Parquet) is reported apart, and so is the old token-by-token
reading of the tables (:func:`analysis.stages._token_tables_by_token`) for comparison.

Writes ``bench/results/parse.json``. Run: ``.venv/bin/python bench/bench_parse.py`` (``--per-side 20``:
about 3 minutes on one core).
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_frames import allsides_sample  # noqa: E402

from analysis import paths  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-side", type=int, default=20, help="articles per side (default 20)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds of bare and stage (default 2)")
    ap.add_argument("--out", default=str(paths.BENCH_RESULTS / "parse.json"))
    args = ap.parse_args()
    from analysis.importers import import_json
    from analysis.nlp import load_pipeline, pipeline_version
    from analysis.stages import _token_tables_by_token, token_tables
    from analysis.tables import to_parquet_bytes

    files = allsides_sample(args.per_side, seed=args.seed)
    bodies = [a.body for a in import_json(files).articles]
    words = sum(len(b.split()) for b in bodies)
    nlp = load_pipeline()
    list(nlp.pipe(bodies[:3]))  # warm-up
    bare = stage = tables = parquet = by_token = 0.0
    for _ in range(args.rounds):
        t = time.perf_counter()
        for _doc in nlp.pipe(bodies, batch_size=64):
            pass
        bare += time.perf_counter() - t
        t = time.perf_counter()
        docs = {str(i): d for i, d in enumerate(nlp.pipe(bodies, batch_size=64))}
        t1 = time.perf_counter()
        tokens, entities = token_tables(docs)
        t2 = time.perf_counter()
        to_parquet_bytes("tokens", tokens)
        to_parquet_bytes("entities", entities)
        t3 = time.perf_counter()
        stage += t3 - t
        tables += t2 - t1
        parquet += t3 - t2
        t = time.perf_counter()
        _token_tables_by_token(docs)
        by_token += time.perf_counter() - t
    r = args.rounds
    results = {
        "corpus": {"source": "allsides_baly2020 (seeded sample)", "per_side": args.per_side, "seed": args.seed,
                   "articles": len(bodies), "words": words},
        "pipeline": pipeline_version(), "rounds": r, "processes": 1,
        "bare_nlp_pipe_s": round(bare / r, 2), "parse_stage_s": round(stage / r, 2),
        "token_tables_s": round(tables / r, 3), "parquet_s": round(parquet / r, 3),
        "token_tables_by_token_s": round(by_token / r, 3),
        "ratio_stage_to_bare": round(stage / bare, 3), "bare_words_per_s": round(words * r / bare),
        "machine": {"cpu": platform.processor() or platform.machine(), "python": platform.python_version()},
    }
    print(json.dumps(results, indent=2))
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
