"""Importers for the formats researchers have: CSV/JSONL tables, folders of JSON records,
.txt files with a metadata table, and saved HTML pages; and :func:`load_source`, which
takes any of them (or a folder of article files) and says what it found.

Each returns a :class:`~analysis.corpus.Corpus` built through the same validation
as article files (``make_article``): errors name the file and line, and with
``strict=False`` refused rows go to ``Corpus.skipped`` (counts reconcile: loaded +
skipped = inputs). Tables and records without an id get a stable derived id (from
the url, else the text). Use :func:`analysis.corpus.write_articles` (or
``python -m analysis import SOURCE --out FOLDER``) to save the result as article files.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .corpus import MAX_CHARS, Corpus, CorpusError, collect, decode_bytes, load_corpus, make_article

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
    fields; other columns are kept as extras. A table without the id column gets
    derived ids (:func:`derived_id`: from the url column, else the text); in a table
    that has one, a row with an empty id is refused.
    """
    path = Path(path)
    rows = _table_rows(path, text_column=text_column)
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


def _json_records(path: Path) -> list[tuple[int | None, dict[str, Any] | CorpusError]]:
    """(line, record) pairs of one .json file: an object, or an array of objects."""
    text = decode_bytes(path.read_bytes(), path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [(exc.lineno, CorpusError(path, exc.lineno, f"invalid JSON: {exc.msg}"))]
    if isinstance(data, dict):
        return [(None, data)]
    if isinstance(data, list):
        return [(None, r if isinstance(r, dict) else CorpusError(path, None, f"item {i}: expected a JSON object"))
                for i, r in enumerate(data)]
    return [(1, CorpusError(path, 1, "expected a JSON object or an array of objects"))]


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
    """Articles from JSON records: a folder of ``*.json`` files (or given files), each an object or an array.

    ``preset`` names a field mapping in :data:`PRESETS` (default: detected from the first
    record, e.g. the AllSides layout); ``fields`` overrides single fields (article field ->
    record key). Required: the body field; the id is derived when the record has none.
    Bad records (empty body, malformed date such as ``4/4/``, missing body field) are
    errors naming the file, or rows of ``Corpus.skipped`` with ``strict=False``.
    """
    if isinstance(files, (str, Path)):
        p = Path(files)
        files = sorted(q for q in p.rglob("*.json") if q.is_file()) if p.is_dir() else [p]
    items: list[tuple[str, Any]] = []
    for f in map(Path, files):
        for line, rec in _json_records(f):
            items.append((f"{f}:{line}" if line else str(f), (f, line, rec)))
    first = next((r for _, (_, _, r) in items if isinstance(r, dict)), {})
    chosen = PRESETS[preset or detect_preset(first)] if (preset or first) else PRESETS["generic"]
    if preset and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r} (choose from {', '.join(PRESETS)})")
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
        return make_article(meta, body, source=source, line=line, body_line=1, max_chars=max_chars)

    return collect(items, build, strict=strict)


# ----------------------------------------------------------------------------- any source

TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")


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

    * a folder with ``*.md`` article files (front matter + body), or such files;
    * a folder of ``*.json`` records (or .json files): :func:`import_json` (presets detected);
    * CSV / JSON Lines tables: :func:`import_table` (every table in a folder);
    * saved HTML pages: :func:`import_html`;
    * a folder of ``*.txt`` with one metadata CSV that has a ``file`` column: :func:`import_txt`.

    Several paths are loaded in turn and combined (ids must stay unique). A source that
    yields no article raises :class:`CorpusError` naming what was found and ignored, and
    why rows were refused. ``strict=False`` (the default here) lists bad records in
    ``Corpus.skipped`` instead of raising.
    """
    sources = [path] if isinstance(path, (str, Path)) else list(path)
    if not sources:
        raise CorpusError("<arguments>", None, "no corpus source given")
    parts: list[Corpus] = []
    for src in map(Path, sources):
        parts.append(_load_one(src, strict=strict, preset=preset, fields=fields, text_column=text_column,
                               max_chars=max_chars))
    corpus = parts[0] if len(parts) == 1 else _combine(parts, strict=strict)
    if not corpus.articles:
        reasons = Counter(corpus.skipped.reason.str.replace(r"'[^']*'", "'…'", regex=True)) if len(corpus.skipped) else Counter()
        why = "; ".join(f"{n} × {r}" for r, n in reasons.most_common(3))
        found = "; ".join(f"{p}: {_describe(_files_of(Path(p)))}" for p in sources)
        raise CorpusError(sources[0] if len(sources) == 1 else "<sources>", None,
                          f"no articles found ({found})" + (f"; {len(corpus.skipped)} refused: {why}" if why else ""))
    return corpus


def _files_of(p: Path) -> list[Path]:
    if p.is_dir():
        return sorted(q for q in p.rglob("*") if q.is_file() and not any(part.startswith(".") for part in q.relative_to(p).parts))
    return [p] if p.exists() else []


def _load_one(src: Path, **kw) -> Corpus:
    strict, max_chars = kw["strict"], kw["max_chars"]
    if not src.exists():
        raise CorpusError(src, None, "no such file or folder")
    files = _files_of(src)
    by = {suffix: [f for f in files if f.suffix.lower() == suffix] for suffix in {f.suffix.lower() for f in files}}
    articles = [f for f in by.get(".md", []) if _has_front_matter(f)] if src.is_dir() else by.get(".md", [])
    if articles:  # Markdown without front matter (a README, a SOURCE.md) is documentation, not an article
        return load_corpus(articles, strict=strict, max_chars=max_chars)
    if kw["preset"] == "wikinews":
        return import_wikinews([f for f in files if f.suffix.lower() == ".csv"], strict=strict, max_chars=max_chars)
    if by.get(".json"):
        return import_json(by[".json"], preset=kw["preset"], fields=kw["fields"], strict=strict, max_chars=max_chars)
    tables = [f for s in TABLE_SUFFIXES for f in by.get(s, [])]
    txts = by.get(".txt", [])
    if txts and src.is_dir():
        metas = [t for t in by.get(".csv", []) if "file" in _header(t)]
        if len(metas) == 1:
            return import_txt(src, metadata=metas[0], strict=strict, max_chars=max_chars)
    if tables:
        return _combine([import_table(t, text_column=kw["text_column"], strict=strict, max_chars=max_chars)
                         for t in sorted(tables)], strict=strict)
    html = [f for s in HTML_SUFFIXES for f in by.get(s, [])]
    if html:
        return import_html(sorted(html), strict=strict, max_chars=max_chars)
    from .corpus import skipped_frame

    return Corpus(articles=[], skipped=skipped_frame([]), n_inputs=0)


def _has_front_matter(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(5).lstrip(b"\xef\xbb\xbf").startswith(b"---")


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def _combine(parts: list[Corpus], *, strict: bool) -> Corpus:
    """Several corpora as one; a repeated id is refused like any duplicate."""
    import pandas as pd

    from .corpus import skipped_frame

    articles, refused, seen = [], [], {}
    for part in parts:
        for art in part.articles:
            if art.id in seen:
                err = CorpusError(art.source, art.id_line, f"duplicate id {art.id!r} (first in {seen[art.id]})")
                if strict:
                    raise err
                refused.append(err)
                continue
            seen[art.id] = art.source
            articles.append(art)
    skipped = pd.concat([p.skipped for p in parts] + [skipped_frame(refused)], ignore_index=True) if parts else skipped_frame([])
    skipped = skipped.astype({"line": "Int64"})
    return Corpus(articles=articles, skipped=skipped, n_inputs=sum(p.n_inputs for p in parts))


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
    changed. Ids come from :func:`wikinews_id`.
    """
    if isinstance(files, (str, Path)):
        p = Path(files)
        files = sorted(p.glob("*.csv")) if p.is_dir() else [p]
    items: list[tuple[str, Any]] = []
    for f in map(Path, files):
        for line, row in _table_rows(f, text_column="text"):
            items.append((f"{f}:{line}", (f, line, row)))

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
        return make_article(meta, body, source=source, line=line, body_line=line, max_chars=max_chars)

    return collect(items, build, strict=strict)
