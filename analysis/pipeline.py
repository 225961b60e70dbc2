"""Run the voice splitter over a corpus: in one or more processes, cached per article.

The cache key of an article is the hash of its id and body plus a code version
(a hash of the splitter's source files and the spaCy pipeline's version), so a
re-run on an unchanged corpus reads Parquet files instead of parsing, and any
change to the code or model invalidates it.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import paths
from .corpus import Article, Corpus
from .marks import MarkIssue
from .nlp import load_pipeline, pipeline_version
from .quotes import QUOTE_COLUMNS, VoiceSplit, quotes_frame, split_voices, voice_segments

_CODE_FILES = ("marks.py", "quotes.py", "speakers.py", "segment.py", "nlp.py", "corpus.py", "pipeline.py")
SEGMENT_COLUMNS = ["article_id", "start", "end", "voice", "kind", "speaker", "quote_index"]
ISSUE_COLUMNS = ["article_id", "offset", "mark", "issue"]


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the splitter's source and model version: part of every cache key."""
    h = hashlib.sha256(pipeline_version().encode())
    here = Path(__file__).parent
    for name in _CODE_FILES:
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


@dataclass
class VoiceTables:
    """Quotes, voice segments and unpaired-mark issues of a whole corpus."""

    quotes: pd.DataFrame
    segments: pd.DataFrame
    issues: pd.DataFrame


def _issues_frame(article_id: str, issues: list[MarkIssue]) -> pd.DataFrame:
    return pd.DataFrame(
        [(article_id, i.offset, i.mark, i.issue) for i in issues], columns=ISSUE_COLUMNS
    ).astype({"offset": "int64"})


def _tables(split: VoiceSplit) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    quotes = quotes_frame(split.quotes)
    quotes.insert(1, "quote_index", range(len(quotes)))
    segments = voice_segments(split.article, split.quotes)
    segments["quote_index"] = segments["quote_index"].astype("Int64")
    return quotes, segments, _issues_frame(split.article.id, split.issues)


def _process_batch(articles: Sequence[Article]) -> list[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    nlp = load_pipeline()
    out = []
    for art, doc in zip(articles, nlp.pipe((a.body for a in articles), batch_size=8)):
        out.append(_tables(split_voices(art, doc=doc)))
    return out


def _cache_key(article: Article) -> str:
    h = hashlib.sha256(article.id.encode() + b"\0" + article.body.encode())
    return f"{h.hexdigest()[:32]}-{code_version()}"


def _cache_paths(cache_dir: Path, key: str) -> tuple[Path, Path, Path]:
    return tuple(cache_dir / f"{key}.{part}.parquet" for part in ("quotes", "segments", "issues"))  # type: ignore[return-value]


def _batches(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def voice_tables(
    corpus: Corpus | Iterable[Article],
    *,
    n_process: int = 1,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    batch_size: int = 16,
) -> VoiceTables:
    """Split every article into voices; return corpus-wide tables in article order.

    ``n_process`` > 1 parses in worker processes. With ``cache`` the per-article
    results are read from / written to Parquet under ``cache_dir`` (default
    ``.cache/voices``).
    """
    articles = list(corpus)
    cdir = Path(cache_dir) if cache_dir is not None else paths.CACHE / "voices"
    results: dict[int, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] = {}
    todo: list[int] = []
    for i, art in enumerate(articles):
        if cache:
            qp, sp, ip = _cache_paths(cdir, _cache_key(art))
            if qp.exists() and sp.exists() and ip.exists():
                results[i] = (pd.read_parquet(qp), pd.read_parquet(sp), pd.read_parquet(ip))
                continue
        todo.append(i)
    batches = list(_batches(todo, batch_size))
    if n_process > 1 and len(batches) > 1:
        with ProcessPoolExecutor(max_workers=n_process, initializer=load_pipeline) as pool:
            outs = pool.map(_process_batch, [[articles[i] for i in b] for b in batches])
            for b, out in zip(batches, outs):
                results.update(zip(b, out))
    else:
        for b in batches:
            results.update(zip(b, _process_batch([articles[i] for i in b])))
    if cache and todo:
        cdir.mkdir(parents=True, exist_ok=True)
        for i in todo:
            for frame, target in zip(results[i], _cache_paths(cdir, _cache_key(articles[i]))):
                tmp = target.with_suffix(f".tmp{os.getpid()}")
                frame.to_parquet(tmp, index=False)
                tmp.replace(target)
    ordered = [results[i] for i in range(len(articles))]
    return VoiceTables(
        quotes=_concat([o[0] for o in ordered], ["article_id", "quote_index", *QUOTE_COLUMNS[1:]]),
        segments=_concat([o[1] for o in ordered], SEGMENT_COLUMNS),
        issues=_concat([o[2] for o in ordered], ISSUE_COLUMNS),
    )


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]
