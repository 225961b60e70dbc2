"""Frame coding: sheets of units out, coded sheets back in, coder agreement and tool-vs-coder scores.

The same workflow as :mod:`analysis.coding` (quotations), for the ``frames`` kind: a coder reads
``docs/frames-codebook.md`` and codes each unit (:mod:`analysis.frames`) of the sampled articles
with the dimensions it makes salient, one primary dimension (or ``none``) and, per coded
dimension, the words that carry it.

* :func:`export_sheet` — ``articles.csv``, ``units.csv`` (pre-filled unit columns, blank coder
  columns), ``guide.md`` (the codebook) and ``sheet.xlsx`` (the same as sheets).
* :func:`read_sheet` — a coded ``units.csv`` / ``sheet.xlsx`` back as a codes table; every problem
  names the file and row (:class:`analysis.coding.SheetError`), all problems at once.
* :func:`agreement` — Krippendorff's alpha per dimension (binary: coded or not) and for the
  primary frame (nominal), with article-cluster bootstrap intervals.
* :func:`scores` — per-dimension precision/recall/F1 and primary-frame accuracy of predictions
  against a coding.

Codes table (what :func:`read_sheet` returns), one row per coded unit: ``unit_id``,
``article_id``, ``start``, ``end`` (characters), ``frames`` (tuple of dimension names, empty for
none), ``primary`` (a dimension or ``none``), ``evidence`` (tuple of (dimension, start, end)
offsets into the body), ``note``, ``row`` (sheet row, header = 1), and one 0/1 column per dimension.
"""
from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .coding import SheetError, _cell, locate
from .frames import DIMENSIONS, NONE, unit_id

#: Columns the sheet fills in (coders must not edit them).
UNIT_SHEET_COLUMNS: list[str] = ["unit_id", "article_id", "start", "end", "voice", "speaker", "context", "text"]
#: Columns the coder fills in.
CODER_COLUMNS: list[str] = ["frames", "primary", "evidence", "note"]
CODES_COLUMNS: list[str] = ["unit_id", "article_id", "start", "end", "frames", "primary", "evidence", "note", "row",
                            *DIMENSIONS]


def sheet_units(units: pd.DataFrame, sentences: pd.DataFrame, bodies: dict[str, str]) -> pd.DataFrame:
    """The ``units.csv`` rows of some units: :data:`UNIT_SHEET_COLUMNS` plus blank coder columns.

    ``units``: the units table (:func:`analysis.frames.units`); ``sentences``: the store's
    sentences table (for ``context``, the unit's whole sentence).
    """
    sent = sentences.set_index(["article_id", "sentence"])
    ctx = [bodies[a][int(sent.at[(a, s), "start"]):int(sent.at[(a, s), "end"])]
           for a, s in zip(units.article_id, units.sentence)]
    out = pd.DataFrame({
        "unit_id": [unit_id(a, s, e) for a, s, e in zip(units.article_id, units.start, units.end)],
        "article_id": units.article_id.to_numpy(), "start": units.start.astype(int).to_numpy(),
        "end": units.end.astype(int).to_numpy(), "voice": units.voice.to_numpy(),
        "speaker": [s if isinstance(s, str) else "" for s in units.speaker], "context": ctx, "text": units.text.to_numpy()})
    for c in CODER_COLUMNS:
        out[c] = ""
    return out


def export_sheet(articles: pd.DataFrame, rows: pd.DataFrame, out: str | Path, *, header: str = "",
                 guide: str | Path = paths.FRAMES_CODEBOOK) -> dict[str, Path]:
    """Write a frames coding sheet to the folder ``out``.

    ``articles``: columns article_id, title, text (the bodies); ``rows``: :func:`sheet_units`.
    Files: ``articles.csv``, ``units.csv``, ``guide.md`` (``header`` then the codebook) and
    ``sheet.xlsx`` (sheets guide, articles, units). Cells are escaped against spreadsheet formula
    injection (:func:`analysis.coding.safe_cell`). Returns {"articles", "units", "guide", "xlsx"} -> path.
    """
    from .coding import _xlsx_articles, safe_frame

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {"articles": out / "articles.csv", "units": out / "units.csv", "guide": out / "guide.md",
             "xlsx": out / "sheet.xlsx"}
    guide_text = header + Path(guide).read_text(encoding="utf-8")
    safe_frame(articles[["article_id", "title", "text"]]).to_csv(files["articles"], index=False,
                                                                 quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    # every cell quoted: a carriage return inside a unit's text must not split its row for a reader
    safe_frame(rows).to_csv(files["units"], index=False, quoting=csv.QUOTE_ALL, lineterminator="\n")
    files["guide"].write_text(guide_text, encoding="utf-8")
    with pd.ExcelWriter(files["xlsx"], engine="openpyxl") as xl:
        safe_frame(pd.DataFrame({"guide": guide_text.split("\n")})).to_excel(xl, sheet_name="guide", index=False)
        safe_frame(_xlsx_articles(articles[["article_id", "title", "text"]])).to_excel(xl, sheet_name="articles", index=False)
        safe_frame(rows).to_excel(xl, sheet_name="units", index=False)
    return files


def _split_frames(value: str) -> list[str]:
    return [p.strip().lower() for p in value.replace(",", ";").split(";") if p.strip()]


def read_sheet(path: str | Path, bodies: dict[str, str]) -> pd.DataFrame:
    """A coded frames sheet (``units.csv`` or ``sheet.xlsx``'s ``units``) as a codes table.

    Every row must carry ``unit_id``, ``article_id``, ``start``, ``end`` (as exported) and the coder
    columns: ``frames`` (dimensions separated by ``;``, or ``none``), ``primary`` (one of the row's
    frames, or ``none``), ``evidence`` (``dimension: words`` separated by ``|``; the words are
    located inside the unit's span). Rows with every coder column empty are not coded and are left
    out. Raises :class:`SheetError` naming the file and the first bad row, listing every other bad row.
    """
    from .coding import unescape_cell

    path = Path(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, sheet_name="units", dtype=object)
        else:
            frame = pd.read_csv(path, dtype=object, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise SheetError(path, None, f"not a readable sheet ({exc})") from exc
    missing = [c for c in ["article_id", "start", "end", "frames", "primary"] if c not in frame.columns]
    if missing:
        raise SheetError(path, 1, f"missing column(s) {', '.join(missing)}")
    rows, problems = [], []
    known = set(DIMENSIONS)
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        get = lambda c: unescape_cell(_cell(rec.get(c))).strip()  # noqa: E731
        fr, pr, ev = get("frames"), get("primary").lower(), get("evidence")
        if not fr and not pr and not ev:
            continue
        aid = get("article_id")
        try:
            start, end = int(float(get("start"))), int(float(get("end")))
        except ValueError:
            problems.append((row, "start/end are not integers"))
            continue
        if aid not in bodies:
            problems.append((row, f"unknown article_id {aid!r}"))
            continue
        if not 0 <= start < end <= len(bodies[aid]):
            problems.append((row, f"offsets {start}-{end} outside article {aid}"))
            continue
        names = _split_frames(fr)
        if names == [NONE]:
            names = []
        bad = [n for n in names if n not in known]
        if bad or (not names and fr.lower() != NONE):
            problems.append((row, f"unknown frame(s) {bad or [fr]} (dimensions: {', '.join(DIMENSIONS)}, or none)"))
            continue
        if not pr:
            pr = names[0] if len(names) == 1 else ""
        if (names and pr not in names) or (not names and pr not in (NONE, "")):
            problems.append((row, f"primary {pr!r} is not one of the row's frames ({', '.join(names) or 'none'})"))
            continue
        evidence, body = [], bodies[aid]
        for part in [p for p in ev.split("|") if p.strip()]:
            dim, sep, words = part.partition(":")
            dim = dim.strip().lower()
            if not sep or dim not in names:
                problems.append((row, f"evidence {part.strip()!r} must be 'dimension: words' for a coded dimension"))
                break
            span = locate(body[start:end], words.strip())
            if span is None:
                problems.append((row, f"evidence words not found in the unit: {words.strip()[:60]!r}"))
                break
            evidence.append((dim, start + span[0], start + span[1]))
        else:
            rows.append({"unit_id": unit_id(aid, start, end), "article_id": aid, "start": start, "end": end,
                         "frames": tuple(n for n in DIMENSIONS if n in names), "primary": pr or NONE,
                         "evidence": tuple(evidence), "note": get("note"), "row": row,
                         **{d: int(d in names) for d in DIMENSIONS}})
    if problems:
        more = "".join(f"; row {r}: {m}" for r, m in problems[1:])
        raise SheetError(path, problems[0][0], problems[0][1] + more)
    out = pd.DataFrame(rows, columns=CODES_COLUMNS)
    dup = out.unit_id.duplicated()
    if dup.any():
        raise SheetError(path, int(out.row[dup].iloc[0]), f"unit {out.unit_id[dup].iloc[0]} coded twice")
    return out


# ----------------------------------------------------------------------------- agreement and scores


def _alpha(matrix: np.ndarray) -> float:
    import krippendorff

    if matrix.shape[1] == 0 or len(np.unique(matrix[~np.isnan(matrix)])) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def agreement(a: pd.DataFrame, b: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Krippendorff's alpha between two codings of the same units, per dimension and for the primary.

    ``a``, ``b``: codes tables (:func:`read_sheet`); compared on the units both coded. Per
    dimension, each coder's value is 1 when the unit is coded with it, else 0 (nominal alpha);
    row ``primary`` compares the primary frame (16 values, ``none`` included); row ``any frame``
    compares frame vs none. Intervals: percentile bootstrap over articles (the units of a resampled
    article go together; Krippendorff 2018 §12.7 discusses bootstrapping alpha), ``n_boot``
    resamples seeded with ``seed``. Returns columns dimension, alpha, low, high, n_units,
    n_articles, positives_a, positives_b (units coded with the dimension by each coder), agree
    (share of units where both gave the same value). Needs the ``krippendorff`` package.
    """
    m = a.merge(b, on="unit_id", suffixes=("_a", "_b"))
    arts = m.article_id_a.to_numpy()
    ids, inv = np.unique(arts, return_inverse=True)
    groups = [np.flatnonzero(inv == k) for k in range(len(ids))]
    rng = np.random.default_rng(seed)
    draws = [np.concatenate([groups[k] for k in rng.integers(0, len(ids), len(ids))]) for _ in range(n_boot)] if len(ids) else []
    prim_codes = {n: i for i, n in enumerate((NONE, *DIMENSIONS))}
    series = {d: (m[f"{d}_a"].to_numpy(float), m[f"{d}_b"].to_numpy(float)) for d in DIMENSIONS}
    series["any frame"] = ((m.primary_a != NONE).to_numpy(float), (m.primary_b != NONE).to_numpy(float))
    series["primary"] = (m.primary_a.map(prim_codes).to_numpy(float), m.primary_b.map(prim_codes).to_numpy(float))
    rows = []
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    for name, (x, y) in series.items():
        alpha = _alpha(np.vstack([x, y]))
        boots = np.array([_alpha(np.vstack([x[d], y[d]])) for d in draws]) if draws and not np.isnan(alpha) else np.array([])
        boots = boots[~np.isnan(boots)]
        rows.append({"dimension": name, "alpha": alpha,
                     "low": float(np.quantile(boots, lo_q)) if len(boots) else float("nan"),
                     "high": float(np.quantile(boots, hi_q)) if len(boots) else float("nan"),
                     "n_units": len(m), "n_articles": len(ids),
                     "positives_a": int(x.sum()) if name not in ("primary",) else int((x > 0).sum()),
                     "positives_b": int(y.sum()) if name not in ("primary",) else int((y > 0).sum()),
                     "agree": float((x == y).mean()) if len(m) else float("nan")})
    return pd.DataFrame(rows)


def scores(pred: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Predictions against a coding: per-dimension precision, recall, F1; primary accuracy.

    ``pred``: unit_id, primary and one 0/1 column per dimension (a frames table thresholded, or a
    codes table of another coder); ``gold``: a codes table. Compared on the units both have. Rows:
    one per dimension (n_gold = gold positives, n_pred, tp, precision, recall, f1), ``macro`` (mean
    F1 over dimensions with at least one gold positive), ``primary`` (accuracy of the primary frame,
    ``none`` included, in column ``f1``; n_gold = units), ``any frame`` (F1 of frame vs none).
    """
    m = gold.merge(pred, on="unit_id", suffixes=("_g", "_p"))
    rows = []

    def prf(g: np.ndarray, p: np.ndarray, name: str) -> dict:
        tp = int((g & p).sum())
        prec = tp / p.sum() if p.sum() else float("nan")
        rec = tp / g.sum() if g.sum() else float("nan")
        f1 = 2 * tp / (g.sum() + p.sum()) if g.sum() + p.sum() else float("nan")
        return {"dimension": name, "n_gold": int(g.sum()), "n_pred": int(p.sum()), "tp": tp, "precision": prec,
                "recall": rec, "f1": f1}

    for d in DIMENSIONS:
        rows.append(prf(m[f"{d}_g"].to_numpy(bool), m[f"{d}_p"].to_numpy(bool), d))
    f1s = [r["f1"] for r in rows if r["n_gold"] > 0 and not np.isnan(r["f1"])]
    rows.append({"dimension": "macro", "n_gold": len(f1s), "n_pred": np.nan, "tp": np.nan, "precision": np.nan,
                 "recall": np.nan, "f1": float(np.mean(f1s)) if f1s else float("nan")})
    rows.append(prf((m.primary_g != NONE).to_numpy(), (m.primary_p != NONE).to_numpy(), "any frame"))
    acc = float((m.primary_g == m.primary_p).mean()) if len(m) else float("nan")
    rows.append({"dimension": "primary", "n_gold": len(m), "n_pred": len(m), "tp": int((m.primary_g == m.primary_p).sum()),
                 "precision": np.nan, "recall": np.nan, "f1": acc})
    return pd.DataFrame(rows)


def adjudicated(a: pd.DataFrame, b: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The adjudicated coding of doubly coded units: where the coders agree on frames and primary,
    their code; elsewhere the adjudicator's (``decisions``, a codes table). Raises ValueError when a
    disagreement has no decision."""
    m = a.merge(b[["unit_id", "frames", "primary"]], on="unit_id", suffixes=("", "_b"))
    same = (m.frames == m.frames_b) & (m.primary == m.primary_b)
    need = set(m.unit_id[~same])
    have = set(decisions.unit_id)
    if need - have:
        raise ValueError(f"{len(need - have)} disagreements have no adjudication, e.g. {sorted(need - have)[0]}")
    agreed = a[a.unit_id.isin(set(m.unit_id[same]))]
    return pd.concat([agreed, decisions[decisions.unit_id.isin(need)]], ignore_index=True)


def as_sheet_rows(sheet: pd.DataFrame, only: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of an exported ``units.csv`` (optionally only some unit ids), for splitting into batches."""
    return sheet if only is None else sheet[sheet.unit_id.isin(set(only))]


# ----------------------------------------------------------------------------- the shipped coded corpus

#: Files of the coded corpus under ``corpus/frames`` (see its README.md, the data card).
CORPUS_FILES: dict[str, str] = {"coder1": "coder1.csv", "coder2": "coder2.csv", "adjudication": "adjudication.csv",
                                "sample": "sample.csv", "round2": "round2", "agreement": "agreement.json"}
#: Where each gold unit's code comes from (the ``source`` column of the gold table).
GOLD_SOURCES: dict[str, str] = {
    "single": "coded by the primary coder only",
    "agreed": "double-coded, both coders gave the same frames and primary (the primary coder's row, evidence included)",
    "adjudicated": "double-coded round 1, coders disagreed, the adjudicator's code",
    "primary-disagreed": "double-coded round 2 (train split only), coders disagreed, not adjudicated: the primary "
                         "coder's code",
}


def corpus_bodies(folder: str | Path | None = None) -> dict[str, str]:
    """{article_id: body} of the coded articles, read from the shipped corpus (``corpus/articles``)."""
    from .importers import load_source

    ids = set(pd.read_csv(Path(folder or paths.FRAMES_CORPUS) / CORPUS_FILES["sample"], dtype=str).article_id)
    return {a.id: a.body for a in load_source(paths.ARTICLES).articles if a.id in ids}


def _round2(folder: Path, who: str, bodies: dict[str, str]) -> pd.DataFrame:
    """The round-2 sheets of one coder (``round2/primary-*.csv`` or ``round2/second-*.csv``), in batch order."""
    files = sorted((folder / CORPUS_FILES["round2"]).glob(f"{who}-*.csv"), key=lambda f: int(f.stem.split("-")[-1]))
    frames = [read_sheet(f, bodies) for f in files]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CODES_COLUMNS)
    dup = out.unit_id.duplicated()
    if dup.any():
        raise ValueError(f"round 2: unit {out.unit_id[dup].iloc[0]} is in two {who} sheets")
    return out


def read_corpus(folder: str | Path | None = None, bodies: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """The shipped coded corpus.

    Returns {"coder1", "coder2", "adjudication": round 1 codes tables (primary coder, second coder,
    adjudicated disagreements); "primary2", "second2": round 2 codes tables (``round2/primary-*.csv``,
    ``round2/second-*.csv``); "sample": the sample table (article_id, round, units, split,
    primary_batch, second_batch); "gold": the gold table}.

    Gold (one row per coded unit; the codes-table columns plus ``split`` (train | dev | test),
    ``round`` (1 | 2) and ``source``, :data:`GOLD_SOURCES`): the primary coder's code where only
    they coded the unit (``single``); the shared code where both coders agree on frames and primary
    (``agreed``); for round-1 disagreements the adjudicator's (``adjudicated``); round-2
    disagreements (all in the train split) are not adjudicated: the primary coder's code
    (``primary-disagreed``). Raises :class:`SheetError` for a bad sheet row; ValueError for a round-1
    disagreement left unadjudicated, a second-coded unit the primary coder did not code, or a coded
    unit whose article is not in the sample (naming them).
    """
    folder = Path(folder or paths.FRAMES_CORPUS)
    bodies = bodies if bodies is not None else corpus_bodies(folder)
    c1 = read_sheet(folder / CORPUS_FILES["coder1"], bodies)
    c2 = read_sheet(folder / CORPUS_FILES["coder2"], bodies)
    adj = read_sheet(folder / CORPUS_FILES["adjudication"], bodies)
    p2, s2 = _round2(folder, "primary", bodies), _round2(folder, "second", bodies)
    sample = pd.read_csv(folder / CORPUS_FILES["sample"], dtype={"article_id": str})
    for first, second, name in ((c1, c2, "round 1"), (p2, s2, "round 2")):
        orphan = sorted(set(second.unit_id) - set(first.unit_id))
        if orphan:
            raise ValueError(f"{name}: {len(orphan)} second-coded units the primary coder did not code, e.g. {orphan[0]}")
    overlap = sorted(set(c1.unit_id) & set(p2.unit_id))
    if overlap:
        raise ValueError(f"{len(overlap)} units coded in both rounds, e.g. {overlap[0]}")
    both = adjudicated(c1[c1.unit_id.isin(set(c2.unit_id))], c2, adj)
    decided = set(adj.unit_id) & set(both.unit_id)
    both = both.assign(source=["adjudicated" if u in decided else "agreed" for u in both.unit_id])
    single = c1[~c1.unit_id.isin(set(c2.unit_id))].assign(source="single")
    m2 = p2.merge(s2[["unit_id", "frames", "primary"]], on="unit_id", how="left", suffixes=("", "_b"))
    second_coded = m2.primary_b.notna().to_numpy()
    same = second_coded & (m2.frames == m2.frames_b).to_numpy() & (m2.primary == m2.primary_b).to_numpy()
    round2 = p2.assign(source=np.where(~second_coded, "single", np.where(same, "agreed", "primary-disagreed")))
    gold = pd.concat([single.assign(round=1), both.assign(round=1), round2.assign(round=2)], ignore_index=True)
    split = dict(zip(sample.article_id, sample.split))
    gold["split"] = gold.article_id.map(split)
    if gold.split.isna().any():
        outside = sorted(set(gold.article_id[gold.split.isna()]))
        raise ValueError(f"coded units of {len(outside)} articles outside the sample, e.g. {outside[:3]}")
    rounds = dict(zip(sample.article_id, sample["round"]))
    wrong = gold.article_id.map(rounds) != gold["round"]
    if wrong.any():
        raise ValueError(f"units coded in a round their article is not sampled in, e.g. {gold.unit_id[wrong].iloc[0]}")
    bad = (gold.source == "primary-disagreed") & (gold.split != "train")
    if bad.any():
        raise ValueError(f"unadjudicated disagreements outside the train split, e.g. {gold.unit_id[bad].iloc[0]}")
    gold = gold.sort_values(["article_id", "start"], kind="stable").reset_index(drop=True)
    return {"coder1": c1, "coder2": c2, "adjudication": adj, "primary2": p2, "second2": s2, "sample": sample,
            "gold": gold}


def corpus_agreement(corpus: dict[str, pd.DataFrame] | None = None, *, n_boot: int = 300, seed: int = 0) -> dict:
    """Krippendorff's alpha of the shipped corpus's double-coded units, per round and both rounds pooled.

    {"round 1": agreement(coder1, coder2), "round 2": agreement(primary2, second2), "all": the two
    pooled} (:func:`agreement`, ``n_boot`` article-bootstrap resamples seeded with ``seed``), each as a
    list of rows rounded to 4 decimals: what ``corpus/frames/agreement.json`` holds and the data card quotes.
    """
    c = corpus if corpus is not None else read_corpus()
    pairs = {"round 1": (c["coder1"], c["coder2"]), "round 2": (c["primary2"], c["second2"]),
             "all": (pd.concat([c["coder1"], c["primary2"]], ignore_index=True),
                     pd.concat([c["coder2"], c["second2"]], ignore_index=True))}
    out = {}
    for name, (a, b) in pairs.items():
        table = agreement(a, b, n_boot=n_boot, seed=seed)
        out[name] = [{k: (None if isinstance(v, float) and np.isnan(v) else (round(float(v), 4) if isinstance(v, float) else v))
                      for k, v in rec.items()} for rec in table.to_dict("records")]
    return {"n_boot": n_boot, "seed": seed, "rounds": out}


def gold_counts(gold: pd.DataFrame) -> pd.DataFrame:
    """Gold units per split and per dimension (rows: dimensions, then ``any frame`` and ``units``; columns
    train, dev, test, all)."""
    splits = ["train", "dev", "test"]
    rows = {d: [int(gold[d][gold.split == s].sum()) for s in splits] for d in DIMENSIONS}
    rows["any frame"] = [int((gold.primary[gold.split == s] != NONE).sum()) for s in splits]
    rows["units"] = [int((gold.split == s).sum()) for s in splits]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=splits)
    out["all"] = out.sum(axis=1)
    return out


def counts_markdown(gold: pd.DataFrame) -> str:
    """:func:`gold_counts` as the data card's Markdown table."""
    counts = gold_counts(gold)
    lines = ["| dimension | train | dev | test | all |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {r['train']} | {r['dev']} | {r['test']} | {r['all']} |" for name, r in counts.iterrows()]
    return "\n".join(lines)


def agreement_markdown(record: dict) -> str:
    """:func:`corpus_agreement`'s record as the data card's Markdown table (alpha [95 % interval] per round)."""
    rounds = list(record["rounds"])
    by = {r: {row["dimension"]: row for row in record["rounds"][r]} for r in rounds}

    def cell(row: dict) -> str:
        if row["alpha"] is None:
            return "– (no positives)"
        ci = f" [{row['low']:.2f}, {row['high']:.2f}]" if row["low"] is not None and row["low"] != row["high"] else ""
        return f"{row['alpha']:.2f}{ci} ({row['positives_a']}/{row['positives_b']})"

    lines = ["| dimension | " + " | ".join(f"α {r}" for r in rounds) + " |", "|---" * (len(rounds) + 1) + "|"]
    for dim in by[rounds[0]]:
        lines.append(f"| {dim} | " + " | ".join(cell(by[r][dim]) for r in rounds) + " |")
    first = by[rounds[0]][next(iter(by[rounds[0]]))]
    lines.append("| units (articles) | " + " | ".join(
        f"{by[r][first['dimension']]['n_units']} ({by[r][first['dimension']]['n_articles']})" for r in rounds) + " |")
    return "\n".join(lines)
