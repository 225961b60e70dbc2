"""Issue 20: the voice splitter against the coded Wikinews gold, per split, rules alone and as deployed.

Splits: ``dev`` / ``test`` of round 2 (``tests/gold/wikinews/round2``: coder-a.csv, split.csv) and ``heldout``
(round 1, ``tests/gold/wikinews/heldout.csv``). The articles' parse and sentences are read from the shipped corpus's
annotation store (built first when missing: the parse and sentences stages), exactly as the voices stage
reads them; each article is split by the rules alone and with the deployed tagger (``models/minilm-attribution``, its
``combination``). Prints and writes, per split and system: direct-quote P/R/F1, reported speech P/R/F1,
speaker accuracy (direct, reported, all quotes) and the share of the gold's speech characters the voice
segments leave editorial. Test splits are for scoring: nothing here shows an error.

    .venv/bin/python bench/attribution_gold.py [--splits dev test heldout] [--out bench/results/attribution-gold.json]

Run it from another checkout (``--repo``, e.g. a ``git worktree`` of an older commit) to score that code
on the same gold: the gold and corpus are always read from this checkout.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def editorial_share(segments, gold, bodies) -> float:
    """Of the non-space characters a gold direct/partial/indirect item covers, the share the voice segments give
    the editorial voice (as ``analysis.attribution.editorial_share``; here so older code is scored the same way)."""
    import numpy as np

    total = editorial = 0
    speech = gold[gold.kind.isin(["direct", "partial", "indirect"])]
    for aid, g in speech.groupby("article_id"):
        body = bodies[aid]
        covered = np.zeros(len(body), dtype=bool)
        for a, b in zip(g.start, g.end):
            covered[a:b] = True
        covered &= np.array([not c.isspace() for c in body], dtype=bool)
        ed = np.zeros(len(body), dtype=bool)
        seg = segments[(segments.article_id == aid) & (segments.voice == "editorial")]
        for a, b in zip(seg.start, seg.end):
            ed[a:b] = True
        total += int(covered.sum())
        editorial += int((covered & ed).sum())
    return editorial / total if total else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--splits", nargs="+", default=["dev", "test", "heldout"])
    ap.add_argument("--repo", default=str(HERE), help="the checkout whose analysis package is scored")
    ap.add_argument("--out", default=str(HERE / "bench" / "results" / "attribution-gold.json"))
    args = ap.parse_args(argv)
    sys.path.insert(0, args.repo)
    import pandas as pd

    from analysis import coding
    from analysis.corpus import load_corpus
    from analysis.quotes import quotes_frame, split_voices, voice_segments
    from analysis.stages import docs_from_tokens
    from analysis.store import open_store

    tagger, combination = None, "rules"  # code from before the tagger has only the rules
    if (Path(args.repo) / "analysis" / "attribution.py").exists():
        from analysis.attribution import deployed

        tagger, combination = deployed()
    gold_dir = HERE / "tests" / "gold" / "wikinews"
    articles = list(load_corpus(HERE / "corpus" / "articles"))
    bodies = {a.id: a.body for a in articles}
    store = open_store(None, stages=("parse", "sentences"))
    tokens, sentence_table = store.table("tokens"), store.table("sentences")
    systems = [("rules", None, "rules")] + ([("deployed", tagger, combination)] if tagger is not None else [])
    out = {"repo": args.repo, "combination": combination, "splits": {}}
    for name in args.splits:
        if name == "heldout":
            gold = coding.read_sheet(gold_dir / "heldout.csv", bodies)
            ids = set(gold.article_id)
        else:
            gold = coding.read_sheet(gold_dir / "round2" / "coder-a.csv", bodies)
            split = pd.read_csv(gold_dir / "round2" / "split.csv")
            ids = set(split.loc[split.split == name, "article_id"])
            gold = gold[gold.article_id.isin(ids)]
        sel = [a for a in articles if a.id in ids]
        docs = docs_from_tokens(tokens[tokens.article_id.isin(ids)])
        sents = {a: list(zip(g.start.tolist(), g.end.tolist()))
                 for a, g in sentence_table[sentence_table.article_id.isin(ids)].groupby("article_id")}
        out["splits"][name] = {"articles": len(sel)}
        for system, tg, how in systems:
            t = time.perf_counter()
            frames, segs = [], []
            for a in sel:
                kw = {"tagger": tg, "combination": how} if tg is not None else {}
                split_ = split_voices(a, doc=docs[a.id], sentences=sents.get(a.id, []), **kw)
                frames.append(quotes_frame(split_.quotes, doc=docs[a.id]))
                segs.append(voice_segments(a, split_.quotes))
            seconds = time.perf_counter() - t
            table = coding.compare(coding.tool_items(pd.concat(frames, ignore_index=True)), gold).set_index("kind")
            row = {k: {m: (None if pd.isna(table.loc[k, m]) else round(float(table.loc[k, m]), 4))
                       for m in ("n_human", "n_tool", "precision", "recall", "f1", "speaker_accuracy")}
                   for k in ("direct", "partial", "indirect", "all speech") if k in table.index}
            row["editorial_share"] = round(editorial_share(pd.concat(segs, ignore_index=True), gold, bodies), 4)
            row["seconds"] = round(seconds, 1)
            out["splits"][name][system] = row
            ind, allq = row["indirect"], row["all speech"]
            print(f"{name:8s} {system:9s} reported P {ind['precision']:.3f} R {ind['recall']:.3f} F1 {ind['f1']:.3f}; "
                  f"direct F1 {row['direct']['f1']:.3f}; speaker accuracy all {allq['speaker_accuracy']:.3f}"
                  + f"; editorial share {row['editorial_share']:.3f}"
                  + f" ({seconds:.1f} s)", flush=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
