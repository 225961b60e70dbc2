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
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import paths

#: Front-matter keys every article must have (values of outlet/url/notes may be null).
REQUIRED_FIELDS: tuple[str, ...] = ("id", "title", "date", "language")
KNOWN_FIELDS: tuple[str, ...] = ("id", "title", "outlet", "date", "url", "language", "notes")
#: Bodies longer than this are refused: a sign of a concatenated dump, not one article.
MAX_CHARS: int = 500_000
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
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


@dataclass
class Corpus:
    """Loaded articles plus the inputs that were skipped, with reasons."""

    articles: list[Article]
    skipped: pd.DataFrame
    n_inputs: int

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


def decode_bytes(raw: bytes, source: str | Path) -> str:
    """UTF-8 decode (a BOM is dropped); undecodable bytes raise with their line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CorpusError(source, line, f"undecodable bytes (not UTF-8): {exc.reason} at byte {exc.start}") from None


def parse_date(value: Any, source: str | Path, line: int | None) -> _dt.date | None:
    """A date from YAML or text: ISO ``YYYY-MM-DD`` (or an ISO datetime); null stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return _dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise CorpusError(source, line, f"unparseable date {value!r} (expected ISO YYYY-MM-DD)") from None


def check_body(body: str, source: str | Path, body_line: int, *, max_chars: int = MAX_CHARS) -> None:
    """Refuse empty, huge or HTML-carrying bodies, naming the line."""
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


def make_article(
    meta: dict[str, Any],
    body: str,
    *,
    source: str | Path,
    line: int | None,
    body_line: int = 1,
    field_lines: dict[str, int] | None = None,
    max_chars: int = MAX_CHARS,
) -> Article:
    """Validate metadata and body and build an :class:`Article` (shared by every importer)."""
    field_lines = field_lines or {}
    missing = [k for k in REQUIRED_FIELDS if k not in meta]
    if missing:
        raise CorpusError(source, line, f"missing field(s): {', '.join(missing)}")
    raw_id = meta["id"]
    art_id = "" if raw_id is None else str(raw_id).strip()
    if not _ID_RE.match(art_id):
        raise CorpusError(
            source, field_lines.get("id", line), f"invalid id {raw_id!r} (letters, digits, '_', '.', '-')"
        )
    date = parse_date(meta.get("date"), source, field_lines.get("date", line))
    check_body(body, source, body_line, max_chars=max_chars)

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


def parse_article_text(text: str, source: str | Path, *, max_chars: int = MAX_CHARS) -> Article:
    """Parse one article file's text (front matter + body)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r") != "---":
        raise CorpusError(source, 1, "no front matter: the file must start with a '---' line")
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r") == "---"), None)
    if close is None:
        raise CorpusError(source, 1, "front matter is not closed by a '---' line")
    front = "\n".join(lines[1:close])
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(source, line, f"invalid front matter: {problem}") from None
    if not isinstance(meta, dict):
        raise CorpusError(source, 2, "invalid front matter: expected 'key: value' lines")
    field_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            field_lines[str(key_node.value)] = key_node.start_mark.line + 2
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
    )


def read_article(path: str | Path, *, max_chars: int = MAX_CHARS) -> Article:
    """Read one article file; errors name the file and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, None, f"cannot read: {exc.strerror}") from None
    return parse_article_text(decode_bytes(raw, path), path, max_chars=max_chars)


def article_files(path: str | Path | Sequence[str | Path]) -> list[Path]:
    """Article files under a folder (``*.md``, sorted) or the given files."""
    if isinstance(path, (str, Path)):
        path = [path]
    files: list[Path] = []
    for p in map(Path, path):
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*.md") if q.is_file()))
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
) -> Corpus:
    """Build articles from inputs, enforcing unique ids; in non-strict mode record skips.

    ``items`` yields ``(source, payload)``; ``build(source, payload)`` returns an
    Article or raises CorpusError. Shared by the file loader and every importer.
    """
    articles: list[Article] = []
    skipped: list[CorpusError] = []
    seen: dict[str, Article] = {}
    n = 0
    for source, payload in items:
        n += 1
        try:
            art = build(source, payload)
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
    return Corpus(articles=articles, skipped=skipped_frame(skipped), n_inputs=n)


def load_corpus(
    path: str | Path | Sequence[str | Path] | None = None,
    *,
    strict: bool = True,
    max_chars: int = MAX_CHARS,
) -> Corpus:
    """Load article files (default: the shipped ``corpus/articles``).

    ``strict=True`` raises the first :class:`CorpusError`; ``strict=False``
    loads what it can and lists the rest in ``Corpus.skipped``.
    """
    files = article_files(paths.ARTICLES if path is None else path)
    return collect(((f, None) for f in files), lambda src, _: read_article(src, max_chars=max_chars), strict=strict)


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


def write_articles(corpus: Corpus | Iterable[Article], folder: str | Path) -> list[Path]:
    """Write articles as ``<id>.md`` files (e.g. after importing CSV/HTML)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for art in corpus:
        target = folder / f"{art.id}.md"
        target.write_text(article_markdown(art), encoding="utf-8", newline="")
        out.append(target)
    return out
