"""Frames: the 15 policy-frame dimensions, the unit they are coded on, and the units of an article.

A *frame* here is a dimension of the Policy Frames Codebook (Boydstun, Card, Gross, Resnik &
Smith 2014; the Media Frames Corpus, Card et al. 2015): which aspect of an issue a piece of text
makes salient (Entman 1993). ``docs/frames-codebook.md`` defines each dimension in the
project's own words; :data:`DIMENSIONS` are the names every table, sheet and command uses.

**The unit** is a sentence segment in one voice (:func:`units`): within one sentence, either the
journalist's own words (a maximal run of editorial characters, scare labels included: a sentence
interrupted by a quotation gives one editorial unit on each side) or the part of one quotation
(direct, partial, indirect, embedded post) that lies in the sentence. Units are trimmed of
surrounding whitespace and must hold at least one word character; their offsets are exact
character offsets into the article body, and the units of a sentence never overlap.

Units table (what :func:`units` returns), one row per unit, in article then offset order:
``article_id`` (str), ``unit`` (int, number within the article from 0), ``sentence`` (int),
``start``/``end`` (int, characters, end exclusive), ``voice`` (``editorial`` | ``quote``),
``kind`` (quote kind, null for editorial), ``speaker`` (canonical speaker of the quotation, null
for editorial), ``quote_index`` (the quotation's number in the quotes table, null for editorial),
``text`` (``body[start:end]``), ``words`` (int, whitespace-separated tokens).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from .tables import Column

#: The 15 dimensions, in codebook order (Boydstun et al. 2014, numbers 1-15).
DIMENSIONS: tuple[str, ...] = (
    "economic", "capacity_resources", "morality", "fairness_equality", "legality", "policy", "crime_punishment",
    "security_defense", "health_safety", "quality_of_life", "cultural_identity", "public_opinion", "political",
    "external_regulation", "other",
)
#: What a unit with no frame is coded as (and a primary frame when there is none).
NONE: str = "none"

UNIT_COLUMNS: list[str] = ["article_id", "unit", "sentence", "start", "end", "voice", "kind", "speaker",
                           "quote_index", "text", "words"]
_WORD = re.compile(r"\w")

#: The schema columns that identify a unit, shared by every table keyed by units (``frames``, ``unit_scores``).
UNIT_KEY_COLUMNS: tuple[Column, ...] = (
    Column("article_id", pa.string(), "the article's id", nullable=False),
    Column("unit", pa.int32(), "unit number within the article, from 0", nullable=False),
    Column("sentence", pa.int32(), "sentence number (as in the sentences table)", nullable=False),
    Column("start", pa.int64(), "first character, offset into the article body", "characters", nullable=False),
    Column("end", pa.int64(), "one past the last character, offset into the article body", "characters", nullable=False),
    Column("voice", pa.string(), "editorial (the journalist's own words) or quote", nullable=False),
    Column("kind", pa.string(), "quote kind (direct, partial, indirect, embedded_post); null for editorial units"),
    Column("speaker", pa.string(), "canonical speaker of the quotation; null for editorial units"),
    Column("quote_index", pa.int32(), "the quotation's number in the quotes table; null for editorial units"),
)


def unit_id(article_id: str, start: int, end: int) -> str:
    """The stable key of a unit: ``<article_id>:<start>-<end>``."""
    return f"{article_id}:{int(start)}-{int(end)}"


def units(sentences: pd.DataFrame, segments: pd.DataFrame, bodies: dict[str, str]) -> pd.DataFrame:
    """The frame units of every article: sentences cut by voice segments (module docstring).

    ``sentences``: the store's sentences table (article_id, sentence, start, end); ``segments``: its
    segments table (article_id, start, end, voice, kind, speaker, quote_index), a partition of each
    body; ``bodies``: {article_id: body}. Returns the units table (columns :data:`UNIT_COLUMNS`).
    Linear in the number of sentences plus segments (one sweep per article). Raises KeyError for an
    article with no body.
    """
    rows: list[tuple] = []
    seg_groups = {aid: g for aid, g in segments.groupby("article_id", sort=False)}
    for aid, sents in sentences.groupby("article_id", sort=False):
        body = bodies[aid]
        seg = seg_groups.get(aid)
        if seg is None:
            continue
        seg = seg.sort_values("start", kind="stable")
        s_start, s_end = seg.start.to_numpy(), seg.end.to_numpy()
        s_quote = seg.voice.to_numpy() == "quote"
        s_kind, s_speaker, s_qi = seg.kind.to_numpy(object), seg.speaker.to_numpy(object), seg.quote_index.to_numpy(object)
        n_unit = 0
        j = 0
        for sent, a0, b0 in zip(sents.sentence.to_numpy(), sents.start.to_numpy(), sents.end.to_numpy()):
            while j < len(s_start) and s_end[j] <= a0:
                j += 1
            pieces: list[list] = []  # [key, start, end, segment index]
            k = j
            while k < len(s_start) and s_start[k] < b0:
                a, b = max(s_start[k], a0), min(s_end[k], b0)
                key = ("q", s_qi[k]) if s_quote[k] else ("e",)
                if pieces and pieces[-1][0] == key and pieces[-1][2] == a:
                    pieces[-1][2] = b
                elif b > a:
                    pieces.append([key, a, b, k])
                k += 1
            for key, a, b, k in pieces:
                text = body[a:b]
                a2 = a + (len(text) - len(text.lstrip()))
                b2 = a2 + len(text.strip())
                piece = body[a2:b2]
                if not _WORD.search(piece):
                    continue
                quote = key[0] == "q"
                qi = s_qi[k] if quote else None
                rows.append((aid, n_unit, int(sent), int(a2), int(b2), "quote" if quote else "editorial",
                             s_kind[k] if quote else None, s_speaker[k] if quote else None,
                             None if qi is None or (isinstance(qi, float) and np.isnan(qi)) else int(qi),
                             piece, len(piece.split())))
                n_unit += 1
    out = pd.DataFrame(rows, columns=UNIT_COLUMNS)
    for col in ("kind", "speaker"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    out["quote_index"] = out["quote_index"].astype("Int32")
    return out


def store_units(store) -> pd.DataFrame:
    """:func:`units` of an annotation store (:class:`analysis.store.Store`; needs its voices stage)."""
    return units(store.table("sentences", columns=["sentence", "start", "end"]), store.table("segments"), store.bodies())
