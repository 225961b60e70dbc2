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
from .marks import MarkIssue, MarkSpan, scan_marks
from .sentences import paragraph_spans, sentence_spans
from .speakers import SpeakerIndex, mention_span

#: Verbs that introduce quoted speech (lemmas). Evaluative ones are kept on purpose:
#: "slammed", "extolled" are cues too, and issue 4's reporting-verb profile reads them.
SPEECH_LEMMAS: frozenset[str] = frozenset(
    """
    say tell write add ask insist concede explain claim state note reply respond answer quote argue
    warn declare announce continue recall remark tweet post comment acknowledge admit deny suggest
    urge call describe assert contend maintain stress emphasise emphasize observe report whisper shout
    yell exclaim murmur joke quip boast tout slam blast extol praise accuse decry criticise criticize
    condemn complain confirm predict promise vow pledge agree testify counter retort interject lament
    muse wonder scoff snap proclaim mention clarify caution advise reiterate repeat inform assure
    reveal disclose allege speculate hint imply indicate conclude roar chant scream plead beg demand
    told dub label brand term
    """.split()
) - {"told", "dub", "label", "brand", "term"}
#: Quoting verbs that may attribute a quoted fragment they do not govern in the parse
#: ("… as “legitimate”, saying they should be …"). Evaluative or commissive verbs
#: ("pledged his support … the “Genocide Games”") attribute only what they govern.
FRAGMENT_LEMMAS: frozenset[str] = frozenset(
    """
    say tell write add call describe insist claim argue state explain note warn declare announce reply
    respond answer ask tweet post comment term label brand dub
    """.split()
) & SPEECH_LEMMAS
#: Verbs whose clausal complement is reported speech.
INDIRECT_LEMMAS: frozenset[str] = frozenset(
    """
    say tell claim insist argue state report announce warn add explain note suggest deny admit confirm
    acknowledge allege assert contend maintain stress emphasise emphasize predict promise vow pledge
    accuse reveal disclose concede reply respond write tweet post agree complain declare indicate
    reiterate repeat recall testify insist threaten caution
    """.split()
)
#: Verbs whose direct object is the reported content ("Russia has denied any plans …").
OBJECT_CONTENT_LEMMAS: frozenset[str] = frozenset({"deny", "admit", "confirm", "acknowledge", "announce", "reject"})
#: Verbs whose infinitive complement is reported content ("vowed to retaliate").
XCOMP_CONTENT_LEMMAS: frozenset[str] = frozenset({"promise", "vow", "pledge", "threaten"})
#: Nouns that announce a quoted title ("his favorite book is “One Hundred Years of Solitude”").
TITLE_CUES: frozenset[str] = frozenset(
    """
    book novel film movie song album show series play report article documentary poem episode
    column essay title titled entitled memoir opera musical painting exhibition podcast magazine
    newspaper paper headline slogan hashtag
    """.split()
)
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
    """Subject of a verb, climbing through participles and infinitives (… , saying …)."""
    v = verb
    for _ in range(6):
        for child in v.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                if child.tag_ in ("WP", "WDT") and v.dep_ == "relcl":
                    return v.head
                return child
        if v.dep_ == "acl" and v.head.pos_ in ("NOUN", "PROPN"):
            return v.head
        if v.dep_ in ("advcl", "xcomp", "conj", "pcomp", "ccomp", "prep") and v.head is not v:
            v = v.head
            continue
        break
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
            if head is cur:
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
        if cur.dep_ not in ("advcl", "xcomp", "conj", "ccomp") or cur.head is cur:
            return False
        cur = cur.head
    return False


def _adjacent_name(verb: Token, index: _Index, lo: int, hi: int) -> Token | None:
    """Fallback when the parse gives no subject: a name or pronoun right next to the verb."""
    doc = verb.doc
    for j in (verb.i + 1, verb.i - 1):
        if 0 <= j < len(doc) and lo <= doc[j].idx < hi and not index.quoted(doc[j].idx):
            if doc[j].pos_ in ("PROPN", "PRON") and doc[j].lower_ not in ("it",):
                # take the head of a multi-token name
                tok = doc[j]
                while tok.dep_ in ("compound", "flat") and tok.head.pos_ == "PROPN":
                    tok = tok.head
                return tok
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
        obj = next((c for c in cue.children if c.dep_ in ("dobj", "nsubjpass")), None)
        subj = next((c for c in cue.children if c.dep_ == "nsubj"), None)
        if obj is not None:
            medium = mention_span(subj).text if subj is not None else None
            as_saying = next((c for c in cue.subtree if c.lower_ in ("saying", "says", "said") and c.i > cue.i), None)
            text = cue.text + (" … as " + as_saying.text if as_saying is not None else "")
            return _Attribution(obj, cue, text, medium=medium)
    subj = _subject(cue)
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
                 sentences: list[tuple[int, int]] | None = None) -> VoiceSplit:
    """Find every quote, label and reported statement in one article.

    ``doc``: the article parsed by :func:`analysis.nlp.load_pipeline` (parsed here when
    omitted); ``sentences``: its sentence spans (:func:`analysis.sentences.sentence_spans`
    when omitted).
    """
    body = article.body
    if doc is None:
        from .nlp import load_pipeline

        doc = load_pipeline()(body)
    posts = find_embedded_posts(body)
    marks, issues = scan_marks(body, exclude=[(s, e) for s, e, *_ in posts])
    index = _Index(doc, [(m.open, m.close) for m in marks] + [(s, e) for s, e, *_ in posts])
    speakers = SpeakerIndex(doc, quoted=index.quoted)
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
            q.speaker = speakers.resolve(span)
            if att.cue is not None:
                q.cue = att.cue_text
                q.cue_start, q.cue_end = att.cue.idx, att.cue.idx + len(att.cue.text)
            else:
                q.cue = att.cue_text
            q.medium, q.addressee = att.medium, att.addressee
        return q

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
        stripped = before.rstrip()
        clause_start = (not stripped) or stripped[-1] in ":,—–;"
        if _is_title(content, before):
            quotes.append(make(m, "scare", None, "quoted title", label="title"))
            prev_close = m.close
            continue
        first_alpha = next((c for c in content if c.isalpha()), "")
        n_words = len(content.split())
        sentence_like = clause_start and (not first_alpha or first_alpha.isupper() or (bool(stripped) and n_words >= 4))
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
            tail_end = min(next_open, p_hi_close)
            tail = body[m.close : tail_end]
            if att is None and tail.lstrip().startswith(("—", "–", "-")):
                dash = m.close + len(tail) - len(tail.lstrip())
                _, stop = _sentence_of(sents, sent_starts, dash)
                att = _lead_in_speaker(index.tokens(dash + 1, min(stop, tail_end)), index)
                method = "dash attribution"
            if att is not None:
                q = make(m, "direct", att, method)
            elif last_attributed is not None and para_index(last_attributed.mark_start or 0) >= para_index(m.open) - 1:
                q = make(m, "direct", None, "continues previous speaker")
                q.speaker, q.speaker_mention = last_attributed.speaker, last_attributed.speaker_mention
                q.cue, q.cue_start, q.cue_end = last_attributed.cue, last_attributed.cue_start, last_attributed.cue_end
                q.medium = last_attributed.medium
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
                    att = _Attribution(pobj, tok, "according to")
                    break
            q = make(m, "partial", att, "cue in sentence") if att is not None else make(m, "scare", None, "no speaker", label="scare")
        if q.speaker is not None and q.kind in ("direct", "partial"):
            last_attributed = q
        quotes.append(q)
        prev_close = m.close

    quotes.extend(_indirect_speech(article, doc, index, speakers, quotes))
    quotes.sort(key=lambda q: (q.start, q.end, KINDS.index(q.kind)))
    return VoiceSplit(article=article, quotes=quotes, issues=issues)


def _indirect_speech(article: Article, doc: Doc, index: _Index, speakers: SpeakerIndex, found: list[Quote]) -> list[Quote]:
    """Reported speech without marks: speech verb + clausal complement (or object for denials)."""
    body = article.body
    blocked = [(q.mark_start, q.mark_end) for q in found if q.kind in ("direct", "embedded_post")]
    out: list[Quote] = []
    taken: list[tuple[int, int]] = []
    for verb in doc:
        lemma = verb.lemma_.lower()
        if lemma not in INDIRECT_LEMMAS or not (verb.pos_ == "VERB" or verb.tag_.startswith("VB")):
            continue
        if index.quoted(verb.idx):
            continue
        comp: Span | None = None
        ccomp = next((c for c in verb.children if c.dep_ == "ccomp"), None)
        if ccomp is not None:
            comp = doc[ccomp.left_edge.i : ccomp.right_edge.i + 1]
        elif lemma in OBJECT_CONTENT_LEMMAS:
            obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
            if obj is not None:
                comp = doc[obj.left_edge.i : obj.right_edge.i + 1]
        elif lemma == "accuse":
            obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
            of = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            if obj is not None and of is not None:
                comp = doc[min(obj.left_edge.i, of.i) : of.right_edge.i + 1]
        elif lemma in XCOMP_CONTENT_LEMMAS:
            x = next((c for c in verb.children if c.dep_ == "xcomp"), None)
            if x is not None:
                comp = doc[x.left_edge.i : x.right_edge.i + 1]
        if comp is None:
            continue
        toks = list(comp)
        while toks and (toks[0].dep_ == "mark" and toks[0].lower_ in ("that", "whether", "if") or toks[0].is_punct or toks[0].is_space):
            toks = toks[1:]
        while toks and (toks[-1].is_punct or toks[-1].is_space) and toks[-1].text not in ("”", "’", '"', "'"):
            toks = toks[:-1]
        if len([t for t in toks if not t.is_punct]) < 2:
            continue
        s, e = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        if s < verb.idx:
            continue  # complement before the verb is a direct-quote attribution pattern
        if any(bs < e and s < be for bs, be in blocked) or any(ts < e and s < te for ts, te in taken):
            continue
        if any(index.quoted(t.idx) for t in toks) and all(index.quoted(t.idx) or t.is_punct for t in toks):
            continue
        subj = _subject(verb)
        if subj is None or subj.lower_ in ("it", "there") or index.quoted(subj.idx):
            continue
        span = mention_span(subj)
        q = Quote(article.id, "indirect", s, e, body[s:e], speaker=speakers.resolve(span), speaker_mention=span.text,
                  cue=verb.text, cue_start=verb.idx, cue_end=verb.idx + len(verb.text), method="reporting verb + complement",
                  parts=[(s, e)])
        out.append(q)
        taken.append((s, e))
    return out


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
