"""The article corpus: Markdown files with YAML front matter, loaded into DataFrames.

An article file is::

    ---
    id: 000_98b569404c0edd86
    title: ...
    outlet: null
    date: 2022-02-04
    url: null
    language: en
    notes: ...
    ---
    <body, kept byte for byte>

Everything after the closing ``---`` line is the body, unchanged: every offset
the suite reports is a character offset into that string. Bad files raise
:class:`CorpusError` naming the file and line; with ``strict=False`` they are
listed in ``Corpus.skipped`` instead, and the counts always reconcile.

Every input is accounted for: ``len(corpus.articles) + len(corpus.skipped) ==
corpus.n_inputs``, and every file under a folder source is an article's source, a
row of ``Corpus.skipped`` (a file that is not a supported format is refused with
that reason), or a row of ``Corpus.other_files`` (documentation such as a
``README.md`` or ``LICENSE`` without front matter, hidden files, the metadata table
of ``.txt`` articles). Text is UTF-8 (a byte-order mark is dropped; UTF-16 and UTF-32
with a byte-order mark are decoded). Front matter is YAML read by a safe loader
with bounds: at most :data:`MAX_FRONT_MATTER_CHARS` characters and
:data:`MAX_DEPTH` levels of nesting, no anchors or aliases (no alias "billion
laughs"), no ``!!python`` tags; keys must be text, ids at most :data:`MAX_ID_CHARS`
characters (they name files), and every text valid Unicode (no lone surrogates).
A fault in one input refuses that input, never the whole source.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import paths

#: Front-matter keys every article must have (values may be null except the id; language defaults to ``en``).
REQUIRED_FIELDS: tuple[str, ...] = ("id", "title", "date")
KNOWN_FIELDS: tuple[str, ...] = ("id", "title", "outlet", "date", "url", "language", "notes")
#: Bodies longer than this are refused: a sign of a concatenated dump, not one article.
MAX_CHARS: int = 500_000
#: Ids name files (``<id>.md``, ``<id>.html``), so they are capped well below file-name limits (255 bytes).
MAX_ID_CHARS: int = 200
#: Front matter longer than this is refused (metadata, not a second body).
MAX_FRONT_MATTER_CHARS: int = 65_536
#: Metadata (front matter, JSON records) nested deeper than this is refused.
MAX_DEPTH: int = 32
#: Integers with more digits than this are refused (Python's int-string conversion limit).
MAX_NUMBER_DIGITS: int = 4_300
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_NUMBER_BOUND = 10**MAX_NUMBER_DIGITS
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
#: Byte-order marks and their codecs (UTF-32 before UTF-16: FF FE 00 00 starts with FF FE).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)
#: File names of documentation that may sit beside a corpus (README, SOURCE, LICENSE ...): the name
#: alone in any case (``readme``), or in capitals with one word before or after (``UPSTREAM_README``, ``LICENSE-MIT``).
_DOC_NAME_RE = re.compile(
    r"(?:[A-Za-z0-9]+[_\-. ])?(?P<name>READ_?ME|SOURCES?|LICEN[CS]ES?|COPYING|NOTICE|CHANGELOG|CHANGES|HISTORY|AUTHORS"
    r"|CONTRIBUTORS|CONTRIBUTING|CITATION|CODEBOOK|DATASHEET)(?:[_\-. ][A-Za-z0-9]+)?",
    re.IGNORECASE,
)
_DOC_SUFFIXES: tuple[str, ...] = ("", ".md", ".markdown", ".txt", ".rst", ".cff")
_HTML_RE = re.compile(
    r"</?(?:html|head|body|p|div|span|a|br|script|style|img|iframe|table|tr|td|ul|ol|li|h[1-6]"
    r"|strong|em|b|i|blockquote|figure|meta|link|section|article|header|footer|nav)\b[^>]*>",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"\w+(?:[’'\-]\w+)*")


class CorpusError(ValueError):
    """A problem with one input file, located by file and line (1-based)."""

    def __init__(self, file: str | Path, line: int | None, reason: str) -> None:
        self.file = str(file)
        self.line = line
        self.reason = reason
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Article:
    """One article: its metadata and the body every offset points into."""

    id: str
    body: str
    title: str | None = None
    outlet: str | None = None
    date: _dt.date | None = None
    url: str | None = None
    language: str = "en"
    notes: str | None = None
    source: str = ""
    body_line: int = 1
    id_line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """Content hash of the body (the cache key's content part)."""
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()

    @property
    def n_words(self) -> int:
        return count_words(self.body)

    def line_of(self, offset: int) -> int:
        """Line number in the source file of a character offset into the body."""
        return self.body_line + self.body.count("\n", 0, offset)


def other_files_frame(rows: Iterable[tuple[str | Path, str]]) -> pd.DataFrame:
    """The table of files in a source that are not inputs: one row ``(file, reason)`` each."""
    return pd.DataFrame([{"file": str(f), "reason": r} for f, r in rows], columns=["file", "reason"])


#: Columns of :attr:`Corpus.read_as`.
READ_AS_COLUMNS: tuple[str, ...] = ("source", "column", "field", "how", "records")


def read_as_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """How a source's columns became article fields: one row per (source, column).

    Columns: ``source`` (the file or folder), ``column`` (a table column or JSON key as
    written, or a rule such as ``(first line)``), ``field`` (the article field it fills:
    id, body, title, outlet, date, url, language, notes; ``extra`` = kept as metadata under
    its own name; ``dropped`` = not kept, with the reason in ``how``), ``how`` (why: its
    name, an alias, ``--fields``, a preset or a rule), ``records`` (how many of the
    source's records took the field from it; nullable).
    """
    return pd.DataFrame(list(rows), columns=list(READ_AS_COLUMNS)).astype({"records": "Int64"})


@dataclass
class Corpus:
    """Loaded articles plus the inputs that were skipped, with reasons.

    ``n_inputs`` counts inputs (article files, table rows, JSON records, pages, and files
    refused whole); ``len(articles) + len(skipped) == n_inputs`` always holds (checked
    here). ``skipped`` has columns file, line (nullable Int64), reason. ``other_files``
    (file, reason) lists the files of a folder source that are not inputs
    (documentation, hidden files, the metadata table of .txt articles), so that every
    file is accounted for. ``read_as`` (:func:`read_as_frame`) says how each column, key or
    rule of a source became an article field (the import summary).
    """

    articles: list[Article]
    skipped: pd.DataFrame
    n_inputs: int
    other_files: pd.DataFrame = field(default_factory=lambda: other_files_frame([]))
    read_as: pd.DataFrame = field(default_factory=lambda: read_as_frame([]))

    def __post_init__(self) -> None:
        if len(self.articles) + len(self.skipped) != self.n_inputs:
            raise AssertionError(
                f"corpus counts do not reconcile: {len(self.articles)} loaded + "
                f"{len(self.skipped)} skipped != {self.n_inputs} inputs"
            )

    def __len__(self) -> int:
        return len(self.articles)

    def __iter__(self):
        return iter(self.articles)

    def get(self, article_id: str) -> Article:
        for art in self.articles:
            if art.id == article_id:
                return art
        raise KeyError(article_id)

    @property
    def sha256(self) -> str:
        """Hash over all article ids and bodies, in order (provenance of a figure)."""
        h = hashlib.sha256()
        for art in self.articles:
            h.update(art.id.encode("utf-8") + b"\0" + art.body.encode("utf-8") + b"\0")
        return h.hexdigest()


def count_words(text: str) -> int:
    """Words as runs of word characters (joined by apostrophes or hyphens)."""
    return len(_WORD_RE.findall(text))


def skipped_frame(rows: Iterable[CorpusError]) -> pd.DataFrame:
    """The skipped-items table: one row per refused input."""
    return pd.DataFrame(
        [{"file": e.file, "line": e.line, "reason": e.reason} for e in rows],
        columns=["file", "line", "reason"],
    ).astype({"line": "Int64"})


def decode_bytes(raw: bytes, source: str | Path, *, errors: str = "strict") -> str:
    """Text of a file's bytes: UTF-8, or UTF-16/UTF-32 when a byte-order mark says so (the mark is dropped).

    Undecodable bytes raise :class:`CorpusError` with their line; with
    ``errors="surrogateescape"`` they become lone surrogates instead, for readers that
    refuse only the record holding them (see :func:`text_problem`).
    """
    codec, skip = "utf-8", 0
    for bom, name in _BOMS:
        if raw.startswith(bom):
            codec, skip = name, len(bom)
            break
    try:
        return raw[skip:].decode(codec, errors=errors)
    except UnicodeDecodeError as exc:
        before = raw[skip : skip + exc.start].decode(codec, errors="replace")
        line = before.count("\n") + 1
        name = "UTF-8" if codec == "utf-8" else codec.upper()[:6] + " with a byte-order mark"
        raise CorpusError(
            source, line, f"undecodable bytes (not {name}): {exc.reason} at byte {skip + exc.start}"
        ) from None


def first_surrogate(text: str) -> int | None:
    """Offset of the first lone surrogate in ``text`` (text that cannot be written as UTF-8), else None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        m = _SURROGATE_RE.search(text)
        return m.start() if m else None
    return None


def text_problem(text: str) -> str | None:
    """Why ``text`` is not valid Unicode, else None: a lone surrogate (undecodable bytes, a bad ``\\ud800`` escape)."""
    at = first_surrogate(text)
    if at is None:
        return None
    if "\udc80" <= text[at] <= "\udcff":
        return f"undecodable bytes or a lone surrogate (not valid Unicode): {text[at]!r}"
    return f"lone surrogate {text[at]!r} (not valid Unicode)"


def value_problem(value: Any, *, max_depth: int = MAX_DEPTH) -> str | None:
    """Why a metadata value cannot be stored, else None.

    Refused: nesting deeper than ``max_depth`` (lists, mappings), mapping keys that are
    not text, text that is not valid Unicode (:func:`text_problem`), integers over
    :data:`MAX_NUMBER_DIGITS` digits. Walks without recursion, so any depth is safe.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            problem = text_problem(v)
            if problem:
                return problem
        elif isinstance(v, dict):
            if depth >= max_depth:
                return f"nested more than {max_depth} levels deep"
            for k, x in v.items():
                if not isinstance(k, str):
                    return f"key {_short(k)} is not text"
                problem = text_problem(k)
                if problem:
                    return problem
                stack.append((x, depth + 1))
        elif isinstance(v, (list, tuple, set, frozenset)):
            if depth >= max_depth:
                return f"nested more than {max_depth} levels deep"
            stack.extend((x, depth + 1) for x in v)
        elif isinstance(v, int) and not isinstance(v, bool) and abs(v) >= _NUMBER_BOUND:
            return f"a number with more than {MAX_NUMBER_DIGITS:,} digits"
    return None


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


#: ``date_format`` shorthands for numeric dates whose day and month could be either way round.
DATE_ORDERS: tuple[str, ...] = ("dmy", "mdy")
_NUMERIC_DATE = re.compile(r"(\d{1,4})([/.\- ])(\d{1,2})\2(\d{1,4})(?=$|[T\s,])")
_DATE_DEFAULTS = (_dt.datetime(1901, 1, 1), _dt.datetime(1902, 2, 2))


def check_date_format(date_format: str | None) -> None:
    """Refuse (ValueError) a ``date_format`` that is neither a :data:`DATE_ORDERS` shorthand nor a strptime format."""
    if date_format is not None and date_format not in DATE_ORDERS and "%" not in date_format:
        raise ValueError(f"bad date format {date_format!r}: use {' or '.join(DATE_ORDERS)} (day or month first in "
                         "numeric dates) or a strptime format such as %d/%m/%Y")


def _numeric_date(m: re.Match, value: Any, date_format: str | None, source: str | Path, line: int | None) -> _dt.date:
    a, _, b, c = m.groups()
    if len(a) == 4:  # 2024/03/18: year first, then month and day (no one writes year-day-month)
        year, month, day = int(a), int(b), int(c)
    elif len(c) in (2, 4):
        year = int(c) if len(c) == 4 else _dt.datetime.strptime(c, "%y").year  # %y: 69-99 -> 19xx, 00-68 -> 20xx
        x, y = int(a), int(b)
        if date_format == "dmy" or (date_format != "mdy" and x > 12 >= y):
            day, month = x, y
        elif date_format == "mdy" or (y > 12 >= x) or x == y:
            month, day = x, y
        else:
            raise CorpusError(source, line, f"ambiguous date {value!r}: {x} {_MONTHS[y - 1]} or {_MONTHS[x - 1]} {y}? "
                                            "give the order with --date-format dmy or mdy (date_format=)")
    else:
        raise CorpusError(source, line, f"unparseable date {value!r} (the year must have 2 or 4 digits)")
    try:
        return _dt.date(year, month, day)
    except ValueError as exc:
        order = {"dmy": "; read day first, as the date format dmy says",
                 "mdy": "; read month first, as the date format mdy says"}.get(date_format or "", "")
        raise CorpusError(source, line, f"unparseable date {value!r} ({exc}{order})") from None


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def parse_date(value: Any, source: str | Path, line: int | None, *, date_format: str | None = None) -> _dt.date | None:
    """The calendar date of a metadata value; null or "" stays None; errors raise :class:`CorpusError`.

    Read, in order: a YAML date or datetime; with ``date_format`` a strptime format (e.g.
    ``%d/%m/%Y``), exactly that; ISO 8601 (``2024-03-18``, ``2024-03-18T09:30:00Z``); numeric
    dates with ``/``, ``.``, ``-`` or a space between parts (``18/03/2024``, ``3.18.24``;
    year last with 2 or 4 digits, or year first): the day and month are told apart when one
    of them is over 12, and otherwise settled by ``date_format`` ``"dmy"`` or ``"mdy"`` or
    refused as *ambiguous* with both readings in the reason; two-digit years follow
    strptime's ``%y`` (69-99 are 19xx, 00-68 are 20xx). Anything else is read by
    ``dateutil.parser`` ("March 4, 2024", "4 Mar 2024", "Mon, 04 Mar 2024 10:00:00 GMT"); a
    date it completes from defaults (no day, month or year: "March 2024") is refused as
    incomplete. A date-time keeps the date as written (its time zone is not converted).
    Raises ValueError for a ``date_format`` that is neither shorthand nor strptime format.
    """
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    check_date_format(date_format)
    text = str(value).strip()
    if date_format is not None and date_format not in DATE_ORDERS:
        try:
            return _dt.datetime.strptime(text, date_format).date()
        except ValueError:
            raise CorpusError(source, line, f"unparseable date {value!r} (not in the date format {date_format!r})") from None
    for reader in (_dt.date.fromisoformat, lambda t: _dt.datetime.fromisoformat(t).date()):
        try:
            return reader(text)
        except ValueError:
            pass
    m = _NUMERIC_DATE.match(text)
    if m:
        return _numeric_date(m, value, date_format, source, line)
    import warnings

    from dateutil import parser as date_parser

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown time-zone names: the date is kept as written
            first, second = (date_parser.parse(text, default=d, ignoretz=True) for d in _DATE_DEFAULTS)
    except (ValueError, OverflowError, date_parser.ParserError):
        raise CorpusError(source, line, f"unparseable date {value!r} (expected e.g. 2024-03-18, 18/03/2024 or "
                                        "March 18, 2024)") from None
    if first.date() != second.date():
        missing = [part for part, x, y in (("year", first.year, second.year), ("month", first.month, second.month),
                                           ("day", first.day, second.day)) if x != y]
        raise CorpusError(source, line, f"unparseable date {value!r}: incomplete (no {' or '.join(missing)})")
    return first.date()


def check_body(body: str, source: str | Path, body_line: int, *, max_chars: int = MAX_CHARS) -> None:
    """Refuse empty, huge, HTML-carrying, NUL-carrying or invalid-Unicode bodies: CorpusError naming the line."""
    if not isinstance(body, str):
        raise CorpusError(source, body_line, f"body is not text ({type(body).__name__})")
    if not body.strip():
        raise CorpusError(source, body_line, "empty body")
    if len(body) > max_chars:
        raise CorpusError(
            source, body_line, f"body has {len(body):,} characters, more than max_chars={max_chars:,}; split it or raise the limit"
        )
    m = _HTML_RE.search(body)
    if m:
        line = body_line + body.count("\n", 0, m.start())
        raise CorpusError(
            source, line, f"HTML markup in text ({m.group(0)[:40]!r}); extract the text first (analysis.importers.import_html)"
        )
    if "\x00" in body:
        line = body_line + body.count("\n", 0, body.index("\x00"))
        raise CorpusError(source, line, "NUL character in text")
    problem = text_problem(body)
    if problem:
        raise CorpusError(source, body_line + body.count("\n", 0, first_surrogate(body)), problem)


def make_article(
    meta: dict[str, Any],
    body: str,
    *,
    source: str | Path,
    line: int | None,
    body_line: int = 1,
    field_lines: dict[str, int] | None = None,
    max_chars: int = MAX_CHARS,
    file: str | Path | None = None,
    date_format: str | None = None,
) -> Article:
    """Validate metadata and body and build an :class:`Article` (shared by every importer).

    ``source`` becomes ``Article.source``; errors name ``file`` (default: ``source``) and
    the line (``field_lines`` maps a field to its line, else ``line``). Raises
    :class:`CorpusError` for: a missing required field, a key that is not text, a value
    that cannot be stored (:func:`value_problem`: too deep, invalid Unicode, a huge number),
    an invalid id or one over :data:`MAX_ID_CHARS` characters, an unparseable or ambiguous date
    (:func:`parse_date`, which reads the date with ``date_format``), a refused body (:func:`check_body`).
    """
    field_lines = field_lines or {}
    where = source if file is None else file
    for key, value in meta.items():
        at = field_lines.get(key, line) if isinstance(key, str) else line
        if not isinstance(key, str):
            raise CorpusError(where, at, f"metadata key {_short(key)} is not text (write keys as words, or quote them)")
        problem = text_problem(key) or value_problem(value, max_depth=MAX_DEPTH - 1)
        if problem:
            raise CorpusError(where, at, f"field {key[:60]!r}: {problem}")
    missing = [k for k in REQUIRED_FIELDS if k not in meta]
    if missing:
        raise CorpusError(where, line, f"missing field(s): {', '.join(missing)}")
    raw_id = meta["id"]
    art_id = "" if raw_id is None or isinstance(raw_id, (dict, list, set, bytes)) else str(raw_id).strip()
    if len(art_id) > MAX_ID_CHARS:
        raise CorpusError(
            where, field_lines.get("id", line),
            f"id has {len(art_id):,} characters, more than {MAX_ID_CHARS} (ids are used as file names)",
        )
    if not _ID_RE.match(art_id):
        raise CorpusError(
            where, field_lines.get("id", line), f"invalid id {_short(raw_id)} (letters, digits, '_', '.', '-')"
        )
    date = parse_date(meta.get("date"), where, field_lines.get("date", line), date_format=date_format)
    check_body(body, where, body_line, max_chars=max_chars)

    def text_or_none(key: str) -> str | None:
        value = meta.get(key)
        return None if value is None else str(value)

    extra = {k: v for k, v in meta.items() if k not in KNOWN_FIELDS}
    return Article(
        id=art_id,
        body=body,
        title=text_or_none("title"),
        outlet=text_or_none("outlet"),
        date=date,
        url=text_or_none("url"),
        language=str(meta.get("language") or "en"),
        notes=text_or_none("notes"),
        source=str(source),
        body_line=body_line,
        id_line=field_lines.get("id", line),
        extra=extra,
    )


class _FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's safe loader with bounds: no anchors or aliases (so no alias "billion laughs"),
    nesting at most :data:`MAX_DEPTH` levels, integers at most :data:`MAX_NUMBER_DIGITS`
    characters; an impossible date (``2022-13-45``) stays text, for :func:`parse_date` to refuse."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed in front matter", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Any) -> int:
        if len(str(node.value)) > MAX_NUMBER_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number with {len(str(node.value)):,} digits (at most {MAX_NUMBER_DIGITS:,})",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:int", _FrontMatterLoader.construct_yaml_int)
_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _FrontMatterLoader.construct_yaml_timestamp)


def parse_front_matter(front: str, source: str | Path, *, first_line: int = 2) -> tuple[dict[str, Any], dict[str, int]]:
    """The metadata of a front-matter block and each key's line (``first_line``: the block's first line).

    YAML through a bounded safe loader (:class:`_FrontMatterLoader`: no anchors/aliases,
    :data:`MAX_DEPTH` levels, no ``!!python`` or other unknown tags). Raises
    :class:`CorpusError` naming the line: over :data:`MAX_FRONT_MATTER_CHARS` characters,
    invalid YAML, not a mapping, a key that is not text (``1:``, ``~:``, a date) or
    that appears twice.
    """
    if len(front) > MAX_FRONT_MATTER_CHARS:
        raise CorpusError(
            source, first_line,
            f"front matter has {len(front):,} characters, more than {MAX_FRONT_MATTER_CHARS:,} (metadata, not text)",
        )
    loader = _FrontMatterLoader(front)
    try:
        node = loader.get_single_node()
        meta = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + first_line) if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(source, line, f"invalid front matter: {problem}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise CorpusError(source, first_line, f"invalid front matter: {str(exc)[:200]}") from None
    finally:
        loader.dispose()
    if not isinstance(meta, dict) or not isinstance(node, yaml.MappingNode):
        raise CorpusError(source, first_line, "invalid front matter: expected 'key: value' lines")
    field_lines: dict[str, int] = {}
    for key_node, _ in node.value:
        line = key_node.start_mark.line + first_line
        if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:str"):
            kind = key_node.tag.rsplit(":", 1)[-1]
            raise CorpusError(
                source, line,
                f"front-matter key {_short(key_node.value)} is not text (YAML reads it as {kind}); quote it",
            )
        if key_node.value in field_lines:
            raise CorpusError(
                source, line,
                f"front-matter key {key_node.value[:60]!r} appears twice (first on line {field_lines[key_node.value]})",
            )
        field_lines[key_node.value] = line
    return meta, field_lines


def parse_article_text(text: str, source: str | Path, *, max_chars: int = MAX_CHARS,
                       date_format: str | None = None) -> Article:
    """Parse one article file's text (front matter + body); errors raise :class:`CorpusError` with the line.

    Blank lines before the opening ``---`` are allowed; the body is everything after the
    closing ``---`` line's newline, unchanged. Refused: a blank file, binary content
    (NUL bytes before any front matter), no front matter, an unclosed one, and what
    :func:`parse_front_matter` and :func:`make_article` refuse.
    """
    lines = text.split("\n")
    first = next((i for i, l in enumerate(lines) if l.strip()), None)
    if first is None:
        raise CorpusError(source, 1, "blank file: no front matter and no body")
    if lines[first].rstrip() != "---":
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise CorpusError(
                source, line,
                "binary content (NUL bytes), not a text article file (UTF-16 text needs a byte-order mark)",
            )
        raise CorpusError(source, first + 1, "no front matter: the file must start with a '---' line")
    close = next((i for i in range(first + 1, len(lines)) if lines[i].rstrip("\r") == "---"), None)
    if close is None:
        raise CorpusError(source, first + 1, "front matter is not closed by a '---' line")
    meta, field_lines = parse_front_matter("\n".join(lines[first + 1 : close]), source, first_line=first + 2)
    # The body is everything after the closing line's newline, unchanged.
    body_start = sum(len(l) + 1 for l in lines[: close + 1])
    body = text[body_start:]
    return make_article(
        meta,
        body,
        source=source,
        line=close + 1,
        body_line=close + 2,
        field_lines=field_lines,
        max_chars=max_chars,
        date_format=date_format,
    )


def read_article(path: str | Path, *, max_chars: int = MAX_CHARS, date_format: str | None = None) -> Article:
    """Read one article file; errors (unreadable, 0 bytes, undecodable, and those of
    :func:`parse_article_text`) raise :class:`CorpusError` naming the file and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if not raw:
        raise CorpusError(path, None, "empty file (0 bytes)")
    return parse_article_text(decode_bytes(raw, path), path, max_chars=max_chars, date_format=date_format)


def has_front_matter(path: str | Path) -> bool:
    """Whether a file's first non-blank line (any supported encoding) is ``---``; False when unreadable."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    text = decode_bytes(head, path, errors="replace")
    first = next((l for l in text.split("\n") if l.strip()), "")
    return first.rstrip() == "---"


def is_documentation(path: str | Path) -> bool:
    """A documentation file beside a corpus: README, SOURCE, LICENSE, NOTICE, CITATION ... (no
    suffix, .md, .txt, .rst), e.g. ``UPSTREAM_README.md``, ``LICENSE-MIT``, with no front matter."""
    path = Path(path)
    if path.suffix.lower() not in _DOC_SUFFIXES:
        return False
    stem = path.stem
    m = _DOC_NAME_RE.fullmatch(stem)
    if m is None or not (m.group("name").isupper() or stem.lower() == m.group("name").lower()):
        return False
    return not has_front_matter(path)


def list_folder(folder: str | Path) -> tuple[list[Path], list[tuple[str, str]], list[CorpusError]]:
    """Everything under a folder: ``(files, other, refused)``.

    ``files``: regular files, sorted (symbolic links to files included); ``other``:
    ``(path, reason)`` of entries not read (hidden files and folders, i.e. a name
    starting with ``.``, listed once and not entered; links to folders, not followed);
    ``refused``: a :class:`CorpusError` for each entry that is neither (a broken link).
    """
    folder = Path(folder)
    files: list[Path] = []
    other: list[tuple[str, str]] = []
    refused: list[CorpusError] = []
    for root, dirs, names in os.walk(folder):
        base = Path(root)
        for d in sorted(dirs):
            if d.startswith("."):
                other.append((str(base / d), "hidden folder, not read"))
            elif (base / d).is_symlink():
                other.append((str(base / d), "link to a folder, not followed"))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (base / d).is_symlink())
        for name in names:
            p = base / name
            if name.startswith("."):
                other.append((str(p), "hidden file, not read"))
            elif p.is_file():
                files.append(p)
            else:
                refused.append(CorpusError(p, None, "not a regular file (a broken link, a socket or a device)"))
    other.sort()
    return sorted(files), other, refused


def article_files(path: str | Path | Sequence[str | Path]) -> list[Path]:
    """Article files under a folder (``*.md``, sorted, hidden entries left out) or the given files."""
    if isinstance(path, (str, Path)):
        path = [path]
    files: list[Path] = []
    for p in map(Path, path):
        if p.is_dir():
            files.extend(f for f in list_folder(p)[0] if f.suffix.lower() == ".md")
        elif p.exists():
            files.append(p)
        else:
            raise CorpusError(p, None, "no such file or folder")
    return files


def collect(
    items: Iterable[tuple[str | Path, Any]],
    build,
    *,
    strict: bool,
    other_files: Iterable[tuple[str | Path, str]] = (),
) -> Corpus:
    """Build articles from inputs, enforcing unique ids; in non-strict mode record skips.

    ``items`` yields ``(source, payload)``, one per input; ``build(source, payload)``
    returns an Article or raises CorpusError. Any other exception from ``build`` (a fault
    no check foresaw) refuses that input only, as a CorpusError naming the exception, so no
    input can stop the whole source with a traceback. ``other_files`` become
    ``Corpus.other_files``. Shared by the file loader and every importer.
    """
    articles: list[Article] = []
    skipped: list[CorpusError] = []
    seen: dict[str, Article] = {}
    n = 0
    for source, payload in items:
        n += 1
        try:
            try:
                art = build(source, payload)
            except CorpusError:
                raise
            except Exception as exc:  # noqa: BLE001 - one input's fault must not stop the source
                raise CorpusError(source, None, f"could not be read ({type(exc).__name__}: {str(exc)[:200]})") from exc
            if art.id in seen:
                first = seen[art.id]
                raise CorpusError(source, art.id_line, f"duplicate id {art.id!r} (first in {first.source})")
        except CorpusError as exc:
            if strict:
                raise
            skipped.append(exc)
            continue
        seen[art.id] = art
        articles.append(art)
    return Corpus(articles=articles, skipped=skipped_frame(skipped), n_inputs=n,
                  other_files=other_files_frame(other_files))


def load_corpus(
    path: str | Path | Sequence[str | Path] | None = None,
    *,
    strict: bool = True,
    max_chars: int = MAX_CHARS,
    date_format: str | None = None,
) -> Corpus:
    """Load article files (default: the shipped ``corpus/articles``).

    A folder is read whole: every ``*.md`` file under it is an input; a documentation
    file (:func:`is_documentation`: ``README.md``, ``LICENSE`` ... without front matter)
    and hidden entries go to ``Corpus.other_files``; any other file is an input refused
    as "not an article file" (:func:`analysis.importers.load_source` reads tables, JSON
    records and HTML pages). ``strict=True`` raises the first :class:`CorpusError`;
    ``strict=False`` loads what it can and lists the rest in ``Corpus.skipped``. A
    path that does not exist raises CorpusError in either mode. ``date_format``: how to read
    dates that are not ISO (:func:`parse_date`).
    """
    targets = paths.ARTICLES if path is None else path
    items: list[tuple[Path, CorpusError | None]] = []
    other: list[tuple[str, str]] = []
    for p in map(Path, [targets] if isinstance(targets, (str, Path)) else targets):
        if not p.is_dir():
            if not p.exists():
                raise CorpusError(p, None, "no such file or folder")
            items.append((p, None))
            continue
        files, hidden, refused = list_folder(p)
        other.extend(hidden)
        for f in files:
            if is_documentation(f):
                other.append((str(f), "documentation (no front matter)"))
            elif f.suffix.lower() == ".md":
                items.append((f, None))
            else:
                items.append((f, CorpusError(
                    f, None, f"not an article file ({f.suffix or 'no suffix'}): load_corpus reads *.md article files; "
                    "analysis.importers.load_source reads tables, JSON records and HTML")))
        items.extend((Path(e.file), e) for e in refused)

    def build(src: Path, error: CorpusError | None) -> Article:
        if error is not None:
            raise error
        return read_article(src, max_chars=max_chars, date_format=date_format)

    return collect(items, build, strict=strict, other_files=other)


def articles_frame(corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """One row per article: metadata, size and content hash."""
    rows = [
        {
            "article_id": a.id,
            "title": a.title,
            "outlet": a.outlet,
            "date": pd.Timestamp(a.date) if a.date else pd.NaT,
            "url": a.url,
            "language": a.language,
            "notes": a.notes,
            "n_chars": len(a.body),
            "n_words": a.n_words,
            "sha256": a.sha256,
            "source": paths.display_path(a.source) if a.source else "",
        }
        for a in corpus
    ]
    cols = ["article_id", "title", "outlet", "date", "url", "language", "notes", "n_chars", "n_words", "sha256", "source"]
    return pd.DataFrame(rows, columns=cols)


def article_markdown(article: Article) -> str:
    """Serialise an article back to the front-matter format (body unchanged)."""
    meta: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "outlet": article.outlet,
        "date": article.date,
        "url": article.url,
        "language": article.language,
        "notes": article.notes,
    }
    meta.update(article.extra)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{front}---\n{article.body}"


class OverwriteError(CorpusError):
    """:func:`write_articles` would replace existing files that hold something else (``files``)."""

    def __init__(self, folder: str | Path, files: Sequence[Path], *, hint: str = "pass overwrite=True") -> None:
        self.files = list(files)
        n = len(self.files)
        names = ", ".join(p.name for p in self.files[:3]) + (", …" if n > 3 else "")
        super().__init__(folder, None, f"{n:,} existing file{'s' if n != 1 else ''} would be overwritten ({names}); "
                                       f"write to a new folder, or {hint}")


def write_articles(corpus: Corpus | Iterable[Article], folder: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write articles as ``<id>.md`` files (e.g. after importing CSV/HTML); returns the files written.

    Checked before anything is written: a file that already holds exactly the article is left as
    it is (and not returned); one that holds anything else is replaced only with ``overwrite=True``,
    else :class:`OverwriteError` lists them (nothing written). A folder where a file would go is a
    :class:`CorpusError` either way.
    """
    folder = Path(folder)
    todo: list[tuple[Path, bytes]] = []
    differ: list[Path] = []
    for art in corpus:
        target = folder / f"{art.id}.md"
        data = article_markdown(art).encode("utf-8")
        if target.is_dir():
            raise CorpusError(target, None, "a folder where the article file would be written")
        if target.exists():
            if target.read_bytes() == data:
                continue
            differ.append(target)
        todo.append((target, data))
    if differ and not overwrite:
        raise OverwriteError(folder, differ)
    folder.mkdir(parents=True, exist_ok=True)
    for target, data in todo:
        target.write_bytes(data)
    return [target for target, _ in todo]
