"""Portrayal of actors: target sentiment, agency and power per actor × voice × group, with cluster-bootstrap intervals.

Input is the store's ``actors`` table (:mod:`analysis.actors`). A mention's **voice** is
``journalist`` (editorial text, scare labels included) or ``quoted`` (inside a quote); the
quoted mentions are also broken down by the quoted speaker (``quoted: NAME``) for the
speakers who mention the actor most. Estimates are ratios of article sums (share of an
actor's mentions that are negative; mean target score; share of subject mentions whose
verb gives positive agency; share of rated mentions with more power than the verb's other
argument), so mentions travel with their article and articles with their outlet
(:class:`analysis.stats.ClusterBootstrap`); intervals are 95% percentile intervals.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .stats import ClusterBootstrap

#: (measure, numerator, denominator) over mention-level indicator columns (see :func:`mention_indicators`).
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("negative", "is_negative", "one"), ("neutral", "is_neutral", "one"), ("positive", "is_positive", "one"),
    ("mean score", "score", "one"),
    ("agency positive", "agency_positive", "agency_rated"), ("agency negative", "agency_negative", "agency_rated"),
    ("power higher", "power_higher", "power_rated"), ("power lower", "power_lower", "power_rated"),
    ("subject share", "is_subject", "one"),
)
COLUMNS = ["actor", "voice", "group", "measure", "value", "ci_low", "ci_high", "mentions", "denominator", "articles"]


def mention_indicators(actors: pd.DataFrame) -> pd.DataFrame:
    """The 0/1 (and score) columns the measures sum, one row per mention."""
    a = actors
    return pd.DataFrame({
        "article_id": a.article_id.astype(str).to_numpy(), "one": 1.0,
        "is_negative": (a.polarity == "negative").astype(float).to_numpy(),
        "is_neutral": (a.polarity == "neutral").astype(float).to_numpy(),
        "is_positive": (a.polarity == "positive").astype(float).to_numpy(),
        "score": a.score.astype(float).to_numpy(),
        "agency_rated": a.agency.notna().astype(float).to_numpy(),
        "agency_positive": (a.agency == "positive").astype(float).to_numpy(),
        "agency_negative": (a.agency == "negative").astype(float).to_numpy(),
        "power_rated": a.power.notna().astype(float).to_numpy(),
        "power_higher": (a.power == "higher").astype(float).to_numpy(),
        "power_lower": (a.power == "lower").astype(float).to_numpy(),
        "is_subject": (a.role == "subject").astype(float).to_numpy(),
    })


def voice_labels(actors: pd.DataFrame, *, speaker_names: dict[str, str] | None = None, top_speakers: int = 3,
                 min_mentions: int = 3) -> pd.DataFrame:
    """Rows of (mention row number, voice label): every mention once as ``journalist`` or ``quoted``, and
    quoted mentions again as ``quoted: NAME`` for the ``top_speakers`` speakers with at least
    ``min_mentions`` mentions of that actor (names unified by ``speaker_names``)."""
    base = np.where(actors.voice.to_numpy() == "quote", "quoted", "journalist")
    rows = [pd.DataFrame({"row": np.arange(len(actors)), "voice": base})]
    quoted = actors[actors.voice.to_numpy() == "quote"]
    if len(quoted):
        spk = quoted.speaker.map(lambda s: (speaker_names or {}).get(s, s) if isinstance(s, str) else None)
        q = pd.DataFrame({"row": np.flatnonzero(actors.voice.to_numpy() == "quote"), "actor": quoted.actor.to_numpy(),
                          "speaker": spk.to_numpy()}).dropna(subset=["speaker"])
        q = q[q.speaker.str[:1].str.isupper().fillna(False)]  # named speakers only ("critics", "he" are not ranked)
        counts = q.groupby(["actor", "speaker"]).size().rename("n").reset_index()
        counts = counts[counts.n >= min_mentions].sort_values(["actor", "n", "speaker"], ascending=[True, False, True])
        keep = counts.groupby("actor").head(top_speakers)[["actor", "speaker"]]
        q = q.merge(keep, on=["actor", "speaker"])
        rows.append(pd.DataFrame({"row": q.row.to_numpy(), "voice": ("quoted: " + q.speaker).to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def portrayal(actors: pd.DataFrame, boot: ClusterBootstrap, *, groups: pd.Series | None = None,
              focus: Sequence[str] | None = None, top: int = 8, speaker_names: dict[str, str] | None = None,
              top_speakers: int = 3, min_mentions: int = 3, measures: Sequence[str] | None = None,
              group_order: Sequence[str] | None = None) -> pd.DataFrame:
    """How each actor is portrayed, per voice and group (long format, :data:`COLUMNS`).

    ``actors``: the actors table with ``actor`` already unified across the corpus
    (:func:`analysis.actors.corpus_actor_names`). ``boot``: the corpus's cluster bootstrap.
    ``groups``: article_id → group (None: one group "all"); every group gets rows, with 0 mentions
    where it has none (``group_order``: their order; default as they first appear). Only mentions in
    the bootstrap's articles count. ``focus``: the actors to report (in
    that order; those absent are reported with 0 mentions); else the ``top`` most mentioned.
    ``speaker_names``: per-article speaker → corpus speaker. ``measures``: a subset of
    :data:`MEASURES` names. Each row: value = sum(numerator) / sum(denominator) over the cell's
    mentions, its 95% cluster-bootstrap interval, the mention count, the denominator (e.g.
    rated subject mentions for agency) and the number of articles.
    """
    actors = actors[actors.article_id.astype(str).isin(boot.index)]
    if focus is None:
        focus = list(actors.actor.value_counts().sort_index().sort_values(ascending=False, kind="stable").head(top).index)
    actors = actors[actors.actor.isin(focus)].reset_index(drop=True)
    ind = mention_indicators(actors)
    labels = voice_labels(actors, speaker_names=speaker_names, top_speakers=top_speakers, min_mentions=min_mentions)
    group_of = actors.article_id.astype(str).map(groups) if groups is not None else pd.Series("all", index=actors.index)
    cells = labels.assign(actor=actors.actor.to_numpy()[labels.row], group=group_of.to_numpy()[labels.row])
    chosen = [m for m in MEASURES if measures is None or m[0] in measures]
    voices_order = ["journalist", "quoted"]
    group_names = (list(group_order) if group_order is not None else list(dict.fromkeys(groups.dropna()))) \
        if groups is not None else ["all"]
    out = []
    for actor in focus:
        sub_a = cells[cells.actor == actor]
        extra = sorted(v for v in set(sub_a.voice) if v not in voices_order)
        for voice in voices_order + extra:
            sub_v = sub_a[sub_a.voice == voice]
            for group in group_names + (["all"] if groups is not None else []):
                sub = sub_v if group == "all" else sub_v[sub_v.group == group]
                rows = ind.iloc[sub.row.to_numpy()]
                sums = rows.groupby("article_id").sum(numeric_only=True)
                mask = None if group == "all" else _group_mask(boot, groups, group)
                for name, num, den in chosen:
                    if len(sums):
                        v, lo, hi = boot.ratio(boot.vector(sums[num]), boot.vector(sums[den]), mask=mask)
                    else:
                        v = lo = hi = float("nan")
                    out.append({"actor": actor, "voice": voice, "group": group, "measure": name, "value": v, "ci_low": lo,
                                "ci_high": hi, "mentions": int(len(rows)), "denominator": int(rows[den].sum()) if len(rows) else 0,
                                "articles": int(rows.article_id.nunique())})
    return pd.DataFrame(out, columns=COLUMNS)


def _group_mask(boot: ClusterBootstrap, groups: pd.Series, group: str) -> np.ndarray:
    g = groups.reindex(boot.article_ids)
    return (g == group).to_numpy()


def _fmt(r) -> str:
    if r.value != r.value:
        return "n/a"
    ci = f" [{r.ci_low:.2f}, {r.ci_high:.2f}]" if r.ci_low == r.ci_low else " (no interval)"
    return f"{r.value:.2f}{ci}, n={r.denominator:,}"


def _apart(a, b) -> bool:
    return a.ci_low == a.ci_low and b.ci_low == b.ci_low and (a.ci_low > b.ci_high or b.ci_low > a.ci_high)


def findings(table: pd.DataFrame, *, groups: Sequence[str] = (), measure: str = "negative") -> str:
    """Plain-language findings from a :func:`portrayal` table: per actor, the journalist's against the quoted
    voices (whole corpus), and the groups' extremes in each voice, saying whether the 95% intervals are apart."""
    lines = []
    t = table[table.measure == measure]
    for actor in dict.fromkeys(t.actor):
        a = t[t.actor == actor]
        allg = a[a.group == "all"].set_index("voice")
        have = {v for v in ("journalist", "quoted") if v in allg.index and allg.loc[v].mentions}
        if not have:
            lines.append(f"- {actor}: not mentioned.")
            continue
        parts = [f"{'in the journalist' + chr(39) + 's voice' if v == 'journalist' else 'in quotes'} {_fmt(allg.loc[v])}"
                 for v in ("journalist", "quoted") if v in have]
        verdict = ""
        if have == {"journalist", "quoted"}:
            verdict = " (intervals apart)" if _apart(allg.loc["journalist"], allg.loc["quoted"]) else " (intervals overlap)"
        lines.append(f"- {actor}: share {measure} " + "; ".join(parts) + verdict + ".")
        for voice in ("journalist", "quoted"):
            g = a[(a.voice == voice) & a.group.isin(groups) & (a.denominator >= 10)]
            if len(g) >= 2 and g.value.notna().sum() >= 2:
                hi, lo = g.loc[g.value.idxmax()], g.loc[g.value.idxmin()]
                verdict = "intervals apart" if _apart(hi, lo) else "intervals overlap: no clear difference"
                lines.append(f"  - {voice}: highest in {hi.group} {_fmt(hi)}, lowest in {lo.group} {_fmt(lo)} ({verdict}).")
    return "\n".join(lines) if lines else "No actor of the focus list is mentioned."
