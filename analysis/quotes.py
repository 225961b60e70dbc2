"""The voice splitter: quoted speech (with its speaker) versus the editorial voice.

For one article it finds

* ``direct`` quotes (a quoted clause or sentences) and ``partial`` quotes (an
  attributed fragment inside the journalist's sentence), from quotation marks;
* ``indirect`` (reported) speech without marks, from the dependency parse: a
  speech verb with a clausal complement, or a denial/admission with its object;
* ``scare`` quotes: a quoted label with no speaker; they stay in the editorial
  voice and are flagged (quoted titles of books or films likewise, labelled ``title``);
* ``embedded_post``: an embedded social-media post block (``— Name (@handle) date``).

Each quote has content offsets (marks excluded) into the article body, the
speaker as written and its canonical name (:mod:`analysis.speakers`), and the
cue. :func:`voice_segments` partitions the body: every character belongs to
exactly one segment, editorial or quote; cue verbs and quotation marks stay
editorial.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported where documents are parsed, not to read a store
    from spacy.tokens import Doc, Span, Token

from .corpus import Article
from .marks import ZERO_WIDTH as _ZERO_WIDTH
from .marks import MarkIssue, MarkSpan, scan_marks
from .sentences import paragraph_spans, sentence_spans
from .speakers import SpeakerIndex, mention_span, name_phrase
from .verbs import cue_lemmas, reporting_lemmas

#: Verbs that introduce quoted speech (lemmas): the speech-verb list (:mod:`analysis.verbs`,
#: Levin 1993 ch. 37 plus news reporting verbs, each with its source). Evaluative ones are kept on
#: purpose: "slammed", "extolled" are cues too, and issue 4's reporting-verb profile reads them.
SPEECH_LEMMAS: frozenset[str] = cue_lemmas()
#: Quoting verbs that may attribute a quoted fragment they do not govern in the parse
#: ("… as “legitimate”, saying they should be …"). Evaluative or commissive verbs
#: ("pledged his support … the “Genocide Games”") attribute only what they govern.
FRAGMENT_LEMMAS: frozenset[str] = frozenset(
    """
    say tell write add call describe insist claim argue state explain note warn declare announce reply
    respond answer ask tweet post comment term label brand dub
    """.split()
) & SPEECH_LEMMAS
#: Verbs whose clausal complement is reported speech (``use`` = quote+reported in the list).
INDIRECT_LEMMAS: frozenset[str] = reporting_lemmas()
#: Verbs whose direct object is the reported content ("Russia has denied any plans …", "declared
#: COVID-19 a pandemic", "alleged Iranian involvement"); an object that only points back ("announced
#: this change", "did not deny the suggestion") is not content (:func:`_contentful`).
OBJECT_CONTENT_LEMMAS: frozenset[str] = frozenset(
    {"deny", "admit", "confirm", "announce", "reject", "declare", "report", "allege", "claim", "reveal", "disclose"})
#: Nouns of saying whose "that" clause is reported content when the sentence's subject made them
#: ("made an announcement that …", "issued a statement that …").
SPEECH_NOUNS: frozenset[str] = frozenset(
    "announcement statement claim assertion warning allegation promise pledge declaration admission denial".split())
#: Verbs whose object and infinitive are the reported content ("asked Zelensky to investigate …").
DIRECTIVE_LEMMAS: frozenset[str] = frozenset({"ask", "order", "urge", "instruct", "tell", "advise", "warn", "call"})
#: Verbs whose infinitive complement is reported content ("vowed to retaliate").
XCOMP_CONTENT_LEMMAS: frozenset[str] = frozenset({"promise", "vow", "pledge", "threaten"})
#: Nouns that announce a quoted title ("his favorite book is “One Hundred Years of Solitude”").
TITLE_CUES: frozenset[str] = frozenset(
    """
    book novel film movie song album show series play report article documentary poem episode
    column essay title titled entitled memoir opera musical painting exhibition podcast magazine
    newspaper paper headline slogan hashtag website site blog app game programme program plan campaign
    initiative project sculpture artwork installation channel
    """.split()
)
#: Nouns a quoted proper name may stand next to ("the ship “Ever Given”", "a robot named “Pepper”").
NAME_NOUNS: frozenset[str] = frozenset(
    """
    ship vessel boat yacht ferry tanker submarine robot dog cat horse animal operation mission storm
    hurricane typhoon cyclone rocket spacecraft probe satellite aircraft plane jet drone train locomotive
    car tank nickname codename pseudonym alias brand band team restaurant bar hotel company firm
    """.split()
)
#: Verbs that give something a name; a quote they govern without a speaking subject is a name.
NAMING_LEMMAS: frozenset[str] = frozenset({"name", "call", "christen", "nickname", "title", "entitle", "rename", "know"})
#: Verbs that grade or rate; the quoted grade is a label, not speech ("rated the bonds “junk”").
RATING_LEMMAS: frozenset[str] = frozenset({"rate", "grade", "classify", "designate", "score", "rank"})
_SMALL_WORDS = frozenset("a an the of and or in on at to for with by from as is not but nor vs".split())
KINDS: tuple[str, ...] = ("direct", "partial", "indirect", "scare", "embedded_post")

_SIGNATURE = re.compile(
    r"^[ \t]*[—–-]{1,2}[ \t]*(?P<name>[^\n(]{1,80}?)[ \t]*\(@(?P<handle>\w{1,30})\)[ \t]*(?P<date>[A-Z][a-z]+\.? \d{1,2}, \d{4})?[ \t]*$",
    re.MULTILINE,
)
_POST_MARKERS = re.compile(r"pic\.twitter\.com/|https?://t\.co/|(?:^|\s)#\w|(?:^|\s)@\w{2,}|^\W*[\U0001F000-\U0001FAFF\u2600-\u27BF]")


@dataclass
class Quote:
    """One quote or label found in an article (offsets are into the body)."""

    article_id: str
    kind: str
    start: int
    end: int
    text: str
    speaker: str | None = None
    speaker_mention: str | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    medium: str | None = None
    addressee: str | None = None
    method: str = ""
    label: str | None = None
    unclosed: bool = False
    mark_start: int | None = None
    mark_end: int | None = None
    parts: list[tuple[int, int]] = field(default_factory=list)

    @property
    def voice(self) -> str:
        return "editorial" if self.kind == "scare" else "quote"


@dataclass
class VoiceSplit:
    """Everything the splitter found in one article."""

    article: Article
    quotes: list[Quote]
    issues: list[MarkIssue]

    def segments(self) -> pd.DataFrame:
        return voice_segments(self.article, self.quotes)


# --------------------------------------------------------------------------- helpers


class _Index:
    """Token lookup by character offset and 'is this inside a quote' tests."""

    def __init__(self, doc: Doc, spans: list[tuple[int, int]]) -> None:
        self.doc = doc
        self.starts = [t.idx for t in doc]
        self.spans = sorted(spans)
        self.span_starts = [s for s, _ in self.spans]
        self.speakers: SpeakerIndex | None = None

    def tokens(self, start: int, end: int) -> list[Token]:
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.doc) and self.doc[i].idx < end:
            tok = self.doc[i]
            if tok.idx + len(tok.text) <= end:
                out.append(tok)
            i += 1
        return out

    def quoted(self, offset: int) -> bool:
        i = bisect.bisect_right(self.span_starts, offset) - 1
        return i >= 0 and self.spans[i][0] <= offset < self.spans[i][1]


def _is_cue(tok: Token) -> bool:
    lemma = tok.lemma_.lower()
    if lemma not in SPEECH_LEMMAS:
        return False
    if tok.i > 0 and tok.doc[tok.i - 1].text in ("so-", "so") and lemma == "call":
        return False
    if tok.i > 1 and tok.doc[tok.i - 1].text == "-" and tok.doc[tok.i - 2].lower_ == "so":
        return False
    return tok.pos_ == "VERB" or tok.tag_.startswith("VB")


def _according_to(tokens: list[Token]) -> list[tuple[Token, Token]]:
    """('according', pobj) pairs in a window."""
    out = []
    for tok in tokens:
        if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to":
            to = tok.doc[tok.i + 1]
            pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                out.append((tok, pobj))
    return out


def _subject(verb: Token) -> Token | None:
    """Subject of a verb, climbing through participles, infinitives and conjuncts (… , saying …).

    A speech verb coordinated with a verb inside reported content ("X said the placard read
    «…» and added: «…»") takes the subject of the outer speech verb, not the inner one's; a speech
    verb under "X quoted Y as saying" takes Y (see :func:`_quoted_as`).
    """
    v = verb
    for _ in range(6):
        quoted = _quoted_as(v)
        if quoted is not None:
            return quoted[0]
        subjects = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            child = max(subjects, key=lambda c: (c.ent_type_ == "PERSON", c.pos_ == "PROPN", c.pos_ != "PUNCT" and len(c.text) > 2, -c.i))
            if child.tag_ in ("WP", "WDT") and v.dep_ == "relcl":
                return v.head
            return child
        if v.dep_ == "acl" and v.head.pos_ in ("NOUN", "PROPN"):
            if v.tag_ == "VBG" and v.i > 0 and v.doc[v.i - 1].text == ",":
                # ", saying …" after a noun is a participle of the clause, not a modifier of the noun
                h = v.head
                while h.pos_ not in ("VERB", "AUX") and h.head.i != h.i:
                    h = h.head
                if h.pos_ in ("VERB", "AUX") and h.i != v.i:
                    v = h
                    continue
            return v.head
        if v.dep_ == "conj" and _speech(v) and not _speech(v.head) and v.head.dep_ == "ccomp" and _speech(v.head.head):
            v = v.head.head
            continue
        if v.dep_ in ("advcl", "xcomp", "conj", "pcomp", "ccomp", "prep") and v.head.i != v.i:
            v = v.head
            continue
        break
    return None


def _speech(tok: Token) -> bool:
    return tok.lemma_.lower() in SPEECH_LEMMAS and (tok.pos_ == "VERB" or tok.tag_.startswith("VB"))


def _quoted_as(verb: Token) -> tuple[Token, Token | None] | None:
    """(person, medium) for a speech verb under "MEDIUM quoted PERSON as saying …"."""
    if verb.dep_ == "pcomp" and verb.head.lower_ == "as" and verb.head.head.lemma_.lower() == "quote":
        q = verb.head.head
        obj = next((c for c in q.children if c.dep_ in ("dobj", "nsubjpass")), None)
        if obj is not None:
            subj = next((c for c in q.children if c.dep_ == "nsubj"), None)
            return obj, subj
    return None


def _governing_verbs(tokens: set[Token]) -> set[Token]:
    """Verbs that govern the quoted tokens through clausal links only.

    Walk up from the quote; every verb passed is a candidate, and the walk stops
    at a relative clause or nominal modifier boundary ("the event, which is
    being dubbed the “Genocide Games”" is not governed by the main verb).
    """
    out = set()
    for tok in tokens:
        cur = tok
        for _ in range(12):
            head = cur.head
            if head.i == cur.i:
                break
            if cur not in tokens and cur.dep_ in ("relcl", "acl", "appos", "pobj", "dobj", "nsubj", "nsubjpass"):
                if cur.pos_ not in ("VERB", "AUX") or cur.dep_ in ("relcl", "acl"):
                    break
            if head not in tokens and head.pos_ in ("VERB", "AUX"):
                out.add(head)
            cur = head
    return out


def _joins_clause(cue: Token, verbs: set[Token]) -> bool:
    """Whether a cue hangs off one of ``verbs`` as a participle, infinitive or conjunct
    ("… justify X as “legitimate”, saying …")."""
    cur = cue
    for _ in range(6):
        if cur in verbs:
            return True
        if cur.dep_ not in ("advcl", "xcomp", "conj", "ccomp") or cur.head.i == cur.i:
            return False
        cur = cur.head
    return False


def _adjacent_name(verb: Token, index: _Index, lo: int, hi: int) -> Token | None:
    """Fallback when the parse gives no subject: a name or pronoun right next to the verb, or a
    noun phrase the verb governs after it in inverted order ("…,” tweeted former executive Ken Gude)."""
    doc = verb.doc
    addressee_verb = verb.lemma_.lower() in ("tell", "inform", "assure", "advise", "warn", "ask", "brief", "remind")
    for j in ((verb.i - 1,) if addressee_verb else (verb.i + 1, verb.i - 1)):
        if 0 <= j < len(doc) and lo <= doc[j].idx < hi and not index.quoted(doc[j].idx):
            if doc[j].pos_ in ("PROPN", "PRON") and doc[j].lower_ not in ("it",):
                # take the head of a multi-token name
                tok = doc[j]
                while tok.dep_ in ("compound", "flat") and tok.head.pos_ == "PROPN":
                    tok = tok.head
                return tok
    for child in verb.rights:
        if not (lo <= child.idx < hi) or index.quoted(child.idx):
            continue
        deps = ("attr", "npadvmod", "dep", "appos", "oprd", "nsubj") if addressee_verb else (
            "dobj", "attr", "npadvmod", "dep", "appos", "oprd", "nsubj", "dative")
        if child.dep_ in deps and child.pos_ in ("PROPN", "NOUN"):
            if child.pos_ == "PROPN" or any(c.dep_ in ("det", "poss", "compound", "amod") for c in child.children):
                return child
    return None


@dataclass
class _Attribution:
    speaker_tok: Token
    cue: Token | None
    cue_text: str | None
    medium: str | None = None
    addressee: str | None = None


def _attribute_with_cue(cue: Token, index: _Index, lo: int, hi: int) -> _Attribution | None:
    lemma = cue.lemma_.lower()
    if lemma == "quote":
        if any(c.dep_ == "agent" for c in cue.children) or cue.tag_ == "VBN" and not any(c.dep_ == "dobj" for c in cue.children):
            return None  # "…, as quoted by Greek Reporter": the medium, not the speaker
        obj = next((c for c in cue.children if c.dep_ in ("dobj", "nsubjpass")), None)
        subj = next((c for c in cue.children if c.dep_ == "nsubj"), None)
        if obj is not None:
            medium = mention_span(subj).text if subj is not None else None
            as_saying = next((c for c in cue.subtree if c.lower_ in ("saying", "says", "said") and c.i > cue.i), None)
            text = cue.text + (" … as " + as_saying.text if as_saying is not None else "")
            return _Attribution(obj, cue, text, medium=medium)
    subj = _subject(cue)
    quoted_as = _quoted_as(cue)
    if quoted_as is not None and quoted_as[1] is not None:
        return _Attribution(quoted_as[0], cue, cue.text, medium=mention_span(quoted_as[1]).text)
    if subj is not None and subj.lower_ == "it" and index.speakers is not None and index.speakers.resolve_token(subj) is not None:
        return _Attribution(subj, cue, cue.text)
    if subj is None or index.quoted(subj.idx) or subj.lower_ in ("it", "there", "that", "which", "this"):
        subj = _adjacent_name(cue, index, lo, hi)
    if subj is None:
        return None
    addressee = None
    if lemma == "tell":
        obj = next((c for c in cue.children if c.dep_ in ("dobj", "dative")), None)
        if obj is not None:
            addressee = mention_span(obj).text
    return _Attribution(subj, cue, cue.text, addressee=addressee)


def _find_attribution(tokens: list[Token], index: _Index, lo: int, hi: int, *, prefer: str) -> _Attribution | None:
    """The speech cue in a window nearest the quote (``prefer``: 'first' after it, 'last' before it)."""
    tokens = [t for t in tokens if not index.quoted(t.idx)]
    cues = [t for t in tokens if _is_cue(t)]
    acc = _according_to(tokens)
    ordered = cues if prefer == "first" else list(reversed(cues))
    for cue in ordered:
        att = _attribute_with_cue(cue, index, lo, hi)
        if att is not None:
            return att
    for tok, pobj in acc:
        return _Attribution(pobj, tok, "according to")
    return None


def _lead_in_speaker(tokens: list[Token], index: _Index) -> _Attribution | None:
    """``Name: “…”`` or ``“…” — Name``: a proper name with a colon or dash and no verb."""
    toks = [t for t in tokens if not index.quoted(t.idx) and not t.is_space]
    names = [t for t in toks if t.pos_ == "PROPN" or t.ent_type_ in ("PERSON", "ORG")]
    if not names or any(t.pos_ == "VERB" for t in toks):
        return None
    tok = names[-1]
    while tok.dep_ in ("compound", "flat") and tok.head.pos_ == "PROPN" and tok.head in toks:
        tok = tok.head
    return _Attribution(tok, None, None)


def _colon_lead_in(tokens: list[Token], index: _Index, lo: int, hi: int) -> _Attribution | None:
    """``He offered: “…”`` / ``Jane Smith: “…”``: the subject of the last verb before the
    colon (the verb is the cue), or a bare name."""
    verbs = [t for t in tokens if t.pos_ == "VERB" and not index.quoted(t.idx)]
    for verb in reversed(verbs):
        subj = _subject(verb)
        if subj is not None and lo <= subj.idx < hi and subj.lower_ not in ("it", "there", "this", "that"):
            return _Attribution(subj, verb, verb.text)
    return _lead_in_speaker(tokens, index)


def _speech_events(doc: Doc, index: _Index) -> list[tuple[Token, Token]]:
    """(speech verb, subject) for every speech verb outside quotes whose subject the parse gives,
    in text order: the speakers a later floating quote may continue, and names for the entity index."""
    out = []
    for tok in doc:
        if _is_cue(tok) and not index.quoted(tok.idx):
            subj = _subject(tok)
            if subj is not None and not index.quoted(subj.idx) and subj.pos_ in ("PROPN", "PRON", "NOUN"):
                out.append((tok, subj))
    return out


def _speech_word(word: str) -> bool:
    """Whether a word form is (an inflection of) a speech verb: said, says, told, added …"""
    w = word.lower()
    forms = {w, w[:-1], w[:-2], w[:-3]} | ({"say"} if w in ("said", "says") else set()) | ({"tell"} if w in ("told", "tells") else set())
    return bool(forms & SPEECH_LEMMAS) or w in ("according",)


def _is_clause(tokens: list[Token]) -> bool:
    """Whether quoted tokens form a clause of their own: a verb at the top of the quote's own
    tree with its subject inside the quote ("… said the roof fell in and “everyone started screaming”")."""
    inside = {t.i for t in tokens}
    for t in tokens:
        if t.head.i not in inside or t.head.i == t.i:
            if t.pos_ in ("VERB", "AUX") and any(c.dep_ in ("nsubj", "nsubjpass", "expl") and c.i in inside for c in t.children):
                return True
    return False


def _name_label(m: MarkSpan, content: str, index: _Index) -> tuple[str, str] | None:
    """(method, label) when a quote is a name or a grade rather than speech: right after a naming
    participle without a speaking subject ("a robot named “Pepper”", "the vessel, called “Sea
    Star”"), after a noun that takes names ("the ship “Ever Given”"), or governed by a rating verb
    ("rated the bonds “junk”")."""
    doc = index.doc
    toks = [t for t in index.tokens(m.start, m.end) if not t.is_punct]
    if not toks or len(content.split()) > 6:
        return None
    i = toks[0].i - 1
    while i >= 0 and (doc[i].is_punct or doc[i].is_space or doc[i].pos_ == "DET"):
        i -= 1
    if i < 0:
        return None
    prev = doc[i]
    capital = content[:1].isupper()
    if prev.lemma_.lower() in NAMING_LEMMAS and (prev.tag_ == "VBN" or prev.dep_ in ("acl", "amod")) \
            and not any(c.dep_ in ("nsubj", "agent") for c in prev.children):
        return ("named", "name" if capital else "scare")  # "a program called “Learning Together”", "a pattern called a “glider”"
    if capital and prev.pos_ == "NOUN" and prev.lemma_.lower() in NAME_NOUNS and doc[i + 1].idx >= m.open:
        return ("name next to a noun", "name")
    for t in toks:
        h = t
        for _ in range(4):
            if h.head.i == h.i:
                break
            h = h.head
            if h.lemma_.lower() in RATING_LEMMAS and h.pos_ == "VERB":
                return ("graded", "scare")
            if h.pos_ == "VERB":
                break
    return None


def _is_title(content: str, before: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’\-]*", content)
    if len(words) < 2:
        return False
    capital = all(w[0].isupper() or w.lower() in _SMALL_WORDS for w in words) and words[0][0].isupper()
    cue_words = re.findall(r"[a-z]+", before.lower())[-4:]
    return capital and any(w in TITLE_CUES for w in cue_words)


def find_embedded_posts(body: str) -> list[tuple[int, int, str, str, str | None]]:
    """Embedded social-media post blocks: (start, end, account name, handle, date).

    A block is the signature line ``— Name (@handle) Month D, YYYY`` plus the
    adjacent lines that carry post markers (hashtags, @handles, pic.twitter.com
    or t.co links, a leading emoji), at most three on each side.
    """
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in body.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    out = []
    for m in _SIGNATURE.finditer(body):
        li = next(k for k, (s, e) in enumerate(lines) if s <= m.start() <= e)
        first = last = li
        for step, bound in ((-1, -1), (1, len(lines))):
            k = li + step
            n = 0
            while k != bound and n < 3:
                s, e = lines[k]
                text = body[s:e]
                if not text.strip() or not _POST_MARKERS.search(text.strip()):
                    break
                if step < 0:
                    first = k
                else:
                    last = k
                k += step
                n += 1
        s = lines[first][0]
        e = lines[last][1]
        while s < e and body[s].isspace():
            s += 1
        while e > s and body[e - 1].isspace():
            e -= 1
        name = re.sub(r"[^\w .&'’-]", "", m.group("name")).strip()
        out.append((s, e, name, m.group("handle"), m.group("date")))
    return out


# --------------------------------------------------------------------------- main


def _sentence_of(spans: list[tuple[int, int]], starts: list[int], offset: int) -> tuple[int, int]:
    i = bisect.bisect_right(starts, offset) - 1
    if i < 0:
        return (0, offset)
    return spans[i]


def split_voices(article: Article, *, doc: Doc | None = None,
                 sentences: list[tuple[int, int]] | None = None, tagger=None, combination: str = "fill") -> VoiceSplit:
    """Find every quote, label and reported statement in one article.

    ``doc``: the article parsed by :func:`analysis.nlp.load_pipeline` (parsed here when
    omitted); ``sentences``: its sentence spans (:func:`analysis.sentences.sentence_spans`
    when omitted). ``tagger``: an :class:`analysis.attribution.AttributionTagger` whose reported
    speech joins the rules' as ``combination`` says (:data:`analysis.attribution.COMBINATIONS`);
    None: the rules alone.
    """
    body = article.body
    if doc is None:
        from .nlp import load_pipeline

        doc = load_pipeline()(body)
    posts = find_embedded_posts(body)
    marks, issues = scan_marks(body, exclude=[(s, e) for s, e, *_ in posts])
    index = _Index(doc, [(m.open, m.close) for m in marks] + [(s, e) for s, e, *_ in posts])
    events = _speech_events(doc, index)
    extra = []
    for _verb, subj in events:
        appos = [c for c in subj.children if c.dep_ == "appos" and c.pos_ == "PROPN"]
        if subj.pos_ == "PROPN" and subj.ent_type_ not in ("NORP",) and not appos:
            extra.append(name_phrase(subj))  # not "Nevada's Republican, Mark Amodei,": the apposition names him
        extra.extend(name_phrase(c) for c in appos)
    speakers = SpeakerIndex(doc, quoted=index.quoted, extra=extra)
    index.speakers = speakers
    event_starts = [v.idx for v, _ in events]
    sents = sentences if sentences is not None else sentence_spans(body)
    sent_starts = [s for s, _ in sents]
    paras = paragraph_spans(body)
    para_starts = [s for s, _ in paras]

    def para_index(offset: int) -> int:
        return max(0, bisect.bisect_right(para_starts, offset) - 1)

    quotes: list[Quote] = []
    for s, e, name, handle, date in posts:
        mention = body[s:e]
        sig = _SIGNATURE.search(mention)
        quotes.append(
            Quote(article.id, "embedded_post", s, e, body[s:e], speaker=name, method="embedded post",
                  speaker_mention=(f"{sig.group('name').strip()} (@{handle})" if sig else name), medium=f"@{handle}",
                  parts=[(s, e)], mark_start=s, mark_end=e, label=date)
        )

    def make(m: MarkSpan, kind: str, att: _Attribution | None, method: str, label: str | None = None) -> Quote:
        q = Quote(article.id, kind, m.start, m.end, body[m.start : m.end], method=method, label=label,
                  unclosed=m.unclosed, mark_start=m.open, mark_end=m.close, parts=list(m.parts))
        if att is not None:
            span = mention_span(att.speaker_tok)
            q.speaker_mention = span.text
            q.speaker = speakers.resolve_token(att.speaker_tok)
            if q.speaker is None:  # "it" with no organisation to refer to
                q.speaker_mention = None
                return q
            q.cue = att.cue_text
            if att.cue is not None:
                q.cue_start, q.cue_end = att.cue.idx, att.cue.idx + len(att.cue.text)
            q.medium, q.addressee = att.medium, att.addressee
        return q

    def previous_speech(offset: int, last: Quote | None) -> Quote | _Attribution | None:
        """The speaker a floating quote continues: the later of the last attributed quote and the
        last reported-speech verb before it, in the same or the previous paragraph."""
        k = bisect.bisect_left(event_starts, offset) - 1
        ev = events[k] if k >= 0 else None
        here = para_index(offset)
        best = None
        if last is not None and para_index(last.mark_start or 0) >= here - 1:
            best = last
        if ev is not None and para_index(ev[0].idx) >= here - 1 and not index.quoted(ev[0].idx):
            own_cue = best is not None and best.cue_start == ev[0].idx
            if not own_cue and (best is None or ev[0].idx > (best.mark_end or 0)):
                if ev[1].lower_ not in ("it", "there", "this", "that", "which"):
                    best = _Attribution(ev[1], ev[0], ev[0].text)
        return best

    prev_close = -1
    last_attributed: Quote | None = None
    for k, m in enumerate(marks):
        ss, _ = _sentence_of(sents, sent_starts, m.open)
        _, se = _sentence_of(sents, sent_starts, max(m.close - 1, m.open))
        p_lo, p_hi = paras[para_index(m.open)]
        _, p_hi_close = paras[para_index(max(m.close - 1, m.open))]
        lo = max(ss, prev_close, p_lo)
        next_open = marks[k + 1].open if k + 1 < len(marks) else len(body)
        hi = min(se, next_open, p_hi_close) if se > m.close else min(next_open, p_hi_close, se)
        before = body[lo : m.open]
        content = body[m.start : m.end]
        after_tokens = index.tokens(m.close, max(hi, m.close))
        before_tokens = index.tokens(lo, m.open)
        stripped = before.rstrip().rstrip(_ZERO_WIDTH).rstrip()
        clause_start = (not stripped) or stripped[-1] in ":,—–;"
        if _is_title(content, before):
            quotes.append(make(m, "scare", None, "quoted title", label="title"))
            prev_close = m.close
            continue
        named = _name_label(m, content, index)
        if named is not None:
            quotes.append(make(m, "scare", None, named[0], label=named[1]))
            prev_close = m.close
            continue
        first_alpha = next((c for c in content if c.isalpha()), "")
        n_words = len(content.split())
        clausal = n_words >= 3 and _is_clause(index.tokens(m.start, m.end))
        sentence_like = (clause_start and (not first_alpha or first_alpha.isupper() or (bool(stripped) and n_words >= 4))) or clausal
        after_word = re.match(r"[ \t]*([A-Za-z]+)", body[m.close : m.close + 40])
        if sentence_like and not clausal and n_words <= 5 and content.rstrip()[-1:] not in ".,!?;:…" and after_word is not None \
                and after_word.group(1).islower() and not _speech_word(after_word.group(1)):
            # a quoted name or term that is the subject of the journalist's sentence ("“Build Back Better” is …")
            quotes.append(make(m, "scare", None, "quoted noun phrase", label="name" if content[:1].isupper() else "scare"))
            prev_close = m.close
            continue
        if sentence_like:
            att = None
            method = ""
            lead = stripped.endswith((":", ","))
            if lead:
                att = _find_attribution(before_tokens, index, lo, m.open, prefer="last")
                method = "cue before"
            if att is None:
                att = _find_attribution(after_tokens, index, m.close, hi, prefer="first")
                method = "cue after"
            if att is None and not lead:
                att = _find_attribution(before_tokens, index, lo, m.open, prefer="last")
                method = "cue before"
            if att is None and stripped.endswith(":"):
                att = _colon_lead_in(before_tokens, index, lo, m.open)
                method = "colon lead-in"
            if att is None and not stripped and m.open <= p_lo and para_index(m.open) > 0:
                # a quote opening its paragraph after a lead-in ending with a colon ("And from X:")
                q_lo, q_hi = paras[para_index(m.open) - 1]
                lead_text = body[q_lo:q_hi].rstrip()
                if lead_text.endswith(":") and q_hi > prev_close:
                    l_ss, _ = _sentence_of(sents, sent_starts, q_hi - 1)
                    l_lo = max(l_ss, q_lo, prev_close)
                    toks = index.tokens(l_lo, q_hi)
                    att = _find_attribution(toks, index, l_lo, q_hi, prefer="last") or _colon_lead_in(toks, index, l_lo, q_hi)
                    method = "lead-in paragraph"
            tail_end = min(next_open, p_hi_close)
            tail = body[m.close : tail_end]
            if att is None and tail.lstrip().startswith(("—", "–", "-")):
                dash = m.close + len(tail) - len(tail.lstrip())
                _, stop = _sentence_of(sents, sent_starts, dash)
                att = _lead_in_speaker(index.tokens(dash + 1, min(stop, tail_end)), index)
                method = "dash attribution"
            prev = previous_speech(m.open, last_attributed) if att is None else None
            if att is not None:
                q = make(m, "direct", att, method)
            elif isinstance(prev, Quote):
                q = make(m, "direct", None, "continues previous speaker")
                q.speaker, q.speaker_mention = prev.speaker, prev.speaker_mention
                q.cue, q.cue_start, q.cue_end = prev.cue, prev.cue_start, prev.cue_end
                q.medium = prev.medium
            elif prev is not None:
                q = make(m, "direct", prev, "continues reported speech")
            else:
                q = make(m, "direct", None, "unattributed")
        else:
            whole = index.tokens(max(ss, p_lo), min(se, p_hi_close))
            quote_toks = {t for t in index.tokens(m.start, m.end) if not t.is_punct}
            cues = [t for t in whole if not index.quoted(t.idx) and _is_cue(t)]
            above = _governing_verbs(quote_toks)
            governing = [c for c in cues if c in above]
            ordered = governing + sorted(
                (c for c in cues if c not in governing and c.lemma_.lower() in FRAGMENT_LEMMAS
                 and _joins_clause(c, above)), key=lambda c: min(abs(c.idx - m.open), abs(c.idx - m.close))
            )
            att = None
            for cue in ordered:
                att = _attribute_with_cue(cue, index, max(ss, p_lo), min(se, p_hi_close))
                if att is not None:
                    break
            if att is None:
                for tok, pobj in _according_to([t for t in whole if not index.quoted(t.idx)]):
                    if tok.left_edge.idx <= m.open < tok.right_edge.idx + len(tok.right_edge.text):
                        continue  # the quote is part of "according to …" itself
                    att = _Attribution(pobj, tok, "according to")
                    break
            q = make(m, "partial", att, "cue in sentence") if att is not None else make(m, "scare", None, "no speaker", label="scare")
            if q.kind == "partial" and q.speaker is None:
                q = make(m, "scare", None, "no speaker", label="scare")
        if q.speaker is not None and q.kind in ("direct", "partial"):
            last_attributed = q
        quotes.append(q)
        prev_close = m.close

    quotes = [_as_label_if_not_speech(q, doc) for q in quotes]
    quotes.extend(_indirect_speech(article, doc, index, speakers, quotes))
    if tagger is not None and combination != "rules":
        from .attribution import combine, tagged_quotes

        quotes = combine(quotes, tagged_quotes(article, doc, sents, quotes, speakers, tagger, combination=combination),
                         combination=combination)
    quotes.sort(key=lambda q: (q.start, q.end, KINDS.index(q.kind)))
    return VoiceSplit(article=article, quotes=quotes, issues=issues)


def _indirect_speech(article: Article, doc: Doc, index: _Index, speakers: SpeakerIndex, found: list[Quote]) -> list[Quote]:
    """Reported speech without marks: speech verb + clausal complement (or object for denials)."""
    body = article.body
    blocked = _Intervals((q.mark_start, q.mark_end) for q in found if q.kind in ("direct", "embedded_post"))
    out: list[Quote] = []
    taken = _Intervals()

    def report(s: int, e: int, subj: Token, speaker: str, cue: str, cue_start: int, cue_end: int, method: str,
               medium: str | None = None) -> None:
        out.append(Quote(article.id, "indirect", s, e, body[s:e], speaker=speaker, speaker_mention=mention_span(subj).text,
                         cue=cue, cue_start=cue_start, cue_end=cue_end, method=method, parts=[(s, e)], medium=medium))
        taken.add(s, e)

    for verb in doc:
        lemma = verb.lemma_.lower()
        if lemma not in INDIRECT_LEMMAS or not (verb.pos_ == "VERB" or verb.tag_.startswith("VB")):
            continue
        if index.quoted(verb.idx):
            continue
        comp: Span | None = None
        ccomp = next((c for c in verb.children if c.dep_ == "ccomp"), None)
        if ccomp is not None and doc[ccomp.left_edge.i].lower_ in ("wherein", "whereby", "where", "when"):
            ccomp = None  # a relative clause parsed as a complement ("wrote an article, wherein …")
        obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
        xcomp = next((c for c in verb.children if c.dep_ in ("xcomp", "oprd")), None)
        if ccomp is not None:
            comp = doc[ccomp.left_edge.i : ccomp.right_edge.i + 1]
        elif lemma in ("accuse", "blame"):
            prep_word = "of" if lemma == "accuse" else "for"
            of = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ == prep_word), None)
            if of is None and obj is not None:  # "accused the minister of hiding …": "of" on the object
                of = next((c for c in obj.children if c.dep_ == "prep" and c.lower_ == prep_word), None)
            if obj is not None and of is not None:
                comp = doc[min(obj.left_edge.i, of.i) : of.right_edge.i + 1]
        elif obj is not None and xcomp is not None and lemma in DIRECTIVE_LEMMAS:
            comp = doc[obj.left_edge.i : xcomp.right_edge.i + 1]  # "asked Zelensky to investigate …"
        elif obj is not None and lemma in OBJECT_CONTENT_LEMMAS and _contentful(obj):
            end = xcomp.right_edge.i if xcomp is not None and xcomp.i > obj.i else obj.right_edge.i
            comp = doc[obj.left_edge.i : end + 1]  # "declared COVID-19 a pandemic", "alleged Iranian involvement"
        elif xcomp is not None and not any(c.dep_ == "nsubjpass" for c in verb.children) and xcomp.i > verb.i:
            comp = doc[xcomp.left_edge.i : xcomp.right_edge.i + 1]  # "vowed to retaliate", "reported wanting …"
        if comp is None and verb.dep_ in ("parataxis", "advcl") and not any(c.dep_ in ("ccomp", "dobj", "xcomp") for c in verb.children):
            comp = _parenthetical_content(verb)  # "If these findings are accurate, scientists say, containing …"
        if comp is None:
            continue
        toks = list(comp)
        if toks and toks[0].i < verb.i:
            # a relative pronoun before the verb ("which NASA said might take place") is not content
            toks = [t for t in toks if t.i > verb.i] if all(t.tag_ in ("WDT", "WP") or t.is_punct for t in toks if t.i < verb.i) else toks
        toks = _trim(toks, marks=("that", "whether", "if"))
        if len([t for t in toks if not t.is_punct]) < 2:
            continue
        s, e = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        if s < verb.idx and verb.dep_ not in ("parataxis", "advcl") and not _trailing_attribution(verb, toks):
            continue  # complement before the verb is a direct-quote attribution pattern
        if blocked.overlaps(s, e):
            # "said the roof fell in and “everyone started screaming”": keep the words before the quote
            cut = blocked.first_start_after(s)
            if cut is not None and cut < e:
                toks = [t for t in toks if t.idx + len(t.text) <= cut]
                while toks and (toks[-1].is_punct or toks[-1].is_space or toks[-1].dep_ == "cc"):
                    toks = toks[:-1]
                if len([t for t in toks if not t.is_punct]) < 3:
                    continue
                e = toks[-1].idx + len(toks[-1].text)
            if blocked.overlaps(s, e):
                continue
        if taken.overlaps(s, e):
            continue
        words = [t for t in toks if not t.is_punct]
        if any(index.quoted(t.idx) for t in words) and sum(not index.quoted(t.idx) for t in words) < 3:
            continue  # the content is a quotation but for a word or two: the partial quote carries it
        nxt = toks[-1].i + 1
        while nxt < len(doc) and doc[nxt].is_space:
            nxt += 1
        if nxt < len(doc) and doc[nxt].is_quote and nxt + 1 < len(doc) and index.quoted(doc[nxt + 1].idx) and len(words) <= 3:
            continue  # "arguing Trump was “sowing chaos …”": the quote carries the content
        subj = _subject(verb)
        if subj is None or subj.lower_ == "there" or index.quoted(subj.idx):
            continue
        speaker = speakers.resolve_token(subj)
        if speaker is None:
            continue
        quoted_as = _quoted_as(verb)
        medium = mention_span(quoted_as[1]).text if quoted_as is not None and quoted_as[1] is not None else None
        if medium is None:
            medium = _document_medium(subj, speaker)
        report(s, e, subj, speaker, verb.text, verb.idx, verb.idx + len(verb.text), "reporting verb + complement", medium)
    for noun in (t for t in doc if t.lemma_.lower() in SPEECH_NOUNS and t.pos_ == "NOUN"):
        # "made a surprise announcement on Twitter that he was running": the clause after the noun
        clause = next((c for c in noun.children if c.dep_ in ("acl", "ccomp", "relcl") and c.i > noun.i
                       and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)), None)
        verb = noun.head
        if clause is None or index.quoted(noun.idx) or verb.pos_ not in ("VERB", "AUX") or noun.dep_ not in ("dobj", "attr"):
            continue
        subj = _subject(verb)
        if subj is None or index.quoted(subj.idx):
            continue
        toks = _trim(list(doc[clause.left_edge.i : clause.right_edge.i + 1]), marks="any", keep_quotes=False)
        if len([x for x in toks if not x.is_punct]) < 2:
            continue
        s, e = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        if blocked.overlaps(s, e) or taken.overlaps(s, e):
            continue
        speaker = speakers.resolve_token(subj)
        if speaker is None:
            continue
        report(s, e, subj, speaker, noun.text, noun.idx, noun.idx + len(noun.text), "speech noun + clause")
    for acc, pobj in _according_to([t for t in doc if t.lower_ == "according"]):
        if index.quoted(acc.idx):
            continue
        piece = _according_content(acc)
        if piece is None:
            continue
        s, e = piece
        if blocked.overlaps(s, e) or taken.overlaps(s, e):
            continue
        to = doc[acc.i + 1]
        speaker = speakers.resolve_token(pobj)
        if speaker is None:
            continue
        report(s, e, pobj, speaker, "according to", acc.idx, to.idx + len(to.text), "according to",
               _document_medium(pobj, speaker))
    return out


#: Verbs whose quoted complement is not speech (issue 20 item 4; the coding guide's "Not speech"): thoughts and
#: inner speech ("“Not again,” she thought"), and chanted or sung slogans ("crowds chanted “No justice, no peace”").
THOUGHT_LEMMAS: frozenset[str] = frozenset("think wonder ponder muse imagine dream realise realize feel hope fear wish".split())
SLOGAN_LEMMAS: frozenset[str] = frozenset("chant sing".split())


def _as_label_if_not_speech(q: Quote, doc: Doc) -> Quote:
    """A direct or partial quote whose only cue is a verb of thinking or chanting becomes a label (``scare``
    with label ``thought`` / ``slogan``): its cue, or the verb that governs its words, decides."""
    if q.kind not in ("direct", "partial") or q.mark_start is None:
        return q
    lemma = None
    if q.cue_start is not None:
        tok = next((t for t in doc if t.idx == q.cue_start), None)
        lemma = tok.lemma_.lower() if tok is not None else None
    if lemma is None or lemma not in THOUGHT_LEMMAS | SLOGAN_LEMMAS:
        inside = [t for t in doc if q.start <= t.idx < q.end and not t.is_punct]
        outside = {t.head for t in inside if not (q.mark_start <= t.head.idx < q.mark_end)}
        verbs = [h for h in outside if h.pos_ in ("VERB", "AUX")]
        if q.cue_start is None and len(verbs) == 1:
            lemma = verbs[0].lemma_.lower()
    if lemma in THOUGHT_LEMMAS or lemma in SLOGAN_LEMMAS:
        return Quote(q.article_id, "scare", q.start, q.end, q.text, method=f"not speech ({lemma})",
                     label="thought" if lemma in THOUGHT_LEMMAS else "slogan", unclosed=q.unclosed,
                     mark_start=q.mark_start, mark_end=q.mark_end, parts=list(q.parts))
    return q


def _document_medium(source: Token, speaker: str | None) -> str | None:
    """The document a speaker spoke through, kept apart from them: "the statement" when "The statement said …"
    was resolved to the ministry that issued it (None when the document is itself the speaker)."""
    from .speakers import DOCUMENT_NOUNS

    if source.lemma_.lower() not in DOCUMENT_NOUNS and source.lower_ not in DOCUMENT_NOUNS:
        return None
    if speaker is None or speaker.lower() in (source.lower_, source.lemma_.lower()):
        return None
    return mention_span(source).text


def _trailing_attribution(verb: Token, content: list[Token]) -> bool:
    """Whether ``verb`` closes its sentence as the attribution of the unquoted clause before it: "The plant
    leaked for weeks, officials said." -- the content ends at a comma right before the verb's phrase, the
    verb's subject comes after that comma, and nothing after the verb is a clause of its own."""
    doc = verb.doc
    if verb.dep_ != "ROOT" or not content or content[-1].i >= verb.i:
        return False
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None or subj.i < content[-1].i:
        return False
    between = [t for t in doc[content[-1].i + 1 : subj.left_edge.i] if not t.is_space]
    if min(subj.left_edge.i, verb.i) <= content[-1].i or [t.text for t in between] != [","]:
        return False
    after = [c for c in verb.children if c.i > verb.i and c.dep_ in ("ccomp", "dobj", "xcomp", "conj")]
    return not after


_POINTER_NOUNS = frozenset("suggestion claim claims report reports change move decision news allegation allegations matter idea".split())


def _contentful(obj: Token) -> bool:
    """Whether a verb's object states content rather than pointing back to it ("this change",
    "the suggestion", "it")."""
    if obj.pos_ == "PRON":
        return False
    dets = [c for c in obj.children if c.dep_ == "det"]
    if any(d.lower_ in ("this", "that", "these", "those") for d in dets):
        return False
    words = [t for t in obj.subtree if not t.is_punct and t.dep_ != "det"]
    if obj.lemma_.lower() in _POINTER_NOUNS and len(words) <= 2:
        return False
    return len(words) >= 2 or obj.pos_ == "PROPN"


def _parenthetical_content(verb: Token) -> Span | None:
    """The clause a parenthetical speech verb comments on ("…, scientists say, containing …"):
    the head clause without the verb's own phrase (the longer side)."""
    doc = verb.doc
    head = verb.head
    if head.i == verb.i:
        return None
    lo, hi = head.left_edge.i, head.right_edge.i
    v_lo, v_hi = verb.left_edge.i, verb.right_edge.i
    pieces = [p for p in ((lo, v_lo - 1), (v_hi + 1, hi)) if p[1] >= p[0]]
    if not pieces:
        return None
    a, b = max(pieces, key=lambda p: sum(1 for t in doc[p[0] : p[1] + 1] if not t.is_punct))
    return doc[a : b + 1]


class _Intervals:
    """Disjoint character ranges with an overlap test in O(log n) (so reported speech stays linear)."""

    def __init__(self, ranges=()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for s, e in sorted(ranges):
            self.add(s, e)

    def add(self, s: int, e: int) -> None:
        i = bisect.bisect_left(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)

    def first_start_after(self, s: int) -> int | None:
        """The start of the first range starting at or after ``s``."""
        i = bisect.bisect_left(self.starts, s)
        return self.starts[i] if i < len(self.starts) else None

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect.bisect_left(self.starts, e)  # ranges starting before e
        # ranges are disjoint and sorted, so their ends are too: look at the last few before e
        for k in range(i - 1, max(-1, i - 4), -1):
            if self.ends[k] > s:
                return True
        return False


_CLOSING = ("”", "’", '"', "'")


def _trim(toks: list[Token], *, marks: tuple[str, ...] | str = (), keep_quotes: bool = True) -> list[Token]:
    """Reported content without surrounding punctuation and space, nor a leading complementiser
    (``marks``: the words to drop, or "any" mark); a closing quotation mark stays when ``keep_quotes``."""
    while toks and (toks[0].is_punct or toks[0].is_space
                    or toks[0].dep_ == "mark" and (marks == "any" or toks[0].lower_ in marks)):
        toks = toks[1:]
    while toks and (toks[-1].is_punct or toks[-1].is_space) and not (keep_quotes and toks[-1].text in _CLOSING):
        toks = toks[:-1]
    return toks


def _according_content(acc: Token) -> tuple[int, int] | None:
    """Offsets of what "according to X" attributes: the clause it modifies, without the
    attribution phrase (the longer side when the phrase sits in the middle)."""
    doc = acc.doc
    head = acc.head
    for _ in range(4):
        if head.pos_ in ("VERB", "AUX") or head.head.i == head.i:
            break
        head = head.head
    sent = head.sent
    lo, hi = head.left_edge.i, head.right_edge.i
    lo, hi = max(lo, sent.start), min(hi, sent.end - 1)
    a_lo, a_hi = acc.left_edge.i, acc.right_edge.i
    left = (lo, a_lo - 1)
    right = (a_hi + 1, hi)
    pieces = [p for p in (left, right) if p[1] >= p[0]]
    if not pieces:
        return None
    size = lambda p: sum(1 for t in doc[p[0] : p[1] + 1] if not t.is_punct)  # noqa: E731
    a, b = max(pieces, key=size)
    toks = _trim(list(doc[a : b + 1]))
    if len([t for t in toks if not t.is_punct]) < 2:
        return None
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)


# --------------------------------------------------------------------------- segments

_PRIORITY = {"indirect": 1, "scare": 2, "direct": 3, "partial": 3, "embedded_post": 4}


def voice_segments(article: Article, quotes: list[Quote]) -> pd.DataFrame:
    """Partition the body into editorial and quote segments (every character exactly once).

    Quotes are painted over the editorial voice in priority order (reported
    speech, then scare labels, then marked quotes and posts), so a partial quote
    inside reported speech keeps its own kind. Quotation marks, continuation
    marks and cue verbs stay editorial.
    """
    n = len(article.body)
    owner = np.full(n, -1, dtype=np.int64)
    order = sorted(range(len(quotes)), key=lambda i: _PRIORITY[quotes[i].kind])
    for i in order:
        for s, e in quotes[i].parts or [(quotes[i].start, quotes[i].end)]:
            owner[s:e] = i
    rows = []
    if n:
        change = np.flatnonzero(np.diff(owner)) + 1
        bounds = np.concatenate(([0], change, [n]))
        for s, e in zip(bounds[:-1], bounds[1:]):
            o = int(owner[s])
            if o < 0:
                rows.append((article.id, int(s), int(e), "editorial", None, None, None))
            else:
                q = quotes[o]
                rows.append((article.id, int(s), int(e), q.voice, q.kind, q.speaker, o))
    return pd.DataFrame(rows, columns=["article_id", "start", "end", "voice", "kind", "speaker", "quote_index"])


QUOTE_COLUMNS = [
    "article_id", "kind", "start", "end", "text", "speaker", "speaker_mention", "cue", "cue_lemma", "cue_start", "cue_end",
    "medium", "addressee", "method", "label", "unclosed", "mark_start", "mark_end",
]


def cue_lemma(quote: Quote, tokens_at: dict[int, Token]) -> str | None:
    """Lemma of a quote's cue: "according to" for that cue, else the parse's lemma of the cue
    verb (``tokens_at``: the article's tokens by start offset; "quoted … as saying" -> quote)."""
    if not quote.cue:
        return None
    if quote.cue.lower().startswith("according to"):
        return "according to"
    tok = tokens_at.get(quote.cue_start) if quote.cue_start is not None else None
    return tok.lemma_.lower() if tok is not None else quote.cue.split()[0].lower()


def quotes_frame(quotes: list[Quote], *, doc: Doc | None = None) -> pd.DataFrame:
    """Quotes as a DataFrame, one row each (``parts`` dropped; ``cue_lemma`` from ``doc`` when given)."""
    tokens_at = {t.idx: t for t in doc} if doc is not None else {}
    rows = []
    for q in quotes:
        d = asdict(q)
        d.pop("parts")
        d["cue_lemma"] = cue_lemma(q, tokens_at)
        rows.append(d)
    df = pd.DataFrame(rows, columns=QUOTE_COLUMNS)
    for col in ("cue_start", "cue_end", "mark_start", "mark_end"):
        df[col] = df[col].astype("Int64")
    return df


_SPACE_CODES = np.array(sorted({c for c in range(0x3001) if chr(c).isspace()}), dtype=np.uint32)


def nonspace_prefix(body: str) -> np.ndarray:
    """``c[i]`` = number of non-whitespace characters in ``body[:i]`` (length len(body) + 1)."""
    codes = np.frombuffer(body.encode("utf-32-le"), dtype=np.uint32)
    return np.concatenate(([0], np.cumsum(~np.isin(codes, _SPACE_CODES), dtype=np.int64)))


def sentence_voices(body: str, sentences: list[tuple[int, int]], segments: pd.DataFrame) -> list[tuple]:
    """The voice of each sentence: (voice, kind, speaker, quote_share, quoted_speakers).

    ``voice`` is ``quote`` when quoted material (direct, partial, indirect or an embedded
    post) covers more than half of the sentence's non-space characters; ``speaker`` and
    ``kind`` are then those covering the most; ``quote_share`` is the covered fraction;
    ``quoted_speakers`` lists every speaker with quoted material in the sentence, most
    characters first (a partial quote inside an editorial sentence counts). ``segments``:
    the article's :func:`voice_segments`. Linear in the body and the segments.
    """
    cns = nonspace_prefix(body)
    q = segments[segments.voice == "quote"].sort_values("start")
    starts, ends = q.start.to_numpy(), q.end.to_numpy()
    keys = [(s if isinstance(s, str) else None, k) for s, k in zip(q.speaker, q.kind)]
    out = []
    for ss, se in sentences:
        total = int(cns[se] - cns[ss]) or 1
        cover: dict[tuple, int] = {}
        lo = int(np.searchsorted(ends, ss, side="right"))
        hi = int(np.searchsorted(starts, se, side="left"))
        for j in range(lo, hi):
            a, b = max(int(starts[j]), ss), min(int(ends[j]), se)
            if a < b:
                cover[keys[j]] = cover.get(keys[j], 0) + int(cns[b] - cns[a])
        covered = sum(cover.values())
        by_speaker: dict[str, int] = {}
        for (spk, _), n in cover.items():
            if spk is not None:
                by_speaker[spk] = by_speaker.get(spk, 0) + n
        quoted = sorted(by_speaker, key=lambda k: (-by_speaker[k], k))
        if covered * 2 > total:
            (spk, knd), _ = max(cover.items(), key=lambda kv: (kv[1], str(kv[0])))
            out.append(("quote", knd, spk, covered / total, quoted))
        else:
            out.append(("editorial", None, None, covered / total, quoted))
    return out
