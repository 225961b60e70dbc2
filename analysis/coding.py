"""Validation by hand coding: coding sheets out, coded sheets back in, tool-vs-human agreement.

A researcher checks the tool on their own corpus before trusting it (Krippendorff 2018,
*Content Analysis*, ch. 12): draw a seeded random sample of articles, code them by hand
following a written guide (``docs/coding-guide.md``), compare the tool with the coders and
the coders with each other.

* :func:`sample_articles` — a seeded random sample of article ids.
* :func:`export_sheet` — a coding sheet for the sample, as CSV files (``articles.csv``,
  ``items.csv``, ``guide.md``) and one XLSX workbook (sheets ``guide``, ``articles``,
  ``items``); ``shown=True`` pre-fills ``items`` with the tool's items (``tool_`` columns kept
  for the record), otherwise ``items`` is empty and the tool's answers are blanked.
* :func:`read_sheet` — a coded sheet (CSV or XLSX) back as items with character offsets;
  every problem names the row (:class:`SheetError`).
* :func:`tool_items` — the tool's items from an annotation store in the same form.
* :func:`compare` — precision, recall and F1 per kind and speaker accuracy.
* :func:`agreement` — Krippendorff's alpha between two or more coders (the ``krippendorff``
  package, Castro 2017), per kind, on the characters of the coded articles.

Items table (what :func:`read_sheet` and :func:`tool_items` return), one row per item:
``article_id`` (str), ``kind`` (one of :data:`KINDS`), ``start``/``end`` (int, character
offsets into the article body, end exclusive), ``text`` (str), ``speaker`` (str or None),
``row`` (int, the sheet's row number: header = 1; tool items: None); from a sheet also
``cue_start``/``cue_end`` and ``source_start``/``source_end`` (Int64, NA when the row gives no
``cue`` / ``source``): the token-level cue and source spans of the PARC scheme (Pareti 2016),
each the occurrence of the coded words nearest the item.

Matching (:func:`match`): a tool item and a human item of the same article match when their
spans overlap by at least half of the shorter one; pairs are taken greedily by overlap, each
item matched at most once (one-to-one). ``direct``/``partial`` confusions are also reported
merged as ``marked`` (any quotation in marks), since the boundary between a quoted clause and
a quoted phrase is the least reliable part of the scheme.
"""
from __future__ import annotations

import csv
import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .corpus import Article

#: What a coder may code, in the guide's order.
KINDS: tuple[str, ...] = ("direct", "partial", "indirect", "title", "label", "loaded")
#: Kinds whose items carry a speaker.
SPEECH_KINDS: tuple[str, ...] = ("direct", "partial", "indirect")
#: Kinds a sheet asks for unless told otherwise (quotations and quoted labels, no loaded terms).
DEFAULT_KINDS: tuple[str, ...] = ("direct", "partial", "indirect", "title", "label")
ITEM_COLUMNS: list[str] = ["article_id", "kind", "text", "occurrence", "speaker", "cue", "source", "note"]
#: Columns a coded sheet must have (``occurrence``, ``speaker``, ``cue``, ``source``, ``note`` may be absent:
#: sheets coded before the cue and source columns existed read as they are).
REQUIRED_COLUMNS: tuple[str, ...] = ("article_id", "kind", "text")
#: How far (characters) a cue or source may sit from its item; farther is a coding error.
SPAN_REACH: int = 600
TOOL_COLUMNS: list[str] = ["tool_kind", "tool_speaker", "tool_speaker_mention"]
#: The kind of a row that says "this article was coded and has nothing to code": it puts the
#: article in the scored sample (so the tool's items there count as extra) and is not an item.
NOTHING: str = "none"
#: Minimum overlap, as a share of the shorter span, for two items to match.
MIN_OVERLAP: float = 0.5


class SheetError(ValueError):
    """A coded sheet that cannot be read: names the file and the row (header = row 1)."""

    def __init__(self, file: str | Path, row: int | None, reason: str) -> None:
        self.file, self.row, self.reason = str(file), row, reason
        super().__init__(f"{self.file}" + (f", row {row}" if row is not None else "") + f": {reason}")


# ----------------------------------------------------------------------------- spreadsheet safety

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: Characters XLSX cannot hold (XML 1.0 forbids C0 controls other than tab, line feed, return, and the
#: noncharacters U+FFFE, U+FFFF), and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def safe_cell(value):
    """A cell value safe to open in a spreadsheet: a string that starts with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return (or with ``'``, so the escape stays reversible) gets a leading
    ``'`` (OWASP's rule against formula injection), and control characters XLSX cannot store
    become spaces (same length, so offsets into the text stay valid). Other values pass through."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub(" ", value)
    return "'" + value if value.startswith(FORMULA_START + ("'",)) else value


def unescape_cell(value: str) -> str:
    """The inverse of :func:`safe_cell` for a read-back cell: a leading ``'`` before a formula
    character (or before another ``'``) is removed; any other text is kept as it is."""
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START + ("'",)) else value


def _blind(text: str) -> str:
    """``text`` as a sheet holds it: the control characters :func:`safe_cell` replaces become spaces
    (same length, so an offset into the result is an offset into ``text``)."""
    return _CONTROL.sub(" ", text)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`safe_cell` on every string cell (and column name) of a frame."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


# ----------------------------------------------------------------------------- sample and export


def sample_articles(article_ids: Sequence[str], n: int, *, seed: int = 0) -> list[str]:
    """``n`` article ids drawn without replacement by ``random.Random(seed)``, in corpus order.

    Raises ValueError when ``n`` exceeds the number of articles or is below 1.
    """
    ids = list(article_ids)
    if not 1 <= n <= len(ids):
        raise ValueError(f"cannot sample {n} of {len(ids)} articles")
    chosen = set(random.Random(seed).sample(ids, n))
    return [i for i in ids if i in chosen]


def draw_round(article_ids: Sequence[str], *, exclude: Iterable[str] = (), n: int, seed: int,
               splits: Sequence[tuple[str, float]] = (("train", 0.6), ("dev", 0.2), ("test", 0.2)),
               double_share: float = 0.2, batches: int = 1, sizes: dict[str, int] | None = None) -> pd.DataFrame:
    """A new round of gold: a seeded sample of ``n`` articles not in ``exclude``, each given its split
    **before anything is coded or fitted** (by article), a share double-coded and a coding batch.

    Returns one row per article, in corpus order: ``article_id``, ``split`` (the names of ``splits``,
    in the given shares, rounded; the remainder goes to the first), ``double_coded`` (bool: the first
    ``round(double_share * n)`` articles of a seeded shuffle, spread over the splits), ``batch`` (1..``batches``:
    dealt in corpus order, or, with ``sizes`` ({article_id: words}), largest first to the batch with the fewest
    words so far, so coders get equal work). Raises ValueError when fewer than ``n`` articles are left.
    """
    excluded = set(exclude)
    pool = [a for a in article_ids if a not in excluded]
    if n > len(pool):
        raise ValueError(f"{n} articles asked for, {len(pool)} not yet coded")
    chosen = sample_articles(pool, n, seed=seed)
    order = list(chosen)
    random.Random(f"{seed}:split").shuffle(order)
    counts = [round(share * n) for _, share in splits]
    counts[0] += n - sum(counts)
    split_of, k = {}, 0
    for (name, _), c in zip(splits, counts):
        for a in order[k:k + c]:
            split_of[a] = name
        k += c
    # double-coded: the same share of every split
    double = set()
    for name, _ in splits:
        members = [a for a in order if split_of[a] == name]
        double.update(members[:round(double_share * len(members))])
    rank = {a: i for i, a in enumerate(article_ids)}
    rows = sorted(chosen, key=rank.__getitem__)
    if sizes is None:
        batch_of = {a: 1 + i % batches for i, a in enumerate(rows)}
    else:
        load = [0] * batches
        batch_of = {}
        for a in sorted(rows, key=lambda a: (-sizes[a], rank[a])):
            b = min(range(batches), key=lambda j: (load[j], j))
            batch_of[a] = b + 1
            load[b] += sizes[a]
    return pd.DataFrame({"article_id": rows, "split": [split_of[a] for a in rows],
                         "double_coded": [a in double for a in rows], "batch": [batch_of[a] for a in rows]})


def tool_items(quotes: pd.DataFrame, terms: pd.DataFrame | None = None) -> pd.DataFrame:
    """The tool's items in the items-table form.

    ``quotes``: the store's quotes table (columns article_id, kind, start, end, text, speaker,
    label); kinds map as direct/partial/indirect -> themselves, ``scare`` with label ``title``
    -> ``title``, other ``scare`` -> ``label``, ``embedded_post`` -> ``direct``. ``terms`` (the
    store's terms table, optional): lexicon and learned matches -> ``loaded``.
    """
    q = quotes
    kind = q.kind.astype(str).map({"direct": "direct", "partial": "partial", "indirect": "indirect",
                                   "embedded_post": "direct", "scare": "label"})
    kind = kind.where(~((q.kind == "scare") & (q.label.astype("string") == "title")), "title")
    out = pd.DataFrame({"article_id": q.article_id.astype(str), "kind": kind, "start": q.start.astype(int),
                        "end": q.end.astype(int), "text": q.text.astype(str),
                        "speaker": [s if isinstance(s, str) and s else None for s in q.speaker],
                        "speaker_mention": [s if isinstance(s, str) and s else None for s in q.speaker_mention],
                        "row": None})
    frames = [out]
    if terms is not None and len(terms):
        t = terms[terms.source.isin(["lexicon", "learned"])] if "source" in terms.columns else terms
        frames.append(pd.DataFrame({"article_id": t.article_id.astype(str), "kind": "loaded", "start": t.start.astype(int),
                                    "end": t.end.astype(int), "text": t.text.astype(str), "speaker": None,
                                    "speaker_mention": None, "row": None}))
    items = pd.concat(frames, ignore_index=True)
    return items.sort_values(["article_id", "start", "end", "kind"], kind="stable").reset_index(drop=True)


def export_sheet(
    articles: Sequence[Article],
    out: str | Path,
    *,
    shown: bool = False,
    items: pd.DataFrame | None = None,
    kinds: Sequence[str] = DEFAULT_KINDS,
    seed: int | None = None,
    guide: str | Path = paths.CODING_GUIDE,
) -> dict[str, Path]:
    """Write a coding sheet for ``articles`` to the folder ``out``.

    Files: ``articles.csv`` (article_id, title, text), ``items.csv`` (columns
    :data:`ITEM_COLUMNS`, plus :data:`TOOL_COLUMNS` when ``shown``), ``guide.md`` (the coding guide
    with a header naming the kinds to code, the sample's seed and size) and ``sheet.xlsx`` (the
    same three as sheets). ``shown=True`` needs ``items`` (:func:`tool_items`) and pre-fills one
    row per tool item of the asked ``kinds``; otherwise ``items.csv`` has the header only.
    Returns {"articles", "items", "guide", "xlsx"} -> path. Raises ValueError for unknown kinds.
    """
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"unknown kinds {bad} (kinds: {', '.join(KINDS)})")
    if shown and items is None:
        raise ValueError("shown=True needs the tool's items (coding.tool_items)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    arts = pd.DataFrame({"article_id": [a.id for a in articles], "title": [a.title or "" for a in articles],
                         "text": [a.body for a in articles]})
    rows = pd.DataFrame(columns=ITEM_COLUMNS + (TOOL_COLUMNS if shown else []))
    if shown:
        ids = set(arts.article_id)
        it = items[items.article_id.isin(ids) & items.kind.isin(list(kinds))]
        bodies = dict(zip(arts.article_id, arts.text))
        rows = pd.DataFrame({
            "article_id": it.article_id, "kind": it.kind, "text": it.text,
            "occurrence": [_occurrence(_blind(bodies[a]), _blind(t), s) for a, t, s in zip(it.article_id, it.text, it.start)],
            "speaker": it.speaker, "note": "", "tool_kind": it.kind, "tool_speaker": it.speaker,
            "tool_speaker_mention": it.speaker_mention})
        rows["occurrence"] = rows.occurrence.map(lambda o: "" if o == 1 else str(o))
    header = (f"kinds: {', '.join(kinds)}\nmode: {'tool items shown (correct, delete or add rows)' if shown else 'blank (tool items hidden)'}\n"
              f"sample: {len(arts)} articles" + (f", seed {seed}" if seed is not None else "") + "\n\n")
    guide_text = header + Path(guide).read_text(encoding="utf-8")
    files = {"articles": out / "articles.csv", "items": out / "items.csv", "guide": out / "guide.md", "xlsx": out / "sheet.xlsx"}
    safe_frame(arts).to_csv(files["articles"], index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    # every cell quoted: a carriage return inside a cell would otherwise end the row for a reader
    safe_frame(rows).to_csv(files["items"], index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    files["guide"].write_text(guide_text, encoding="utf-8")
    with pd.ExcelWriter(files["xlsx"], engine="openpyxl") as xl:
        safe_frame(pd.DataFrame({"guide": guide_text.split("\n")})).to_excel(xl, sheet_name="guide", index=False)
        safe_frame(_xlsx_articles(arts)).to_excel(xl, sheet_name="articles", index=False)
        safe_frame(rows).to_excel(xl, sheet_name="items", index=False)
    return files


#: Excel's limit on one cell's text; longer bodies are split over rows at paragraph breaks.
XLSX_CELL_CHARS: int = 32_000


def _xlsx_articles(arts: pd.DataFrame) -> pd.DataFrame:
    """The articles sheet for XLSX: a ``part`` column, bodies over :data:`XLSX_CELL_CHARS` split
    into consecutive parts at paragraph (else line, else hard) breaks; joined, parts give the body."""
    rows = []
    for aid, title, text in zip(arts.article_id, arts.title, arts.text):
        parts, rest = [], text
        while len(rest) > XLSX_CELL_CHARS:
            cut = rest.rfind("\n\n", 0, XLSX_CELL_CHARS)
            cut = cut + 2 if cut > 0 else (rest.rfind("\n", 0, XLSX_CELL_CHARS) + 1 or XLSX_CELL_CHARS)
            parts.append(rest[:cut])
            rest = rest[cut:]
        parts.append(rest)
        rows.extend({"article_id": aid, "part": k + 1, "title": title, "text": p} for k, p in enumerate(parts))
    return pd.DataFrame(rows, columns=["article_id", "part", "title", "text"])


def _occurrence(body: str, text: str, start: int) -> int:
    """Which occurrence of ``text`` in ``body`` starts at ``start`` (1-based; 1 if not found)."""
    n, i = 1, body.find(text)
    while 0 <= i < start:
        i = body.find(text, i + 1)
        if 0 <= i <= start:
            n += 1
    return n


# ----------------------------------------------------------------------------- read back


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def check_sheet(path: str | Path) -> Path:
    """``path`` as a coded sheet to read; :class:`SheetError` naming it when it is missing or a folder
    (the error names the sheet in that folder when there is one)."""
    path = Path(path)
    if path.is_dir():
        inside = [str(path / n) for n in ("items.csv", "units.csv", "sheet.xlsx") if (path / n).is_file()]
        raise SheetError(path, None, "a folder, not a coded sheet: give " + (" or ".join(inside) if inside else
                                                                              "a coded items.csv, units.csv or sheet.xlsx"))
    if not path.is_file():
        raise SheetError(path, None, "no such file" if not path.exists() else "not a regular file")
    return path


def read_sheet(path: str | Path, bodies: dict[str, str], *, kinds: Sequence[str] = KINDS) -> pd.DataFrame:
    """A coded sheet (``items.csv``, or ``sheet.xlsx``'s ``items`` sheet) as an items table.

    ``bodies``: {article_id: body} of the coded articles. Each row's ``text`` is located in its
    article (the ``occurrence``-th match, 1 when empty; whitespace runs may differ from the body's,
    and straight or curly marks are interchangeable). Raises :class:`SheetError` naming the file
    and row for: a missing column, an unknown article or kind, an empty or unfound text, a bad
    occurrence, a speaker on a title/label/loaded row, and for a path that is missing, a folder or
    not a readable CSV or workbook. Empty rows are ignored. Cells are read back through
    :func:`unescape_cell`, so the export's escapes never shift an offset.
    """
    path = check_sheet(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, sheet_name="items", dtype=object, engine="openpyxl")
        except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
            raise SheetError(path, None, f"not a readable XLSX workbook with an 'items' sheet ({exc})") from None
    else:
        try:
            frame = pd.read_csv(path, dtype=object, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise SheetError(path, None, f"not a readable CSV ({exc})") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise SheetError(path, 1, f"missing column(s) {', '.join(missing)}")
    rows = []
    problems: list[tuple[int, str]] = []
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        cell = lambda c: unescape_cell(_cell(rec.get(c)))  # noqa: E731
        aid, kind, text = cell("article_id").strip(), cell("kind").strip().lower(), cell("text")
        speaker = cell("speaker").strip() or None
        occ = cell("occurrence").strip()
        if not aid and not kind and not text.strip():
            continue
        cue, source = cell("cue").strip(), cell("source").strip()
        if aid not in bodies:
            problems.append((row, f"unknown article_id {aid!r}"))
            continue
        if kind == NOTHING:  # the coder read the article and found nothing to code
            rows.append({"article_id": aid, "kind": NOTHING, "start": 0, "end": 0, "text": "", "speaker": None, "row": row,
                         "cue_start": None, "cue_end": None, "source_start": None, "source_end": None})
            continue
        if kind not in kinds:
            problems.append((row, f"unknown kind {kind!r} (kinds: {', '.join(kinds)}, or {NOTHING})"))
        elif not text.strip():
            problems.append((row, "empty text"))
        elif speaker and kind not in SPEECH_KINDS:
            problems.append((row, f"a {kind} has no speaker (got {speaker!r})"))
        elif (cue or source) and kind not in SPEECH_KINDS:
            problems.append((row, f"a {kind} has no cue or source (got {cue or source!r})"))
        elif occ and not (occ.isdigit() and int(occ) >= 1):
            problems.append((row, f"occurrence must be 1, 2, … (got {occ!r})"))
        else:
            span = locate(bodies[aid], text, int(occ) if occ else 1)
            if span is None:
                problems.append((row, f"text not found in article {aid}" + (f" (occurrence {occ})" if occ else "") + f": {text[:60]!r}"))
            else:
                item = {"article_id": aid, "kind": kind, "start": span[0], "end": span[1],
                        "text": bodies[aid][span[0]:span[1]], "speaker": speaker, "row": row}
                for name, words in (("cue", cue), ("source", source)):
                    near = nearest(bodies[aid], words, span) if words else None
                    if words and near is None:
                        problems.append((row, f"{name} {words!r} not found within {SPAN_REACH} characters of the item"))
                    item[f"{name}_start"], item[f"{name}_end"] = near if near else (None, None)
                rows.append(item)
    if problems:
        more = "".join(f"; row {r}: {m}" for r, m in problems[1:])
        raise SheetError(path, problems[0][0], problems[0][1] + more)
    out = pd.DataFrame(rows, columns=["article_id", "kind", "start", "end", "text", "speaker", "row",
                                      "cue_start", "cue_end", "source_start", "source_end"])
    for c in ("cue_start", "cue_end", "source_start", "source_end"):
        out[c] = pd.array(out[c].tolist(), dtype="Int64")
    return out


_MARK_CLASS = {"'": "['‘’]", "‘": "['‘’]", "’": "['‘’]", '"': '["“”]', "“": '["“”]', "”": '["“”]'}


def _tolerant(text: str) -> str:
    """A pattern for ``text`` that any whitespace run and straight or curly marks satisfy."""
    parts = [r"\s+" if ch.isspace() else _MARK_CLASS.get(ch, re.escape(ch)) for ch in text]
    return re.sub(r"(\\s\+)+", r"\\s+", "".join(parts))


def locate(body: str, text: str, occurrence: int = 1) -> tuple[int, int] | None:
    """Offsets of the ``occurrence``-th match of ``text`` in ``body``: exact first, then
    tolerant of whitespace runs and straight/curly marks. None when not found.

    Control characters a sheet cannot hold (:func:`safe_cell` writes each as a space) match a
    space, in ``body`` and ``text`` alike, so a text exported from a body with a form feed or a
    bell character is found at its exact offsets."""
    body, text = _blind(body), _blind(text).strip()
    i = -1
    for _ in range(occurrence):
        i = body.find(text, i + 1)
        if i < 0:
            break
    if i >= 0:
        return i, i + len(text)
    matches = list(re.finditer(_tolerant(text), body))
    if len(matches) >= occurrence:
        m = matches[occurrence - 1]
        return m.start(), m.end()
    return None


def nearest(body: str, words: str, span: tuple[int, int], *, reach: int = SPAN_REACH) -> tuple[int, int] | None:
    """Offsets of the occurrence of ``words`` in ``body`` (found as :func:`locate` finds them: exact, else
    tolerant of whitespace runs and marks) that lies nearest the item ``span`` = (start, end) without overlapping
    it; the distance is the characters between the two spans, ties go to the earlier occurrence. None when no
    occurrence lies within ``reach`` characters. Only whole words match ("he" is not found in "the"). One pass
    over the body."""
    blind, text = _blind(body), _blind(words).strip()
    if not text:
        return None
    lo = r"(?<!\w)" if text[0].isalnum() else ""
    hi = r"(?!\w)" if text[-1].isalnum() else ""
    hits = [(m.start(), m.end()) for m in re.finditer(lo + re.escape(text) + hi, blind)]
    if not hits:
        hits = [(m.start(), m.end()) for m in re.finditer(lo + _tolerant(text) + hi, blind)]
    best = None
    for a, b in hits:
        if b <= span[0] or a >= span[1]:
            gap = span[0] - b if b <= span[0] else a - span[1]
            if gap <= reach and (best is None or gap < best[0]):
                best = (gap, (a, b))
    return best[1] if best else None


# ----------------------------------------------------------------------------- compare


def match(tool: pd.DataFrame, human: pd.DataFrame, *, min_overlap: float = MIN_OVERLAP) -> list[tuple[int, int]]:
    """One-to-one matches (tool row position, human row position) between two items tables
    (same kind not required): overlap ≥ ``min_overlap`` × the shorter span, greedy by overlap."""
    pairs = []
    for aid, h in human.groupby("article_id", sort=False):
        t = tool[tool.article_id == aid]
        if t.empty:
            continue
        ts, te = t.start.to_numpy(), t.end.to_numpy()
        for hi, hs, he in zip(h.index, h.start, h.end):
            ov = np.minimum(te, he) - np.maximum(ts, hs)
            short = np.maximum(np.minimum(te - ts, he - hs), 1)
            for k in np.flatnonzero(ov >= min_overlap * short):
                pairs.append((int(ov[k]), int(t.index[k]), int(hi)))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_t, used_h, out = set(), set(), []
    for _, ti, hi in pairs:
        if ti in used_t or hi in used_h:
            continue
        used_t.add(ti)
        used_h.add(hi)
        out.append((ti, hi))
    return sorted(out)


def same_speaker(a: str | None, b: str | None) -> bool:
    """Whether two speaker names are the same source: equal after case folding, dropping titles,
    a leading article and possessives, in any word order."""
    from .speakers import _corpus_key

    a = a if isinstance(a, str) and a.strip() else None
    b = b if isinstance(b, str) and b.strip() else None
    if a is None or b is None:
        return a is None and b is None
    strip = lambda s: re.sub(r"^(the|a|an)\s+", "", s.strip(), flags=re.I)  # noqa: E731
    return _corpus_key(strip(a)) == _corpus_key(strip(b))


def compare(tool: pd.DataFrame, human: pd.DataFrame, *, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Tool-vs-human precision, recall and F1 per kind, and speaker accuracy.

    ``tool``, ``human``: items tables restricted to the same articles (the human sheet's).
    ``kinds``: the kinds the sheet coded (default: those present in ``human``). A tool item
    counts as a true positive for kind K when it matches (:func:`match`, within kind K) a human
    item of kind K. Row ``marked`` merges direct and partial. ``speaker_accuracy``: among true
    positives of speech kinds whose human item has a speaker, the share where the tool's speaker
    is the same (:func:`same_speaker`); ``n_speaker`` their number.

    The scored sample is every article with a row in ``human``, including rows of kind
    :data:`NOTHING` (an article coded and found empty), so the tool's items there count against
    its precision. Rows ``marked`` (direct and partial together: any quotation in marks, so a
    direct/partial confusion is not an error) and ``all speech`` (direct, partial and indirect)
    follow the kinds.

    Returns columns kind, n_human, n_tool, tp, precision, recall, f1, n_speaker, speaker_correct,
    speaker_accuracy.
    """
    kinds = list(kinds) if kinds is not None else [k for k in KINDS if k in set(human.kind)]
    ids = set(human.article_id) if len(human) else set()
    human = human[human.kind != NOTHING]
    tool = tool[tool.article_id.isin(ids)]
    groups = [(k, [k]) for k in kinds]
    if "direct" in kinds and "partial" in kinds:
        groups.append(("marked", ["direct", "partial"]))
    if all(k in kinds for k in SPEECH_KINDS):
        groups.append(("all speech", list(SPEECH_KINDS)))
    rows = []
    for name, ks in groups:
        t = tool[tool.kind.isin(ks)].reset_index(drop=True)
        h = human[human.kind.isin(ks)].reset_index(drop=True)
        pairs = match(t, h)
        tp = len(pairs)
        spk = [(t.speaker[ti], h.speaker[hi]) for ti, hi in pairs if ks[0] in SPEECH_KINDS and h.speaker[hi]]
        correct = sum(same_speaker(a, b) for a, b in spk)
        p = tp / len(t) if len(t) else float("nan")
        r = tp / len(h) if len(h) else float("nan")
        f1 = 2 * p * r / (p + r) if len(t) and len(h) and p + r > 0 else (0.0 if len(t) and len(h) else float("nan"))
        rows.append({"kind": name, "n_human": len(h), "n_tool": len(t), "tp": tp, "precision": p, "recall": r, "f1": f1,
                     "n_speaker": len(spk), "speaker_correct": correct,
                     "speaker_accuracy": correct / len(spk) if spk else float("nan")})
    return pd.DataFrame(rows)


def errors(tool: pd.DataFrame, human: pd.DataFrame, *, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Every disagreement, for reading: missed (human only), extra (tool only), wrong speaker.

    Columns: article_id, error ("missed" | "extra" | "speaker"), kind, start, end, text,
    human_speaker, tool_speaker. Kinds are compared as in :func:`compare` (within each kind).
    """
    kinds = list(kinds) if kinds is not None else [k for k in KINDS if k in set(human.kind)]
    tool = tool[tool.article_id.isin(set(human.article_id))]
    human = human[human.kind != NOTHING]
    out = []
    for k in kinds:
        t = tool[tool.kind == k].reset_index(drop=True)
        h = human[human.kind == k].reset_index(drop=True)
        pairs = match(t, h)
        mt, mh = {a for a, _ in pairs}, {b for _, b in pairs}
        for hi in range(len(h)):
            if hi not in mh:
                out.append((h.article_id[hi], "missed", k, h.start[hi], h.end[hi], h.text[hi], h.speaker[hi], None))
        for ti in range(len(t)):
            if ti not in mt:
                out.append((t.article_id[ti], "extra", k, t.start[ti], t.end[ti], t.text[ti], None, t.speaker[ti]))
        for ti, hi in pairs:
            if k in SPEECH_KINDS and h.speaker[hi] and not same_speaker(t.speaker[ti], h.speaker[hi]):
                out.append((h.article_id[hi], "speaker", k, h.start[hi], h.end[hi], h.text[hi], h.speaker[hi], t.speaker[ti]))
    return pd.DataFrame(out, columns=["article_id", "error", "kind", "start", "end", "text", "human_speaker", "tool_speaker"])


def agreement(codings: Sequence[pd.DataFrame], bodies: dict[str, str], *, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Krippendorff's alpha (nominal) between two or more codings of the same articles.

    ``codings``: items tables (one per coder, or the tool as one more coder); only articles
    present in every coding's sheet are compared — pass each coder's sheet restricted to the
    doubly coded articles. Units are the non-space characters of those articles' bodies; per kind,
    each coder's value for a character is 1 when one of their items of that kind covers it, else
    0 (a unitizing reliability in the spirit of Krippendorff's u-alpha, computed as nominal alpha
    over characters). Row ``any`` uses the kind itself as the value (0 = not coded). When every
    coding carries cue and source spans (sheets with ``cue``/``source`` columns), rows ``cue`` and
    ``source`` give the same alpha over the characters of the coded cue and source spans (PARC's
    other two roles). Returns columns kind, alpha, n_units, n_coders. Needs the ``krippendorff`` package.
    """
    import krippendorff

    if len(codings) < 2:
        raise ValueError("agreement needs at least two codings")
    ids = sorted(set.intersection(*[set(c.article_id) for c in codings]) & set(bodies))
    kinds = list(kinds) if kinds is not None else [k for k in KINDS if any(k in set(c.kind) for c in codings)]
    masks = {}
    for aid in ids:
        body = bodies[aid]
        masks[aid] = np.array([not ch.isspace() for ch in body], dtype=bool)
    def alpha_of(spans_of) -> tuple[float, int]:
        """Nominal alpha over the non-space characters; ``spans_of(coding, article_id)`` gives (value, start, end)."""
        data = []
        for c in codings:
            vec = []
            for aid in ids:
                v = np.zeros(len(bodies[aid]), dtype=float)
                for value, s_, e_ in spans_of(c, aid):
                    v[s_:e_] = value
                vec.append(v[masks[aid]])
            data.append(np.concatenate(vec) if vec else np.zeros(0))
        matrix = np.vstack(data)
        if matrix.shape[1] == 0 or len(np.unique(matrix)) < 2:
            return float("nan"), matrix.shape[1]
        return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")), matrix.shape[1]

    def kind_spans(name):
        def spans_of(c, aid):
            sub = c[(c.article_id == aid) & (c.kind.isin(kinds if name == "any" else [name]))]
            return [((kinds.index(k) + 1) if name == "any" else 1, s_, e_) for k, s_, e_ in zip(sub.kind, sub.start, sub.end)]
        return spans_of

    def role_spans(role):
        def spans_of(c, aid):
            sub = c[(c.article_id == aid) & c[f"{role}_start"].notna()]
            return [(1, int(s_), int(e_)) for s_, e_ in zip(sub[f"{role}_start"], sub[f"{role}_end"])]
        return spans_of

    rows = []
    for name in [*kinds, "any"]:
        alpha, n_units = alpha_of(kind_spans(name))
        rows.append({"kind": name, "alpha": alpha, "n_units": n_units, "n_coders": len(codings)})
    for role in ("cue", "source"):
        if all(f"{role}_start" in c.columns and c[f"{role}_start"].notna().any() for c in codings):
            alpha, n_units = alpha_of(role_spans(role))
            rows.append({"kind": role, "alpha": alpha, "n_units": n_units, "n_coders": len(codings)})
    return pd.DataFrame(rows)


def read_sheets(files: Iterable[str | Path], bodies: dict[str, str]) -> pd.DataFrame:
    """Several coded sheets concatenated (e.g. one per batch of articles), rows keep their row numbers."""
    frames = [read_sheet(f, bodies) for f in files]
    if not frames:
        raise ValueError("no sheets given")
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- the workflow on a store


def store_items(store, *, kinds: Sequence[str] = KINDS) -> pd.DataFrame:
    """The tool's items from an annotation store (:class:`analysis.store.Store`): quotes, and the
    loaded terms when ``loaded`` is among ``kinds`` and the terms table is built."""
    quotes = store.table("quotes")
    terms = store.table("terms") if "loaded" in kinds and store.has("terms") else None
    items = tool_items(quotes, terms)
    return items[items.kind.isin(list(kinds))].reset_index(drop=True)


def export_for_store(store, out: str | Path, *, n: int, seed: int = 0, shown: bool = False,
                     kinds: Sequence[str] = DEFAULT_KINDS) -> dict[str, Path]:
    """:func:`export_sheet` for a seeded random sample of ``n`` articles of a store."""
    articles = store.corpus()
    chosen = set(sample_articles([a.id for a in articles], n, seed=seed))
    sample = [a for a in articles if a.id in chosen]
    items = store_items(store, kinds=kinds) if shown else None
    return export_sheet(sample, out, shown=shown, items=items, kinds=kinds, seed=seed)


def validate(tool: pd.DataFrame, codings: dict[str, pd.DataFrame], bodies: dict[str, str], *,
             kinds: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """The validation report: tool vs each coder, and agreement.

    ``codings``: {coder name: items table from :func:`read_sheet`}. Returns {"scores": the
    :func:`compare` rows with a ``coder`` column, "agreement": Krippendorff's alpha between the
    coders (when two or more) on the articles every coder coded, with and without the tool as one
    more coder (column ``with_tool``)}. ``kinds`` defaults to those any coder used.
    """
    kinds = list(kinds) if kinds is not None else [k for k in KINDS if any(k in set(c.kind) for c in codings.values())]
    scores = [compare(tool, c, kinds=kinds).assign(coder=name) for name, c in codings.items()]
    out = {"scores": pd.concat(scores, ignore_index=True)[["coder", *scores[0].columns.drop("coder")]]}
    if len(codings) >= 2:
        common = set.intersection(*[set(c.article_id) for c in codings.values()])
        subsets = [c[c.article_id.isin(common)] for c in codings.values()]
        a = agreement(subsets, bodies, kinds=kinds).assign(with_tool=False)
        b = agreement([*subsets, tool[tool.article_id.isin(common)]], bodies, kinds=kinds).assign(with_tool=True)
        out["agreement"] = pd.concat([a, b], ignore_index=True).assign(n_articles=len(common))
    return out
