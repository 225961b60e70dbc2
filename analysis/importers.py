"""Importers for the formats researchers have: CSV/JSONL tables, folders of JSON records,
.txt files with a metadata table, and saved HTML pages; and :func:`load_source`, which
takes any of them (or a folder of article files) and says what it found.

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


def _row_meta(row: dict[str, Any], *, id_column: str, text_column: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"id": row.get(id_column)}
    for key in _META_FIELDS:
        value = row.get(key)
        meta[key] = None if value == "" else value
    meta.setdefault("language", "en")
    if meta.get("language") is None:
        meta["language"] = "en"
    for key, value in row.items():
        if key not in meta and key not in (id_column, text_column) and key is not None:
            meta[key] = value
    return meta


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


def _table_rows(path: Path, *, text_column: str) -> list[tuple[int, dict[str, Any] | CorpusError]]:
    """(line, row) pairs of a CSV or JSONL file; a row that cannot be read comes back as a CorpusError with its line.

    Row faults: undecodable bytes, a csv error, more fields than the header, a quote
    left open to the end of the file (the row is refused with the lines it swallowed),
    JSON faults (:func:`parse_json`). Raises :class:`CorpusError` for the file as a
    whole: unreadable, no header row, no ``text_column``, an undecodable header.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, None, f"cannot read: {exc.strerror or exc}") from None
    text = decode_bytes(raw, path, errors="surrogateescape")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return jsonl_rows(text, path)
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
        if text_column not in fieldnames:
            raise CorpusError(path, 1, f"no column {text_column!r} (columns: {', '.join(fieldnames)})")
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
    return rows


def _refuse(source: str, error: CorpusError) -> Article:
    raise error


def import_table(
    path: str | Path,
    *,
    text_column: str = "text",
    id_column: str = "id",
    strict: bool = True,
    max_chars: int = MAX_CHARS,
) -> Corpus:
    """Articles from a CSV or JSONL file: one row per article, a text column plus metadata.

    Metadata columns named title, outlet, date, url, language, notes fill those
    fields; other columns are kept as extras. A table without the id column gets
    derived ids (:func:`derived_id`: from the url column, else the text); in a table
    that has one, a row with an empty id is refused. Faults of one row refuse that row
    (:func:`_table_rows`); a table that cannot be read at all, or has no rows, is one
    refused input (raised with ``strict=True``). Errors are :class:`CorpusError`.
    """
    path = Path(path)
    try:
        rows = _table_rows(path, text_column=text_column)
    except CorpusError as exc:
        if strict:
            raise
        return collect([(str(path), exc)], _refuse, strict=False)
    if not rows:
        rows = [(None, CorpusError(path, None, "no records: the table has nothing after its header"))]
    has_id = any(isinstance(r, dict) and id_column in r for _, r in rows)

    def build(source: str, payload: tuple[int, dict[str, Any] | CorpusError]):
        line, row = payload
        if isinstance(row, CorpusError):
            raise row
        if text_column not in row or not isinstance(row[text_column], str):
            raise CorpusError(path, line, f"missing or non-text field {text_column!r}")
        if not has_id:
            row = {**row, id_column: derived_id(row.get("url"), row[text_column])}
        if id_column not in row or row[id_column] in (None, ""):
            raise CorpusError(path, line, f"missing field {id_column!r}")
        meta = _row_meta(row, id_column=id_column, text_column=text_column)
        return make_article(meta, row[text_column], source=f"{path}:{line}", line=line, body_line=line,
                            max_chars=max_chars, file=path)

    return collect(((str(path), r) for r in rows), build, strict=strict)


def import_txt(
    folder: str | Path,
    *,
    metadata: str | Path,
    file_column: str = "file",
    strict: bool = True,
    max_chars: int = MAX_CHARS,
) -> Corpus:
    """Plain-text articles (``*.txt`` in ``folder``) described by a metadata CSV.

    The metadata table has a ``file`` column (path relative to ``folder``, e.g.
    ``one.txt`` or ``2020/one.txt``) plus id and the metadata fields. A text file
    without a row, or a row without a file, is an error (or a skipped item); a
    documentation file without a row (``LICENSE.txt``) and the metadata table go to
    ``Corpus.other_files``. A metadata table that cannot be read refuses every text
    file with that reason (raised with ``strict=True``).
    """
    folder = Path(folder)
    metadata = Path(metadata)
    files = sorted(p for p in list_folder(folder)[0] if p.suffix.lower() == ".txt")
    other: list[tuple[str, str]] = [(str(metadata), f"metadata table of the .txt articles ({file_column!r} column)")]
    try:
        rows = _table_rows(metadata, text_column=file_column)
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
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise CorpusError(source, None, f"cannot read: {exc.strerror or exc}") from None
        body = decode_bytes(raw, source)
        row = dict(row)
        row.setdefault("id", Path(source).stem)
        if not row.get("id"):
            row["id"] = _slug(Path(source).stem)
        meta = _row_meta(row, id_column="id", text_column=file_column)
        return make_article(meta, body, source=source, line=line, body_line=1, max_chars=max_chars)

    return collect(items, build, strict=strict, other_files=other)


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
) -> Corpus:
    """Articles from JSON records: a folder of ``*.json`` files (hidden entries left out) or given files, each an
    object or an array.

    ``preset`` names a field mapping in :data:`PRESETS` (default: detected from the first
    record, e.g. the AllSides layout); ``fields`` overrides single fields (article field ->
    record key). Required: the body field; the id is derived when the record has none.
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
    chosen = PRESETS[preset or detect_preset(first)] if (preset or first) else PRESETS["generic"]
    mapping = {**chosen["fields"], **(fields or {})}
    extras = chosen["extras"]
    used = set(mapping.values())

    def build(source: str, payload: Any):
        f, line, rec = payload
        if isinstance(rec, CorpusError):
            raise rec
        body_key = mapping["body"]
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
        return make_article(meta, body, source=source, line=line, body_line=1, max_chars=max_chars, file=f)

    return collect(items, build, strict=strict)


# ----------------------------------------------------------------------------- any source

TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
#: What a folder may hold, for the reason given to any other file.
SUPPORTED = ".md (front matter), .json, .csv, .jsonl, .ndjson, .html, .htm, .txt (with a metadata CSV)"


def _describe(files: list[Path]) -> str:
    kinds = Counter(p.suffix.lower() or "(no suffix)" for p in files)
    return ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no files"


def load_source(
    path: str | Path | Sequence[str | Path],
    *,
    strict: bool = False,
    preset: str | None = None,
    fields: dict[str, str] | None = None,
    text_column: str = "text",
    max_chars: int = MAX_CHARS,
) -> Corpus:
    """A corpus from any supported source, detected by what the path holds.

    A folder is read whole, every kind of file it holds (in this order):

    * ``*.md`` article files (front matter + body): :func:`analysis.corpus.load_corpus`;
    * ``*.json`` records: :func:`import_json` (presets detected);
    * ``*.txt`` files with exactly one metadata CSV that has a ``file`` column: :func:`import_txt`;
    * CSV / JSON Lines tables: :func:`import_table` (``preset="wikinews"``: CSVs by :func:`import_wikinews`);
    * saved HTML pages: :func:`import_html`.

    Every other file is an input refused as "not a supported format" (as is a ``.txt``
    file without its metadata table); documentation (:func:`analysis.corpus.is_documentation`:
    ``README.md``, ``SOURCE.md``, ``LICENSE`` without front matter) and hidden entries are
    listed in ``Corpus.other_files``. So every file is an article's source, a row of
    ``Corpus.skipped`` or a row of ``Corpus.other_files``, and ``len(articles) +
    len(skipped) == n_inputs``. A file path is read by its suffix the same way.

    Several paths are loaded in turn and combined (ids must stay unique). A source that
    yields no article raises :class:`CorpusError` naming what was found and why rows
    were refused. ``strict=False`` (the default here) lists bad records in
    ``Corpus.skipped`` instead of raising; ``strict=True`` raises the first. An unknown
    ``preset`` raises ValueError.
    """
    if preset and preset not in SOURCE_PRESETS:
        raise ValueError(f"unknown preset {preset!r} (choose from {', '.join(SOURCE_PRESETS)})")
    sources = [path] if isinstance(path, (str, Path)) else list(path)
    if not sources:
        raise CorpusError("<arguments>", None, "no corpus source given")
    parts: list[Corpus] = []
    for src in map(Path, sources):
        parts.append(_load_one(src, strict=strict, preset=preset, fields=fields, text_column=text_column,
                               max_chars=max_chars))
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


def _files_of(p: Path) -> list[Path]:
    if p.is_dir():
        return list_folder(p)[0]
    return [p] if p.exists() else []


def _load_one(src: Path, *, strict: bool, preset: str | None, fields: dict[str, str] | None, text_column: str,
              max_chars: int) -> Corpus:
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
        parts.append(load_corpus(kinds["md"], strict=strict, max_chars=max_chars))
    if kinds["json"]:
        parts.append(import_json(kinds["json"], preset=None if preset == "wikinews" else preset, fields=fields,
                                 strict=strict, max_chars=max_chars))
    tables = kinds["table"]
    if kinds["txt"]:
        metas = [t for t in tables if t.suffix.lower() == ".csv" and "file" in _header(t)] if folder else []
        if len(metas) == 1:
            parts.append(import_txt(src, metadata=metas[0], strict=strict, max_chars=max_chars))
            tables = [t for t in tables if t != metas[0]]
        else:
            why = (f"{len(metas)} CSV files with a 'file' column ({', '.join(m.name for m in metas)})" if metas
                   else "no CSV file with a 'file' column")
            for t in kinds["txt"]:
                if folder and is_documentation(t):
                    other.append((str(t), "documentation"))
                else:
                    refused.append(CorpusError(t, None, "a .txt article needs one metadata CSV with a 'file' column "
                                                        f"in its folder; found {why}" if folder else
                                                        "a .txt article is read from its folder, with a metadata CSV "
                                                        "that has a 'file' column: give the folder"))
    if tables:
        csvs = [t for t in tables if t.suffix.lower() == ".csv"] if preset == "wikinews" else []
        if csvs:
            parts.append(import_wikinews(csvs, strict=strict, max_chars=max_chars))
        parts.extend(import_table(t, text_column=text_column, strict=strict, max_chars=max_chars)
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
    return Corpus(articles=articles, skipped=skipped, n_inputs=sum(p.n_inputs for p in parts), other_files=other_files)


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
            rows = _table_rows(f, text_column="text")
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
