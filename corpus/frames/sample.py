"""Draw the frames coding sample from the shipped corpus, split it by article, assign coder batches.

Run from the repository root: ``.venv/bin/python corpus/frames/sample.py``. Deterministic: the
same store (same units) and seed give the same ``sample.csv`` (one row per sampled article:
article_id, units, split, primary_batch, second_batch) and the sheets under ``build/frames-sheets``.
Decided before any frames model existed; the test split is never used for training or selection.

Design (recorded in the data card): whole articles, drawn in a seeded random order among articles
with at most MAX_UNITS units (the few long interview and live pages are left out), the seed article
first, until at least TARGET units; no oversampling, so shares need no reweighting within the
eligible population. Split by article in the same seeded order: test (the seed article first) until
TEST units, dev until DEV units, the rest train. Second coding: every test article, then train
articles in order until SECOND_SHARE of all units.
"""
from __future__ import annotations

import random
import sys

import pandas as pd

from analysis import paths
from analysis.frame_coding import export_sheet, sheet_units
from analysis.frames import store_units
from analysis.store import open_store

SEED, TARGET, MAX_UNITS, TEST, DEV, SECOND_SHARE = 2026, 3150, 150, 720, 380, 0.27
PRIMARY_BATCHES, SECOND_BATCHES = 5, 2
#: Round 2 (more training data, drawn after round 1 was coded and before any frames model was trained
#: on the full set): the next articles of the same seeded order, all train, until TARGET2 more units;
#: second coding continues in the same order until SECOND_SHARE of all units is double-coded.
TARGET2, PRIMARY_BATCHES2, SECOND_BATCHES2 = 2600, 4, 2
SEED_ARTICLE = "000_98b569404c0edd86"


def main() -> None:
    store = open_store(None, stages=["voices"])
    u = store_units(store)
    per = u.groupby("article_id", sort=False).size()
    order = [a for a in per.index if per[a] <= MAX_UNITS and a != SEED_ARTICLE]
    random.Random(SEED).shuffle(order)
    order = [SEED_ARTICLE] + order
    chosen, n = [], 0
    for a in order:
        if n >= TARGET:
            break
        chosen.append(a)
        n += int(per[a])
    round2, n2 = [], 0
    for a in order[len(chosen):]:
        if n2 >= TARGET2:
            break
        round2.append(a)
        n2 += int(per[a])
    split, acc = {}, 0
    for a in chosen:
        acc += int(per[a])
        split[a] = "test" if acc - int(per[a]) < TEST else ("dev" if acc - int(per[a]) < TEST + DEV else "train")
    second, acc2 = set(a for a in chosen if split[a] == "test"), sum(int(per[a]) for a in chosen if split[a] == "test")
    for a in chosen:
        if acc2 >= SECOND_SHARE * n:
            break
        if split[a] == "train":
            second.add(a)
            acc2 += int(per[a])
    # batches: articles dealt in order to the batch with the fewest units so far
    def deal(ids, k):
        loads, out = [0] * k, {}
        for a in ids:
            b = min(range(k), key=lambda i: (loads[i], i))
            out[a] = b + 1
            loads[b] += int(per[a])
        return out, loads
    prim, ploads = deal(chosen, PRIMARY_BATCHES)
    sec, sloads = deal([a for a in chosen if a in second], SECOND_BATCHES)
    second2, acc3 = set(), acc2
    for a in round2:
        if acc3 >= SECOND_SHARE * (n + n2):
            break
        second2.add(a)
        acc3 += int(per[a])
    prim2, ploads2 = deal(round2, PRIMARY_BATCHES2)
    sec2, sloads2 = deal([a for a in round2 if a in second2], SECOND_BATCHES2)
    prim.update({a: PRIMARY_BATCHES + b for a, b in prim2.items()})
    sec.update({a: SECOND_BATCHES + b for a, b in sec2.items()})
    split.update({a: "train" for a in round2})
    every = chosen + round2
    sample = pd.DataFrame({"article_id": every, "round": [1] * len(chosen) + [2] * len(round2),
                           "units": [int(per[a]) for a in every], "split": [split[a] for a in every],
                           "primary_batch": [prim[a] for a in every], "second_batch": [sec.get(a, 0) for a in every]})
    print(f"round 2: {len(round2)} articles, {n2} units; second-coded {acc3 - acc2}; batches {ploads2}, {sloads2}; "
          f"all: {n + n2} units, {acc3} double-coded ({acc3 / (n + n2):.1%})", file=sys.stderr)
    chosen = every
    sample.to_csv(paths.FRAMES_CORPUS / "sample.csv", index=False, lineterminator="\n")
    print(f"{len(chosen)} articles, {n} units; split {sample.groupby('split').units.sum().to_dict()}; "
          f"second-coded {acc2} units ({acc2 / n:.1%}); primary batches {ploads}; second batches {sloads}", file=sys.stderr)
    arts = store.table("articles", columns=["title", "body"]).rename(columns={"body": "text"})
    sents = store.table("sentences", columns=["sentence", "start", "end"])
    bodies = store.bodies()
    rows = sheet_units(u[u.article_id.isin(set(chosen))], sents, bodies)
    for who, col, k in (("primary", "primary_batch", PRIMARY_BATCHES + PRIMARY_BATCHES2),
                        ("second", "second_batch", SECOND_BATCHES + SECOND_BATCHES2)):
        for b in range(1, k + 1):
            if (paths.BUILD / "frames-sheets" / f"{who}-{b}" / "coded.csv").exists():
                continue  # already coded: never overwritten
            ids = set(sample.article_id[sample[col] == b])
            out = paths.BUILD / "frames-sheets" / f"{who}-{b}"
            header = f"kind: frames\nbatch: {who}-{b}\nsample: {len(ids)} articles, seed {SEED}\n\n"
            export_sheet(arts[arts.article_id.isin(ids)], rows[rows.article_id.isin(ids)], out, header=header)


if __name__ == "__main__":
    main()
