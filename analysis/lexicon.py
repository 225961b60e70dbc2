"""Loaded terms: an editable lexicon, matching by voice, reporting verbs, discovery.

* :func:`load_lexicon` reads CSV lexicons (term, match, category, notes, source)
  from ``corpus/lexicons/`` or given paths and validates every row.
* :func:`match_lexicon` finds terms case-insensitively, across inflections (``lemma``
  entries match spaCy lemmas: slam/slams/slammed/slamming), multi-word terms with
  hyphen/space and apostrophe variants, and user regexes; scare-quoted labels from
  the voice splitter are loaded terms by default. Each match carries the voice and
  speaker of where it falls.
* :func:`reporting_verb_profile` classes the cue verbs of all quotes.
* :func:`fightin_words`, :func:`kwic` and :func:`collocations` help discover terms.
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .corpus import Article, Corpus, count_words

CATEGORIES: tuple[str, ...] = (
    "atrocity_label", "pejorative_regime_label", "conflict_escalation", "dismissive_idiom", "euphemism",
    "evaluative_reporting_verb", "scare_quote_label",
)
MATCH_TYPES: tuple[str, ...] = ("phrase", "lemma", "regex")
LEXICON_COLUMNS: tuple[str, ...] = ("term", "match", "category", "notes", "source")
MATCH_COLUMNS = ["article_id", "start", "end", "text", "term", "category", "match", "detector", "voice", "kind", "speaker"]

#: Cue verbs by reporting stance (Caldas-Coulthard 1994; Floyd 2000), by lemma.
REPORTING_CLASSES: dict[str, tuple[str, ...]] = {
    "neutral": ("say", "tell", "state", "according to", "add", "write", "report", "ask", "reply", "respond", "answer",
                "quote", "announce", "comment", "post", "tweet", "continue", "call", "describe", "mention"),
    "endorsing": ("note", "point", "explain", "reveal", "observe", "confirm", "show", "clarify", "recall", "stress",
                  "emphasise", "emphasize"),
    "distancing": ("claim", "insist", "allege", "maintain", "contend", "assert", "argue", "suggest", "purport"),
    "guilt-implying": ("admit", "deny", "confess", "concede", "acknowledge"),
    "charged": ("slam", "blast", "extol", "boast", "tout", "accuse", "decry", "lambast", "lambaste", "rail", "praise",
                "condemn", "criticise", "criticize", "warn", "vow", "pledge", "threaten", "scoff", "snap", "roar"),
}


class LexiconError(ValueError):
    """A bad lexicon row, located by file and row number (1-based, header is row 1)."""

    def __init__(self, file: str | Path, row: int | None, reason: str) -> None:
        self.file, self.row, self.reason = str(file), row, reason
        super().__init__(f"{file}:{row}: {reason}" if row else f"{file}: {reason}")


@dataclass(frozen=True)
class Entry:
    term: str
    match: str
    category: str
    notes: str
    source: str
    file: str
    row: int


def lexicon_files(extra: Sequence[str | Path] = ()) -> list[Path]:
    """The shipped lexicons (every CSV in corpus/lexicons) plus any extra files or folders."""
    files = sorted(paths.LEXICONS.glob("*.csv"))
    for p in map(Path, extra):
        files.extend(sorted(p.glob("*.csv")) if p.is_dir() else [p])
    return files


def load_lexicon(files: Sequence[str | Path] | None = None) -> pd.DataFrame:
    """Read and validate lexicon CSVs; any bad row raises :class:`LexiconError` with its row number."""
    files = lexicon_files() if files is None else [Path(f) for f in files]
    entries: list[Entry] = []
    seen: dict[tuple[str, str], Entry] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise LexiconError(path, None, f"cannot read: {exc}") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [c for c in LEXICON_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LexiconError(path, 1, f"missing column(s): {', '.join(missing)}")
        for row in reader:
            n = reader.line_num
            term = (row["term"] or "").strip()
            kind = (row["match"] or "").strip().lower()
            cat = (row["category"] or "").strip()
            if not term:
                raise LexiconError(path, n, "empty term")
            if kind not in MATCH_TYPES:
                raise LexiconError(path, n, f"unknown match type {kind!r} (use {', '.join(MATCH_TYPES)})")
            if cat not in CATEGORIES:
                raise LexiconError(path, n, f"unknown category {cat!r} (use {', '.join(CATEGORIES)})")
            if not (row["source"] or "").strip():
                raise LexiconError(path, n, "empty source: cite it, or say 'curated for this corpus' and why")
            if kind == "regex":
                try:
                    re.compile(term)
                except re.error as exc:
                    raise LexiconError(path, n, f"bad regex {term!r}: {exc}") from None
            key = (term.lower(), kind)
            if key in seen:
                first = seen[key]
                raise LexiconError(path, n, f"duplicate term {term!r} (first in {first.file}:{first.row})")
            entry = Entry(term, kind, cat, (row["notes"] or "").strip(), row["source"].strip(), str(path), n)
            seen[key] = entry
            entries.append(entry)
    return pd.DataFrame([e.__dict__ for e in entries], columns=["term", "match", "category", "notes", "source", "file", "row"])


# ----------------------------------------------------------------------------- matching

_QUOTES = "\"'“”‘’«»"


def _phrase_regex(term: str) -> re.Pattern:
    """Case-insensitive pattern for a phrase: words joined by spaces or hyphens, either apostrophe."""
    words = re.split(r"[\s\-–—]+", term.strip())
    parts = [re.sub(r"['’]", "['’]", re.escape(w)) for w in words]
    return re.compile(r"(?<![\w])" + r"[\s\-–—]+".join(parts) + r"(?![\w])", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _lemmas_of(term: str) -> tuple[str, ...]:
    from .nlp import load_pipeline

    doc = load_pipeline()(term)
    return tuple(t.lemma_.lower() for t in doc if not t.is_punct and t.text not in "-–—")


@lru_cache(maxsize=8192)
def inflections(word: str) -> frozenset[str]:
    """Regular English inflections of a word (the lemmatizer misses some: extolled -> extoll)."""
    w = word.lower()
    forms = {w, w + "s", w + "es", w + "ed", w + "d", w + "ing"}
    if w.endswith("e"):
        forms |= {w[:-1] + "ing", w + "d"}
    if w.endswith("y") and len(w) > 2 and w[-2] not in "aeiou":
        forms |= {w[:-1] + "ies", w[:-1] + "ied"}
    if len(w) > 2 and w[-1] not in "aeiouwxy" and w[-2] in "aeiou" and w[-3] not in "aeiou":
        forms |= {w + w[-1] + "ed", w + w[-1] + "ing"}  # slam -> slammed, extol -> extolled
    return frozenset(forms)


def _lemma_matches(doc, lemma_seq: tuple[str, ...]) -> list[tuple[int, int]]:
    toks = [t for t in doc if not t.is_space and not (t.is_punct and t.text in "-–—" + _QUOTES)]
    lemmas = [t.lemma_.lower() for t in toks]
    lowers = [t.lower_.replace("’", "'") for t in toks]
    n = len(lemma_seq)
    out = []
    for i in range(len(toks) - n + 1):
        if all(lemmas[i + k] == lemma_seq[k] or lowers[i + k] in inflections(lemma_seq[k]) for k in range(n)):
            out.append((toks[i].idx, toks[i + n - 1].idx + len(toks[i + n - 1].text)))
    return out


def _segment_at(segments: pd.DataFrame, article_id: str, offset: int):
    seg = segments[(segments.article_id == article_id) & (segments.start <= offset) & (segments.end > offset)]
    return seg.iloc[0] if len(seg) else None


def match_lexicon(
    corpus: Corpus | Iterable[Article],
    *,
    lexicon: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
    quotes: pd.DataFrame | None = None,
    scare_quotes: bool = True,
) -> pd.DataFrame:
    """Every lexicon match (longest match wins where terms overlap), with voice and speaker.

    ``segments``/``quotes`` come from :func:`analysis.pipeline.voice_tables` (computed if
    omitted). Scare-quoted labels are added as ``scare_quote_label`` matches unless a
    lexicon term already covers them.
    """
    from .nlp import load_pipeline
    from .pipeline import voice_tables

    articles = list(corpus)
    lex = load_lexicon() if lexicon is None else lexicon
    if segments is None or quotes is None:
        tables = voice_tables(articles)
        segments, quotes = tables.segments, tables.quotes
    compiled = []
    for e in lex.itertuples():
        if e.match == "phrase":
            compiled.append((e, _phrase_regex(e.term), None))
        elif e.match == "regex":
            compiled.append((e, re.compile(e.term, re.IGNORECASE), None))
        else:
            compiled.append((e, None, _lemmas_of(e.term)))
    nlp = load_pipeline()
    rows = []
    for art in articles:
        doc = nlp(art.body) if any(c[2] for c in compiled) else None
        found: list[tuple[int, int, object, str]] = []
        for e, rx, lemmas in compiled:
            spans = [(m.start(), m.end()) for m in rx.finditer(art.body)] if rx is not None else _lemma_matches(doc, lemmas)
            found.extend((s, t, e, "lexicon") for s, t in spans if t > s)
        if scare_quotes and quotes is not None:
            q = quotes[(quotes.article_id == art.id) & (quotes.kind == "scare") & (quotes.label != "title")]
            for r in q.itertuples():
                s, t = int(r.start), int(r.end)
                while t > s and art.body[t - 1] in ".,;:!? ":
                    t -= 1
                found.append((s, t, None, "scare quote"))
        # longest first (a lexicon term before a scare label of the same span); no overlaps
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0], f[3] != "lexicon"))
        taken: list[tuple[int, int]] = []
        for s, t, e, detector in found:
            if any(s < b and a < t for a, b in taken):
                continue
            taken.append((s, t))
            seg = _segment_at(segments, art.id, s)
            rows.append({
                "article_id": art.id, "start": s, "end": t, "text": art.body[s:t],
                "term": e.term if e is not None else art.body[s:t].strip(_QUOTES + " .,"),
                "category": e.category if e is not None else "scare_quote_label",
                "match": e.match if e is not None else "scare quote",
                "detector": detector,
                "voice": None if seg is None else seg.voice,
                "kind": None if seg is None or not isinstance(seg.kind, str) else seg.kind,
                "speaker": None if seg is None or not isinstance(seg.speaker, str) else seg.speaker,
            })
    out = pd.DataFrame(rows, columns=MATCH_COLUMNS)
    return out.sort_values(["article_id", "start", "end"], ignore_index=True)


# ----------------------------------------------------------------------------- reporting verbs


@lru_cache(maxsize=4096)
def cue_lemma(cue: str) -> str:
    """Lemma of a cue as recorded on a quote ("quoted … as saying" -> quote, "according to")."""
    from .nlp import load_pipeline

    cue = cue.strip()
    if cue.lower().startswith("according to"):
        return "according to"
    first = cue.split()[0] if cue.split() else cue
    doc = load_pipeline()(first.lower())
    return doc[0].lemma_.lower() if len(doc) else first.lower()


def reporting_class(lemma: str) -> str:
    for cls, lemmas in REPORTING_CLASSES.items():
        if lemma in lemmas:
            return cls
    return "other"


def reporting_verb_profile(quotes: pd.DataFrame, articles: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per quote with a cue: its lemma and stance class, plus the article's outlet."""
    q = quotes[quotes.cue.notna() & quotes.kind.isin(["direct", "partial", "indirect"])].copy()
    q["cue_lemma"] = q.cue.map(cue_lemma)
    q["verb_class"] = q.cue_lemma.map(reporting_class)
    if articles is not None:
        q = q.merge(articles[["article_id", "outlet"]], on="article_id", how="left")
    else:
        q["outlet"] = None
    q["outlet"] = q["outlet"].fillna("(unknown outlet)")
    return q[["article_id", "outlet", "speaker", "kind", "cue", "cue_lemma", "verb_class", "start", "end"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- discovery

_TOKEN = re.compile(r"[A-Za-z][A-Za-z’'\-]*[A-Za-z]|[A-Za-z]")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (NLTK's RegexpTokenizer with a word pattern)."""
    from nltk.tokenize import RegexpTokenizer

    return [t.lower().replace("’", "'") for t in RegexpTokenizer(_TOKEN.pattern).tokenize(text)]


def fightin_words(
    group_a: Iterable[str],
    group_b: Iterable[str],
    *,
    prior: Counter | None = None,
    alpha0: float = 1000.0,
    min_count: int = 1,
) -> pd.DataFrame:
    """Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, eq. 22).

    The prior: word shares of ``prior`` counts (default: both groups pooled) scaled to
    a total mass ``alpha0``: alpha_w = alpha0 * p_w. For each word,
    delta = log((y_aw + a_w) / (n_a + a0 - y_aw - a_w)) - log((y_bw + a_w) / (n_b + a0 - y_bw - a_w)),
    var = 1/(y_aw + a_w) + 1/(y_bw + a_w), z = delta / sqrt(var). Positive z: typical of group a.
    """
    ca = Counter(t for text in group_a for t in tokens(text))
    cb = Counter(t for text in group_b for t in tokens(text))
    bg = prior if prior is not None else ca + cb
    total_bg = sum(bg.values())
    na, nb = sum(ca.values()), sum(cb.values())
    rows = []
    for w in sorted(set(ca) | set(cb)):
        if ca[w] + cb[w] < min_count or bg.get(w, 0) == 0:
            continue
        aw = alpha0 * bg[w] / total_bg
        la = math.log((ca[w] + aw) / (na + alpha0 - ca[w] - aw))
        lb = math.log((cb[w] + aw) / (nb + alpha0 - cb[w] - aw))
        delta = la - lb
        var = 1.0 / (ca[w] + aw) + 1.0 / (cb[w] + aw)
        rows.append({"word": w, "count_a": ca[w], "count_b": cb[w], "delta": delta, "var": var, "z": delta / math.sqrt(var)})
    out = pd.DataFrame(rows, columns=["word", "count_a", "count_b", "delta", "var", "z"])
    return out.sort_values(["z", "word"], ascending=[False, True], ignore_index=True)


def voice_texts(corpus: Corpus | Iterable[Article], segments: pd.DataFrame) -> dict[str, list[str]]:
    """The body text of each voice ('editorial' includes scare labels), segment by segment."""
    bodies = {a.id: a.body for a in corpus}
    out: dict[str, list[str]] = {"editorial": [], "quote": []}
    for s in segments.itertuples():
        out[s.voice].append(bodies[s.article_id][s.start : s.end])
    return out


def kwic(corpus: Corpus | Iterable[Article], term: str, *, window: int = 60, regex: bool = False,
         segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Key word in context: every occurrence of ``term`` (case-insensitive) with offsets, no cap."""
    rx = re.compile(term, re.IGNORECASE) if regex else _phrase_regex(term)
    rows = []
    for art in corpus:
        for m in rx.finditer(art.body):
            s, e = m.start(), m.end()
            seg = _segment_at(segments, art.id, s) if segments is not None else None
            rows.append({
                "article_id": art.id, "start": s, "end": e,
                "left": art.body[max(0, s - window) : s].replace("\n", " "),
                "match": art.body[s:e],
                "right": art.body[e : e + window].replace("\n", " "),
                "voice": None if seg is None else seg.voice,
                "speaker": None if seg is None or not isinstance(seg.speaker, str) else seg.speaker,
            })
    return pd.DataFrame(rows, columns=["article_id", "start", "end", "left", "match", "right", "voice", "speaker"])


def collocations(texts: Iterable[str], *, top: int = 30, min_freq: int = 2) -> pd.DataFrame:
    """Bigram collocations (NLTK) ranked by log-likelihood ratio, with PMI alongside."""
    from nltk.collocations import BigramAssocMeasures, BigramCollocationFinder

    words = [t for text in texts for t in tokens(text)]
    finder = BigramCollocationFinder.from_words(words)
    finder.apply_freq_filter(min_freq)
    m = BigramAssocMeasures()
    llr = dict(finder.score_ngrams(m.likelihood_ratio))
    pmi = dict(finder.score_ngrams(m.pmi))
    rows = [{"bigram": " ".join(k), "count": finder.ngram_fd[k], "llr": v, "pmi": pmi[k]} for k, v in llr.items()]
    out = pd.DataFrame(rows, columns=["bigram", "count", "llr", "pmi"])
    return out.sort_values(["llr", "bigram"], ascending=[False, True], ignore_index=True).head(top)


# ----------------------------------------------------------------------------- density


def voice_pieces(corpus: Corpus | Iterable[Article], segments: pd.DataFrame) -> pd.DataFrame:
    """Segments cut at sentence boundaries: the units for density bootstraps (voice, words)."""
    from .segment import sentence_spans

    rows = []
    for art in corpus:
        bounds = sorted({e for _, e in sentence_spans(art.body)})
        segs = segments[segments.article_id == art.id]
        for s in segs.itertuples():
            cuts = [s.start] + [b for b in bounds if s.start < b < s.end] + [s.end]
            for a, b in zip(cuts[:-1], cuts[1:]):
                n = count_words(art.body[a:b])
                if n:
                    rows.append({"article_id": art.id, "start": a, "end": b, "voice": s.voice, "n_words": n})
    return pd.DataFrame(rows, columns=["article_id", "start", "end", "voice", "n_words"])


def loaded_density(pieces: pd.DataFrame, matches: pd.DataFrame, *, n_boot: int = 2000, seed: int = 20220204) -> pd.DataFrame:
    """Loaded terms per 1,000 words by voice and category, with 95% bootstrap intervals (pieces resampled)."""
    rng = np.random.default_rng(seed)
    cats = ["(all)"] + sorted(matches.category.unique()) if len(matches) else ["(all)"]
    # count matches per piece and category
    counts = np.zeros((len(pieces), len(cats)))
    starts = {a: g.sort_values("start") for a, g in pieces.reset_index().groupby("article_id")}
    for m in matches.itertuples():
        g = starts.get(m.article_id)
        if g is None:
            continue
        hit = g[(g.start <= m.start) & (g.end > m.start)]
        if len(hit):
            i = int(hit["index"].iloc[0])
            counts[i, 0] += 1
            counts[i, cats.index(m.category)] += 1
    rows = []
    words = pieces.n_words.to_numpy(float)
    for voice in sorted(pieces.voice.unique()):
        idx = np.flatnonzero(pieces.voice.to_numpy() == voice)
        if not len(idx):
            continue
        boot = rng.integers(0, len(idx), size=(n_boot, len(idx)))
        w = words[idx]
        for j, cat in enumerate(cats):
            c = counts[idx, j]
            point = 1000 * c.sum() / w.sum()
            dist = 1000 * c[boot].sum(axis=1) / w[boot].sum(axis=1)
            rows.append({"voice": voice, "category": cat, "n_matches": int(c.sum()), "n_words": int(w.sum()),
                         "per_1000_words": point, "ci_low": float(np.quantile(dist, 0.025)),
                         "ci_high": float(np.quantile(dist, 0.975))})
    return pd.DataFrame(rows)


def learned_matches(corpus: Corpus | Iterable[Article], segments: pd.DataFrame, *, detector=None) -> pd.DataFrame:
    """Words the learned detector (models/minilm-loaded) flags, sentence by sentence, with voice and speaker."""
    from .detector import LoadedWordDetector
    from .segment import sentence_spans

    det = detector or LoadedWordDetector()
    rows = []
    for art in corpus:
        spans = sentence_spans(art.body)
        texts = [art.body[s:e] for s, e in spans]
        for (s0, _), found in zip(spans, det.detect(texts)):
            for s, e, p in found:
                a, b = s0 + s, s0 + e
                seg = _segment_at(segments, art.id, a)
                rows.append({
                    "article_id": art.id, "start": a, "end": b, "text": art.body[a:b], "term": art.body[a:b].lower(),
                    "category": "learned", "match": f"p={p:.2f}", "detector": det.name,
                    "voice": None if seg is None else seg.voice,
                    "kind": None if seg is None or not isinstance(seg.kind, str) else seg.kind,
                    "speaker": None if seg is None or not isinstance(seg.speaker, str) else seg.speaker,
                })
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)


def loaded_terms(corpus: Corpus | Iterable[Article], *, learned: bool = True, lexicon: pd.DataFrame | None = None,
                 tables=None) -> pd.DataFrame:
    """Lexicon and scare-quote matches, plus words of the learned detector that no lexicon match covers.

    ``detector`` says who found each match (lexicon, scare quote, minilm-loaded); a
    lexicon match the model also flags is marked ``lexicon+minilm-loaded``.
    """
    from .pipeline import voice_tables

    articles = list(corpus)
    tables = tables if tables is not None else voice_tables(articles)
    lex = match_lexicon(articles, lexicon=lexicon, segments=tables.segments, quotes=tables.quotes)
    if not learned:
        return lex
    model = learned_matches(articles, tables.segments)
    keep = []
    lex = lex.copy()
    for m in model.itertuples():
        same = lex[(lex.article_id == m.article_id) & (lex.start < m.end) & (lex.end > m.start)]
        if len(same):
            lex.loc[same.index, "detector"] = lex.loc[same.index, "detector"].map(
                lambda d: d if d.endswith("minilm-loaded") else f"{d}+minilm-loaded")
        else:
            keep.append(m.Index)
    out = pd.concat([lex, model.loc[keep]], ignore_index=True) if keep else lex
    return out.sort_values(["article_id", "start", "end"], ignore_index=True)
