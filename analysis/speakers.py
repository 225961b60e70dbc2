"""Canonical speaker names within one article.

"Chinese President Xi Jinping" and later "Xi" are one person, "Xi Jinping"; a
descriptor such as "the Russian leader" resolves to the person the article
introduced as Russian; a pronoun to the nearest preceding person. The mention
as written is always kept next to the canonical name.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported where documents are parsed, not to read a store
    from spacy.tokens import Doc, Span, Token

TITLES: frozenset[str] = frozenset(
    """
    president vice prime minister foreign defence defense finance secretary state chancellor premier
    mr mr. mrs mrs. ms ms. dr dr. prof prof. sen sen. senator rep rep. representative gov gov. governor
    gen gen. general lt lt. col col. colonel maj maj. major capt capt. captain sgt sgt. sergeant
    officer detective chief judge justice mayor king queen prince princess pope ambassador
    spokesman spokeswoman spokesperson chairman chairwoman chair ceo director leader sir dame lord lady
    """.split()
)
_TITLE_KEYS = frozenset(t.rstrip(".") for t in TITLES)
PERSON_PRONOUNS: frozenset[str] = frozenset({"he", "she", "him", "her"})
GROUP_PRONOUNS: frozenset[str] = frozenset({"they", "them", "it", "we", "i", "you"})
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_DETERMINERS = ("the ", "a ", "an ", "The ", "A ", "An ")


def clean_name(text: str) -> str:
    """Strip a possessive, surrounding punctuation and leading title words."""
    text = _POSSESSIVE.sub("", text.strip()).strip(" ,.;:\"'“”‘’()")
    words = text.split()
    while len(words) > 1 and (
        words[0].lower().rstrip(".") in _TITLE_KEYS or (words[0].islower() and len(words[0]) <= 2)
    ):
        words = words[1:]
    return " ".join(words)


def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(w.lower().rstrip(".") for w in name.split() if len(w.rstrip(".")) > 1)


@dataclass
class Person:
    """One person named in the article."""

    canonical: str
    tokens: frozenset[str]
    mentions: list[int] = field(default_factory=list)  # character offsets
    nationality: set[str] = field(default_factory=set)
    first_nat_offset: dict[str, int] = field(default_factory=dict)


class SpeakerIndex:
    """Named people and other named sources of one parsed article."""

    def __init__(self, doc: Doc, *, quoted: Callable[[int], bool] | None = None) -> None:
        """``quoted(offset)`` tells mentions inside quotes: they name people but are
        not antecedents for pronouns or descriptors."""
        self.doc = doc
        self.people: list[Person] = []
        names: list[tuple[str, int, Span]] = []
        for ent in doc.ents:
            if ent.label_ == "PERSON":
                name = clean_name(ent.text)
                if name and any(c.isalpha() for c in name):
                    names.append((name, ent.start_char, ent))
        # longest names first: shorter names attach to a longer one that contains them
        for name in sorted({n for n, _, _ in names}, key=lambda n: (-len(_name_tokens(n)), n)):
            toks = _name_tokens(name)
            if not toks:
                continue
            owners = [p for p in self.people if toks <= p.tokens]
            if len(owners) == 1:
                continue
            if not owners:
                self.people.append(Person(canonical=name, tokens=toks))
        for name, offset, ent in names:
            person = self.person_for_name(name)
            if person is None or (quoted is not None and quoted(offset)):
                continue
            person.mentions.append(offset)
            for nat in self._nationality_before(ent):
                person.nationality.add(nat)
                person.first_nat_offset.setdefault(nat, offset)
        for p in self.people:
            p.mentions.sort()

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

    def person_for_name(self, name: str) -> Person | None:
        toks = _name_tokens(clean_name(name))
        if not toks:
            return None
        exact = [p for p in self.people if toks == p.tokens]
        if exact:
            return exact[0]
        owners = [p for p in self.people if toks <= p.tokens]
        return owners[0] if len(owners) == 1 else None

    def nearest_person_before(self, offset: int, *, nationality: str | None = None) -> Person | None:
        best: tuple[int, Person] | None = None
        for p in self.people:
            if nationality is not None:
                if nationality not in p.nationality or p.first_nat_offset[nationality] >= offset:
                    continue
            before = [m for m in p.mentions if m < offset]
            if before and (best is None or before[-1] > best[0]):
                best = (before[-1], p)
        return best[1] if best else None

    def resolve(self, mention: Span) -> str:
        """Canonical name for a speaker mention (a span of the parsed article)."""
        text = mention.text.strip()
        lower = text.lower()
        if lower in PERSON_PRONOUNS:
            p = self.nearest_person_before(mention.start_char)
            return p.canonical if p else text
        if lower in GROUP_PRONOUNS:
            return text
        people = [e for e in mention.ents if e.label_ == "PERSON"]
        if len(people) > 1 and any(t.dep_ == "cc" for t in mention):
            return " and ".join(self.resolve(e) for e in people)
        person = self.person_for_name(text)
        if person is not None:
            return person.canonical
        # a descriptor naming a nationality: "the Russian leader"
        norps = [t.text.lower() for t in mention if t.ent_type_ == "NORP"]
        has_proper_head = mention.root.pos_ == "PROPN" and mention.root.ent_type_ != "NORP"
        if norps and not has_proper_head:
            p = self.nearest_person_before(mention.start_char, nationality=norps[0])
            if p is not None:
                return p.canonical
        # a person entity inside a longer phrase ("Officer Tusk of the Walrus Police Department")
        for ent in mention.ents:
            if ent.label_ == "PERSON":
                person = self.person_for_name(ent.text)
                if person is not None:
                    return person.canonical
        name = clean_name(text)
        for det in _DETERMINERS:
            if name.startswith(det):
                name = name[len(det):]
        return name or text


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
    if token.ent_type_ and token.ent_iob_ in ("B", "I") and token.ent_type_ not in ("DATE", "TIME", "CARDINAL"):
        for ent in doc.ents:
            if ent.start <= token.i < ent.end:
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
            left = min(left, child.left_edge.i if child.dep_ != "det" else child.i)
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
    return " ".join(sorted(w.casefold().rstrip(".") if len(w.rstrip(".")) == 1 else w.casefold() for w in kept))


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
