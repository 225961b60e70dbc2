"""Groups of articles for comparison: any metadata column (outlet, a bias rating, a topic) or a time bin.

:func:`article_groups` maps each article to its group under a ``group_by`` value:

* ``year``, ``quarter``, ``month``: time bins of the article's date ("2019", "2019-Q1",
  "2019-01"); articles without a date are "(no date)";
* any column of ``Store.articles()`` (front-matter fields and the source's extra metadata,
  e.g. ``bias_text`` or ``topic`` of the AllSides corpus); missing values are "(unknown)".

:func:`default_group_by` is ``outlet`` when the corpus has several outlets, else ``year``.
Groups with fewer than :data:`MIN_ARTICLES` articles are flagged (``small``) wherever they
appear: their estimates are shown hollow and labelled, never as if certain.
"""
from __future__ import annotations

import pandas as pd

TIME_BINS: tuple[str, ...] = ("year", "quarter", "month")
#: Below this many articles a group is flagged as too small for its interval to mean much.
MIN_ARTICLES: int = 5
NO_DATE = "(no date)"
UNKNOWN = "(unknown)"
#: Where groups are many, figures show the largest ``TOP_GROUPS`` and pool the rest as "others".
TOP_GROUPS: int = 8
OTHERS = "(others)"


def default_group_by(articles: pd.DataFrame) -> str:
    """``outlet`` when the articles come from more than one outlet, else ``year``."""
    return "outlet" if articles["outlet"].dropna().nunique() > 1 else "year"


def article_groups(articles: pd.DataFrame, group_by: str | None = None) -> pd.Series:
    """The group of each article: a Series indexed by article_id (strings), named ``group_by``.

    ``articles``: ``Store.articles()`` (metadata extras expanded). ``group_by`` None: the
    default. Errors: ValueError naming the columns one can group by.
    """
    group_by = group_by or default_group_by(articles)
    ids = articles["article_id"]
    if group_by in TIME_BINS:
        dates = pd.to_datetime(articles["date"], errors="coerce")
        if group_by == "year":
            labels = dates.dt.strftime("%Y")
        elif group_by == "month":
            labels = dates.dt.strftime("%Y-%m")
        else:
            labels = dates.dt.year.astype("Int64").astype(str) + "-Q" + dates.dt.quarter.astype("Int64").astype(str)
        labels = labels.where(dates.notna(), NO_DATE)
    elif group_by in articles.columns and group_by not in ("body", "meta"):
        labels = articles[group_by].map(lambda v: UNKNOWN if v is None or (isinstance(v, float) and v != v) or v == ""
                                        else str(v))
    else:
        usable = [c for c in articles.columns if c not in ("body", "meta", "article_id", "position", "shard", "sha256",
                                                           "words", "chars", "source", "notes")]
        raise ValueError(f"cannot group by {group_by!r}: use a time bin ({', '.join(TIME_BINS)}) or a metadata column "
                         f"({', '.join(usable)})")
    return pd.Series(labels.to_numpy(), index=ids.to_numpy(), name=group_by)


def group_sizes(groups: pd.Series, *, min_articles: int = MIN_ARTICLES) -> pd.DataFrame:
    """Articles per group, largest first: group, n_articles, small (fewer than ``min_articles``)."""
    counts = groups.value_counts()
    out = pd.DataFrame({"group": counts.index.astype(str), "n_articles": counts.to_numpy()})
    out = out.sort_values(["n_articles", "group"], ascending=[False, True], ignore_index=True)
    out["small"] = out.n_articles < min_articles
    return out


def ordered_groups(groups: pd.Series) -> list[str]:
    """Group labels in display order: time bins chronologically, others largest first (unknowns last)."""
    labels = list(groups.astype(str).unique())
    special = [l for l in (NO_DATE, UNKNOWN, OTHERS) if l in labels]
    rest = [l for l in labels if l not in special]
    if groups.name in TIME_BINS:
        rest = sorted(rest)
    else:
        sizes = groups.astype(str).value_counts()
        rest = sorted(rest, key=lambda l: (-sizes[l], l))
    return rest + special


def cap_groups(groups: pd.Series, *, top: int = TOP_GROUPS) -> pd.Series:
    """The ``top`` largest groups kept, the rest pooled as "(others)" (time bins are never pooled)."""
    if groups.name in TIME_BINS or groups.nunique() <= top:
        return groups
    keep = set(groups.value_counts().head(top).index)
    return groups.where(groups.isin(keep), OTHERS).rename(groups.name)
