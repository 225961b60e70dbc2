"""Run the voice splitter over a corpus: in one or more processes, cached per article.

The cache key of an article is the hash of its id and body plus a code version
(a hash of the splitter's source files and the spaCy pipeline's version), so a
re-run on an unchanged corpus reads Parquet files instead of parsing, and any
change to the code or model invalidates it.
"""
from __future__ import annotations

import hashlib
import json
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


# ----------------------------------------------------------------------------- sentence scores


def _scorer_key(scorer) -> str:
    return hashlib.sha256(json.dumps(scorer.provenance, sort_keys=True, default=str).encode()).hexdigest()[:16]


def cached_scores(scorer, texts: Sequence[str], *, cache: bool = True, cache_dir: str | Path | None = None) -> pd.Series:
    """Scores of ``texts`` by ``scorer``, cached in Parquet by text hash and scorer version.

    Scores are rounded to 6 decimals, so results do not depend on which texts shared
    a batch (padding changes float summation order in the last bits).
    """
    import numpy as np

    hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest()[:24] for t in texts]
    cdir = Path(cache_dir) if cache_dir is not None else paths.CACHE / "scores"
    target = cdir / f"{scorer.name}-{_scorer_key(scorer)}.parquet"
    known: dict[str, float] = {}
    if cache and target.exists():
        old = pd.read_parquet(target)
        known = dict(zip(old.text_hash, old.score))
    missing = sorted({h: t for h, t in zip(hashes, texts) if h not in known}.items())
    if missing:
        new = np.round(scorer.score([t for _, t in missing]), 6)  # below float noise of batching
        known.update({h: float(s) for (h, _), s in zip(missing, new)})
        if cache:
            cdir.mkdir(parents=True, exist_ok=True)
            frame = pd.DataFrame({"text_hash": list(known), "score": list(known.values())}).sort_values("text_hash")
            tmp = target.with_suffix(f".tmp{os.getpid()}")
            frame.to_parquet(tmp, index=False)
            tmp.replace(target)
    return pd.Series(np.array([known[h] for h in hashes], dtype=float))


def sentence_voices(corpus: Corpus | Iterable[Article], tables: VoiceTables) -> pd.DataFrame:
    """Each sentence with the voice most of its characters belong to.

    ``voice`` is ``quote`` when quoted material (direct, partial, indirect or an
    embedded post) covers more than half of the sentence's non-space characters;
    ``speaker`` and ``kind`` are then those covering the most; ``quote_share`` is
    the covered fraction; ``quoted_speakers`` lists every speaker with quoted
    material in the sentence (a partial quote inside an editorial sentence counts).
    """
    from .segment import sentences_frame

    articles = list(corpus)
    sents = sentences_frame(articles)
    bodies = {a.id: a.body for a in articles}
    segs = tables.segments[tables.segments.voice == "quote"]
    by_art = {a: g.sort_values("start") for a, g in segs.groupby("article_id")}
    voice, speaker, kind, share, quoted = [], [], [], [], []
    for row in sents.itertuples():
        body = bodies[row.article_id]
        total = sum(1 for c in body[row.start : row.end] if not c.isspace()) or 1
        cover: dict[tuple, int] = {}
        g = by_art.get(row.article_id)
        if g is not None:
            for s in g.itertuples():
                lo, hi = max(s.start, row.start), min(s.end, row.end)
                if lo < hi:
                    n = sum(1 for c in body[lo:hi] if not c.isspace())
                    key = (s.speaker if isinstance(s.speaker, str) else None, s.kind)
                    cover[key] = cover.get(key, 0) + n
        covered = sum(cover.values())
        share.append(covered / total)
        by_speaker: dict[str, int] = {}
        for (spk, _), n in cover.items():
            if spk is not None:
                by_speaker[spk] = by_speaker.get(spk, 0) + n
        quoted.append(tuple(sorted(by_speaker, key=lambda k: (-by_speaker[k], k))))
        if covered * 2 > total:
            (spk, knd), _ = max(cover.items(), key=lambda kv: (kv[1], str(kv[0])))
            voice.append("quote")
            speaker.append(spk)
            kind.append(knd)
        else:
            voice.append("editorial")
            speaker.append(None)
            kind.append(None)
    sents["voice"] = voice
    sents["speaker"] = speaker
    sents["kind"] = kind
    sents["quote_share"] = share
    sents["quoted_speakers"] = quoted
    return sents


def scored_sentences(
    corpus: Corpus | Iterable[Article],
    *,
    scorers: Sequence[str] = ("vader", "minilm"),
    model: str | None = None,
    tables: VoiceTables | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """Sentences with voice, speaker and one score column per scorer."""
    from .sentiment import get_scorer

    articles = list(corpus)
    tables = tables if tables is not None else voice_tables(articles, cache=cache)
    sents = sentence_voices(articles, tables)
    for name in scorers:
        scorer = get_scorer(name, model=model if name == "transformer" else None)
        sents[scorer.name] = cached_scores(scorer, sents.text.tolist(), cache=cache).to_numpy()
    return sents
