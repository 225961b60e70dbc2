"""Importers for the formats researchers have: CSV/JSONL tables, .txt files with a
metadata table, and saved HTML pages.

Each returns a :class:`~analysis.corpus.Corpus` built through the same validation
as article files (``make_article``): errors name the file and line, and with
``strict=False`` refused rows go to ``Corpus.skipped``. Use
:func:`analysis.corpus.write_articles` to save the result as corpus files.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .corpus import MAX_CHARS, Corpus, CorpusError, collect, decode_bytes, make_article

_META_FIELDS = ("title", "outlet", "date", "url", "language", "notes")


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("_.-")
    return slug or "article"


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


def jsonl_rows(text: str, source: str | Path) -> list[tuple[int, dict[str, Any] | CorpusError]]:
    """(line, object) pairs of JSON Lines text; blank lines skipped, bad lines come back as errors."""
    rows: list[tuple[int, dict[str, Any] | CorpusError]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((n, CorpusError(source, n, f"invalid JSON: {exc.msg}")))
            continue
        rows.append((n, obj if isinstance(obj, dict) else CorpusError(source, n, "expected a JSON object")))
    return rows


def _table_rows(path: Path, *, text_column: str) -> list[tuple[int, dict[str, Any] | CorpusError]]:
    """(line, row) pairs of a CSV or JSONL file; unreadable rows come back as errors."""
    text = decode_bytes(path.read_bytes(), path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return jsonl_rows(text, path)
    rows: list[tuple[int, dict[str, Any] | CorpusError]] = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise CorpusError(path, 1, "empty table: no header row")
    if text_column not in reader.fieldnames:
        raise CorpusError(path, 1, f"no column {text_column!r} (columns: {', '.join(reader.fieldnames)})")
    start = 2
    for row in reader:
        if None in row:
            rows.append((start, CorpusError(path, start, "more fields than the header has")))
        else:
            rows.append((start, row))
        start = reader.line_num + 1
    return rows


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
    fields; other columns are kept as extras. Rows without an id get none: the
    id column is required.
    """
    path = Path(path)
    rows = _table_rows(path, text_column=text_column)

    def build(source: str, payload: tuple[int, dict[str, Any] | CorpusError]):
        line, row = payload
        if isinstance(row, CorpusError):
            raise row
        if text_column not in row or not isinstance(row[text_column], str):
            raise CorpusError(path, line, f"missing or non-text field {text_column!r}")
        if id_column not in row or row[id_column] in (None, ""):
            raise CorpusError(path, line, f"missing field {id_column!r}")
        meta = _row_meta(row, id_column=id_column, text_column=text_column)
        return make_article(meta, row[text_column], source=f"{path}:{line}", line=line, body_line=line, max_chars=max_chars)

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

    The metadata table has a ``file`` column (name relative to ``folder``) plus
    id and the metadata fields. A text file without a row, or a row without a
    file, is an error (or a skipped item).
    """
    folder = Path(folder)
    metadata = Path(metadata)
    rows = _table_rows(metadata, text_column=file_column)
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
    files = sorted(p for p in folder.glob("*.txt") if p.is_file())
    names = {p.name for p in files}
    for p in files:
        items.append((str(p), by_file.get(p.name)))
    for name, (line, _) in by_file.items():
        if name not in names:
            items.append((str(metadata), CorpusError(metadata, line, f"no such text file {name!r} in {folder}")))

    def build(source: str, payload: Any):
        if isinstance(payload, CorpusError):
            raise payload
        if payload is None:
            raise CorpusError(source, None, f"no row for this file in {metadata}")
        line, row = payload
        body = decode_bytes(Path(source).read_bytes(), source)
        row = dict(row)
        row.setdefault("id", Path(source).stem)
        if not row.get("id"):
            row["id"] = _slug(Path(source).stem)
        meta = _row_meta(row, id_column="id", text_column=file_column)
        return make_article(meta, body, source=source, line=line, body_line=1, max_chars=max_chars)

    return collect(items, build, strict=strict)


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
        raw = Path(source).read_bytes()
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
