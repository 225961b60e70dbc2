"""Speaker resolution: who a quote's speaker mention refers to, within one article and across a corpus.

Within one article, an **entity index** (:class:`SpeakerIndex`) lists the people,
organisations and places the article names: named entities (spaCy NER: PERSON, ORG, GPE) plus
every name the splitter finds as the subject of a speech verb (``extra`` names: a person NER
missed, "said Ines Duarte"); a proper noun NER missed elsewhere counts as a mention of the entity its
name phrase names. A surname used before any longer name containing it is its own entity ("Trump"
throughout an article that later introduces "Mary Trump"); a shared surname otherwise refers to the
person introduced first. Lookups go through a word index and mention lists in text order, so
building and resolving stay linear in the article's length. A mention is resolved by these rules, in order; the mention as
written is always kept next to the result (``Quote.speaker_mention``):

1. **A name in the phrase.** Title + name ("Health Minister Lena Vossberg"), role + name
   ("Ghana's coach Kwame Boateng", "co-founder Jonas Berg"), apposition ("Its spokesperson,
   Hana Wirth," / "Hana Wirth, its spokesperson,") and possessive phrases ("the singer's
   longtime bandmate Dario Kent") yield the named person; a name inside a possessor ("the
   singer's") never does. Shorter names join the longest name containing their words ("Xi" ->
   "Xi Jinping", "Ford" -> "Ford Motor Company"); accents are ignored ("Erdogan" = "Erdoğan").
2. **Role nouns that refer back.** Each entity keeps the roles it was introduced with (nouns
   before the name or in apposition: "minister", "health minister", "coach", "chief of staff").
   "The minister" / "the coach" resolves to the most recently mentioned entity holding that role.
   Generic company nouns ("the company", "the firm", "the carmaker") resolve to the most recent
   organisation mentioned in the last :data:`ROLE_WINDOW` sentences. A nationality descriptor
   ("the Russian leader") resolves to the person introduced with that nationality.
3. **Pronouns** (he/she/him/her/his; "it" for organisations) resolve only to a compatible
   antecedent: a person (for he/she) or an organisation (for it) whose gender, when known, agrees.
   Gender comes from titles and gendered role nouns already seen (Mr, Mrs, Ms, spokeswoman,
   chairman, queen …) and from pronouns already resolved to that entity. Among compatible
   entities mentioned in the last :data:`PRONOUN_WINDOW` sentences (outside quotes), the one in
   the most recent sentence wins; within a sentence the grammatical subject, then the first
   mentioned (a salience ranking after Lappin & Leass 1994; Hobbs 1978). With no compatible
   antecedent the pronoun stays as written ("she") rather than a guess. "They" takes the plural
   common-noun subject of the same or the previous sentence ("the researchers"), else stays "they".
4. Otherwise the mention as written, without determiner, titles or possessive; a phrase without
   a proper noun is lower-cased so roles are spelled one way ("Critics" = "critics").

Across a corpus, :func:`corpus_speaker_names` unifies the per-article names.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported where documents are parsed, not to read a store
    import pandas as pd
    from spacy.tokens import Doc, Span, Token

TITLES: frozenset[str] = frozenset(
    """
    president vice prime minister foreign defence defense finance secretary state chancellor premier
    mr mr. mrs mrs. ms ms. dr dr. prof prof. sen sen. senator rep rep. representative gov gov. governor
    gen gen. general lt lt. col col. colonel maj maj. major capt capt. captain sgt sgt. sergeant
    officer detective chief judge justice mayor king queen prince princess pope ambassador
    spokesman spokeswoman spokesperson chairman chairwoman chair ceo director leader sir dame lord lady
    madam madame miss attorney lawyer prosecutor bishop archbishop cardinal monsignor monseñor monsenor
    rabbi imam reverend rev rev. coach professor commissioner superintendent inspector constable
    councillor councilor congressman congresswoman
    """.split()
)
#: Titles that are also role nouns a later "the minister", "the coach" refers back with.
ROLE_TITLES: frozenset[str] = frozenset(
    """
    minister president secretary governor mayor chief judge ambassador spokesman spokeswoman spokesperson
    chairman chairwoman chair director leader officer detective senator representative general captain colonel
    sergeant king queen prince princess pope premier chancellor attorney lawyer prosecutor bishop archbishop
    cardinal rabbi imam coach professor commissioner superintendent inspector constable councillor councilor
    congressman congresswoman
    """.split()
)
#: Post-nominal letters that follow a name and are not part of it ("Kama Melly QC", "Jane Doe MP").
POST_NOMINALS: frozenset[str] = frozenset("qc kc sc mp mep msp ms mla obe cbe mbe kbe phd md esq".split())
_TITLE_KEYS = frozenset(t.rstrip(".") for t in TITLES)
#: Words that make a person's gender known (titles and gendered role nouns).
FEMALE_WORDS: frozenset[str] = frozenset(
    """
    mrs ms miss madam madame dame lady queen princess duchess countess empress baroness spokeswoman
    chairwoman congresswoman businesswoman councilwoman actress sister mother wife daughter woman girl
    grandmother aunt niece widow nun
    """.split()
)
MALE_WORDS: frozenset[str] = frozenset(
    """
    mr sir lord king prince duke emperor baron spokesman chairman congressman businessman councilman
    brother father husband son man boy grandfather uncle nephew widower monk
    """.split()
)
FEMALE_PRONOUNS: frozenset[str] = frozenset({"she", "her", "hers", "herself"})
MALE_PRONOUNS: frozenset[str] = frozenset({"he", "him", "his", "himself"})
PERSON_PRONOUNS: frozenset[str] = frozenset({"he", "she", "him", "her"})
GROUP_PRONOUNS: frozenset[str] = frozenset({"they", "them", "it", "we", "i", "you"})
#: Indefinite sources ("Some said …", "Others argue …"): kept as written in lower case, never resolved
#: to a name (NER may tag a capitalised "Others" as part of one) and never ranked as a speaker.
INDEFINITE_SOURCES: frozenset[str] = frozenset(
    "some others other many several both all few most one someone somebody anyone anybody everyone everybody".split())
#: Nouns that refer back to the last organisation mentioned ("the company said").
ORG_NOUNS: frozenset[str] = frozenset(
    """
    company firm corporation business carmaker automaker airline bank retailer manufacturer
    broadcaster publisher insurer lender startup conglomerate
    """.split()
)
#: Platforms that NER glues to a following name ("on Twitter West accused …").
MEDIA_WORDS: frozenset[str] = frozenset("twitter facebook instagram youtube tiktok telegram weibo linkedin reddit".split())
#: Modifiers that do not make a role a different one ("the former minister" is the minister).
NEUTRAL_MODIFIERS: frozenset[str] = frozenset("former new current then top senior outgoing incoming acting interim".split())
#: Nouns for documents and media whose words are their author's ("a poll published by NBC News",
#: "a statement which said", "a report citing the mayor's office").
DOCUMENT_NOUNS: frozenset[str] = frozenset(
    """
    statement report poll survey study post tweet video videos filing letter memo document release
    announcement book paper data analysis interview article ruling judgment judgement decision polling
    release comments comment figures records findings
    """.split()
)
#: How many sentences back a role noun or pronoun may look for its antecedent.
ROLE_WINDOW: int = 6
PRONOUN_WINDOW: int = 4
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_DETERMINERS = ("the ", "a ", "an ", "The ", "A ", "An ")
_ROLE_SUFFIX = re.compile(r"(?:ist|er|or|ian|ant|ent|ee|ess|man|woman|person)$")
_SUBJECT_DEPS = ("nsubj", "nsubjpass")


def fold(text: str) -> str:
    """Case-folded, accents removed ("Erdoğan" -> "erdogan")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _is_role_word(word: str, rest: list[str]) -> bool:
    """A leading word that is a title or role ("Broadcaster Piers Morgan", "co-founder X"):
    a title, or a role-shaped word followed by at least two capitalised words."""
    w = word.lower().rstrip(".")
    if w in _TITLE_KEYS:
        return True
    if word.islower() and len(w) <= 2:
        return True
    caps = [x for x in rest if x[:1].isupper()]
    return len(caps) >= 2 and len(rest) == len(caps) and bool(_ROLE_SUFFIX.search(w.split("-")[-1])) and len(w) > 4


def clean_name(text: str) -> str:
    """Strip a possessive, surrounding punctuation and leading title or role words."""
    text = _POSSESSIVE.sub("", text.strip()).strip(" ,.;:\"'“”‘’()")
    words = text.split()
    if len(words) > 1 and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    if len(words) > 1 and words[0].lower() in MEDIA_WORDS:
        words = words[1:]
    while len(words) > 1 and _is_role_word(words[0], words[1:]):
        words = words[1:]
    while len(words) > 2 and words[-1].isupper() and words[-1].lower().strip(".,") in POST_NOMINALS:
        words = words[:-1]
    return " ".join(words)


@lru_cache(maxsize=65536)
def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(fold(w).rstrip(".") for w in name.split() if len(w.rstrip(".")) > 1)


@dataclass
class Entity:
    """One person, organisation or place named in the article."""

    canonical: str
    tokens: frozenset[str]
    type: str = "person"  # person | org | place
    gender: str | None = None  # "f" | "m" | None (unknown)
    roles: set[str] = field(default_factory=set)
    mentions: list[int] = field(default_factory=list)  # character offsets, outside quotes
    subjects: set[int] = field(default_factory=set)  # offsets of mentions that are grammatical subjects
    nationality: set[str] = field(default_factory=set)
    first_nat_offset: dict[str, int] = field(default_factory=dict)
    first_offset: int | None = None  # where its full name first appears


Person = Entity  # the earlier name of the class

_ENT_TYPES = {"PERSON": "person", "ORG": "org", "GPE": "place"}


class SpeakerIndex:
    """The entity index of one parsed article (see the module docstring for the rules)."""

    def __init__(self, doc: Doc, *, quoted: Callable[[int], bool] | None = None,
                 extra: Iterable[Span] = ()) -> None:
        """``quoted(offset)`` tells mentions inside quotes: they name entities but are not
        antecedents. ``extra``: name spans the splitter attributed speech to (subjects of
        speech verbs) that NER may have missed; they count as people."""
        self.doc = doc
        self.quoted = quoted or (lambda _o: False)
        self.people: list[Entity] = []
        self._tok_starts = [t.idx for t in doc]
        self._sent_of: list[int] = [0] * len(doc)
        for k, s in enumerate(doc.sents):
            for i in range(s.start, s.end):
                self._sent_of[i] = k
        # mention events in offset order: (offset, entity number) -- for windowed, linear-time lookups
        self._events: list[tuple[int, int]] = []
        self._role_events: dict[str, list[tuple[int, int]]] = {}
        names: list[tuple[str, str, Span]] = []
        for ent in doc.ents:
            if ent.label_ in _ENT_TYPES:
                name = clean_name(ent.text)
                if name and any(c.isalpha() for c in name):
                    names.append((name, _ENT_TYPES[ent.label_], ent))
        seen = {(e.start, e.end) for _, _, e in names}
        extra = list(extra)
        for _n, typ, ent in list(names):
            if typ == "person":
                for c in ent.root.children:
                    if c.dep_ in ("conj", "appos") and c.pos_ == "PROPN" and c.ent_type_ in ("", "PERSON", "GPE"):
                        extra.append(name_phrase(c))
        for span in extra:
            if (span.start, span.end) in seen or any(t.ent_type_ in ("PERSON", "ORG") for t in span):
                continue
            seen.add((span.start, span.end))
            name = clean_name(span.text)
            if name and name[:1].isupper():
                names.append((name, "person", span))
        type_rank = {"person": 0, "org": 1, "place": 2}
        # name word -> entities whose name has it, and exact names: lookups stay linear in the article
        self._by_token: dict[str, list[int]] = {}
        self._exact: dict[frozenset[str], int] = {}
        # longest names first: shorter names attach to the one longer name that contains them
        first_use: dict[frozenset[str], int] = {}
        for n, _t, span in names:
            k = _name_tokens(n)
            first_use[k] = min(first_use.get(k, span.start_char), span.start_char)
        for name, typ in sorted({(n, t) for n, t, _ in names}, key=lambda nt: (-len(_name_tokens(nt[0])), type_rank[nt[1]], nt[0])):
            toks = _name_tokens(name)
            if not toks or toks in self._exact:
                continue
            owners = self._owners(toks)
            # a surname used before any longer name containing it is introduced is somebody else
            # ("Trump" throughout, and "Trump's niece Mary Trump" later)
            if owners and any(first_use.get(self.people[k].tokens, 0) <= first_use.get(toks, 0) for k in owners):
                continue
            self._exact[toks] = len(self.people)
            for w in toks:
                self._by_token.setdefault(w, []).append(len(self.people))
            self.people.append(Entity(canonical=name, tokens=toks, type=typ))
        self._number = {id(p): k for k, p in enumerate(self.people)}
        for name, _typ, span in sorted(names, key=lambda x: x[2].start_char):
            ent = self.person_for_name(name)
            if ent is not None and ent.first_offset is None and _name_tokens(clean_name(name)) == ent.tokens:
                ent.first_offset = span.start_char
            if ent is None or self.quoted(span.start_char):
                continue
            self._add_mention(ent, span.start_char, span.root)
            for role in self._roles_of(span):
                ent.roles.add(role)
                self._role_events.setdefault(role, []).append((span.start_char, self._number[id(ent)]))
                self._learn_gender(ent, role.split()[-1])
            if span.start > 0:
                self._learn_gender(ent, doc[span.start - 1].lower_.rstrip("."))
            for nat in self._nationality_before(span):
                ent.nationality.add(nat)
                ent.first_nat_offset.setdefault(nat, span.start_char)
        # names NER missed where they recur ("Trump encouraged …" parsed without an entity): a proper
        # noun outside the entities whose name phrase names exactly one known entity
        for tok in doc:
            if tok.pos_ == "PROPN" and not tok.ent_type_ and tok.dep_ not in ("compound", "flat") and not self.quoted(tok.idx) \
                    and tok.text[:1].isupper() and tok.lower_ not in _TITLE_KEYS:
                phrase = name_phrase(tok)
                ent = self.person_for_name(phrase.text)
                if ent is not None and ent.type == "person":
                    self._add_mention(ent, phrase.start_char, tok)
        self.pronoun_of: dict[int, Entity | None] = {}
        for tok in doc:
            if tok.lower_ in FEMALE_PRONOUNS | MALE_PRONOUNS and tok.pos_ == "PRON" and not self.quoted(tok.idx):
                ent = self._antecedent(tok, "f" if tok.lower_ in FEMALE_PRONOUNS else "m")
                self.pronoun_of[tok.i] = ent
                if ent is not None:
                    if ent.gender is None:
                        ent.gender = "f" if tok.lower_ in FEMALE_PRONOUNS else "m"
                    self._add_mention(ent, tok.idx, tok)
        for p in self.people:
            p.mentions.sort()

    # -- building

    def _add_mention(self, ent: Entity, offset: int, root: Token) -> None:
        ent.mentions.append(offset)
        bisect.insort(self._events, (offset, self._number[id(ent)]))
        r = root
        if r.dep_ in ("compound", "flat") and r.head.pos_ == "PROPN":
            r = r.head
        if r.dep_ in _SUBJECT_DEPS or (r.dep_ == "appos" and r.head.dep_ in _SUBJECT_DEPS):
            ent.subjects.add(offset)

    @staticmethod
    def _learn_gender(ent: Entity, word: str) -> None:
        if ent.gender is None and ent.type == "person":
            if word in FEMALE_WORDS:
                ent.gender = "f"
            elif word in MALE_WORDS:
                ent.gender = "m"

    @staticmethod
    def _roles_of(span: Span) -> list[str]:
        """Role nouns introduced with a name: before it in the same phrase ("Health Minister X",
        "Ghana's coach X", "co-founder X") or in apposition ("X, the minister," / "the minister, X")."""
        doc = span.doc
        out: list[str] = []
        words: list[str] = []
        i = span.start - 1
        while i >= 0:
            tok = doc[i]
            if tok.text == "-" and i > 0 and not doc[i - 1].is_punct:
                words.insert(0, doc[i - 1].lower_ + "-" + (words.pop(0) if words else ""))
                i -= 2
                continue
            if tok.is_punct or tok.tag_ == "POS" or tok.pos_ in ("DET", "VERB", "AUX", "ADP", "PRON", "CCONJ", "NUM") or tok.ent_type_ in ("PERSON", "GPE", "NORP", "ORG") and tok.pos_ == "PROPN":
                break
            if tok.pos_ in ("NOUN", "PROPN", "ADJ"):
                words.insert(0, tok.lower_)
            else:
                break
            i -= 1
        nouns = [w for w in words if w]
        if nouns:
            out.append(nouns[-1].rstrip("."))
            if len(nouns) > 1:
                out.append(" ".join(nouns).rstrip("."))
        root = span.root
        appos = [c for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
        if root.dep_ == "appos" and root.head.pos_ == "NOUN":
            appos.append(root.head)
        for a in appos:
            out.append(a.lemma_.lower())
            mods = [c.lower_ for c in a.lefts if c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "ADJ")]
            if mods:
                out.append(" ".join([*mods, a.lower_]))
        return [r for r in out if r and r not in _TITLE_KEYS - ROLE_TITLES]

    @staticmethod
    def _nationality_before(ent: Span) -> list[str]:
        """NORP adjectives in the noun phrase just before a name (his Russian counterpart X)."""
        doc = ent.doc
        out = []
        i = ent.start - 1
        steps = 0
        while i >= 0 and steps < 5:
            tok = doc[i]
            if tok.is_punct or tok.is_sent_start and tok.ent_type_ != "NORP":
                if tok.ent_type_ == "NORP":
                    out.append(tok.text.lower())
                break
            if tok.ent_type_ == "NORP":
                out.append(tok.text.lower())
            elif tok.pos_ in ("VERB", "ADP", "AUX") or tok.lower_ in ("and", "or"):
                break
            i -= 1
            steps += 1
        return out

    # -- lookups

    def person_for_name(self, name: str) -> Entity | None:
        """The entity a name refers to: same words, or the one entity whose name contains them."""
        toks = _name_tokens(clean_name(name))
        if not toks:
            return None
        if toks in self._exact:
            return self.people[self._exact[toks]]
        initials = name.strip().rstrip(":")
        if 2 <= len(initials) <= 4 and initials.isalpha() and initials.isupper():
            # an interviewer or speaker by initials ("WSS: “…”" for William S. Saturn): the one person whose
            # name's initials, in order, are these letters
            match = [p for p in self.people if p.type == "person" and "".join(w[0] for w in p.canonical.split() if w[:1].isalpha()).upper() == initials]
            if len(match) == 1:
                return match[0]
        owners = [self.people[k] for k in self._owners(toks)]
        if len(owners) > 1:
            persons = [p for p in owners if p.type == "person"]
            owners = persons if len(persons) == 1 else owners
        if len(owners) > 1 and len({frozenset(p.tokens) & toks for p in owners}) == 1 and all(p.type == "person" for p in owners):
            # a surname shared by two people ("Trump": Donald and Mary; "Khan": Usman and Sadiq):
            # news style refers by surname alone to the one introduced first (the story's subject)
            introduced = [p for p in owners if p.first_offset is not None]
            if introduced:
                return min(introduced, key=lambda p: p.first_offset)
        return owners[0] if len(owners) == 1 else None

    def _owners(self, toks: frozenset[str]) -> list[int]:
        """Entities whose name contains all of ``toks`` (an intersection of the word index)."""
        lists = sorted((self._by_token.get(w, []) for w in toks), key=len)
        if not lists or not lists[0]:
            return []
        common = set(lists[0])
        for other in lists[1:]:
            common &= set(other)
            if not common:
                return []
        return sorted(common)

    def _sentence(self, offset: int) -> int:
        i = max(0, bisect.bisect_right(self._tok_starts, offset) - 1)
        return self._sent_of[i] if self._sent_of else 0

    def _ranked(self, offset: int, candidates: list[Entity] | None, window: int, *,
                accept: Callable[[Entity], bool] | None = None) -> Entity | None:
        """The most salient candidate before ``offset``: most recent sentence (at most ``window``
        back), then a subject mention, then the first mention in that sentence. Candidates are
        ``candidates`` or the entities ``accept`` takes; only the window's mentions are visited."""
        allowed = {self._number[id(e)] for e in candidates} if candidates is not None else None
        here = self._sentence(offset)
        best: tuple | None = None
        k = bisect.bisect_left(self._events, (offset, -1)) - 1
        while k >= 0:
            m, n = self._events[k]
            k -= 1
            s = self._sentence(m)
            if here - s > window or (best is not None and s < best[0][0]):
                break
            if (allowed is not None and n not in allowed) or (accept is not None and not accept(self.people[n])):
                continue
            key = (s, m in self.people[n].subjects, -m)
            if best is None or key > best[0]:
                best = (key, self.people[n])
        return best[1] if best else None

    def _antecedent(self, tok: Token, gender: str | None, *, types: tuple[str, ...] = ("person",)) -> Entity | None:
        return self._ranked(tok.idx, None, PRONOUN_WINDOW,
                            accept=lambda e: e.type in types and (gender is None or e.gender in (None, gender)))

    def nearest_person_before(self, offset: int, *, nationality: str | None = None) -> Entity | None:
        """The person mentioned last before ``offset`` (introduced with ``nationality``, if given)."""
        k = bisect.bisect_left(self._events, (offset, -1)) - 1
        while k >= 0:
            _m, n = self._events[k]
            k -= 1
            p = self.people[n]
            if p.type != "person":
                continue
            if nationality is not None and (nationality not in p.nationality or p.first_nat_offset[nationality] >= offset):
                continue
            return p
        return None

    def _plural_antecedent(self, tok: Token) -> str | None:
        """What "they" refers to: the plural common-noun subject (``NNS``: "the researchers") of the
        same or the previous sentence, before the pronoun and outside quotes; None when there is none."""
        doc = tok.doc
        here = self._sent_of[tok.i] if self._sent_of else 0
        for i in range(tok.i - 1, -1, -1):
            t = doc[i]
            if here - self._sent_of[i] > 1:
                break
            if t.tag_ == "NNS" and t.dep_ in _SUBJECT_DEPS and not self.quoted(t.idx):
                return self.resolve(mention_span(t))
        return None

    def by_role(self, role: str, offset: int) -> Entity | None:
        """The most recently mentioned entity introduced with ``role`` (a lower-case noun or phrase)."""
        events = self._role_events.get(role)
        if not events:
            return None
        k = bisect.bisect_left(events, (offset, -1)) - 1
        return self.people[events[k][1]] if k >= 0 else None

    # -- resolution

    def resolve_token(self, tok: Token, *, coordinated: bool = True) -> str | None:
        """Canonical name for the speaker phrase headed by ``tok`` (None: an "it" with no
        organisation to refer to)."""
        lower = tok.lower_
        if lower in INDEFINITE_SOURCES and not any(c.dep_ in ("compound", "amod") for c in tok.lefts):
            return lower
        if tok.pos_ == "PRON" or lower in FEMALE_PRONOUNS | MALE_PRONOUNS:
            if lower in FEMALE_PRONOUNS | MALE_PRONOUNS:
                ent = self.pronoun_of.get(tok.i)
                if ent is None and tok.i not in self.pronoun_of:  # a pronoun inside a quote
                    ent = self._antecedent(tok, "f" if lower in FEMALE_PRONOUNS else "m")
                return ent.canonical if ent is not None else lower
            if lower in ("it", "its"):  # "its press release" is the organisation's
                ent = self._antecedent(tok, None, types=("org",))
                return ent.canonical if ent is not None else None
            if lower in ("they", "their"):
                group = self._plural_antecedent(tok)
                if group is not None:
                    return group
            return lower if lower != "i" else "I"
        conj = [c for c in tok.rights if c.dep_ == "conj" and c.pos_ == "PROPN"]
        if conj and tok.pos_ == "PROPN" and coordinated:  # "Saudi Arabia and the United States"
            names = [self.resolve_token(x, coordinated=False) for x in [tok, *conj]]
            if all(names):
                return " and ".join(dict.fromkeys(names))
        name_tok = _named_in_phrase(tok)
        if name_tok is not None:
            phrase = name_phrase(name_tok)
            while len(phrase) > 1 and (phrase[0].ent_type_ in ("GPE", "NORP", "ORG") and phrase[0].ent_iob_ == "B" and phrase[1].ent_iob_ != "I"
                                       or phrase[0].lower_ in MEDIA_WORDS):
                phrase = phrase[1:]  # "London Sadiq Khan" (Mayor of London …), "Twitter West"
            # the name as written, then the entity span it is in -- unless the phrase is a fuller name
            # than that span ("Sadiq Khan" is not the article's other "Khan")
            spans = [phrase] if len(phrase) > len(_single_mention(name_tok)) else [phrase, _single_mention(name_tok)]
            for span in spans:
                ent = self.person_for_name(span.text)
                if ent is not None:
                    return ent.canonical
            return clean_name(phrase.text)
        source = _document_source(tok)
        if source is not None:
            return self.resolve_token(source)
        return self.resolve(mention_span(tok))

    def resolve(self, mention: Span) -> str:
        """Canonical name for a speaker mention (a span of the parsed article)."""
        text = mention.text.strip()
        lower = text.lower()
        if len(mention) == 1 and (lower in PERSON_PRONOUNS or lower in GROUP_PRONOUNS):
            res = self.resolve_token(mention[0])
            return res if res is not None else text
        ents = _ents_in(mention)
        people = [e for e in ents if e.label_ == "PERSON"]
        if len(people) > 1 and any(t.dep_ == "cc" for t in mention):
            return " and ".join(self.resolve(e) for e in people)
        ent = self.person_for_name(text)
        if ent is not None:
            return ent.canonical
        root = mention.root
        content = [t for t in mention if t.dep_ != "det" and not t.is_punct]
        has_proper = any(t.pos_ == "PROPN" and t.ent_type_ != "NORP" and t.text[:1].isupper() and t.lower_ not in _TITLE_KEYS
                         for t in content) or (len(content) >= 2 and all(t.text[:1].isupper() for t in content))
        # a descriptor naming a nationality: "the Russian leader"
        norps = [t.text.lower() for t in mention if t.ent_type_ == "NORP"]
        if norps and not (root.pos_ == "PROPN" and root.ent_type_ != "NORP"):
            p = self.nearest_person_before(mention.start_char, nationality=norps[0])
            if p is not None:
                return p.canonical
        if not has_proper and root.pos_ in ("NOUN", "PROPN"):
            words = [t.lower_ for t in mention if t.pos_ in ("NOUN", "ADJ", "PROPN") and t.dep_ != "poss" and t.head.dep_ != "poss"]
            mods = {w for w in words if w not in (root.lower_, root.lemma_.lower())} - NEUTRAL_MODIFIERS
            for role in dict.fromkeys((" ".join(words), root.lemma_.lower(), root.lower_)):
                if role:
                    ent = self.by_role(role, mention.start_char)
                    # "the local health minister" is not the civil aviation minister introduced earlier
                    if ent is not None and mods <= {w for r in ent.roles for w in r.split()}:
                        return ent.canonical
            if root.lemma_.lower() in ORG_NOUNS and not any(t.dep_ == "poss" for t in mention):
                ent = self._ranked(mention.start_char, None, ROLE_WINDOW, accept=lambda e: e.type == "org")
                if ent is not None:
                    return ent.canonical
        # an entity inside a longer phrase ("Officer Tusk of the Walrus Police Department")
        for e in ents:
            if e.root.dep_ in ("compound", "nmod", "amod") and e.root.head.pos_ == "NOUN" and e.root.head.i >= e.end:
                continue  # a name modifying a noun is not the speaker: "the Trump campaign"
            if e.label_ in _ENT_TYPES and not any(t.dep_ == "poss" or t.head.dep_ == "poss" for t in e):
                ent = self.person_for_name(e.text)
                if ent is not None:
                    return ent.canonical
        name = clean_name(text)
        for det in _DETERMINERS:
            if name.startswith(det):
                name = name[len(det):]
        if not has_proper:
            name = name.lower()
            # "a spokesperson for Stagecoach South", "the government of Oman"
            prep = next((c for c in root.rights if c.dep_ == "prep" and c.lower_ in ("for", "of") and c.i == mention.end), None)
            pobj = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
            if pobj is not None and pobj.pos_ == "PROPN":
                name = f"{name} {prep.lower_} {clean_name(name_phrase(pobj).text)}"
        return name or text


def _ents_in(span: Span) -> list[Span]:
    """Named entities inside a span, from the tokens' IOB tags (``Span.ents`` scans the whole
    document's entities on every call, which made attribution quadratic in article length)."""
    out, start = [], None
    doc = span.doc
    for t in span:
        if t.ent_iob_ == "B" or (t.ent_iob_ == "I" and start is None):
            if start is not None:
                out.append(doc[start:t.i])
            start = t.i
        elif t.ent_iob_ != "I" and start is not None:
            out.append(doc[start:t.i])
            start = None
    if start is not None:
        out.append(doc[start:span.end])
    res = []
    for s in out:
        label = s[0].ent_type_
        if label:
            res.append(doc.char_span(s.start_char, s.end_char, label=label) or s)
    return res


def _ent_of(token: Token) -> Span | None:
    """The named entity a token is in (walking its IOB tags; no scan of doc.ents)."""
    if not token.ent_type_ or token.ent_iob_ not in ("B", "I"):
        return None
    doc = token.doc
    s = token.i
    while s > 0 and doc[s].ent_iob_ == "I" and doc[s - 1].ent_type_ == token.ent_type_:
        s -= 1
    e = token.i + 1
    while e < len(doc) and doc[e].ent_iob_ == "I":
        e += 1
    return doc[s:e]


def _document_source(tok: Token) -> Token | None:
    """The author of a document noun: "a poll published by NBC News" -> NBC News, "a Twitter post
    by Amy Cook" -> Amy Cook, "a report citing the mayor's office" -> office, "They released a
    statement which said" -> They."""
    if tok.lemma_.lower() not in DOCUMENT_NOUNS and tok.lower_ not in DOCUMENT_NOUNS:
        return None
    for c in tok.subtree:
        if c.lower_ == "by" and c.dep_ in ("agent", "prep") and c.i > tok.i:
            pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
        if c.lower_ == "citing" and c.i > tok.i:
            obj = next((g for g in c.children if g.dep_ == "dobj"), None)
            if obj is not None:
                return obj
    if tok.dep_ == "dobj" and tok.head.lemma_.lower() in ("release", "issue", "publish", "post", "send", "write"):
        subj = next((c for c in tok.head.children if c.dep_ == "nsubj"), None)
        if subj is not None:
            return subj
    # the document's owner: "its press release" -> it (the organisation), "the court's ruling" -> court,
    # "JHU data" -> JHU (a named compound, not a common one: "press release", "poll data"),
    # "a statement from the Health Ministry" -> Health Ministry (a named "from"/"of" object only)
    owner = next((c for c in tok.children if c.dep_ == "poss"), None)
    if owner is None:
        owner = next((c for c in tok.children if c.dep_ == "compound" and c.pos_ == "PROPN" and c.ent_type_ in ("ORG", "PERSON", "GPE")), None)
    if owner is None:
        for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("from", "of")):
            pobj = next((g for g in prep.children if g.dep_ == "pobj"), None)
            if pobj is not None and (pobj.pos_ == "PROPN" or pobj.ent_type_ in ("ORG", "PERSON", "GPE", "NORP")):
                return pobj
    if owner is None and any(c.dep_ == "det" and c.lower_ == "the" for c in tok.children):
        # "The ministry issued a statement. … The statement said …": who issued it earlier in the article
        lemma = tok.lemma_.lower()
        for t in reversed(tok.doc[: tok.i]):
            issued = (t.lemma_.lower() == lemma and t.dep_ == "dobj"
                      and t.head.lemma_.lower() in ("release", "issue", "publish", "post", "send", "write", "file"))
            filed = (lemma.endswith("ing") and t.pos_ == "VERB" and t.i < tok.i
                     and t.lemma_.lower() in (lemma[:-3], lemma[:-3] + "e"))  # "filed" … "the filing"
            if issued or filed:
                verb = t.head if issued else t
                subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
                if subj is not None:
                    return subj
                break
    return owner


def name_phrase(tok: Token) -> Span:
    """A proper name as the parse gives it: the token and the capitalised proper nouns compounded
    to its left ("Ana" + "Lima"), leaving out role words ("Governor", "co-founder")."""
    doc = tok.doc
    start = tok.i
    while start > 0 and doc[start - 1].dep_ in ("compound", "flat") and doc[start - 1].head.i in range(start, tok.i + 1) \
            and doc[start - 1].pos_ == "PROPN" and doc[start - 1].text[:1].isupper() and doc[start - 1].lower_.rstrip(".") not in _TITLE_KEYS:
        start -= 1
    return doc[start : tok.i + 1]


def _named_in_phrase(tok: Token) -> Token | None:
    """A name token in the speaker phrase headed by ``tok``, outside possessors: the head itself
    when it is a name, an apposition ("Its spokesperson, Hana Wirth"), or a name the head noun
    modifies ("coach" + "Kwame Boateng" parsed as compound/appos)."""
    def is_name(t: Token) -> bool:
        return (t.pos_ == "PROPN" and t.ent_type_ not in ("NORP", "DATE", "TIME", "ORG") and t.text[:1].isupper()
                and t.lower_ not in _TITLE_KEYS) or t.ent_type_ == "PERSON"

    if tok.ent_type_ == "PERSON" or (tok.pos_ == "PROPN" and is_name(tok) and tok.ent_type_ not in ("GPE", "ORG", "NORP", "LOC")):
        return tok
    cands = [c for c in tok.children if c.dep_ == "appos" and is_name(c)]
    for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"):
        for pobj in (c for c in prep.children if c.dep_ == "pobj"):
            # "the mayor of Paris, Anne Hidalgo," / "Mayor of London Sadiq Khan"
            cands += [c for c in pobj.children if c.dep_ == "appos" and c.ent_type_ == "PERSON"]
            if pobj.ent_type_ == "PERSON" and any(c.dep_ == "compound" and c.ent_type_ == "GPE" for c in pobj.children):
                cands.append(pobj)
    if tok.dep_ == "appos" and is_name(tok.head):
        return tok.head
    if tok.pos_ == "NOUN":
        cands += [c for c in tok.rights if c.dep_ in ("compound", "flat", "npadvmod") and c.ent_type_ == "PERSON"]
    for c in cands:
        head = c
        while head.dep_ in ("compound", "flat") and head.head.pos_ == "PROPN" and head.head.i != head.i:
            head = head.head
        return head
    return None


def mention_span(token: Token) -> Span:
    """The speaker phrase headed by ``token``: its named entity, else compounds and modifiers.

    Coordinated names ("Burton and Nick") are kept together.
    """
    doc = token.doc
    conj = [c for c in token.rights if c.dep_ == "conj" and c.pos_ == "PROPN" and c.ent_type_ in ("PERSON", "ORG", "NORP", "GPE")]
    if conj:
        head = _single_mention(token)
        last = _single_mention(conj[-1])
        return doc[head.start : last.end]
    return _single_mention(token)


def _single_mention(token: Token) -> Span:
    doc = token.doc
    ent = _ent_of(token) if token.ent_type_ not in ("DATE", "TIME", "CARDINAL") else None
    if ent is not None:
        start, end = ent.start, ent.end
        # keep a title or descriptor right before a person ("Officer Tusk")
        while start > 0 and doc[start - 1].lower_.rstrip(".") in _TITLE_KEYS and doc[start - 1].dep_ in ("compound", "amod", "nmod"):
            start -= 1
        if doc[end - 1].tag_ == "POS" or doc[end - 1].text in ("'s", "’s"):
            end -= 1
        return doc[start:end]
    if token.pos_ == "PRON":
        return doc[token.i : token.i + 1]
    left = token.i
    for child in token.lefts:
        if child.dep_ in ("compound", "amod", "det", "nmod", "poss", "nummod") and child.i < left:
            if child.dep_ == "amod" and child.pos_ not in ("ADJ", "NOUN", "PROPN"):
                continue
            left = min(left, child.left_edge.i if child.dep_ != "det" else child.i)
    for i in range(token.i - 1, left - 1, -1):  # never across a quotation mark or a clause break
        if doc[i].is_quote or doc[i].text in (",", ";", ":", "—", "–") or doc[i].pos_ == "VERB":
            left = i + 1
            break
    right = token.i + 1
    for child in token.rights:
        if child.dep_ in ("compound", "flat") and child.i == right:
            right = child.i + 1
    return doc[left:right]


# ----------------------------------------------------------------------------- across the corpus

#: A short name joins a longer one that contains it only when that longer name has at least
#: this share of all the longer names containing it ("Biden": Joe Biden 95% vs Hunter Biden 5%).
DOMINANT_SHARE: float = 0.8


#: A longer name takes over a shorter one only when it carries at least this many quotes itself
#: (a one-off "CLOSE Donald Trump Jr", a scraping artefact, never absorbs "Donald Trump Jr").
MIN_TARGET_QUOTES: int = 2


def _corpus_key(name: str, *, initials: bool = True) -> str:
    """The unit of unification: the name case-folded, without possessive, title words and extra
    spaces, its words in sorted order (so "Trump Donald", a mention written surname first, meets
    "Donald Trump"); ``initials=False`` also drops middle initials ("Donald J. Trump")."""
    words = clean_name(name).split()
    kept = [w for w in words if w.lower().rstrip(".") not in _TITLE_KEYS] or words
    if not initials and len(kept) >= 3:
        kept = [w for i, w in enumerate(kept) if not (0 < i < len(kept) - 1 and re.fullmatch(r"[A-Za-z]\.?", w))]
    return " ".join(sorted(fold(w).rstrip(".") if len(w.rstrip(".")) == 1 else fold(w) for w in kept))


def _unification_keys(names) -> dict[str, str]:
    """Each name's key; a name with middle initials shares the key of the name without them when
    it is the only initialled form of that name ("Donald J. Trump" joins "Donald Trump"; "George
    W. Bush" and "George H. W. Bush" stay apart)."""
    full = {n: _corpus_key(n) for n in names}
    base = {n: _corpus_key(n, initials=False) for n in names}
    initialled: dict[str, set[str]] = {}
    for n in names:
        if full[n] != base[n]:
            initialled.setdefault(base[n], set()).add(full[n])
    return {n: base[n] if full[n] == base[n] or len(initialled[base[n]]) == 1 else full[n] for n in names}


def corpus_speaker_names(pairs: "pd.DataFrame") -> "pd.DataFrame":
    """Unify the per-article canonical speakers across the corpus.

    ``pairs``: rows with ``speaker`` (the article's canonical name) and ``n`` (how many quotes
    carry it). Names are first merged case- and title-insensitively, in any word order, and
    without middle initials where only one initialled form exists ("Critics", "critics";
    "President Xi Jinping", "Xi Jinping"; "Donald J. Trump", "Trump Donald", "Donald Trump").
    Then a name whose words are all in longer names (and that has no initials of its own) joins
    the most quoted of them when that one, with the names that contain it, holds at least
    :data:`DOMINANT_SHARE` of their quotes, and itself at least :data:`MIN_TARGET_QUOTES` (and, when
    the shorter name is a full name of two words or more, at least as many as it)
    ("Xi" -> "Xi Jinping", "Putin" -> "Vladimir Putin", "Trump" -> "Donald Trump";
    an ambiguous "Biden", between Joe and Hunter, stays itself). Each unified speaker is shown
    under the most frequent spelling of its full name. Returns ``speaker`` -> ``corpus_speaker`` (one row per distinct name).
    """
    import pandas as pd

    counts = pairs.groupby("speaker")["n"].sum()
    keys = _unification_keys(list(counts.index))
    key_n: dict[str, int] = {}
    for name, n in counts.items():
        key_n[keys[name]] = key_n.get(keys[name], 0) + int(n)
    tokens = {k: frozenset(k.split()) for k in key_n}
    by_token: dict[str, set[str]] = {}
    for k, toks in tokens.items():
        for t in toks:
            by_token.setdefault(t, set()).add(k)
    target: dict[str, str] = {}
    for k, toks in tokens.items():
        if not toks or any(len(t) == 1 for t in toks):  # initials make a name specific already
            target[k] = k
            continue
        first = next(iter(toks))
        supers = [m for m in by_token.get(first, ()) if m != k and toks < tokens[m] and len(tokens[m]) >= 2]
        if not supers:
            target[k] = k
            continue
        total = sum(key_n[m] for m in supers)
        best = max(supers, key=lambda m: (key_n[m], m))
        # a longer name that contains the best one is a variant of it ("Add Donald Trump", a caption
        # artefact, or "Donald Trump Jr"): it counts on the best one's side of the ambiguity
        held = sum(key_n[m] for m in supers if tokens[best] <= tokens[m])
        # a full name joins a longer one only when that is as frequent ("Hillary Clinton" does not
        # disappear into "Hillary Rodham Clinton", nor "Lindsey Graham" into a garbled caption)
        frequent = len(toks) == 1 or key_n[best] >= key_n[k]
        target[k] = best if frequent and held >= DOMINANT_SHARE * total and key_n[best] >= MIN_TARGET_QUOTES else k
    for k in list(target):  # follow chains (a -> b -> c)
        seen = {k}
        while target[target[k]] != target[k] and target[k] not in seen:
            seen.add(target[k])
            target[k] = target[target[k]]
    display: dict[str, tuple[int, str]] = {}  # the most frequent spelling of the full name itself
    for name, n in counts.items():
        t = target[keys[name]]
        if keys[name] != t:
            continue
        best = display.get(t)
        if best is None or (n, name) > best:
            display[t] = (int(n), name)
    rows = [{"speaker": name, "corpus_speaker": display[target[keys[name]]][1]} for name in counts.index]
    return pd.DataFrame(rows, columns=["speaker", "corpus_speaker"])
