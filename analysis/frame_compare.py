"""Frame comparisons: which policy-frame dimensions the journalist's words and the quoted sources make
salient, by group (outlet side, year, ...) and by speaker, with cluster-bootstrap intervals.

Every function reads the store's ``frames`` table (:data:`analysis.frame_stage.FRAMES_SCHEMA`: one row
per unit, a sentence segment in one voice) and never re-runs the model. A unit *makes a dimension
salient* when the dimension is in its ``frames`` list (multi-label; Entman 1993's salience, coded as in
``docs/frames-codebook.md``). A share is a ratio of article sums — units with the frame over units —
and its interval comes from :class:`analysis.stats.ClusterBootstrap`: units travel with their article,
articles with their outlet, so units are never counted as independent.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import DIMENSIONS, NONE
from .groups import ordered_groups
from .stats import ClusterBootstrap

#: The store stages frame comparisons read (a frames notebook builds only these on a new corpus).
STAGES: tuple[str, ...] = ("parse", "sentences", "voices", "frames")

#: The voices of a frames table, in display order: the journalist's own words and quoted speech.
VOICES: tuple[str, ...] = ("editorial", "quote")

SHARE_COLUMNS = ["group", "voice", "frame", "n_articles", "n_units", "n_framed", "share", "ci_low", "ci_high"]
GAP_COLUMNS = ["group", "frame", "n_articles", "n_quote", "n_editorial", "share_quote", "share_editorial", "gap", "ci_low",
               "ci_high"]
SPEAKER_COLUMNS = ["speaker", "frame", "n_articles", "n_units", "n_framed", "share", "ci_low", "ci_high"]


def _has(frames: pd.DataFrame, frame: str) -> np.ndarray:
    """Per unit: does it make ``frame`` salient (``none``: no frame at all)?"""
    lists = frames["frames"]
    if frame == NONE:
        return np.array([len(f) == 0 if f is not None else True for f in lists], dtype=bool)
    return np.array([f is not None and frame in list(f) for f in lists], dtype=bool)


def _groups_vector(boot: ClusterBootstrap, groups: pd.Series) -> np.ndarray:
    return np.array([groups.get(a) for a in boot.article_ids], dtype=object)


def _check(frames: pd.DataFrame) -> None:
    missing = {"article_id", "voice", "frames"} - set(frames.columns)
    if missing:
        raise ValueError(f"not a frames table (analysis.frame_stage.FRAMES_SCHEMA): missing columns {sorted(missing)}")


def frame_shares(frames: pd.DataFrame, groups: pd.Series, boot: ClusterBootstrap, *,
                 dimensions: tuple[str, ...] = (*DIMENSIONS, NONE), level: float = 0.95) -> pd.DataFrame:
    """Share of each voice's units that make each dimension salient, per group, with intervals.

    ``frames``: the store's frames table (at least article_id, voice, frames); ``groups``: group label
    per article_id (:mod:`analysis.groups`); ``boot``: the corpus's cluster bootstrap. ``none`` is the
    share of units with no frame. Columns: :data:`SHARE_COLUMNS` — group, voice (editorial | quote),
    frame, n_articles (articles of the group with units in that voice), n_units, n_framed, share (0-1),
    ci_low, ci_high (percentile interval at ``level``; NaN with fewer than 2 articles).
    """
    _check(frames)
    gvec = _groups_vector(boot, groups)
    rows = []
    for group in ordered_groups(groups):
        mask = gvec == group
        for voice in VOICES:
            sub = frames[frames.voice == voice]
            den = boot.vector(sub.groupby("article_id").size().astype(float))
            for dim in dimensions:
                hit = sub[_has(sub, dim)]
                num = boot.vector(hit.groupby("article_id").size().astype(float))
                share, lo, hi = boot.ratio(num, den, mask=mask, level=level)
                rows.append({"group": group, "voice": voice, "frame": dim, "n_articles": int(np.count_nonzero(den[mask])),
                             "n_units": int(den[mask].sum()), "n_framed": int(num[mask].sum()), "share": share,
                             "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


def frame_gaps(frames: pd.DataFrame, groups: pd.Series, boot: ClusterBootstrap, *,
               dimensions: tuple[str, ...] = (*DIMENSIONS, NONE), level: float = 0.95) -> pd.DataFrame:
    """Quoted − editorial share per dimension and group: how much more (or less) the sources' words
    make a dimension salient than the journalist's own, with intervals from the same bootstrap
    replicates for both shares (their correlation within articles is kept).

    Columns: :data:`GAP_COLUMNS`; ``gap`` in share points (−1 to 1); n_quote/n_editorial are units.
    """
    _check(frames)
    gvec = _groups_vector(boot, groups)
    q, e = frames[frames.voice == "quote"], frames[frames.voice == "editorial"]
    den_q = boot.vector(q.groupby("article_id").size().astype(float))
    den_e = boot.vector(e.groupby("article_id").size().astype(float))
    rows = []
    for group in ordered_groups(groups):
        mask = gvec == group
        for dim in dimensions:
            num_q = boot.vector(q[_has(q, dim)].groupby("article_id").size().astype(float))
            num_e = boot.vector(e[_has(e, dim)].groupby("article_id").size().astype(float))
            gap, lo, hi = boot.ratio_difference(num_q, den_q, num_e, den_e, mask=mask, level=level)
            nq, ne = den_q[mask].sum(), den_e[mask].sum()
            rows.append({"group": group, "frame": dim,
                         "n_articles": int(np.count_nonzero((den_q + den_e)[mask])), "n_quote": int(nq), "n_editorial": int(ne),
                         "share_quote": float(num_q[mask].sum() / nq) if nq else np.nan,
                         "share_editorial": float(num_e[mask].sum() / ne) if ne else np.nan,
                         "gap": gap, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def speaker_frames(frames: pd.DataFrame, boot: ClusterBootstrap, *, names: dict[str, str] | None = None,
                   speakers: list[str] | None = None, top: int = 5,
                   dimensions: tuple[str, ...] = (*DIMENSIONS, NONE), level: float = 0.95) -> pd.DataFrame:
    """Frame shares of each speaker's quoted units, next to the journalist's (speaker ``(editorial)``).

    ``names``: {per-article speaker: corpus-wide name} (e.g. from ``Study.names``); ``speakers``: whose
    (default: the ``top`` speakers by quoted units). Columns: :data:`SPEAKER_COLUMNS`.
    """
    _check(frames)
    q = frames[(frames.voice == "quote") & frames.speaker.notna()]
    if names:
        q = q.assign(speaker=q.speaker.map(lambda s: names.get(s, s)))
    if speakers is None:
        speakers = q.speaker.value_counts().head(top).index.tolist()
    parts = [("(editorial)", frames[frames.voice == "editorial"])] + [(s, q[q.speaker == s]) for s in speakers]
    rows = []
    for who, sub in parts:
        den = boot.vector(sub.groupby("article_id").size().astype(float))
        for dim in dimensions:
            num = boot.vector(sub[_has(sub, dim)].groupby("article_id").size().astype(float))
            share, lo, hi = boot.ratio(num, den, level=level)
            rows.append({"speaker": who, "frame": dim, "n_articles": int(np.count_nonzero(den)), "n_units": int(den.sum()),
                         "n_framed": int(num.sum()), "share": share, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=SPEAKER_COLUMNS)


def article_frames(frames: pd.DataFrame, article_id: str, *, names: dict[str, str] | None = None) -> pd.DataFrame:
    """One article's frames by who speaks: rows (who, frame) with the units that make it salient.

    ``who`` is ``journalist`` for editorial units, else the (corpus-wide, with ``names``) speaker.
    Columns: who, frame, n_units (of ``who`` with that frame), units (all of ``who``'s units), share.
    Raises KeyError when the article has no units in the table.
    """
    _check(frames)
    art = frames[frames.article_id == article_id]
    if art.empty:
        raise KeyError(f"{article_id}: no units in the frames table")
    who = np.where(art.voice == "editorial", "journalist",
                   art.speaker.map(lambda s: (names or {}).get(s, s) if isinstance(s, str) else "(unattributed)"))
    art = art.assign(who=who)
    rows = []
    for w, sub in art.groupby("who", sort=False):
        for dim in (*DIMENSIONS, NONE):
            n = int(_has(sub, dim).sum())
            if n:
                rows.append({"who": w, "frame": dim, "n_units": n, "units": len(sub), "share": n / len(sub)})
    return pd.DataFrame(rows, columns=["who", "frame", "n_units", "units", "share"])


__all__ = ["GAP_COLUMNS", "SHARE_COLUMNS", "SPEAKER_COLUMNS", "STAGES", "VOICES", "article_frames", "frame_gaps", "frame_shares",
           "speaker_frames"]
