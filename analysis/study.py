"""What every notebook starts from: a corpus's store, its articles, the groups to compare, the bootstrap.

``study = open_study(corpus_path, group_by=group_by)`` opens (building what is missing) the
annotation store of a corpus source and derives, once, what the comparative figures share:
the articles with their metadata, each article's group (:mod:`analysis.groups`; capped to
the largest groups plus "others" for figures), group sizes with small groups flagged, the
cluster bootstrap's replicate weights (:class:`analysis.stats.ClusterBootstrap`), the words
of each voice segment, and speaker names unified across the corpus.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from . import groups as groups_mod
from . import paths, stats
from .speakers import corpus_speaker_names
from .store import Store, open_store


#: The shipped corpus's case study (Wikinews 2019-2020; the seed article on Xi Jinping and Vladimir Putin, the
#: boycotted Olympics "dubbed as the 'Genocide Games'"): what a notebook parameter left None means on the
#: shipped corpus, so its reference figures stay those of the case study. On any other corpus a None parameter
#: follows that corpus (:meth:`Study.choose`): its most mentioned actors, most frequent terms, most quoted
#: speakers; never these names.
CASE_STUDY: dict[str, Any] = {
    "focus_actors": ["Vladimir Putin", "Xi Jinping", "Russia", "China", "Ukraine"],
    "seed_actors": ["Russia", "Vladimir Putin", "China", "Xi Jinping"],
    "kwic_terms": ["Genocide Games", "coronavirus"],
    "term": "Genocide Games",
    "seed_id": "000_98b569404c0edd86",
}


@dataclass
class Study:
    """A corpus's store and the derived inputs of its comparative figures (computed on first use)."""

    store: Store
    group_by: str
    articles: pd.DataFrame
    all_groups: pd.Series
    groups: pd.Series
    sizes: pd.DataFrame
    cache: dict[str, Any] = field(default_factory=dict)
    source: str | Path | None = None

    @property
    def shipped(self) -> bool:
        """Whether this is the shipped corpus (whose None parameters mean :data:`CASE_STUDY`)."""
        return paths.is_shipped_corpus(self.source)

    def choose(self, name: str, value: Any, corpus_default: Any) -> Any:
        """A notebook parameter's value: ``value`` when given (not None); else, on the shipped corpus, the case
        study's (:data:`CASE_STUDY`, when it names ``name``); else ``corpus_default`` (called when callable:
        e.g. ``study.top_actors``)."""
        if value is not None:
            return value
        if self.shipped and name in CASE_STUDY:
            return CASE_STUDY[name]
        return corpus_default() if callable(corpus_default) else corpus_default

    def top_actors(self, n: int = 5) -> list[str]:
        """The ``n`` most mentioned actors (corpus-wide names; ties by name)."""
        counts = self.actors.actor.dropna().value_counts()
        return sorted(counts.index, key=lambda a: (-counts[a], a))[:n]

    def top_speakers(self, n: int = 4) -> list[str]:
        """The ``n`` most quoted speakers (corpus-wide names, :func:`analysis.stats.speakers_table` order)."""
        return stats.speakers_table(self.store.table("quotes"), self.words, self.names).speaker.head(n).tolist()

    def top_terms(self, n: int = 2) -> list[str]:
        """The ``n`` most frequent lexicon terms (as the lexicon writes them; the learned detector's words left
        out; ties by term)."""
        terms = self.store.table("terms")
        counts = terms[terms.detector != "minilm-loaded"].term.value_counts()
        return sorted(counts.index, key=lambda t: (-counts[t], t))[:n]

    def present_actors(self, names: list[str]) -> tuple[list[str], list[str]]:
        """``names`` split into those mentioned in this corpus and those that are not (each in the given order)."""
        known = set(self.actors.actor.dropna())
        return [a for a in names if a in known], [a for a in names if a not in known]

    @cached_property
    def bodies(self) -> dict[str, str]:
        return self.store.bodies()

    @cached_property
    def boot(self) -> stats.ClusterBootstrap:
        return stats.ClusterBootstrap(self.articles)

    @cached_property
    def words(self) -> pd.DataFrame:
        """Voice segments with their words (:func:`analysis.stats.segment_words`)."""
        return stats.segment_words(self.store.table("segments"), self.bodies)

    @cached_property
    def names(self) -> pd.DataFrame:
        """Per-article speakers unified across the corpus (:func:`analysis.speakers.corpus_speaker_names`)."""
        q = self.store.table("quotes")
        q = q[q.kind.isin(["direct", "partial", "indirect", "embedded_post"]) & q.speaker.notna()]
        return corpus_speaker_names(q.groupby("speaker").size().rename("n").reset_index())

    @cached_property
    def speaker_names(self) -> dict[str, str]:
        """Per-article speaker -> corpus-wide name (:attr:`names` as a mapping)."""
        return dict(zip(self.names.speaker, self.names.corpus_speaker))

    @cached_property
    def actors(self) -> pd.DataFrame:
        """The actors table with ``actor`` unified across the corpus (:func:`analysis.actors.corpus_actor_names`);
        the per-article name stays in ``article_actor``."""
        from .actors import corpus_actor_names

        a = self.store.table("actors")
        names = corpus_actor_names(a)
        return a.assign(article_actor=a.actor, actor=a.actor.map(dict(zip(names.actor, names.corpus_actor))))

    def label(self) -> str:
        """How the groups are described in titles ("year", "outlet", "bias_text")."""
        return self.group_by


def open_study(corpus_path: str | Path | None = None, *, group_by: str | None = None, **store_kwargs: Any) -> Study:
    """Open a corpus's store (building what is missing) and derive its groups.

    ``group_by``: a metadata column or time bin (None: :func:`analysis.groups.default_group_by`).
    Errors: ValueError naming the columns one can group by.
    """
    return study_from_store(open_store(corpus_path, **store_kwargs), group_by=group_by, source=corpus_path)


def study_from_store(store: Store, *, group_by: str | None = None, source: str | Path | None = None) -> Study:
    """A :class:`Study` of an open store (e.g. one :func:`analysis.store.annotate_articles` returned).

    ``source``: the corpus source the store was built from (None: the shipped corpus; it decides
    :attr:`Study.shipped`). Errors as :func:`open_study`.
    """
    articles = store.articles()
    group_by = group_by or groups_mod.default_group_by(articles)
    all_groups = groups_mod.article_groups(articles, group_by)
    capped = groups_mod.cap_groups(all_groups)
    order = groups_mod.ordered_groups(capped)
    capped = capped.astype(pd.CategoricalDtype(order)).astype(str).rename(group_by)
    sizes = groups_mod.group_sizes(capped)
    sizes = sizes.set_index("group").reindex(order).reset_index()
    return Study(store=store, group_by=group_by, articles=articles, all_groups=all_groups, groups=capped, sizes=sizes,
                 source=source)
