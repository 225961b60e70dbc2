"""Importers for the formats researchers have: CSV/JSONL tables, folders of JSON records,
.txt files (alone or with a metadata table), and saved HTML pages; and :func:`load_source`,
which takes any of them (or a folder of article files) and says what it found.

Columns are found by name or alias (:data:`FIELD_ALIASES`: ``content`` is the body, ``source``
the outlet, ``publish_date`` the date, ...) or named with ``fields`` (``--fields``); dates in
common formats are read by :func:`analysis.corpus.parse_date` (``date_format`` settles
day/month order). ``Corpus.read_as`` records what every column became, and
:func:`summary_lines` prints it with every refused input (the import summary).

Each returns a :class:`~analysis.corpus.Corpus` built through the same validation
as article files (``make_article``): errors name the file and line, and with
``strict=False`` refused rows go to ``Corpus.skipped`` (counts reconcile: loaded +
skipped = inputs). Tables and records without an id get a stable derived id (from
the url, else the text). Use :func:`analysis.corpus.write_articles` (or
``python -m analysis import SOURCE --out FOLDER``) to save the result as article files.

Every input is accounted for, and a fault refuses the one record it is in, never the
whole source: a CSV row with undecodable bytes, a JSON record (a JSON Lines line, an item
of a JSON array) that is invalid, nested too deeply, holds a number over
:data:`~analysis.corpus.MAX_NUMBER_DIGITS` digits or a lone surrogate, is a row of
``Corpus.skipped`` with its file and line. CSV fields may be of any length (the csv
module's 131,072-character field limit is raised while a table is read), so ``max_chars``
alone caps a body. A CSV quote left open, which swallows the rest of the file, refuses
that row with the lines it swallowed. In a folder, :func:`load_source` reads every
supported kind of file, refuses each unsupported file with that reason, and lists
documentation and hidden files in ``Corpus.other_files``.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .corpus import (
    MAX_CHARS,
    MAX_NUMBER_DIGITS,
    Article,
    check_date_format,
    Corpus,
    CorpusError,
    collect,
    decode_bytes,
    first_surrogate,
    is_documentation,
    list_folder,
    load_corpus,
    make_article,
    other_files_frame,
    read_as_frame,
    skipped_frame,
    value_problem,
)

_META_FIELDS = ("title", "outlet", "date", "url", "language", "notes")


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("_.-")
    return slug or "article"


def derived_id(url: object, text: object) -> str:
    """A stable id for a record without one: ``u-`` + hash of its url, else ``t-`` + hash of its text."""
    if isinstance(url, str) and url.strip():
        return "u-" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]
    return "t-" + hashlib.sha256(str(text or "").encode("utf-8")).hexdigest()[:16]


#: Column (or JSON key) names read as each article field when a table or generic JSON record has no
#: ``--fields`` mapping for it: the first name present wins, case and surrounding spaces ignored.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "doc_id", "document_id"),
    "body": ("text", "content", "body", "article", "article_text", "full_text", "story"),
    "title": ("title", "headline", "heading"),
    "outlet": ("outlet", "source", "publisher", "publication", "source_name", "site_name", "newspaper"),
    "date": ("date", "publish_date", "published", "publication_date", "pub_date", "published_at", "date_published"),
    "url": ("url", "link", "permalink"),
    "language": ("language", "lang"),
    "notes": ("notes",),
}
#: The article fields a table, JSON record or metadata CSV may fill (the body is read apart).
ARTICLE_FIELDS: tuple[str, ...] = ("id", "title", "outlet", "date", "url", "language", "notes")


def resolve_columns(
    columns: Sequence[str],
    *,
    fields: dict[str, str] | None = None,
    source: str | Path,
    wanted: Sequence[str] = ("body", *ARTICLE_FIELDS),
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Which column fills which article field, and the import summary's rows for ``columns``.

    ``columns``: the names as written (a CSV header; the keys of JSON records, in order of first
    appearance). ``fields`` (``--fields``, article field -> column) is taken as given; every other
    field in ``wanted`` takes the first of its :data:`FIELD_ALIASES` present (case and spaces
    ignored). Returns ``(mapping, rows)``: mapping field -> column; rows for
    :func:`analysis.corpus.read_as_frame` (``records`` left empty), one per column, in order:
    the field it fills with how it was chosen, ``extra`` (kept as metadata under its own name),
    or ``dropped`` when its name is an article field filled from another column. Raises
    :class:`CorpusError` naming ``source`` for a ``--fields`` column that is not there, or an
    unknown field name in ``fields``.
    """
    fields = dict(fields or {})
    unknown = [f for f in fields if f not in ("body", *ARTICLE_FIELDS)]
    if unknown:
        raise CorpusError(source, None, f"--fields names no article field: {', '.join(unknown)} (fields: body, "
                                        + ", ".join(ARTICLE_FIELDS) + ")")
    missing = [f"{f}={c}" for f, c in fields.items() if f in wanted and c not in columns]
    if missing:
        raise CorpusError(source, 1, f"--fields {', '.join(missing)}: no such column (columns: {', '.join(columns)})")
    mapping: dict[str, str] = {f: c for f, c in fields.items() if f in wanted}
    how: dict[str, str] = {c: "--fields" for c in mapping.values()}
    by_key: dict[str, str] = {}
    for c in columns:
        by_key.setdefault(str(c).strip().lower(), c)
    for f in wanted:
        if f in mapping:
            continue
        for alias in FIELD_ALIASES.get(f, (f,)):
            c = by_key.get(alias)
            if c is not None and c not in how:
                mapping[f] = c
                how[c] = "its name" if alias == f else f"alias of {f}"
                break
    field_of = {c: f for f, c in mapping.items()}
    rows = []
    for c in columns:
        if c in field_of:
            rows.append({"source": str(source), "column": c, "field": field_of[c], "how": how[c]})
        elif c in ("body", *ARTICLE_FIELDS):
            rows.append({"source": str(source), "column": c, "field": "dropped",
                         "how": f"its name is the field {c!r}, filled from {mapping.get(c)!r}"})
        else:
            rows.append({"source": str(source), "column": c, "field": "extra", "how": "kept as metadata"})
    return mapping, rows


def _record_meta(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Article metadata from one record: the mapped fields (empty text is null; language defaults to en), then
    every unmapped key as an extra under its own name (a key named like an article field is not kept)."""
    meta: dict[str, Any] = {}
    for f in ARTICLE_FIELDS:
        value = row.get(mapping[f]) if f in mapping else None
        meta[f] = None if value == "" else value
    if meta["language"] is None:
        meta["language"] = "en"
    used = set(mapping.values())
    for key, value in row.items():
        if key is not None and key not in used and key not in meta and key not in ("body",):
            meta[key] = value
    return meta


def _with_counts(summary: list[dict[str, Any]], records: Sequence[Any]) -> list[dict[str, Any]]:
    """``summary`` rows with ``records`` filled: how many of ``records`` (dicts; errors skipped) have a non-empty
    value in the row's column."""
    dicts = [r for r in records if isinstance(r, dict)]
    for row in summary:
        if row.get("records") is None:
            row["records"] = sum(1 for r in dicts if r.get(row["column"]) not in (None, ""))
    return summary


class _NumberTooLong(ValueError):
    pass


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise _NumberTooLong(f"a number with {digits:,} digits (at most {MAX_NUMBER_DIGITS:,})")
    return int(text)


_DECODER = json.JSONDecoder(parse_int=_parse_int)


def parse_json(text: str, source: str | Path, line: int | None = None) -> Any:
    """One JSON value, or a :class:`CorpusError` (returned, not raised) naming ``source`` and the line.

    ``line`` is the line ``text`` starts on. Refused: undecodable bytes (lone surrogates
    left by ``decode_bytes(..., errors="surrogateescape")``), invalid JSON, nesting beyond
    the parser's recursion limit or :data:`~analysis.corpus.MAX_DEPTH`, integers over
    :data:`~analysis.corpus.MAX_NUMBER_DIGITS` digits, and ``\\ud800``-style escapes that
    leave a lone surrogate (:func:`analysis.corpus.value_problem`).
    """
    base = line or 1
    raw = first_surrogate(text)
    if raw is not None:
        return CorpusError(source, base + text.count("\n", 0, raw), "undecodable bytes (not UTF-8)")
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return CorpusError(source, base + exc.lineno - 1, f"invalid JSON: {exc.msg}")
    except RecursionError:
        return CorpusError(source, base, "invalid JSON: nested too deeply for the parser")
    except _NumberTooLong as exc:
        return CorpusError(source, base, str(exc))
    except ValueError as exc:
        return CorpusError(source, base, f"invalid JSON: {str(exc)[:200]}")
    problem = value_problem(obj)
    if problem:
        return CorpusError(source, base, problem)
    return obj


def jsonl_rows(text: str, source: str | Path) -> list[tuple[int, dict[str, Any] | CorpusError]]:
    """(line, object) pairs of JSON Lines text; blank lines skipped, bad lines come back as errors.

    Lines end at ``\\n`` only (U+2028 and other Unicode line breaks are text inside a JSON
    string). Each line is read by :func:`parse_json`, so a fault refuses that line only.
    """
    rows: list[tuple[int, dict[str, Any] | CorpusError]] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        obj = parse_json(line, source, n)
        if not isinstance(obj, (dict, CorpusError)):
            obj = CorpusError(source, n, "expected a JSON object")
        rows.append((n, obj))
    return rows


@contextmanager
def _csv_field_limit(at_least: int) -> Iterator[None]:
    """The csv module's field-size limit raised to ``at_least`` (then restored), so no field is cut off."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, min(at_least, 2**31 - 1)))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _line_offset(text: str, line: int) -> int:
    """Character offset of a 1-based line of ``text``, lines split as the csv module splits them."""
    offset = 0
    for n, physical in enumerate(io.StringIO(text, newline=""), start=1):
        if n == line:
            break
        offset += len(physical)
    return offset


def _table_rows(path: Path, *, require: str | None = None
                ) -> tuple[list[tuple[int, dict[str, Any] | CorpusError]], list[str]]:
    """(line, row) pairs of a CSV or JSONL file, and its columns (the CSV header; JSON Lines: every key, in order
    of first appearance). A row that cannot be read comes back as a CorpusError with its line.

    Row faults: undecodable bytes, a csv error, more fields than the header, a quote
    left open to the end of the file (the row is refused with the lines it swallowed),
    JSON faults (:func:`parse_json`). Raises :class:`CorpusError` for the file as a
    whole: unreadable, no header row, an undecodable header, no column ``require`` (CSV).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, None, f"cannot read: {exc.strerror or exc}") from None
    text = decode_bytes(raw, path, errors="surrogateescape")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        records = jsonl_rows(text, path)
        return records, list(dict.fromkeys(k for _, r in records if isinstance(r, dict) for k in r))
    rows: list[tuple[int, dict[str, Any] | CorpusError]] = []
    with _csv_field_limit(len(text) + 1):
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            fieldnames = reader.fieldnames
        except csv.Error as exc:
            raise CorpusError(path, 1, f"unreadable header row: {exc}") from None
        if fieldnames is None:
            raise CorpusError(path, 1, "empty table: no header row")
        if any(first_surrogate(f or "") is not None for f in fieldnames):
            raise CorpusError(path, 1, "undecodable bytes (not UTF-8) in the header row")
        if require is not None and require not in fieldnames:
            raise CorpusError(path, 1, f"no column {require!r} (columns: {', '.join(fieldnames)})")
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                rows.append((start, CorpusError(path, start, f"unreadable row: {exc}")))
                start = reader.line_num + 1
                continue
            if None in row:
                rows.append((start, CorpusError(path, start, "more fields than the header has")))
            elif any(isinstance(v, str) and first_surrogate(v) is not None for v in row.values()):
                rows.append((start, CorpusError(path, start, "undecodable bytes (not UTF-8)")))
            else:
                rows.append((start, row))
            start = reader.line_num + 1
        end = reader.line_num
    if rows and not isinstance(rows[-1][1], CorpusError):
        last = rows[-1][0]
        try:
            for _ in csv.reader(io.StringIO(text[_line_offset(text, last):], newline=""), strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                rows[-1] = (last, CorpusError(
                    path, last, f"unclosed quote: a quoted field of the row on line {last} is not closed before the "
                    f"end of the file (line {end}), so lines {last}-{end} are not read as rows"))
    return rows, list(fieldnames)


def _refuse(source: str, error: CorpusError) -> Article:
    raise error


def import_table(
    path: str | Path,
    *,
    fields: dict[str, str] | None = None,
    strict: bool = True,
    max_chars: int = MAX_CHARS,
    date_format: str | None = None,
) -> Corpus:
    """Articles from a CSV or JSONL file: one row per article, a text column plus metadata.

    Which column is which (:func:`resolve_columns`): ``fields`` (``--fields``, e.g.
    ``{"body": "story", "date": "day"}``), else the field's name or an alias in
    :data:`FIELD_ALIASES` (body: text, content, body, article ...; outlet: outlet, source,
    publisher ...; date: date, publish_date, published ...), case ignored. Other columns are
    kept as extras. ``Corpus.read_as`` lists every column and what it became. A table without
    an id column gets derived ids (:func:`derived_id`: from the url, else the text); in a
    table that has one, a row with an empty id is refused. Dates are read by
    :func:`analysis.corpus.parse_date` with ``date_format``; a date it cannot read, or an
    ambiguous one, refuses its row. Faults of one row refuse that row (:func:`_table_rows`);
    a table that cannot be read at all, has no text column or no rows is one refused input
    (raised with ``strict=True``). Errors are :class:`CorpusError`.
    """
    path = Path(path)
    try:
        rows, columns = _table_rows(path)
        if not rows:
            raise CorpusError(path, None, "no records: the table has nothing after its header")
        mapping, summary = resolve_columns(columns, fields=fields, source=path)
        if "body" not in mapping:
            raise CorpusError(path, 1, "no text column: none of " + ", ".join(FIELD_ALIASES["body"])
                              + f" (columns: {', '.join(map(str, columns))}); name it with --fields body=COLUMN")
    except CorpusError as exc:
        if strict:
            raise
        return collect([(str(path), exc)], _refuse, strict=False)
    body_col, id_col = mapping["body"], mapping.get("id")
    derived = []
    if id_col is None:
        derived = [{"source": str(path), "column": "(no id column)", "field": "id", "how": "derived from the url, "
                    "else the text (derived_id)", "records": None}]

    def build(source: str, payload: tuple[int, dict[str, Any] | CorpusError]):
        line, row = payload
        if isinstance(row, CorpusError):
            raise row
        if not isinstance(row.get(body_col), str):
            raise CorpusError(path, line, f"missing or non-text field {body_col!r}")
        if id_col is not None and row.get(id_col) in (None, ""):
            raise CorpusError(path, line, f"missing field {id_col!r}")
        meta = _record_meta(row, mapping)
        if id_col is None:
            meta["id"] = derived_id(meta.get("url"), row[body_col])
        return make_article(meta, row[body_col], source=f"{path}:{line}", line=line, body_line=line,
                            max_chars=max_chars, file=path, date_format=date_format)

    corpus = collect(((str(path), r) for r in rows), build, strict=strict)
    corpus.read_as = read_as_frame(_with_counts(summary, [r for _, r in rows]) + derived)
    return corpus


#: Header lines a plain .txt article may open with (``Title: ...``), before a blank line: key -> article field
#: (:data:`FIELD_ALIASES`; ``author``, ``byline`` and ``section`` are kept as extras under their own names).
TXT_HEADER_EXTRAS: tuple[str, ...] = ("author", "authors", "byline", "section", "tags", "keywords")
_TXT_HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z _-]{0,30}):[ \t]*(.*?)[ \t]*\r?")
_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)-?([01]\d)-?([0-3]\d)(?!\d)")
#: A first line longer than this (or ending with a full stop) is text, not a title.
TITLE_MAX_CHARS: int = 150


def _header_field(key: str) -> str | None:
    k = key.strip().lower()
    for f, aliases in FIELD_ALIASES.items():
        if f != "body" and k in aliases:
            return f
    return k if k in TXT_HEADER_EXTRAS else None


def split_txt(text: str, name: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Metadata, body start (a character offset into ``text``) and how each field was found, for a plain .txt
    article without a metadata table.

    In order: a header block (lines ``Key: value`` up to the first blank line, every key an
    article field or alias in :data:`FIELD_ALIASES` or one of :data:`TXT_HEADER_EXTRAS`: e.g.
    ``Title:``, ``Source:``, ``Date:``, ``Author:``); else a title line (the first line, when a
    blank line follows it, it has at most :data:`TITLE_MAX_CHARS` characters and does not
    end with a full stop); else the title is the file name (``_`` and ``-`` read as spaces).
    The body is everything after the header or title and the blank lines after it, unchanged.
    Without a date in the header, a date in the file name (``2024-03-18_mine.txt``,
    ``20240318-mine.txt``) is taken. ``name`` is the file name.
    """
    lines = text.split("\n")
    how: dict[str, str] = {}
    meta: dict[str, Any] = {}
    start = 0
    blank = next((i for i, l in enumerate(lines) if not l.strip()), None)
    head = lines[:blank] if blank else []
    parsed = [_TXT_HEADER_LINE.fullmatch(l) for l in head]
    if head and all(m and _header_field(m.group(1)) for m in parsed):
        for m in parsed:
            f = _header_field(m.group(1))
            if f not in meta:
                meta[f], how[f] = (m.group(2) or None), f"header line {m.group(1)!r}"
        start = sum(len(l) + 1 for l in lines[:blank])
    elif blank == 1 and len(lines[0].strip()) <= TITLE_MAX_CHARS and not lines[0].rstrip().endswith("."):
        meta["title"], how["title"] = lines[0].strip(), "first line"
        start = len(lines[0]) + 1
    while start < len(text) and text[start] in "\r\n":  # the blank lines after the header or title
        start = text.index("\n", start) + 1 if "\n" in text[start:] else len(text)
    stem = Path(name).stem
    if not meta.get("title"):
        meta["title"], how["title"] = re.sub(r"[_-]+", " ", stem).strip() or stem, "file name"
    if not meta.get("date"):
        m = _DATE_IN_NAME.search(stem)
        if m:
            meta["date"], how["date"] = "-".join(m.groups()), "file name"
    return meta, start, how


def import_txt(
    folder: str | Path,
    *,
    metadata: str | Path | None = None,
    file_column: str = "file",
    fields: dict[str, str] | None = None,
    strict: bool = True,
    max_chars: int = MAX_CHARS,
    date_format: str | None = None,
) -> Corpus:
    """Plain-text articles (``*.txt`` in ``folder``, or one .txt file), with or without a metadata CSV.

    With ``metadata``: a table with a ``file`` column (path relative to ``folder``, e.g.
    ``one.txt`` or ``2020/one.txt``) plus id and metadata columns, read with the aliases of
    :func:`resolve_columns` (``source`` -> outlet, ``publish_date`` -> date, ...; ``fields``
    overrides). A text file without a row, or a row without a file, is an error (or a
    skipped item); a documentation file without a row (``LICENSE.txt``) and the metadata
    table go to ``Corpus.other_files``. A metadata table that cannot be read refuses every
    text file with that reason (raised with ``strict=True``). Without it, each file is read
    by :func:`split_txt` (header lines, a title line or the file name; a date in the file
    name; without a ``Source:`` header, the outlet from a folder per outlet, see
    :func:`outlet_from_folder`), and documentation files (``README.txt``) go to ``Corpus.other_files``. Ids are the
    file names without ``.txt`` (made safe), unless the metadata gives one. ``Corpus.read_as``
    says where each field came from. Dates are read with ``date_format``
    (:func:`analysis.corpus.parse_date`).
    """
    folder = Path(folder)
    if folder.is_file():
        files, folder = [folder], folder.parent
    else:
        files = sorted(p for p in list_folder(folder)[0] if p.suffix.lower() == ".txt")
    if metadata is None:
        return _import_plain_txt(files, folder, strict=strict, max_chars=max_chars, date_format=date_format)
    metadata = Path(metadata)
    other: list[tuple[str, str]] = [(str(metadata), f"metadata table of the .txt articles ({file_column!r} column)")]
    try:
        rows, columns = _table_rows(metadata, require=file_column)
        mapping, summary = resolve_columns([c for c in columns if c != file_column], fields=fields, source=metadata,
                                           wanted=ARTICLE_FIELDS)
    except CorpusError as exc:
        if strict:
            raise
        refused = [(str(p), CorpusError(p, None, f"no metadata: {exc}")) for p in files] or [(str(metadata), exc)]
        return collect(refused, _refuse, strict=False, other_files=other if files else ())
    by_file: dict[str, tuple[int, dict[str, Any]]] = {}
    items: list[tuple[str, Any]] = []
    for line, row in rows:
        if isinstance(row, CorpusError):
            items.append((str(metadata), row))
            continue
        name = row.get(file_column)
        if name in by_file:
            items.append((str(metadata), CorpusError(metadata, line, f"file {name!r} listed twice (first on line {by_file[name][0]})")))
            continue
        by_file[name] = (line, row)
    names = {p.relative_to(folder).as_posix(): p for p in files}
    for name, p in names.items():
        if name not in by_file and is_documentation(p):
            other.append((str(p), "documentation (no row in the metadata table)"))
            continue
        items.append((str(p), by_file.get(name)))
    for name, (line, _) in by_file.items():
        if name not in names:
            items.append((str(metadata), CorpusError(metadata, line, f"no such text file {name!r} in {folder}")))

    def build(source: str, payload: Any):
        if isinstance(payload, CorpusError):
            raise payload
        if payload is None:
            raise CorpusError(source, None, f"no row for this file in {metadata}")
        line, row = payload
        body = _read_text(source)
        meta = _record_meta({k: v for k, v in row.items() if k != file_column}, mapping)
        if not meta.get("id"):
            meta["id"] = _slug(Path(source).stem)
        return make_article(meta, body, source=source, line=line, body_line=1, max_chars=max_chars, file=source,
                            date_format=date_format)

    corpus = collect(items, build, strict=strict, other_files=other)
    read_as = _with_counts(summary, [r for _, r in rows])
    if "id" not in mapping:
        read_as.append({"source": str(metadata), "column": "(file name)", "field": "id", "how": "the text file's name",
                        "records": None})
    read_as.append({"source": str(metadata), "column": file_column, "field": "body", "how": "the text file it names",
                    "records": None})
    corpus.read_as = read_as_frame(read_as)
    return corpus


def _read_text(source: str | Path) -> str:
    try:
        raw = Path(source).read_bytes()
    except OSError as exc:
        raise CorpusError(source, None, f"cannot read: {exc.strerror or exc}") from None
    return decode_bytes(raw, source)


_NOT_AN_OUTLET = re.compile(r"[\d_.\- ]+|(?:19|20)\d\d[-_]?(?:\d\d)?|\d{1,2}[-_ ]?[A-Za-z]{3,9}|[A-Za-z]{3,9}[-_ ]?(?:19|20)\d\d")


def outlet_from_folder(path: Path, folder: Path) -> str | None:
    """The outlet named by the first folder between ``folder`` and ``path`` (``texts/Reuters/one.txt``
    -> ``Reuters``; ``_`` read as a space), for a corpus laid out one folder per outlet; ``None``
    for a file directly in ``folder`` or a folder named like a date or a number (``2020``,
    ``2020-03``, ``March_2020``), which orders files rather than naming their source.
    """
    try:
        parts = path.relative_to(folder).parts
    except ValueError:
        return None
    if len(parts) < 2 or _NOT_AN_OUTLET.fullmatch(parts[0]):
        return None
    return re.sub(r"_+", " ", parts[0]).strip() or None


def _import_plain_txt(files: list[Path], folder: Path, *, strict: bool, max_chars: int,
                      date_format: str | None) -> Corpus:
    """.txt articles without a metadata table: :func:`split_txt` (see :func:`import_txt`)."""
    other: list[tuple[str, str]] = []
    items: list[tuple[str, Any]] = []
    for p in files:
        if is_documentation(p):
            other.append((str(p), "documentation"))
        else:
            items.append((str(p), None))
    found: Counter = Counter()

    def build(source: str, _: Any):
        text = _read_text(source)
        meta, start, how = split_txt(text, Path(source).name)
        outlet = outlet_from_folder(Path(source), folder)
        if not meta.get("outlet") and outlet:
            meta["outlet"], how["outlet"] = outlet, "folder name"
        meta.setdefault("id", None)
        if not meta.get("id"):  # a file in a subfolder: the path, so one.txt in two folders stays two articles
            rel = Path(source).relative_to(folder)
            meta["id"] = _slug(rel.with_suffix("").as_posix().replace("/", "__"))
            how["id"] = "file name" if len(rel.parts) == 1 else "path below the folder"
        meta.setdefault("date", None)
        meta.setdefault("language", "en")
        art = make_article(meta, text[start:], source=source, line=None, body_line=1 + text.count("\n", 0, start),
                           max_chars=max_chars, file=source, date_format=date_format)
        found.update((f if f in ARTICLE_FIELDS else "extra", h) for f, h in how.items())
        return art

    corpus = collect(items, build, strict=strict, other_files=other)
    rules = [{"source": str(folder), "column": f"({h})", "field": f, "how": "plain .txt file, no metadata table",
              "records": n} for (f, h), n in sorted(found.items())]
    for f, hint in (("outlet", "'Source:' header lines, one folder per outlet"), ("date", "'Date:' header lines or dates in the file names")):
        lacking = sum(1 for a in corpus.articles if getattr(a, f) is None)
        if lacking:
            rules.append({"source": str(folder), "column": "(none)", "field": f, "records": lacking,
                          "how": f"not found: add {hint}, or a metadata CSV with a 'file' column beside the files"})
    corpus.read_as = read_as_frame(rules)
    return corpus


def import_html(
    files: str | Path | Sequence[str | Path],
    *,
    strict: bool = True,
    language: str = "en",
    max_chars: int = MAX_CHARS,
) -> Corpus:
    """Saved HTML pages: main text extracted with trafilatura (boilerplate removed).

    Title, date, URL and site name come from the page's metadata where present.
    The extracted text becomes the body; offsets refer to it, not to the HTML.
    """
    import trafilatura

    if isinstance(files, (str, Path)):
        p = Path(files)
        files = sorted(p.glob("*.htm*")) if p.is_dir() else [p]

    def build(source: str, _: Any):
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise CorpusError(source, None, f"cannot read: {exc.strerror or exc}") from None
        html = decode_bytes(raw, source)
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
        text = getattr(doc, "text", None) if doc is not None else None
        if not text or not text.strip():
            raise CorpusError(source, None, "no main text found in the HTML page")
        meta = {
            "id": _slug(Path(source).stem),
            "title": getattr(doc, "title", None),
            "outlet": getattr(doc, "sitename", None),
            "date": getattr(doc, "date", None),
            "url": getattr(doc, "url", None),
            "language": language,
            "notes": f"main text extracted from {Path(source).name} with trafilatura {trafilatura.__version__}",
        }
        return make_article(meta, text, source=source, line=None, body_line=1, max_chars=max_chars)

    return collect(((str(f), None) for f in files), build, strict=strict)


# ----------------------------------------------------------------------------- JSON records

#: Field mappings for known JSON layouts: article field -> record key. ``extras`` are
#: record keys kept as metadata under their own names; keys in neither are dropped.
PRESETS: dict[str, dict] = {
    # Baly et al. 2020 (Article-Bias-Prediction, data/jsons): one object per file. ``content``
    # (a tokenised copy of the body) and ``bias`` (0/1/2, the same rating as bias_text) are dropped.
    "allsides": {
        "fields": {"id": "ID", "title": "title", "outlet": "source", "date": "date", "url": "url",
                   "body": "content_original"},
        "extras": ("authors", "bias_text", "topic", "source_url"),
        "signature": ("ID", "content_original", "bias_text"),
    },
    "generic": {
        "fields": {"id": "id", "title": "title", "outlet": "outlet", "date": "date", "url": "url", "body": "text"},
        "extras": None,  # every other key is kept
        "signature": (),
    },
}
#: What ``preset`` may name in :func:`load_source`: a JSON layout above, or ``wikinews`` (its CSV export).
SOURCE_PRESETS: tuple[str, ...] = (*PRESETS, "wikinews")


def parse_fields(spec: str | None) -> dict[str, str]:
    """``"body=content_original,id=ID"`` -> {"body": "content_original", "id": "ID"} (CLI ``--fields``)."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"bad field mapping {part!r}: use FIELD=KEY, e.g. body=content_original")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


_JSON_TOKEN = re.compile(r'[\[\]{}"]')
_JSON_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_SCALAR_END = re.compile(r"[,\]]")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _json_value_end(text: str, pos: int) -> int | None:
    """End of the JSON value starting at ``pos`` (strings and brackets matched, without recursion), or None.

    A closing bracket that does not match closes the brackets opened inside the value up to
    its partner, so a broken item (``{"x": [1, 2}``) ends where its object ends.
    """
    if text[pos] not in '[{"':
        m = _JSON_SCALAR_END.search(text, pos)
        return m.start() if m else len(text)
    partner = {"]": "[", "}": "{"}
    stack: list[str] = []
    i = pos
    while True:
        m = _JSON_TOKEN.search(text, i)
        if m is None:
            return None
        ch, i = m.group(), m.end()
        if ch == '"':
            rest = _JSON_STRING_REST.match(text, i)
            if rest is None:
                return None
            i = rest.end()
        elif ch in "[{":
            stack.append(ch)
        else:
            while stack and stack.pop() != partner[ch]:
                pass
        if not stack:
            return i


def _json_object(text: str, source: Path, line: int | None) -> dict[str, Any] | CorpusError:
    obj = parse_json(text, source, line)
    if isinstance(obj, (dict, CorpusError)):
        return obj
    return CorpusError(source, line, "expected a JSON object" if line
                       else "expected a JSON object or an array of objects")


def _json_records(path: Path) -> list[tuple[int | None, dict[str, Any] | CorpusError]]:
    """(line, record) pairs of one .json file: an object (line None: the file is the record), or an array of objects.

    Each item of an array is read on its own, with the line it starts on, so a fault in
    one item (invalid JSON, too deep, a huge number, invalid Unicode, not an object)
    refuses that item only; an unreadable or empty file is one refused record.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [(None, CorpusError(path, None, f"cannot read: {exc.strerror or exc}"))]
    text = decode_bytes(raw, path, errors="surrogateescape")
    pos = _JSON_SPACE.match(text).end()
    if pos == len(text):
        return [(None, CorpusError(path, None, "empty file: no JSON record"))]
    if text[pos] != "[":
        return [(None, _json_object(text, path, None))]
    records: list[tuple[int | None, dict[str, Any] | CorpusError]] = []
    counted, line = 0, 1

    def line_at(offset: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, offset)
        counted = offset
        return line

    pos += 1
    while True:
        pos = _JSON_SPACE.match(text, pos).end()
        if pos == len(text):
            at = line_at(pos)
            records.append((at, CorpusError(path, at, "invalid JSON: the array is not closed by ']'")))
            break
        if text[pos] == "]":
            rest = _JSON_SPACE.match(text, pos + 1).end()
            if rest < len(text):
                at = line_at(rest)
                records.append((at, CorpusError(path, at, "invalid JSON: extra data after the array")))
            break
        at = line_at(pos)
        end = _json_value_end(text, pos)
        if end is None:
            records.append((at, CorpusError(path, at,
                                            "invalid JSON: this item is not closed before the end of the file")))
            break
        records.append((at, _json_object(text[pos:end], path, at)))
        pos = _JSON_SPACE.match(text, end).end()
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos == len(text) or text[pos] != "]":
            at = line_at(pos)
            records.append((at, CorpusError(path, at, "invalid JSON: expected ',' or ']' after an item")))
            break
    return records or [(None, CorpusError(path, None, "empty array: no JSON record"))]


def detect_preset(record: dict[str, Any]) -> str:
    """The preset whose signature keys a record has ("allsides"), else "generic"."""
    for name, preset in PRESETS.items():
        if preset["signature"] and all(k in record for k in preset["signature"]):
            return name
    return "generic"


def import_json(
    files: str | Path | Sequence[str | Path],
    *,
    preset: str | None = None,
    fields: dict[str, str] | None = None,
    strict: bool = True,
    max_chars: int = MAX_CHARS,
    date_format: str | None = None,
) -> Corpus:
    """Articles from JSON records: a folder of ``*.json`` files (hidden entries left out) or given files, each an
    object or an array.

    ``preset`` names a field mapping in :data:`PRESETS` (default: detected from the first
    record, e.g. the AllSides layout); ``fields`` overrides single fields (article field ->
    record key). The generic layout reads the keys as tables' columns are read
    (:func:`resolve_columns`: aliases such as ``content`` for the body, ``source`` for the outlet,
    ``publish_date`` for the date; every other key kept). ``Corpus.read_as`` lists every key
    and what it became. Required: the body field; the id is derived when the record has none.
    Dates are read with ``date_format`` (:func:`analysis.corpus.parse_date`).
    Bad records (empty body, malformed date such as ``4/4/``, missing body field, and the
    faults :func:`_json_records` finds in one item) are :class:`CorpusError` naming the
    file and line, or rows of ``Corpus.skipped`` with ``strict=False``. An unknown
    ``preset`` raises ValueError.
    """
    if preset and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r} (choose from {', '.join(PRESETS)})")
    if isinstance(files, (str, Path)):
        p = Path(files)
        files = [q for q in list_folder(p)[0] if q.suffix.lower() == ".json"] if p.is_dir() else [p]
    items: list[tuple[str, Any]] = []
    for f in map(Path, files):
        for line, rec in _json_records(f):
            items.append((f"{f}:{line}" if line else str(f), (f, line, rec)))
    first = next((r for _, (_, _, r) in items if isinstance(r, dict)), {})
    name = (preset or detect_preset(first)) if (preset or first) else "generic"
    chosen = PRESETS[name]
    keys = list(dict.fromkeys(k for _, (_, _, r) in items if isinstance(r, dict) for k in r))
    where = files[0] if len(files) == 1 else Path(files[0]).parent if files else "<records>"
    if chosen["extras"] is None:
        mapping, summary = resolve_columns(keys, fields=fields, source=where)
    else:
        mapping = {**chosen["fields"], **(fields or {})}
        field_of = {c: f for f, c in mapping.items()}
        summary = [{"source": str(where), "column": k, "field": field_of.get(k, "extra" if k in chosen["extras"]
                                                                               else "dropped"),
                    "how": (f"preset {name}" if k in field_of else f"kept by preset {name}" if k in chosen["extras"]
                            else f"preset {name} leaves it out")} for k in keys]
    extras = chosen["extras"]
    used = set(mapping.values())

    def build(source: str, payload: Any):
        f, line, rec = payload
        if isinstance(rec, CorpusError):
            raise rec
        body_key = mapping.get("body", "text")
        body = rec.get(body_key)
        if not isinstance(body, str):
            raise CorpusError(f, line, f"missing or non-text field {body_key!r}")
        meta: dict[str, Any] = {}
        for field in ("title", "outlet", "date", "url"):
            value = rec.get(mapping.get(field, field))
            meta[field] = None if value in ("", None) else value
        raw_id = rec.get(mapping.get("id", "id"))
        meta["id"] = raw_id if raw_id not in (None, "") else derived_id(meta.get("url"), body)
        meta["language"] = rec.get(mapping.get("language", "language")) or "en"
        meta["notes"] = rec.get(mapping.get("notes", "notes"))
        keep = extras if extras is not None else [k for k in rec if k not in used]
        for key in keep:
            if key in rec and key not in meta:
                meta[key] = rec[key]
        return make_article(meta, body, source=source, line=line, body_line=1, max_chars=max_chars, file=f,
                            date_format=date_format)

    corpus = collect(items, build, strict=strict)
    corpus.read_as = read_as_frame(_with_counts(summary, [r for _, (_, _, r) in items]))
    return corpus


# ----------------------------------------------------------------------------- any source

TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
#: What a folder may hold, for the reason given to any other file.
SUPPORTED = ".md (front matter), .json, .csv, .jsonl, .ndjson, .html, .htm, .txt"


def _describe(files: list[Path]) -> str:
    kinds = Counter(p.suffix.lower() or "(no suffix)" for p in files)
    return ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no files"


def load_source(
    path: str | Path | Sequence[str | Path],
    *,
    strict: bool = False,
    preset: str | None = None,
    fields: dict[str, str] | None = None,
    max_chars: int = MAX_CHARS,
    date_format: str | None = None,
) -> Corpus:
    """A corpus from any supported source, detected by what the path holds.

    A folder is read whole, every kind of file it holds (in this order):

    * ``*.md`` article files (front matter + body): :func:`analysis.corpus.load_corpus`;
    * ``*.json`` records: :func:`import_json` (presets detected);
    * ``*.txt`` files: :func:`import_txt`, with the folder's metadata CSV (the one with a ``file``
      column) when there is one, else each file alone (header lines, a title line or the file name);
    * CSV / JSON Lines tables: :func:`import_table` (``preset="wikinews"``: CSVs by :func:`import_wikinews`);
    * saved HTML pages: :func:`import_html`.

    Every other file is an input refused as "not a supported format" (as are ``.txt``
    files beside two or more metadata tables); documentation (:func:`analysis.corpus.is_documentation`:
    ``README.md``, ``SOURCE.md``, ``LICENSE`` without front matter) and hidden entries are
    listed in ``Corpus.other_files``. So every file is an article's source, a row of
    ``Corpus.skipped`` or a row of ``Corpus.other_files``, and ``len(articles) +
    len(skipped) == n_inputs``. A file path is read by its suffix the same way.

    Several paths are loaded in turn and combined (ids must stay unique). A source that
    yields no article raises :class:`CorpusError` naming what was found and why rows
    were refused. ``strict=False`` (the default here) lists bad records in
    ``Corpus.skipped`` instead of raising; ``strict=True`` raises the first. ``fields``
    (``--fields``: article field -> column or key) applies to tables, JSON records and the
    metadata CSV of .txt files; ``date_format`` (``--date-format``: ``dmy``, ``mdy`` or a
    strptime format) to every date (:func:`analysis.corpus.parse_date`). ``Corpus.read_as``
    says what every column became (:func:`print_summary` prints it). An unknown ``preset``
    or a bad ``date_format`` raises ValueError.
    """
    if preset and preset not in SOURCE_PRESETS:
        raise ValueError(f"unknown preset {preset!r} (choose from {', '.join(SOURCE_PRESETS)})")
    check_date_format(date_format)
    sources = [path] if isinstance(path, (str, Path)) else list(path)
    if not sources:
        raise CorpusError("<arguments>", None, "no corpus source given")
    parts: list[Corpus] = []
    for src in map(Path, sources):
        parts.append(_load_one(src, strict=strict, preset=preset, fields=fields, max_chars=max_chars,
                               date_format=date_format))
    corpus = parts[0] if len(parts) == 1 else _combine(parts, strict=strict)
    if not corpus.articles:
        # reasons grouped with their quoted parts left out, each group shown by its first reason
        keys = corpus.skipped.reason.str.replace(r"'[^']*'", "'…'", regex=True).tolist()
        reasons, example = Counter(keys), dict(zip(reversed(keys), reversed(corpus.skipped.reason.tolist())))
        why = "; ".join(f"{n} × {example[k]}" for k, n in reasons.most_common(3))
        found = "; ".join(f"{p}: {_describe(_files_of(Path(p)))}" for p in sources)
        raise CorpusError(sources[0] if len(sources) == 1 else "<sources>", None,
                          f"no articles found ({found})" + (f"; {len(corpus.skipped)} refused: {why}" if why else ""))
    return corpus


def summary_lines(corpus: Corpus) -> list[str]:
    """The import summary: what was read, what every column became (:attr:`Corpus.read_as`), every skipped
    input with its reason and every file that is not an input. One line each, for a terminal or a notebook."""
    lines = [f"read: {corpus.n_inputs:,} input(s): {len(corpus.articles):,} article(s), {len(corpus.skipped):,} skipped"]
    for source, rows in corpus.read_as.groupby("source", sort=False):
        lines.append(f"  {source}:")
        for r in rows.itertuples():
            count = "" if pd.isna(r.records) else f", {int(r.records):,} record(s)"
            lines.append(f"    {r.column} -> {r.field} ({r.how}{count})")
    for row in corpus.skipped.itertuples():
        where = f"{row.file}:{row.line}" if not pd.isna(row.line) and f":{row.line}" not in str(row.file) else row.file
        lines.append(f"skipped: {where}: {row.reason}")
    for row in corpus.other_files.itertuples():
        lines.append(f"not an input: {row.file}: {row.reason}")
    return lines


def _files_of(p: Path) -> list[Path]:
    if p.is_dir():
        return list_folder(p)[0]
    return [p] if p.exists() else []


def _load_one(src: Path, *, strict: bool, preset: str | None, fields: dict[str, str] | None, max_chars: int,
              date_format: str | None) -> Corpus:
    """One source path (a folder or a file) as a corpus: see :func:`load_source`."""
    if not src.exists():
        raise CorpusError(src, None, "no such file or folder")
    folder = src.is_dir()
    files, other, refused = list_folder(src) if folder else ([src], [], [])
    kinds: dict[str, list[Path]] = {"md": [], "json": [], "txt": [], "table": [], "html": []}
    for f in files:
        suffix = f.suffix.lower()
        if folder and suffix != ".txt" and is_documentation(f):
            other.append((str(f), "documentation (no front matter)"))
            continue
        kind = ("md" if suffix == ".md" else "json" if suffix == ".json" else "txt" if suffix == ".txt"
                else "html" if suffix in HTML_SUFFIXES else "table" if suffix in TABLE_SUFFIXES else None)
        if kind is None:
            refused.append(CorpusError(f, None,
                                       f"not a supported format ({suffix or 'no suffix'}); supported: {SUPPORTED}"))
        else:
            kinds[kind].append(f)
    parts: list[Corpus] = []
    if kinds["md"]:
        parts.append(load_corpus(kinds["md"], strict=strict, max_chars=max_chars, date_format=date_format))
    if kinds["json"]:
        parts.append(import_json(kinds["json"], preset=None if preset == "wikinews" else preset, fields=fields,
                                 strict=strict, max_chars=max_chars, date_format=date_format))
    tables = kinds["table"]
    if kinds["txt"]:
        metas = [t for t in tables if t.suffix.lower() == ".csv" and "file" in _header(t)] if folder else []
        if len(metas) <= 1:
            parts.append(import_txt(src, metadata=metas[0] if metas else None, fields=fields, strict=strict,
                                    max_chars=max_chars, date_format=date_format))
            tables = [t for t in tables if t not in metas]
        else:
            why = f"{len(metas)} CSV files with a 'file' column ({', '.join(m.name for m in metas)})"
            for t in kinds["txt"]:
                if is_documentation(t):
                    other.append((str(t), "documentation"))
                else:
                    refused.append(CorpusError(t, None, "the .txt articles of a folder take their metadata from one "
                                                        f"CSV with a 'file' column; found {why}"))
    if tables:
        csvs = [t for t in tables if t.suffix.lower() == ".csv"] if preset == "wikinews" else []
        if csvs:
            parts.append(import_wikinews(csvs, strict=strict, max_chars=max_chars))
        parts.extend(import_table(t, fields=fields, strict=strict, max_chars=max_chars, date_format=date_format)
                     for t in sorted(tables) if t not in csvs)
    if kinds["html"]:
        parts.append(import_html(sorted(kinds["html"]), strict=strict, max_chars=max_chars))
    if refused or not parts:
        parts.append(collect([(e.file, e) for e in refused], _refuse, strict=strict))
    corpus = parts[0] if len(parts) == 1 else _combine(parts, strict=strict)
    if other:
        frames = [corpus.other_files] if len(corpus.other_files) else []
        corpus.other_files = pd.concat(frames + [other_files_frame(other)], ignore_index=True)
    return corpus


def _header(path: Path) -> list[str]:
    """The header row of a CSV file (its first 64 KiB), [] when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
        text = decode_bytes(head, path, errors="replace")
        with _csv_field_limit(len(text) + 1):
            return next(csv.reader(io.StringIO(text, newline="")), [])
    except (OSError, csv.Error):
        return []


def _combine(parts: list[Corpus], *, strict: bool) -> Corpus:
    """Several corpora as one; a repeated id is refused like any duplicate (the skipped row names the file)."""
    articles, refused, seen = [], [], {}
    for part in parts:
        for art in part.articles:
            if art.id in seen:
                file = art.source
                if art.id_line is not None and file.endswith(f":{art.id_line}"):
                    file = file[: -len(f":{art.id_line}")]
                err = CorpusError(file, art.id_line, f"duplicate id {art.id!r} (first in {seen[art.id]})")
                if strict:
                    raise err
                refused.append(err)
                continue
            seen[art.id] = art.source
            articles.append(art)
    frames = [p.skipped for p in parts if len(p.skipped)] + ([skipped_frame(refused)] if refused else [])
    skipped = pd.concat(frames, ignore_index=True).astype({"line": "Int64"}) if frames else skipped_frame([])
    others = [p.other_files for p in parts if len(p.other_files)]
    other_files = pd.concat(others, ignore_index=True) if others else other_files_frame([])
    read_as = [p.read_as for p in parts if len(p.read_as)]
    return Corpus(articles=articles, skipped=skipped, n_inputs=sum(p.n_inputs for p in parts), other_files=other_files,
                  read_as=pd.concat(read_as, ignore_index=True) if read_as else read_as_frame([]))


# ----------------------------------------------------------------------------- Wikinews

WIKINEWS_LICENCE = "CC BY 2.5 (https://creativecommons.org/licenses/by/2.5/)"
_WEEKDAY_DATELINE = re.compile(
    r"^[ \t\u00a0]*(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (?:January|February|March|April|May|June"
    r"|July|August|September|October|November|December) \d{1,2}, \d{4}[ \t\u00a0]*$")
_TURN = re.compile(r"^\(\((?P<who>[^()\n]{1,60})\)\)[ \t\u00a0]*(?::[ \t\u00a0]*)?(?P<text>.*)$")
_INITIALS_TURN = re.compile(r"^(?P<who>[A-Z]{2,3}):?[ \t\u00a0]+(?P<text>\S.*)$")


def _initials_name(initials: str, text: str) -> str:
    """A capitalised name in ``text`` whose words' initials are ``initials`` ("NG" -> "Natasha Gownaris"), else the initials."""
    pattern = r"\b" + r"\s+".join(rf"{c}[a-z'’\-]+" for c in initials) + r"\b"
    found = re.findall(pattern, text)
    return max(set(found), key=found.count) if found else initials


def _named_turn(line: str, text: str) -> str | None:
    """``Michael Siegel I am …`` after a question: the leading name, if the article names that person elsewhere."""
    words = line.split()
    for n in (3, 2):
        cand = words[:n]
        if len(cand) == n and all(re.fullmatch(r"[A-Z][a-z'’\-]+", w) for w in cand):
            name = " ".join(cand)
            if text.count(name) >= 2:
                return name
    return None


def normalise_wikinews(text: str) -> tuple[str, list[str]]:
    """A Wikinews body with its dateline removed and interview turns in the quotation convention.

    * a first line that is only the weekday dateline ("Friday, January 4, 2019") is removed
      (the date is in the front matter);
    * interview transcripts: the interviewer's ``((WN))`` turn marker is removed, so the
      question is Wikinews's own (editorial) words; an answer turn ``((Name)) text`` (or
      ``NG: text`` after a question, initials resolved to a name in the article) becomes
      ``Name: “text”``, quoted speech of that person.

    Returns the new body and a list of what was changed (for the article's notes).
    """
    changes: list[str] = []
    lines = text.split("\n")
    first = next((i for i, l in enumerate(lines) if l.strip(" \t\u00a0")), None)
    if first is not None and _WEEKDAY_DATELINE.match(lines[first]):
        changes.append(f"dateline {lines[first].strip(' ' + chr(0xa0))!r} removed")
        lines = lines[first + 1 :]
        while lines and not lines[0].strip(" \t\u00a0"):
            lines.pop(0)
    questions = answers = 0
    after_question = False
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = _TURN.match(line)
        if m and m.group("who").strip() in ("WN", "Wikinews"):
            lines[i] = m.group("text")
            questions += 1
            after_question = True
            continue
        if m:
            lines[i] = f"{m.group('who').strip()}: “{m.group('text').rstrip()}”"
            answers += 1
            after_question = False
            continue
        m = _INITIALS_TURN.match(line) if after_question else None
        if m:
            lines[i] = f"{_initials_name(m.group('who'), text)}: “{m.group('text').rstrip()}”"
            answers += 1
            continue
        name = _named_turn(line, text) if after_question else None
        if name:
            lines[i] = f"{name}: “{line[len(name):].strip(' :' + chr(0xa0)).rstrip()}”"
            answers += 1
            continue
        after_question = False
    if questions or answers:
        changes.append(f"interview: {questions} ((WN)) question marker(s) removed (questions are Wikinews's words), "
                       f"{answers} answer turn(s) written as Name: “answer”")
    return "\n".join(lines), changes


#: Title prefixes of Wikinews pages that are not news articles (skipped with a reason on import).
WIKINEWS_NON_ARTICLE: frozenset[str] = frozenset({"TEST PAGE", "WIKINEWS", "TEMPLATE", "PORTAL", "CATEGORY", "HELP"})


def wikinews_id(url: str, date: object) -> str:
    """A readable, stable id: ``wn-<date>-<page name from the url>`` (at most 80 characters)."""
    url = str(url).rstrip("/")
    page = url.split("/wiki/", 1)[1] if "/wiki/" in url else url.rsplit("/", 1)[-1]  # titles may hold "/" ("A/S")
    slug = _slug(page)
    if len(slug) > 60:
        cut = slug[:60]
        slug = cut[: cut.rfind("_")] if "_" in cut[20:] else cut
    slug = slug.rstrip("_.-")
    return f"wn-{date}-{slug}" if date else f"wn-{slug}"


def import_wikinews(files: str | Path | Sequence[str | Path], *, strict: bool = True, max_chars: int = MAX_CHARS) -> Corpus:
    """Wikinews articles from the CSV export (``url,date,title,text``; van Atteveldt 2021), with attribution.

    Each article keeps its attribution in the front matter (outlet Wikinews, url, ``licence``,
    ``attribution``) and ``notes`` say it was converted and what :func:`normalise_wikinews`
    changed. Ids come from :func:`wikinews_id`. Row faults refuse the row, as in :func:`import_table`;
    errors are :class:`CorpusError` naming the file and line.
    """
    if isinstance(files, (str, Path)):
        p = Path(files)
        files = sorted(p.glob("*.csv")) if p.is_dir() else [p]
    items: list[tuple[str, Any]] = []
    for f in map(Path, files):
        try:
            rows, _ = _table_rows(f, require="text")
        except CorpusError as exc:
            if strict:
                raise
            rows = [(None, exc)]
        for line, row in rows or [(None, CorpusError(f, None, "no records: the table has nothing after its header"))]:
            items.append((f"{f}:{line}" if line else str(f), (f, line, row)))

    def build(source: str, payload: Any):
        f, line, row = payload
        if isinstance(row, CorpusError):
            raise row
        title = row.get("title") or ""
        if ":" in title and title.split(":", 1)[0].strip().upper() in WIKINEWS_NON_ARTICLE:
            raise CorpusError(f, line, f"not a news article (a Wikinews '{title.split(':', 1)[0]}' page)")
        body, changes = normalise_wikinews(row.get("text") or "")
        notes = ("Wikinews article (en.wikinews.org), " + WIKINEWS_LICENCE + "; converted from the van Atteveldt (2021) "
                 "CSV export to Markdown with front matter by `python -m analysis import --preset wikinews`"
                 + ("; " + "; ".join(changes) if changes else "") + ".")
        meta = {"id": wikinews_id(row.get("url", ""), row.get("date")), "title": row.get("title") or None,
                "outlet": "Wikinews", "date": row.get("date") or None, "url": (row.get("url") or "").replace("//wiki/", "/wiki/") or None,
                "language": "en", "notes": notes, "licence": WIKINEWS_LICENCE,
                "attribution": "Wikinews contributors, en.wikinews.org"}
        return make_article(meta, body, source=source, line=line, body_line=line, max_chars=max_chars, file=f)

    return collect(items, build, strict=strict)
