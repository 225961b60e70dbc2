"""Actors: each mention of a person, organisation, country or group, in whose voice, in which role.

Per article (:func:`find_mentions`, on the parsed document the store keeps):

* **Mentions.** spaCy entities PERSON (person), ORG (organisation), GPE and LOC (place),
  NORP used as a noun (group: "Democrats", "Uyghurs"; an adjective such as "Russian
  officials" is not a mention); spans of the alias table that NER missed ("the West");
  he/she pronouns the speaker index resolved (outside quotes; :class:`analysis.speakers.SpeakerIndex`);
  and the speaker phrases of attributed quotes ("the minister said" → the person the
  splitter credited).
* **Actor.** The alias table (``corpus/actors/aliases.csv``: alias, actor, type, context,
  source; editable) maps metonyms and variants to one actor: Moscow / the Kremlin →
  Russia, Beijing → China, Washington → United States. Rows with context ``state`` apply
  only where the place names the state: not as the object of a locative preposition ("in
  Beijing") and not as a modifier of another noun ("the Beijing Olympics"). Other names take
  the article's canonical name from the speaker index ("Putin" after "Vladimir Putin"); across
  a corpus, person names are unified like speakers (:func:`corpus_actor_names`).
* **Role.** From the dependency parse, following conjunctions and appositions to the
  phrase's place in the clause: ``subject`` (active subject, or the by-agent of a passive),
  ``object`` (direct object, dative, or passive subject: the one acted upon), ``other``; with
  the governing ``verb`` lemma. Agency and power come from Sap et al. (2017) (:mod:`analysis.connotation`).
* **Voice and speaker** of the segment the mention starts in (the voices stage), and the
  **target sentiment** of its sentence towards it (:mod:`analysis.targets`), with the
  actor's other mentions in the sentence marked.

The table's columns are :data:`analysis.tables.SCHEMAS` ``["actors"]``.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths

NER_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "NORP": "group"}
TYPES = ("person", "organisation", "country", "place", "group")
CONTEXTS = ("any", "state")
#: Prepositions whose object is a location, not an actor ("talks in Beijing"). Directional ones (from, to,
#: between) are left out: "pressure from Moscow", "talks between Washington and Beijing" name states.
LOCATIVE_PREPS = frozenset({"in", "at", "near", "outside", "inside", "around", "across", "throughout", "within", "into"})
#: Nouns a capital can modify and still name the state ("the Beijing government").
STATE_NOUNS = frozenset({"government", "regime", "administration", "leadership", "authorities", "officials", "official",
                         "establishment", "side", "delegation"})
#: Cap on the other mentions of the same actor marked in one sentence (the nearest ones): keeps the work
#: per sentence linear when a sentence names one actor many times.
MAX_OTHERS = 8
_PRONOUNS = frozenset({"he", "him", "his", "she", "her", "hers", "it", "its", "they", "them", "we", "us", "i", "me",
                       "you", "who", "this", "that"})
_TYPE_OF_INDEX = {"person": "person", "org": "organisation", "place": "place"}
_LEADING_THE = re.compile(r"^(?:the|The)\s+")


@dataclass(frozen=True)
class Alias:
    """One row of the alias table (``line``: its line in the file, for messages)."""

    alias: str
    actor: str
    type: str
    context: str
    source: str
    line: int


def actor_name(text: str) -> str:
    """An actor's name from a mention: :func:`alias_key`, without symbols NER left at the edges ("Putin 🤡")."""
    name = alias_key(text)
    return re.sub(r"^[^\w(]+|[^\w.)]+$", "", name) or name


def alias_key(text: str) -> str:
    """The form aliases are looked up by: white space collapsed, a leading "the" and a trailing possessive dropped."""
    t = " ".join(text.split())
    t = re.sub(r"['’]s?$", "", t)
    return _LEADING_THE.sub("", t)


def read_aliases(path: str | Path | None = None) -> dict[str, Alias]:
    """The alias table as {alias_key(alias): Alias}.

    CSV header: ``alias,actor,type,context,source`` (type one of :data:`TYPES`, context ``any``
    or ``state``; source says where the mapping comes from). Errors: ValueError naming file
    and line for a missing field, an unknown type or context, or an alias given twice with
    different actors.
    """
    path = Path(path) if path is not None else paths.ACTOR_ALIASES
    text = path.read_bytes().decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    want = ["alias", "actor", "type", "context", "source"]
    if rows.fieldnames is None or [f.strip() for f in rows.fieldnames] != want:
        raise ValueError(f"{path}:1: expected the header {','.join(want)}, got {rows.fieldnames}")
    out: dict[str, Alias] = {}
    for n, row in enumerate(rows, 2):
        vals = {k: (row.get(k) or "").strip() for k in want}
        missing = [k for k in want if not vals[k]]
        if missing:
            raise ValueError(f"{path}:{n}: missing {', '.join(missing)}")
        if vals["type"] not in TYPES:
            raise ValueError(f"{path}:{n}: unknown type {vals['type']!r} (one of {', '.join(TYPES)})")
        if vals["context"] not in CONTEXTS:
            raise ValueError(f"{path}:{n}: unknown context {vals['context']!r} (one of {', '.join(CONTEXTS)})")
        key = alias_key(vals["alias"])
        old = out.get(key)
        if old is not None and old.actor != vals["actor"]:
            raise ValueError(f"{path}:{n}: {vals['alias']!r} is already an alias of {old.actor!r} (line {old.line})")
        out[key] = Alias(line=n, **vals)
    return out


def aliases_version(path: str | Path | None = None) -> str:
    """A short hash of the alias table (part of the actors stage's version)."""
    return hashlib.sha256(Path(path or paths.ACTOR_ALIASES).read_bytes()).hexdigest()[:12]


@dataclass
class Mention:
    """One actor mention in an article: body[start:end], its actor, how it was found, its role."""

    start: int
    end: int
    mention: str
    actor: str
    type: str
    source: str  # ner | alias | pronoun | speaker
    role: str = "other"
    verb: str | None = None
    verb_i: int | None = None  # token index of the verb (not stored)


def names_state(span) -> bool:
    """Whether a place name is used as an actor: not the object of a locative preposition, not a
    modifier of another noun ("in Beijing", "the Beijing Olympics" are places)."""
    root = span.root
    while root.dep_ in ("conj", "appos") and root.head.i != root.i:
        root = root.head
    if root.dep_ == "pobj" and root.head.lower_ in LOCATIVE_PREPS:
        return False
    if root.dep_ in ("compound", "nmod", "amod") and root.head.pos_ in ("NOUN", "PROPN") and root.head.i >= span.end:
        return root.head.lower_ in STATE_NOUNS
    return True


def grammatical_role(root) -> tuple[str, object | None]:
    """(role, verb token) of the phrase headed by ``root`` (a spaCy Token); see the module docstring.

    Conjuncts and appositions take the role of the phrase they join; a name part climbs to the rest of
    the same name ("Xi" tagged alone in "Xi Jinping") but not into another entity ("U.S." in "U.S.
    President Joe Biden" is a modifier, role other)."""
    t = root
    while t.head.i != t.i:
        if t.dep_ in ("conj", "appos"):
            t = t.head
        elif t.dep_ in ("compound", "flat") and t.head.pos_ == "PROPN" and t.head.ent_type_ in ("", t.ent_type_) \
                and not (t.ent_type_ and t.head.ent_iob_ == "B"):
            t = t.head
        else:
            break
    head = t.head
    if t.dep_ == "nsubj" and head.pos_ in ("VERB", "AUX"):
        return "subject", head
    if t.dep_ == "nsubjpass" and head.pos_ in ("VERB", "AUX"):
        return "object", head
    if t.dep_ in ("dobj", "dative") and head.pos_ == "VERB":
        return "object", head
    if t.dep_ == "pobj" and head.dep_ == "agent" and head.head.pos_ == "VERB":
        return "subject", head.head
    return "other", None


def _lookup(aliases: dict[str, Alias], text: str) -> Alias | None:
    key = alias_key(text)
    return aliases.get(key) or aliases.get(f"the {key}")


def _phrase_matcher(nlp_vocab, aliases: dict[str, Alias]):
    from spacy.matcher import PhraseMatcher

    from .nlp import load_pipeline

    tokenizer = load_pipeline().tokenizer
    matcher = PhraseMatcher(nlp_vocab, attr="ORTH")
    for a in aliases.values():
        # the sentence-initial form of a lower-case alias ("The West"); abbreviations match as written ("US", not "Us")
        forms = {a.alias, a.alias[:1].upper() + a.alias[1:]} if a.alias[:1].islower() else {a.alias}
        matcher.add(a.actor + "\0" + a.alias, [tokenizer(f) for f in sorted(forms)])
    return matcher


_MATCHERS: dict[tuple[int, str], object] = {}


def find_mentions(doc, *, aliases: dict[str, Alias], quoted: Callable[[int], bool] = lambda _o: False,
                  speakers: Sequence[tuple[int, str, str]] = (), index=None) -> list[Mention]:
    """Actor mentions of one parsed article, in text order, without overlaps.

    ``quoted(offset)``: whether an offset lies inside a quote (pronouns there are not resolved).
    ``speakers``: (cue offset, speaker, speaker as written) of the article's attributed quotes.
    ``index``: a :class:`analysis.speakers.SpeakerIndex` of ``doc`` (built when None).
    Offsets are character offsets into ``doc.text`` (the article body).
    """
    from .speakers import SpeakerIndex, clean_name

    index = index or SpeakerIndex(doc, quoted=quoted)
    found: list[Mention] = []
    taken = np.zeros(len(doc.text) + 1, dtype=bool)

    def add(span, actor: str, typ: str, source: str) -> None:
        s, e = span.start_char, span.end_char
        if taken[s:e].any():
            return
        role, verb = grammatical_role(span.root)
        found.append(Mention(s, e, span.text, actor, typ, source, role, verb.lemma_.lower() if verb is not None else None,
                             verb.i if verb is not None else None))
        taken[s:e] = True

    def named(text: str, typ: str) -> tuple[str, str]:
        """The article's name for an entity: people through the speaker index (a surname finds the full
        name), other actors as written; then the alias table (type-compatible rows with context any)."""
        name = None
        if typ == "person":
            ent = index.person_for_name(clean_name(text))
            name = ent.canonical if ent is not None and ent.type == "person" else clean_name(text)
        name = actor_name(name or text)
        alias = _lookup(aliases, name)
        if alias is not None and alias.context == "any" and (alias.type == "person") == (typ == "person"):
            return alias.actor, alias.type
        return name, typ

    for ent in doc.ents:
        typ = NER_TYPES.get(ent.label_)
        if typ is None or not any(c.isalpha() for c in ent.text):
            continue
        if typ == "group" and (ent.root.pos_ == "ADJ" or ent.root.dep_ in ("amod", "compound")):
            continue
        alias = _lookup(aliases, ent.text)
        if alias is not None and (alias.type == "person") != (ent.label_ == "PERSON"):
            alias = None  # George Washington is not the United States; a city named after a person is not the person
        if alias is not None and (alias.context == "any" or names_state(ent)):
            add(ent, alias.actor, alias.type, "alias")
        else:
            add(ent, *named(ent.text, typ), "ner")
    key = (id(doc.vocab), aliases_version_of(aliases))
    if key not in _MATCHERS:
        _MATCHERS.clear()
        _MATCHERS[key] = _phrase_matcher(doc.vocab, aliases)
    from spacy.util import filter_spans

    for span in filter_spans(_MATCHERS[key](doc, as_spans=True)):  # the longest match wins ("Xi Jinping", not "Xi")
        alias = _lookup(aliases, span.text)
        if alias is None or span[0].pos_ not in ("PROPN", "DET", "NOUN") or any(t.ent_type_ for t in span):
            continue  # inside an entity NER gave another label: "the Kremlin Cup", "the America's Cup"
        if alias.context == "any" or names_state(span):
            add(span, alias.actor, alias.type, "alias")
    for i, ent in sorted(index.pronoun_of.items()):
        if ent is not None and ent.type == "person":
            actor, typ = named(ent.canonical, "person")
            add(doc[i:i + 1], actor, typ, "pronoun")
    body = doc.text
    for cue, speaker, written in speakers:
        if not written or not speaker or not speaker[:1].isupper() or written.lower() in _PRONOUNS:
            continue
        lo, hi = max(0, cue - 300), min(len(body), cue + 300)
        hits = [m.start() + lo for m in re.finditer(re.escape(written), body[lo:hi])]
        if not hits:
            continue
        # the phrase ending nearest before the cue ("the company said"), else the nearest after ("said the company")
        before = [h for h in hits if h + len(written) <= cue]
        s = max(before) if before else min(hits, key=lambda h: abs(h - cue))
        span = doc.char_span(s, s + len(written), alignment_mode="expand")
        if span is not None and len(span):
            ent = index.person_for_name(speaker)
            typ = _TYPE_OF_INDEX.get(ent.type, "person") if ent is not None else "person"
            add(span, *named(speaker, typ), "speaker")
    # an object pronoun never refers to the subject of its own verb (binding Principle B):
    # "Biden met Putin. He warned him" -- "him" is not "He"; such a pronoun stays unresolved (dropped)
    subjects = {(m.verb_i, m.actor) for m in found if m.role == "subject" and m.verb_i is not None}
    found = [m for m in found if not (m.source == "pronoun" and m.role == "object" and (m.verb_i, m.actor) in subjects)]
    found.sort(key=lambda m: (m.start, m.end))
    return found


def aliases_version_of(aliases: dict[str, Alias]) -> str:
    return hashlib.sha256(repr(sorted((k, a.actor, a.type, a.context) for k, a in aliases.items())).encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------- the store's table


def actor_rows(article_id: str, doc, mentions: Sequence[Mention], *, sentences: pd.DataFrame,
               segments: pd.DataFrame, frames: dict) -> pd.DataFrame:
    """The actors-table rows of one article without the sentiment columns, and each row's target.

    ``sentences``: the article's rows of the sentences table (start, end, sentence);
    ``segments``: its voice segments; ``frames``: :func:`analysis.connotation.read_frames` ({} when absent).
    Returns the frame with a ``target`` column (:class:`analysis.targets.Target`) the caller classifies.
    """
    from .connotation import frame_for
    from .targets import Target

    body = doc.text
    s_start = sentences.start.to_numpy()
    s_end = sentences.end.to_numpy()
    s_num = sentences.sentence.to_numpy()
    seg = segments.sort_values("start")
    g_start = seg.start.to_numpy()
    g_end = seg.end.to_numpy()
    g_voice = seg.voice.tolist()
    g_kind = [k if isinstance(k, str) else None for k in seg.kind.tolist()]
    g_speaker = [k if isinstance(k, str) else None for k in seg.speaker.tolist()]
    rows = []
    sent_of = []
    for m in mentions:
        k = int(np.searchsorted(s_start, m.start, side="right")) - 1
        if k >= 0 and m.start < s_end[k]:
            sent_of.append((int(s_num[k]), int(s_start[k]), int(max(s_end[k], m.end))))
        else:  # between sentences (a heading line): the mention's own line
            a = body.rfind("\n", 0, m.start) + 1
            b = body.find("\n", m.end)
            sent_of.append((None, a, len(body) if b < 0 else b))
    by_sentence: dict[tuple, list[int]] = {}
    place: list[int] = []  # each mention's position in its (sentence, actor) list
    for j, (m, sk) in enumerate(zip(mentions, sent_of)):
        lst = by_sentence.setdefault((sk[1], m.actor), [])
        place.append(len(lst))
        lst.append(j)
    for j, (m, (num, a, b)) in enumerate(zip(mentions, sent_of)):
        g = int(np.searchsorted(g_start, m.start, side="right")) - 1
        voice = kind = speaker = None
        if g >= 0 and m.start < g_end[g]:
            voice, kind, speaker = g_voice[g], g_kind[g], g_speaker[g]
        agency, power = frame_for(frames, m.verb, m.role)
        lst, p = by_sentence[(a, m.actor)], place[j]  # in text order: the nearest are the list neighbours
        near = sorted((i for i in lst[max(0, p - MAX_OTHERS):p + MAX_OTHERS + 1] if i != j and mentions[i].end <= b),
                      key=lambda i: (abs(mentions[i].start - m.start), i))[:MAX_OTHERS]
        others = tuple(sorted((mentions[i].start - a, mentions[i].end - a) for i in near))
        rows.append({"article_id": article_id, "start": m.start, "end": m.end, "mention": m.mention, "actor": m.actor,
                     "type": m.type, "source": m.source, "role": m.role, "verb": m.verb, "agency": agency, "power": power,
                     "sentence": num, "voice": voice, "kind": kind, "speaker": speaker,
                     "target": Target(body[a:b], m.start - a, m.end - a, others)})
    return pd.DataFrame(rows)


def classify_targets(frame: pd.DataFrame, model) -> pd.DataFrame:
    """Add polarity, p_negative, p_neutral, p_positive and score to rows with a ``target`` column
    (each distinct target runs once; ``model``: :class:`analysis.targets.TargetModel`); drops ``target``."""
    from .targets import LABELS

    if not len(frame):
        return frame.drop(columns=["target"], errors="ignore")
    unique = list(dict.fromkeys(frame.target))
    probs = dict(zip(unique, model.probabilities(unique)))
    p = np.array([probs[t] for t in frame.target]).reshape(-1, 3)
    out = frame.drop(columns=["target"])
    out["polarity"] = [LABELS[int(i)] for i in p.argmax(1)]
    out["p_negative"], out["p_neutral"], out["p_positive"] = p[:, 0], p[:, 1], p[:, 2]
    out["score"] = np.round(p[:, 2] - p[:, 0], 6)
    return out


def corpus_actor_names(actors: pd.DataFrame) -> pd.DataFrame:
    """Per-article actor names unified across the corpus: ``actor`` -> ``corpus_actor``.

    People are unified like speakers (:func:`analysis.speakers.corpus_speaker_names`, with the
    mention counts as weights: "Putin" joins "Vladimir Putin" when that full name dominates);
    other actors are already one name per actor through the alias table.
    """
    from .speakers import corpus_speaker_names

    people = actors[actors.type == "person"].groupby("actor").size().rename("n").reset_index().rename(columns={"actor": "speaker"})
    names = corpus_speaker_names(people).rename(columns={"speaker": "actor", "corpus_speaker": "corpus_actor"})
    rest = pd.DataFrame({"actor": sorted(set(actors.actor) - set(names.actor))})
    rest["corpus_actor"] = rest["actor"]
    return pd.concat([names, rest], ignore_index=True)
