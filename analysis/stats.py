"""Summaries of the voice split: word shares by voice, who is quoted and how much."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .corpus import Article, Corpus, count_words


def _bodies(corpus: Corpus | Iterable[Article]) -> dict[str, str]:
    return {a.id: a.body for a in corpus}


def segment_words(segments: pd.DataFrame, corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """The segments with a word count each (words split at a boundary count on both sides once each)."""
    bodies = _bodies(corpus)
    out = segments.copy()
    out["n_words"] = [count_words(bodies[a][s:e]) for a, s, e in zip(out.article_id, out.start, out.end)]
    out["voice_kind"] = [
        (f"editorial ({k})" if isinstance(k, str) else "editorial") if v == "editorial" else k
        for v, k in zip(out.voice, out.kind)
    ]
    return out


def voice_shares(segments: pd.DataFrame, corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """Per article and voice/kind: words and their share of the article's words.

    ``voice_kind`` is ``editorial``, ``editorial (scare)`` or a quote kind.
    """
    words = segment_words(segments, corpus)
    table = words.groupby(["article_id", "voice", "voice_kind"], as_index=False, dropna=False)["n_words"].sum()
    totals = table.groupby("article_id")["n_words"].transform("sum")
    table["share"] = table["n_words"] / totals.where(totals > 0)
    return table.sort_values(["article_id", "voice", "voice_kind"], ignore_index=True)


def speaker_summary(quotes: pd.DataFrame, segments: pd.DataFrame, corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """Per article and canonical speaker: quotes by kind and the words of the body in their voice.

    Words come from the voice segments, so a partial quote inside reported speech
    is not counted twice.
    """
    kinds = ("direct", "partial", "indirect", "embedded_post")
    q = quotes[quotes["kind"].isin(kinds)].copy()
    q["speaker"] = q["speaker"].fillna("(unattributed)")
    counts = (
        q.groupby(["article_id", "speaker", "kind"]).size().unstack("kind", fill_value=0)
        .reindex(columns=list(kinds), fill_value=0)
    )
    counts.columns = [f"n_{c}" for c in counts.columns]
    seg = segment_words(segments[segments["voice"] == "quote"], corpus)
    seg["speaker"] = seg["speaker"].fillna("(unattributed)")
    words = seg.groupby(["article_id", "speaker"])["n_words"].sum().rename("quoted_words")
    mentions = q.groupby(["article_id", "speaker"])["speaker_mention"].agg(
        lambda s: "; ".join(sorted({m for m in s if isinstance(m, str)}))
    ).rename("mentions")
    out = pd.concat([counts, words, mentions], axis=1).reset_index()
    out["quoted_words"] = out["quoted_words"].fillna(0).astype(int)
    out["n_quotes"] = out[[f"n_{k}" for k in kinds]].sum(axis=1)
    cols = ["article_id", "speaker", "n_quotes", *[f"n_{k}" for k in kinds], "quoted_words", "mentions"]
    return out[cols].sort_values(["article_id", "quoted_words", "speaker"], ascending=[True, False, True], ignore_index=True)


def kind_counts(quotes: pd.DataFrame) -> pd.DataFrame:
    """Per article: how many quotes or labels of each kind."""
    out = quotes.groupby(["article_id", "kind"]).size().rename("n").reset_index()
    return out.sort_values(["article_id", "kind"], ignore_index=True)
