"""Loaded terms: an editable lexicon, matching on the tokens table, reporting verbs, discovery.

* :func:`load_lexicon` reads CSV lexicons (term, match, category, notes, source)
  from ``corpus/lexicons/`` or given paths and validates every row.
* :func:`match_terms` finds terms in a shard of the annotation store: ``lemma``
  entries are a join on the tokens table's lemmas (slam/slams/slammed/slamming, with
  regular inflections the lemmatizer misses), phrases match hyphen/space and
  apostrophe variants, regexes run on the body; scare-quoted labels from the voice
  splitter are loaded terms. :func:`merge_learned` adds the learned detector's words
  and :func:`attach_voices` the voice and speaker of where each term falls (an
  interval join on the segments). The store's ``terms`` stage runs all three.
* :func:`reporting_verb_profile` classes the cue verbs of all quotes.
* :func:`fightin_words`, :func:`kwic` and :func:`collocations` help discover terms.
"""
from __future__ import annotations

import csv
import hashlib
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
from .corpus import count_words

CATEGORIES: tuple[str, ...] = (
    "atrocity_label", "pejorative_regime_label", "conflict_escalation", "dismissive_idiom", "euphemism",
    "evaluative_reporting_verb", "scare_quote_label",
)
MATCH_TYPES: tuple[str, ...] = ("phrase", "lemma", "regex")
LEXICON_COLUMNS: tuple[str, ...] = ("term", "match", "category", "notes", "source")
#: Optional column: the parts of speech (Universal POS, ``|``-separated) a match's first word may
#: have ("VERB" for reporting verbs: "blasted the plan" yes, "a gas blast" no); empty = any.
POS_COLUMN: str = "pos"
UPOS: frozenset[str] = frozenset("ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split())
FOUND_COLUMNS = ["article_id", "start", "end", "text", "term", "category", "match", "detector", "probability"]
TERM_COLUMNS = ["article_id", "start", "end", "text", "term", "category", "match", "detector", "voice", "kind", "speaker",
                "probability"]

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
    pos: str = ""


def lexicon_files(extra: Sequence[str | Path] = ()) -> list[Path]:
    """The shipped lexicons (every CSV in corpus/lexicons) plus any extra files or folders."""
    files = sorted(paths.LEXICONS.glob("*.csv"))
    for p in map(Path, extra):
        files.extend(sorted(p.glob("*.csv")) if p.is_dir() else [p])
    return files


def lexicon_hash(files: Sequence[str | Path]) -> str:
    """Hash of lexicon files' names and contents (part of the terms stage's version)."""
    h = hashlib.sha256()
    for f in map(Path, files):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


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
            pos = "|".join(p.strip().upper() for p in re.split(r"[|,]", row.get(POS_COLUMN) or "") if p.strip())
            bad_pos = [p for p in pos.split("|") if p and p not in UPOS]
            if bad_pos:
                raise LexiconError(path, n, f"unknown part of speech {bad_pos[0]!r} (use Universal POS tags: {', '.join(sorted(UPOS))})")
            key = (term.lower(), kind)
            if key in seen:
                first = seen[key]
                raise LexiconError(path, n, f"duplicate term {term!r} (first in {first.file}:{first.row})")
            entry = Entry(term, kind, cat, (row["notes"] or "").strip(), row["source"].strip(), str(path), n, pos)
            seen[key] = entry
            entries.append(entry)
    return pd.DataFrame([e.__dict__ for e in entries], columns=["term", "match", "category", "notes", "source", "file", "row", "pos"])


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


_SKIP_TOKENS = frozenset("-–—" + _QUOTES)


def _lemma_spans(tokens: pd.DataFrame, lemma_seqs: list[tuple[str, ...]]) -> list[list[tuple[str, int, int]]]:
    """For each lemma sequence, the (article_id, start, end) of every match in ``tokens``.

    A join on the tokens table: spaces and dash/quote tokens are skipped (so "sabre-rattling"
    and "turn a blind eye" match across them); a token matches a lemma when its lemma
    equals it or its lower-cased text is a regular inflection of it. Vectorised: one
    comparison of integer codes per token and sequence position.
    """
    keep = tokens[(tokens.text.str.strip() != "") & ~tokens.text.isin(_SKIP_TOKENS)]
    art = keep.article_id.to_numpy()
    starts, ends = keep.start.to_numpy(), keep.end.to_numpy()
    lem_codes, lem_vocab = pd.factorize(keep.lemma.str.lower())
    low_codes, low_vocab = pd.factorize(keep.text.str.lower().str.replace("’", "'", regex=False))
    lem_index = {w: i for i, w in enumerate(lem_vocab)}
    low_index = {w: i for i, w in enumerate(low_vocab)}
    n = len(keep)
    out = []
    for seq in lemma_seqs:
        k = len(seq)
        if not k or n < k:
            out.append([])
            continue
        mask = np.ones(n - k + 1, dtype=bool)
        for pos, lemma in enumerate(seq):
            code = lem_index.get(lemma, -1)
            forms = [low_index[f] for f in inflections(lemma) if f in low_index]
            hit = (lem_codes == code) if code >= 0 else np.zeros(n, dtype=bool)
            if forms:
                hit |= np.isin(low_codes, forms)
            mask &= hit[pos : n - k + 1 + pos]
            if not mask.any():
                break
        if k > 1:
            mask &= art[: n - k + 1] == art[k - 1 :]
        idx = np.flatnonzero(mask)
        out.append([(art[i], int(starts[i]), int(ends[i + k - 1])) for i in idx])
    return out


def match_terms(
    bodies: dict[str, str],
    tokens: pd.DataFrame,
    quotes: pd.DataFrame | None,
    lexicon: pd.DataFrame | None = None,
    *,
    scare_quotes: bool = True,
) -> pd.DataFrame:
    """Every lexicon match and scare-quoted label in some articles (longest match wins where they overlap).

    ``bodies``: {article_id: body}; ``tokens``: their rows of the tokens table; ``quotes``:
    their rows of the quotes table (scare labels, other than titles, become
    ``scare_quote_label`` matches unless a lexicon term covers the same span).
    Returns :data:`FOUND_COLUMNS` (no voice yet: :func:`attach_voices`), sorted by article
    (in ``bodies`` order) and offsets.
    """
    lex = load_lexicon() if lexicon is None else lexicon
    if "pos" not in lex.columns:
        lex = lex.assign(pos="")
    found: dict[str, list[tuple[int, int, object, str]]] = {a: [] for a in bodies}
    entries = list(lex.itertuples())
    pos_at: dict[tuple[str, int], str] = {}
    if any(isinstance(e.pos, str) and e.pos for e in entries) and "pos" in tokens.columns:
        pos_at = dict(zip(zip(tokens.article_id, tokens.start), tokens.pos))

    def pos_ok(e, aid: str, start: int) -> bool:
        """An entry restricted to parts of speech matches only where its first word has one of them."""
        return not (isinstance(e.pos, str) and e.pos) or pos_at.get((aid, start)) in e.pos.split("|")

    lemma_idx = [k for k, e in enumerate(entries) if e.match == "lemma"]
    lemma_hits = dict(zip(lemma_idx, _lemma_spans(tokens, [_lemmas_of(entries[k].term) for k in lemma_idx])))
    for k, e in enumerate(entries):  # in lexicon order: ties between equal spans go to the first entry
        if e.match == "lemma":
            for aid, s, t in lemma_hits[k]:
                if aid in found and t > s and pos_ok(e, aid, s):
                    found[aid].append((s, t, e, "lexicon"))
            continue
        rx = _phrase_regex(e.term) if e.match == "phrase" else re.compile(e.term, re.IGNORECASE)
        for aid, body in bodies.items():
            found[aid].extend((m.start(), m.end(), e, "lexicon") for m in rx.finditer(body)
                              if m.end() > m.start() and pos_ok(e, aid, m.start()))
    if scare_quotes and quotes is not None and len(quotes):
        q = quotes[(quotes.kind == "scare") & (quotes.label == "scare")]
        for r in q.itertuples():
            body = bodies.get(r.article_id)
            if body is None:
                continue
            s, t = int(r.start), int(r.end)
            while t > s and body[t - 1] in ".,;:!? ":
                t -= 1
            if t > s:
                found[r.article_id].append((s, t, None, "scare quote"))
    rows = []
    for aid, items in found.items():
        body = bodies[aid]
        # longest first (a lexicon term before a scare label of the same span); no overlaps
        items.sort(key=lambda f: (-(f[1] - f[0]), f[0], f[3] != "lexicon"))
        taken: list[tuple[int, int]] = []
        keep = []
        for s, t, e, detector in items:
            if any(s < b and a < t for a, b in taken):
                continue
            taken.append((s, t))
            keep.append((aid, s, t, body[s:t],
                         e.term if e is not None else body[s:t].strip(_QUOTES + " .,"),
                         e.category if e is not None else "scare_quote_label",
                         e.match if e is not None else "scare quote", detector, None))
        rows.extend(sorted(keep, key=lambda r: (r[1], r[2])))
    return pd.DataFrame(rows, columns=FOUND_COLUMNS)


#: Parts of speech the learned detector may flag (content words); function words, names and numbers never are.
CONTENT_POS: tuple[str, ...] = ("NOUN", "VERB", "ADJ", "ADV")


def content_learned(learned: pd.DataFrame, tokens: pd.DataFrame, *, threshold: float,
                    content_pos: Sequence[str]) -> pd.DataFrame:
    """The learned detector's words that count: probability at or above ``threshold`` and a content
    word (the POS of the token the word starts in is one of ``content_pos``)."""
    if not len(learned):
        return learned
    keep = learned[learned.probability >= threshold]
    pos_at = {(a, s): p for a, s, p in zip(tokens.article_id, tokens.start, tokens.pos)}
    ok = [pos_at.get((a, s)) in content_pos for a, s in zip(keep.article_id, keep.start)]
    return keep[ok].reset_index(drop=True)


def detector_family(detector: str, *, learned: str = "minilm-loaded") -> str:
    """The family of a terms-table ``detector`` value: ``lexicon``, ``scare quote`` or ``learned``.

    A match the learned detector confirms (``lexicon+minilm-loaded``, ``scare quote+minilm-loaded``)
    stays in the family of the rule that found it, so the lexicon and scare-quote families never
    depend on the learned model; ``learned`` holds only the learned detector's own words.
    """
    first = detector.split("+", 1)[0]
    return "learned" if first == learned else ("scare quote" if first == "scare quote" else "lexicon")


def merge_learned(found: pd.DataFrame, learned: pd.DataFrame, *, name: str = "minilm-loaded") -> pd.DataFrame:
    """Add the learned detector's words (a ``learned_terms`` table) to lexicon/scare matches.

    A learned word inside a match marks that match ``<detector>+minilm-loaded`` (and gives it
    the word's probability, the highest if several); other learned words become rows of
    category ``learned``. Sorted by article (first-seen order) and offsets.
    """
    if learned is None or not len(learned):
        return found
    found = found.copy()
    found["probability"] = found["probability"].astype("float64")
    extra = []
    by_art = {a: g for a, g in found.groupby("article_id", sort=False)}
    for aid, words in learned.groupby("article_id", sort=False):
        g = by_art.get(aid)
        starts = g.start.to_numpy() if g is not None else np.zeros(0, dtype=np.int64)
        ends = g.end.to_numpy() if g is not None else np.zeros(0, dtype=np.int64)
        order = np.argsort(starts, kind="stable")
        s_sorted, e_sorted = starts[order], ends[order]
        for w in words.itertuples():
            j = int(np.searchsorted(s_sorted, w.end, side="left"))
            hit = [order[k] for k in range(max(0, j - 8), j) if e_sorted[k] > w.start and s_sorted[k] < w.end]
            if hit:
                for k in hit:
                    idx = g.index[k]
                    det = found.at[idx, "detector"]
                    if not det.endswith(name):
                        found.at[idx, "detector"] = f"{det}+{name}"
                    prev = found.at[idx, "probability"]
                    found.at[idx, "probability"] = max(w.probability, prev) if prev == prev else w.probability
            else:
                extra.append((aid, int(w.start), int(w.end), w.text, w.text.lower(), "learned", f"p={w.probability:.2f}",
                              name, float(w.probability)))
    out = pd.concat([found, pd.DataFrame(extra, columns=FOUND_COLUMNS)], ignore_index=True) if extra else found
    order = {a: i for i, a in enumerate(dict.fromkeys(list(found.article_id) + list(learned.article_id)))}
    out = out.assign(_o=out.article_id.map(order)).sort_values(["_o", "start", "end"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


def attach_voices(found: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Each match with the voice, kind and speaker of the segment its first character falls in
    (an interval join: segments partition each body). Returns :data:`TERM_COLUMNS`."""
    voice, kind, speaker = [], [], []
    segs = {a: g.sort_values("start") for a, g in segments.groupby("article_id", sort=False)}
    for aid, start in zip(found.article_id, found.start):
        g = segs.get(aid)
        j = int(np.searchsorted(g.start.to_numpy(), start, side="right")) - 1 if g is not None else -1
        if g is None or j < 0 or g.end.iloc[j] <= start:
            voice.append(None)
            kind.append(None)
            speaker.append(None)
            continue
        row = g.iloc[j]
        voice.append(row.voice)
        kind.append(row.kind if isinstance(row.kind, str) else None)
        speaker.append(row.speaker if isinstance(row.speaker, str) else None)
    out = found.assign(voice=voice, kind=kind, speaker=speaker)
    return out[TERM_COLUMNS].reset_index(drop=True)


# ----------------------------------------------------------------------------- reporting verbs


def reporting_class(lemma: str) -> str:
    for cls, lemmas in REPORTING_CLASSES.items():
        if lemma in lemmas:
            return cls
    return "other"


def reporting_verb_profile(quotes: pd.DataFrame, articles: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per quote with a cue: its lemma (the quotes table's ``cue_lemma``, from the parse)
    and stance class, plus the article's outlet."""
    q = quotes[quotes.cue.notna() & quotes.kind.isin(["direct", "partial", "indirect"])].copy()
    q["verb_class"] = q.cue_lemma.map(reporting_class)
    if articles is not None:
        q = q.merge(articles[["article_id", "outlet"]], on="article_id", how="left")
    else:
        q["outlet"] = None
    q["outlet"] = q["outlet"].fillna("(unknown outlet)")
    return q[["article_id", "outlet", "speaker", "kind", "cue", "cue_lemma", "verb_class", "start", "end"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- discovery

#: Words, with abbreviations written with periods kept whole ("U.S." is one token, not "u" and "s").
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z][A-Za-z’'\-]*[A-Za-z]|[A-Za-z]")


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


def voice_texts(bodies: dict[str, str], segments: pd.DataFrame) -> dict[str, list[str]]:
    """The body text of each voice ('editorial' includes scare labels), segment by segment."""
    out: dict[str, list[str]] = {"editorial": [], "quote": []}
    for a, s, e, v in zip(segments.article_id, segments.start, segments.end, segments.voice):
        out[v].append(bodies[a][s:e])
    return out


def kwic(bodies: dict[str, str], term: str, *, window: int = 60, regex: bool = False,
         segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Key word in context: every occurrence of ``term`` (case-insensitive) with offsets, no cap.

    ``bodies``: {article_id: body} (``Store.bodies()``); ``segments`` adds voice and speaker.
    """
    rx = re.compile(term, re.IGNORECASE) if regex else _phrase_regex(term)
    rows = []
    for aid, body in bodies.items():
        for m in rx.finditer(body):
            s, e = m.start(), m.end()
            rows.append({"article_id": aid, "start": s, "end": e,
                         "left": body[max(0, s - window) : s].replace("\n", " "), "match": body[s:e],
                         "right": body[e : e + window].replace("\n", " ")})
    out = pd.DataFrame(rows, columns=["article_id", "start", "end", "left", "match", "right"])
    if segments is not None:
        voiced = attach_voices(out.assign(text="", term="", category="", match="", detector="", probability=None), segments)
        out["voice"], out["speaker"] = voiced.voice.to_numpy(), voiced.speaker.to_numpy()
    else:
        out["voice"], out["speaker"] = None, None
    return out


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


def voice_pieces(bodies: dict[str, str], sentences: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Segments cut at sentence boundaries: the units for density bootstraps (article_id, start, end, voice, n_words)."""
    rows = []
    bounds = {a: np.unique(g.end.to_numpy()) for a, g in sentences.groupby("article_id", sort=False)}
    for aid, s, e, v in zip(segments.article_id, segments.start, segments.end, segments.voice):
        b = bounds.get(aid, np.zeros(0, dtype=np.int64))
        inner = b[(b > s) & (b < e)]
        cuts = [s, *inner.tolist(), e]
        body = bodies[aid]
        for a, z in zip(cuts[:-1], cuts[1:]):
            n = count_words(body[a:z])
            if n:
                rows.append({"article_id": aid, "start": int(a), "end": int(z), "voice": v, "n_words": n})
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
