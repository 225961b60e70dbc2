"""Speech verbs: which verbs introduce quoted or reported speech.

The list is data, ``corpus/verbs/speech_verbs.csv`` (:data:`analysis.paths.SPEECH_VERBS`), one
row per lemma with its source: the verbs of communication of Levin (1993, *English Verb Classes
and Alternations*, ch. 37: transfer of a message 37.1, tell 37.2, manner of speaking 37.3,
instrument of communication 37.4, talk 37.5, chitchat 37.6, say 37.7, complain 37.8, advise
37.9, lecture 37.11), plus news reporting verbs the splitter used before (insist, deny, tweet
…), marked as the project's additions. VerbNet's classes (Kipper Schuler 2005) extend Levin's;
its data is not installable offline here (NLTK's corpus reader needs ``nltk.download``), so the
Levin class members are listed with the section each comes from.

Columns: ``lemma``; ``class`` (e.g. "levin 37.7 say"); ``use``: ``quote+reported`` (a cue for
quotations and a verb whose complement is reported speech), ``quote`` (a cue for quotations
only: "speak", "praise"), ``ignored`` (a class member whose usual sense in news is not speech:
"sign", "boom", "read"); ``source``; ``note``. Edit the file to change what counts; the voices
stage's version includes its hash, so the store recomputes.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import paths

USES: tuple[str, ...] = ("quote+reported", "quote", "ignored")


class VerbListError(ValueError):
    """A malformed speech-verb list (names the file and line)."""


@lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("lemma", "class", "use", "source") if c not in df.columns]
    if missing:
        raise VerbListError(f"{path}:1: missing column(s) {', '.join(missing)}")
    for i, r in enumerate(df.itertuples(index=False), start=2):
        if not r.lemma.strip() or r.lemma != r.lemma.strip().lower():
            raise VerbListError(f"{path}:{i}: lemma must be a lower-case word (got {r.lemma!r})")
        if r.use not in USES:
            raise VerbListError(f"{path}:{i}: use must be one of {', '.join(USES)} (got {r.use!r})")
        if not r.source.strip():
            raise VerbListError(f"{path}:{i}: every verb needs its source")
    dup = df.lemma[df.lemma.duplicated()]
    if len(dup):
        raise VerbListError(f"{path}: duplicate lemma {dup.iloc[0]!r}")
    return df


def speech_verbs(path: str | Path = paths.SPEECH_VERBS) -> pd.DataFrame:
    """The speech-verb list (columns lemma, class, use, source, note); raises VerbListError."""
    return _read(str(path)).copy()


def cue_lemmas(path: str | Path = paths.SPEECH_VERBS) -> frozenset[str]:
    """Lemmas that introduce quotations (use ``quote+reported`` or ``quote``)."""
    df = _read(str(path))
    return frozenset(df.lemma[df.use != "ignored"])


def reporting_lemmas(path: str | Path = paths.SPEECH_VERBS) -> frozenset[str]:
    """Lemmas whose clausal complement is reported speech (use ``quote+reported``)."""
    df = _read(str(path))
    return frozenset(df.lemma[df.use == "quote+reported"])
