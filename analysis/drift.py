"""Drift of regenerated figures against the committed reference figures: numbers within stated
tolerances, labels by agreement rate, and every difference named with its size.

Why tolerances and not bytes: the learned models run as ONNX Runtime fp32 (the recipe,
:data:`analysis.minilm.QUANTISATION`), whose kernels differ between processors only in the order of
float additions, so a learned score moves in its sixth decimal between two x86-64 machines (measured:
the SSE and AVX2 kernel paths), a figure's rounded cell by one unit of its last digit now and then,
and a label only where a score lies within that of a threshold; everything the rules, the lexicons,
VADER and the parser produce is the same bit for bit. (With ``FRAMING_INFERENCE=int8`` scores move by
up to 0.05-0.25 between processors, microsoft/onnxruntime#14642: compare such figures with their own
references.) A reference figure therefore declares which of its cells come from a learned model
(:data:`RULES`): those are compared with :data:`LEARNED`, every other cell exactly (:data:`EXACT`).

A cell is a value of a CSV row and column. Rows are matched on their label columns (the text
columns that no learned model writes) and their order among rows with the same labels; a row
present on one side only is a label disagreement. A figure passes when

* every exact cell is equal (numbers as parsed floats; text as text) and every exact row is on both
  sides;
* among learned cells, the share outside ``atol + rtol * |reference|`` is at most ``cells``, and
  the share of learned rows found on both sides whose learned text cells agree (and of learned rows
  on both sides at all) is at least ``labels``.

Figures whose provenance records other optional inputs (:data:`analysis.provenance.OPTIONAL_INPUTS`)
or other parameters are not compared: their absence is not drift.
"""
from __future__ import annotations

import fnmatch
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Tolerance:
    """How far a regenerated cell may be from the reference.

    ``atol``/``rtol``: a number ``new`` matches ``ref`` when ``|new - ref| <= atol + rtol * |ref|``;
    ``cells``: the share (0-1) of cells allowed outside that band; ``labels``: the least share (0-1) of
    rows whose text cells agree.
    """

    atol: float
    rtol: float
    cells: float
    labels: float


#: Cells no learned model writes: equal, or drift.
EXACT = Tolerance(atol=0.0, rtol=0.0, cells=0.0, labels=1.0)

#: Cells a learned model writes (sentence sentiment, the learned loaded-word detector, target sentiment,
#: frames). Measured between two kernel paths of ONNX Runtime's fp32 (this AMD EPYC's AVX2 and the SSE path
#: under ``qemu-x86_64 -cpu Nehalem``): sentence scores and frame probabilities differ by at most 1e-6 (the 6-decimal
#: rounding unit), target probabilities by 2e-6 (README,
#: "Figures, reproducibly"), so a number stays within ±(0.002 + 0.1 %) even where its third printed decimal rounds the other way;
#: 5 % of cells may leave that (a word within 1e-6 of the threshold, a bootstrap bound on a tie), 95 % of labels must agree.
#: The bounds before fp32 (int8, measured on an AVX2 and a VNNI machine) were ±(0.02 + 5 %), 40 % of cells
#: and 75 % of labels. A changed model, threshold or rule moves most cells and fails.
LEARNED = Tolerance(atol=0.002, rtol=0.001, cells=0.05, labels=0.95)


@dataclass(frozen=True)
class Rule:
    """Which cells of the figures named ``pattern`` (a glob on the CSV's stem) a learned model writes.

    ``rows``: (column, values): rows whose ``column`` is one of ``values`` (globs); ``columns``: columns
    that are learned in every row; ``whole``: every cell. Cells of a rule's rows that are labels (text)
    are labels: rows are matched on them, so a learned row on one side only (a term the learned detector
    flags on one machine only) counts against the label agreement; text ``columns`` (a learned polarity)
    are compared cell by cell. ``weight``: a count column; label agreement is then weighted by it —
    the share of counted items on both sides, sum(min) / sum(max) over rows (the Ruzicka similarity) —
    so a term seen once that crosses the threshold weighs as one occurrence, not as one row.
    """

    pattern: str
    rows: tuple[str, tuple[str, ...]] | None = None
    columns: tuple[str, ...] = ()
    whole: bool = False
    weight: str | None = None
    why: str = ""


#: The figures with learned cells; every other figure is compared exactly.
RULES: tuple[Rule, ...] = (
    Rule("03-*", rows=("scorer", ("minilm*",)), why="the minilm sentence-sentiment scorer"),
    Rule("03-scorer-agreement", whole=True, why="agreement of VADER with minilm"),
    Rule("04-density", rows=("family", ("learned",)), why="the learned loaded-word detector's own words"),
    Rule("04-loaded-terms", rows=("family", ("learned",)), weight="n", why="the learned loaded-word detector's own words"),
    Rule("04-prevalence", whole=True, why="items ranked over lexicon and learned terms"),
    Rule("04-validation", rows=("detector", ("minilm*", "union*")), why="the learned detector's evaluation"),
    Rule("07-portrayal", rows=("measure", ("negative", "neutral", "positive", "mean score")),
         why="target-dependent sentiment (minilm-targets)"),
    Rule("07-negative-share", whole=True, why="target-dependent sentiment (minilm-targets)"),
    Rule("07-mean-score", whole=True, why="target-dependent sentiment (minilm-targets)"),
    Rule("07-seed-actors", columns=("polarity", "score"), why="target-dependent sentiment (minilm-targets)"),
    Rule("08-*", whole=True, why="the frames model (minilm-frames): every share, gap and count of framed units"),
)


@dataclass
class Comparison:
    """The comparison of one figure's CSV with its reference."""

    name: str
    status: str  # "same", "within tolerance", "drifted", "not compared", "missing", "not regenerated"
    reason: str = ""
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("same", "within tolerance", "not compared", "not regenerated")


def _rule(name: str) -> Rule | None:
    """The rule of a figure: the one named exactly, else the first whose glob matches."""
    exact = [r for r in RULES if r.pattern == name]
    globs = [r for r in RULES if fnmatch.fnmatchcase(name, r.pattern)]
    return (exact or globs or [None])[0]


def _is_number(v) -> bool:
    import numbers

    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def _plain(v):
    """A cell as written in the CSV (numpy scalars as plain numbers)."""
    return v.item() if hasattr(v, "item") else v


def _learned_mask(frame: pd.DataFrame, rule: Rule | None, numeric: list[str]) -> pd.DataFrame:
    """Boolean frame: True where a cell is learned (numbers of the rule's rows or of a whole figure, and
    the rule's columns)."""
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    if rule is None:
        return mask
    for c in rule.columns:
        if c in mask.columns:
            mask[c] = True
    if rule.whole:
        mask[numeric] = True
    elif rule.rows and rule.rows[0] in frame.columns:
        col, globs = rule.rows
        hit = frame[col].astype(str).map(lambda v: any(fnmatch.fnmatchcase(v, g) for g in globs)).to_numpy()
        for c in numeric:
            mask.loc[hit, c] = True
    return mask


def _keyed(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    if key:  # text per cell, missing as "" (pandas 3 keeps NaN through astype(str), which join refuses)
        keys = frame[key].apply(lambda col: col.map(lambda v: "" if pd.isna(v) else str(v))).agg("\x1f".join, axis=1)
    else:
        keys = pd.Series("", index=frame.index)
    return frame.assign(_key=keys.to_numpy(), _n=keys.groupby(keys).cumcount().to_numpy()).set_index(["_key", "_n"])


def compare_tables(ref: pd.DataFrame, new: pd.DataFrame, *, name: str = "", rule: Rule | None = None,
                   exact: Tolerance = EXACT, learned: Tolerance = LEARNED, show: int = 5) -> Comparison:
    """Compare one regenerated table with its reference (module docstring for the rules).

    ``ref``/``new``: the two CSVs as read by :func:`read_figure_csv`; ``rule``: which cells are learned
    (default: :func:`_rule` of ``name``). Returns a :class:`Comparison` whose ``differences`` name the
    worst cells (row labels, column, reference, new, difference), at most ``show`` per kind.
    """
    rule = rule if rule is not None else _rule(name)
    if list(ref.columns) != list(new.columns):
        return Comparison(name, "drifted", "columns differ",
                          [f"columns: reference {list(ref.columns)} vs {list(new.columns)}"])
    numeric = [c for c in ref.columns if pd.api.types.is_numeric_dtype(ref[c]) and pd.api.types.is_numeric_dtype(new[c])]
    lm_ref, lm_new = _learned_mask(ref, rule, numeric), _learned_mask(new, rule, numeric)
    # rows are matched on their text cells, except text columns a learned model writes (e.g. a polarity)
    key = [c for c in ref.columns if c not in numeric and not (rule is not None and c in rule.columns)]
    r, n = _keyed(ref, key), _keyed(new, key)
    # a row is learned when a rule selects it (its numbers are learned); learned columns alone leave rows exact
    row_learned_r = pd.Series(lm_ref[numeric].any(axis=1).to_numpy() if numeric and rule is not None and (rule.rows or rule.whole)
                              else False, index=r.index, dtype=bool)
    row_learned_n = pd.Series(lm_new[numeric].any(axis=1).to_numpy() if numeric and rule is not None and (rule.rows or rule.whole)
                              else False, index=n.index, dtype=bool)
    only_ref = r.index.difference(n.index)
    only_new = n.index.difference(r.index)
    both = r.index.intersection(n.index, sort=False)
    diffs: list[str] = []
    bad_exact: list[tuple[float, str]] = []
    learned_num, learned_out, learned_rows, learned_rows_agree = 0, [], 0, 0
    # rows on one side only
    exact_missing = [k for k in only_ref if not row_learned_r[k]] + [k for k in only_new if not row_learned_n[k]]
    learned_missing = sum(bool(row_learned_r[k]) for k in only_ref) + sum(bool(row_learned_n[k]) for k in only_new)
    weight = rule.weight if rule is not None and rule.weight in ref.columns else None
    w_min = w_max = 0.0
    if weight:
        for k in only_ref:
            w_max += float(r.at[k, weight]) if row_learned_r[k] else 0.0
        for k in only_new:
            w_max += float(n.at[k, weight]) if row_learned_n[k] else 0.0
    for k in exact_missing[:show]:
        diffs.append(f"row {k[0].replace(chr(31), ' | ') or k[1]!s}: on one side only")
    lmr = lm_ref.set_axis(r.index)
    for k in both:
        a, b = r.loc[k], n.loc[k]
        is_learned_row = bool(row_learned_r[k] or row_learned_n[k]) or (rule is not None and any(
            c in ref.columns and c not in numeric for c in rule.columns))
        labels_agree = True
        for c in ref.columns:
            if c in key:
                continue
            va, vb = _plain(a[c]), _plain(b[c])
            learned_cell = bool(lmr.at[k, c])
            label = " | ".join(str(x) for x in k[0].split("\x1f")) or str(k[1])
            if _is_number(va) and _is_number(vb):
                tol = learned if learned_cell else exact
                if math.isnan(float(va)) or math.isnan(float(vb)):  # no value (e.g. no interval) on one side or both
                    within = math.isnan(float(va)) and math.isnan(float(vb))
                    delta = 0.0 if within else math.inf
                else:
                    delta = abs(float(vb) - float(va))
                    within = delta <= tol.atol + tol.rtol * abs(float(va))
                if learned_cell:
                    learned_num += 1
                    if not within:
                        learned_out.append((delta, f"{label} · {c}: {va} → {vb} (Δ {delta:.4g})"))
                elif not within:
                    bad_exact.append((delta, f"{label} · {c}: {va} → {vb} (Δ {delta:.4g})"))
            else:
                same = (pd.isna(va) and pd.isna(vb)) or str(va) == str(vb)
                if not same:
                    if learned_cell:
                        labels_agree = False
                    else:
                        bad_exact.append((math.inf, f"{label} · {c}: {va!r} → {vb!r}"))
        if is_learned_row:
            learned_rows += 1
            learned_rows_agree += labels_agree
            if weight:
                wa, wb = float(a[weight]), float(b[weight])
                w_min += min(wa, wb) if labels_agree else 0.0
                w_max += max(wa, wb)
    diffs += [d for _, d in sorted(bad_exact, key=lambda t: -t[0])[:show]]
    all_learned_rows = learned_rows + learned_missing
    if weight:
        agreement = w_min / w_max if w_max else 1.0
        agreed = f"learned {weight} agreeing (sum of min / sum of max over rows): {w_min:g}/{w_max:g}"
    else:
        agreement = learned_rows_agree / all_learned_rows if all_learned_rows else 1.0
        agreed = f"learned rows agreeing: {learned_rows_agree}/{all_learned_rows}"
    share_out = len(learned_out) / learned_num if learned_num else 0.0
    worst = [d for _, d in sorted(learned_out, key=lambda t: -t[0])[:show]]
    summary = (f"learned cells outside ±({learned.atol:g} + {learned.rtol:g}·|ref|): {len(learned_out)}/{learned_num} "
               f"({share_out:.1%}, allowed {learned.cells:.0%}); {agreed} "
               f"({agreement:.1%}, needed {learned.labels:.0%})") if (learned_num or all_learned_rows) else ""
    exact_ok = not exact_missing and not bad_exact
    learned_ok = share_out <= learned.cells and agreement >= learned.labels
    if exact_ok and learned_ok:
        identical = not learned_out and agreement == 1.0 and ref.astype(str).equals(new.astype(str))
        status = "same" if identical else "within tolerance"
        return Comparison(name, status, summary, worst if status != "same" else [])
    reason = "; ".join(p for p in (
        f"{len(exact_missing)} rows on one side only, {len(bad_exact)} exact cells differ" if not exact_ok else "",
        summary if not learned_ok else "") if p)
    return Comparison(name, "drifted", reason, diffs + (worst if not learned_ok else []))


#: Columns that say which row a row is (group labels such as years, ranks, offsets): read as text, so
#: rows are matched on them even where they hold numbers.
LABEL_COLUMNS: tuple[str, ...] = ("group", "period", "rank", "start", "end", "year")


def read_figure_csv(path: str | Path) -> pd.DataFrame:
    """A figure's CSV as written by :func:`analysis.plots.save_table` (numbers parsed, empty cells NaN,
    :data:`LABEL_COLUMNS` as text)."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    return pd.read_csv(path, keep_default_na=False, na_values=[""],
                       dtype={c: str for c in LABEL_COLUMNS if c in header})


def _record(csv: Path) -> dict | None:
    meta = csv.with_suffix(".json")
    return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else None


def compare_figures(reference: str | Path, regenerated: str | Path, *, exact: Tolerance = EXACT,
                    learned: Tolerance = LEARNED) -> list[Comparison]:
    """Compare every figure CSV in ``regenerated`` with the one of the same name in ``reference``.

    Also lists reference CSVs not regenerated. Figures whose provenance parameters or optional inputs
    differ (e.g. made without the GPL agency/power lexicon) are ``not compared``, with the reason.
    """
    from .provenance import optional_inputs_of

    reference, regenerated = Path(reference), Path(regenerated)
    out: list[Comparison] = []
    for new in sorted(regenerated.glob("*.csv")):
        ref = reference / new.name
        name = new.stem
        if not ref.exists():
            out.append(Comparison(name, "missing", "not in the reference figures"))
            continue
        rec_r, rec_n = _record(ref) or {}, _record(new) or {}
        opt_r, opt_n = optional_inputs_of(rec_r), optional_inputs_of(rec_n)
        changed = sorted(k for k in set(opt_r) & set(opt_n) if opt_r[k] != opt_n[k])
        if changed:
            out.append(Comparison(name, "not compared", "made with other optional inputs: " + ", ".join(
                f"{k} {'present' if opt_r.get(k) else 'absent'} in the reference, {'present' if opt_n.get(k) else 'absent'} here"
                for k in changed)))
            continue
        if rec_r.get("parameters") != rec_n.get("parameters"):
            out.append(Comparison(name, "not compared", "made with other parameters (see the .json files)"))
            continue
        if ref.read_bytes() == new.read_bytes():
            out.append(Comparison(name, "same"))
            continue
        out.append(compare_tables(read_figure_csv(ref), read_figure_csv(new), name=name, exact=exact, learned=learned))
    for ref in sorted(reference.glob("*.csv")):
        if not (regenerated / ref.name).exists():
            out.append(Comparison(ref.stem, "not regenerated", "not made here (its data is absent)"))
    return out


def report(comparisons: list[Comparison]) -> str:
    """Plain-text report: one line per figure that is not identical, its differences indented."""
    lines = []
    counts: dict[str, int] = {}
    for c in comparisons:
        counts[c.status] = counts.get(c.status, 0) + 1
        if c.status == "same":
            continue
        lines.append(f"{c.name}: {c.status}" + (f" — {c.reason}" if c.reason else ""))
        lines.extend(f"    {d}" for d in c.differences)
    head = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return "\n".join([f"figures: {head}", *lines])


__all__ = ["EXACT", "LEARNED", "RULES", "Comparison", "Rule", "Tolerance", "compare_figures", "compare_tables",
           "read_figure_csv", "report"]
