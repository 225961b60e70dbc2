"""How the explorer responds on a 5,000-article corpus (issue 21.5).

The shipped corpus's store (real Wikinews text, annotated by every default stage) is read once into the
explorer's sentence table, then replicated with fresh article ids until it holds at least ``--articles``
articles (each copy a distinct article to the index; no store holds 5,000 annotated articles here, and
building one would take hours on 2 cores). Measured in one process: building the table from the store
(the shipped size), building the index at full size, and each kind of selection the panel makes
(a picker, the search box, both with an outlet, all filters off) plus listing its first 300 rows, each
the median of ``--repeat`` runs. The reference, in the same run: one plain pandas scan a panel without
the index would make (every row's speakers split and tested). Results: bench/results/explorer.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import explorer, paths  # noqa: E402
from analysis.study import open_study  # noqa: E402


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=5000, help="articles in the replicated table (default 5000)")
    ap.add_argument("--repeat", type=int, default=7, help="runs per measurement (median; default 7)")
    ap.add_argument("--out", default=str(paths.BENCH_RESULTS / "explorer.json"))
    args = ap.parse_args(argv)

    study = open_study(None)
    t = time.perf_counter()
    base = explorer.sentence_rows(study)
    table_s = time.perf_counter() - t
    n_base = base.article_id.nunique()
    copies = -(-args.articles // n_base)
    rows = pd.concat([base.assign(article_id=base.article_id + f"~{k}") for k in range(copies)], ignore_index=True)
    t = time.perf_counter()
    index = explorer.SentenceIndex(rows)
    index_s = time.perf_counter() - t
    speaker, actor = index.options("speaker")[0], index.options("actor")[0]
    word = "said"
    selections = {
        "speaker picker": {"speaker": speaker},
        "actor picker": {"actor": actor},
        "search box": {"text": word},
        "actor + search + outlet": {"actor": actor, "text": word, "outlet": "Wikinews"},
        "all filters off": {},
    }
    results = {}
    for name, f in selections.items():
        sel = index.select(**f)
        results[name] = {"filters": f, "rows": int(len(sel)),
                         "select_ms": round(1000 * timed(lambda: index.select(**f), args.repeat), 2),
                         "select_and_list_ms": round(1000 * timed(
                             lambda: explorer.row_labels(index.select(**f).head(300)), args.repeat), 2)}
    reference = timed(lambda: rows[rows.speakers.str.split("; ").map(lambda v: speaker in v)], args.repeat)
    for r in results.values():
        r["ratio_to_reference"] = round(r["select_and_list_ms"] / (1000 * reference), 3)
    out = {
        "corpus": f"the shipped corpus ({n_base} articles, {len(base):,} sentences) replicated {copies}x",
        "articles": int(rows.article_id.nunique()), "sentences": int(len(rows)),
        "options": {k: len(index.options(k)) for k in ("speaker", "actor", "term", "outlet")},
        "sentence_table_s_shipped_size": round(table_s, 3), "index_build_s": round(index_s, 3),
        "reference": "a plain pandas scan for one speaker (split every row's speakers, test membership)",
        "reference_ms": round(1000 * reference, 2), "selections": results,
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "command": "python bench/bench_explorer.py" + (f" --articles {args.articles}" if args.articles != 5000 else ""),
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
