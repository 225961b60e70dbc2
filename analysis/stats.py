"""Statistics: word shares by voice, who is quoted and how much, bootstrap intervals,
and the agreement and accuracy metrics used at run time (neutral bands, F1)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .corpus import count_words
from .groups import ordered_groups



def segment_words(segments: pd.DataFrame, bodies: Mapping[str, str]) -> pd.DataFrame:
    """The segments with a word count each (words split at a boundary count on both sides once each).

    ``bodies``: {article_id: body} (``Store.bodies()``).
    """
    out = segments.copy()
    out["n_words"] = [count_words(bodies[a][s:e]) for a, s, e in zip(out.article_id, out.start, out.end)]
    out["voice_kind"] = [
        (f"editorial ({k})" if isinstance(k, str) else "editorial") if v == "editorial" else k
        for v, k in zip(out.voice, out.kind)
    ]
    return out


def voice_shares(segments: pd.DataFrame, bodies: Mapping[str, str]) -> pd.DataFrame:
    """Per article and voice/kind: words and their share of the article's words.

    ``voice_kind`` is ``editorial``, ``editorial (scare)`` or a quote kind.
    """
    words = segment_words(segments, bodies)
    table = words.groupby(["article_id", "voice", "voice_kind"], as_index=False, dropna=False)["n_words"].sum()
    totals = table.groupby("article_id")["n_words"].transform("sum")
    table["share"] = table["n_words"] / totals.where(totals > 0)
    return table.sort_values(["article_id", "voice", "voice_kind"], ignore_index=True)


def speaker_summary(quotes: pd.DataFrame, segments: pd.DataFrame, bodies: Mapping[str, str]) -> pd.DataFrame:
    """Per article and canonical speaker: quotes by kind and the words of the body in their voice.

    Words come from the voice segments, so a partial quote inside reported speech
    is not counted twice.
    """
    kinds = ("direct", "partial", "indirect", "embedded_post")
    q = quotes[quotes["kind"].isin(kinds)].copy()
    q["speaker"] = q["speaker"].fillna("(unattributed)")
    counts = (
        q.groupby(["article_id", "speaker", "kind"]).size().unstack("kind", fill_value=0)
        .reindex(columns=list(kinds), fill_value=0)
    )
    counts.columns = [f"n_{c}" for c in counts.columns]
    seg = segment_words(segments[segments["voice"] == "quote"], bodies)
    seg["speaker"] = seg["speaker"].fillna("(unattributed)")
    words = seg.groupby(["article_id", "speaker"])["n_words"].sum().rename("quoted_words")
    mentions = q.groupby(["article_id", "speaker"])["speaker_mention"].agg(
        lambda s: "; ".join(sorted({m for m in s if isinstance(m, str)}))
    ).rename("mentions")
    out = pd.concat([counts, words, mentions], axis=1).reset_index()
    out["quoted_words"] = out["quoted_words"].fillna(0).astype(int)
    out["n_quotes"] = out[[f"n_{k}" for k in kinds]].sum(axis=1)
    cols = ["article_id", "speaker", "n_quotes", *[f"n_{k}" for k in kinds], "quoted_words", "mentions"]
    return out[cols].sort_values(["article_id", "quoted_words", "speaker"], ascending=[True, False, True], ignore_index=True)


def quote_scores(quotes: pd.DataFrame, units: pd.DataFrame, scorers: list[str]) -> pd.DataFrame:
    """Quoted speech (direct, partial, indirect, posts), each quotation with a score of its own content.

    ``units``: ``Store.scored_units()`` (:mod:`analysis.tone`): a quotation's score is the mean of the
    scores of its units (its words sentence by sentence; the cue and the journalist's words are not
    in them), weighted by the units' words. Adds ``n_units`` (0 when the quotation has no scored unit:
    its score is NaN) and one column per scorer (score -1 to 1).
    """
    import numpy as np

    q = quotes[quotes.kind.isin(["direct", "partial", "indirect", "embedded_post"])].copy()
    u = units[(units.voice == "quote") & units.quote_index.notna()]
    u = u.assign(quote_index=u.quote_index.astype(int))
    n = u.groupby(["article_id", "quote_index"]).size().rename("n_units")
    cols = [s for s in scorers if s in u.columns]
    w = u.words.astype(float).clip(lower=1.0)
    sums = u[cols].mul(w, axis=0).assign(article_id=u.article_id, quote_index=u.quote_index, w=w)
    sums = sums.groupby(["article_id", "quote_index"]).sum()
    keys = pd.MultiIndex.from_arrays([q.article_id, q.quote_index.astype(int)])
    q["n_units"] = n.reindex(keys).fillna(0).astype(int).to_numpy()
    for s in scorers:
        q[s] = (sums[s] / sums["w"]).reindex(keys).to_numpy() if s in cols else np.nan
    return q.reset_index(drop=True)


def kind_counts(quotes: pd.DataFrame) -> pd.DataFrame:
    """Per article: how many quotes or labels of each kind."""
    out = quotes.groupby(["article_id", "kind"]).size().rename("n").reset_index()
    return out.sort_values(["article_id", "kind"], ignore_index=True)


# ----------------------------------------------------------------------------- uncertainty

#: Bootstrap settings used everywhere (seeded: same input -> same intervals).
N_BOOT = 2000
BOOT_SEED = 20220204


def bootstrap_mean_ci(values, *, n_boot: int = N_BOOT, seed: int = BOOT_SEED, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and percentile bootstrap interval of ``values`` (NaN interval for n < 2)."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return (float("nan"),) * 3
    if len(v) < 2:
        return float(v.mean()), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
    a = (1 - level) / 2
    return float(v.mean()), float(np.quantile(means, a)), float(np.quantile(means, 1 - a))


def bootstrap_diff_ci(a, b, *, n_boot: int = N_BOOT, seed: int = BOOT_SEED, level: float = 0.95) -> tuple[float, float, float]:
    """Difference of means (a - b) with a bootstrap interval, resampling each group independently."""
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return (float(a.mean() - b.mean()) if len(a) and len(b) else float("nan")), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    da = a[rng.integers(0, len(a), size=(n_boot, len(a)))].mean(axis=1)
    db = b[rng.integers(0, len(b), size=(n_boot, len(b)))].mean(axis=1)
    d = da - db
    q = (1 - level) / 2
    return float(a.mean() - b.mean()), float(np.quantile(d, q)), float(np.quantile(d, 1 - q))


def voice_means(sentences: pd.DataFrame, score: str) -> pd.DataFrame:
    """Per article and voice: mean sentence score with a 95% interval (sentences resampled within the article)."""
    rows = []
    for (art, voice), g in sentences.groupby(["article_id", "voice"], sort=True):
        m, lo, hi = bootstrap_mean_ci(g[score])
        rows.append({"article_id": art, "voice": voice, "scorer": score, "n_sentences": len(g), "mean": m, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["article_id", "voice", "scorer", "n_sentences", "mean", "ci_low", "ci_high"])


def quoted_minus_editorial(sentences: pd.DataFrame, score: str) -> pd.DataFrame:
    """Per article: mean(quoted) - mean(editorial) with a bootstrap interval."""
    rows = []
    for art, g in sentences.groupby("article_id", sort=True):
        q = g.loc[g.voice == "quote", score].to_numpy()
        e = g.loc[g.voice == "editorial", score].to_numpy()
        d, lo, hi = bootstrap_diff_ci(q, e)
        rows.append({"article_id": art, "scorer": score, "n_quote": len(q), "n_editorial": len(e), "diff": d, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def corpus_voice_means(sentences: pd.DataFrame, score: str, *, n_boot: int = N_BOOT, seed: int = BOOT_SEED) -> pd.DataFrame:
    """Corpus-level mean by voice, with a cluster bootstrap (articles resampled, then sentences within them)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    groups = {a: g for a, g in sentences.groupby("article_id", sort=True)}
    ids = list(groups)
    rows = []
    for voice in sorted(sentences.voice.unique()):
        vals = {a: g.loc[g.voice == voice, score].to_numpy() for a, g in groups.items()}
        point = np.concatenate(list(vals.values())).mean() if any(len(v) for v in vals.values()) else float("nan")
        boots = []
        for _ in range(n_boot):
            pick = [ids[i] for i in rng.integers(0, len(ids), size=len(ids))]
            parts = [vals[a][rng.integers(0, len(vals[a]), size=len(vals[a]))] for a in pick if len(vals[a])]
            if parts:
                boots.append(np.concatenate(parts).mean())
        lo, hi = (np.quantile(boots, [0.025, 0.975]) if len(boots) > 1 else (float("nan"), float("nan")))
        rows.append({"voice": voice, "scorer": score, "n_articles": len(ids), "n_sentences": int(sum(len(v) for v in vals.values())),
                     "mean": float(point), "ci_low": float(lo), "ci_high": float(hi)})
    return pd.DataFrame(rows)


def speaker_means(sentences: pd.DataFrame, score: str) -> pd.DataFrame:
    """Per article and speaker: mean score of the sentences carrying that speaker's quoted material.

    A sentence counts for every speaker listed in ``quoted_speakers`` (so a partial
    quote inside an editorial sentence is included, and ``n_sentences`` says on how
    many sentences a mean rests); ``n_majority`` counts those where the speaker's
    words are most of the sentence.
    """
    rows = []
    exploded = sentences.explode("quoted_speakers").dropna(subset=["quoted_speakers"])
    for (art, speaker), g in exploded.groupby(["article_id", "quoted_speakers"], sort=True):
        m, lo, hi = bootstrap_mean_ci(g[score])
        majority = int(((g.voice == "quote") & (g.speaker == speaker)).sum())
        rows.append({"article_id": art, "speaker": speaker, "scorer": score, "n_sentences": len(g), "n_majority": majority,
                     "mean": m, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["article_id", "speaker", "scorer", "n_sentences", "n_majority", "mean", "ci_low", "ci_high"])


def agreement(a, b, *, band_a: float, band_b: float) -> dict:
    """Pearson, Spearman and Cohen's kappa (3 classes, each scorer with its own neutral band)."""
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import cohen_kappa_score

    return {
        "pearson": float(pearsonr(a, b)[0]),
        "spearman": float(spearmanr(a, b)[0]),
        "kappa": float(cohen_kappa_score(three_class(a, band_a), three_class(b, band_b))),
        "n": int(len(a)),
    }


# ----------------------------------------------------------------------------- metrics

#: Human means are on -4..4; scores on -1..1. A sentence is neutral when |mean| <= 0.5
#: (0.125 after scaling) — declared here, used for every 3-class figure.
HUMAN_NEUTRAL_BAND = 0.5


def three_class(values, threshold: float):
    """-1 / 0 / 1 by a symmetric neutral band."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    return np.where(v > threshold, 1, np.where(v < -threshold, -1, 0))


def best_threshold(scores, gold_classes) -> float:
    """The symmetric neutral band (0 to 0.6, step 0.01) maximising macro-F1 (choose it on training data only)."""
    import numpy as np
    from sklearn.metrics import f1_score

    grid = np.round(np.arange(0.0, 0.61, 0.01), 2)
    f1s = [f1_score(gold_classes, three_class(scores, t), average="macro") for t in grid]
    return float(grid[int(np.argmax(f1s))])


def validation_metrics(scores, targets, *, threshold: float) -> dict:
    """Pearson r with human means (``targets`` on -1..1) and 3-class macro-F1 at ``threshold``."""
    import numpy as np
    from scipy.stats import pearsonr
    from sklearn.metrics import f1_score

    gold = three_class(np.asarray(targets) * 4.0, HUMAN_NEUTRAL_BAND)
    return {
        "pearson_r": float(pearsonr(scores, targets)[0]),
        "macro_f1": float(f1_score(gold, three_class(scores, threshold), average="macro")),
        "threshold": threshold,
        "n": int(len(targets)),
    }


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 from counts (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}


def score_words(pred: list[list[int]], gold: list[list[int]]) -> dict:
    """Word-level P/R/F1 of 0/1 predictions against 0/1 labels, text by text."""
    tp = sum(p & g for ps, gs in zip(pred, gold) for p, g in zip(ps, gs))
    fp = sum(p & (1 - g) for ps, gs in zip(pred, gold) for p, g in zip(ps, gs))
    fn = sum((1 - p) & g for ps, gs in zip(pred, gold) for p, g in zip(ps, gs))
    return prf(tp, fp, fn)


def best_f1_threshold(probs: list[list[float]], gold: list[list[int]]) -> float:
    """The probability threshold (0.05 to 0.95, step 0.01) maximising word-level F1 (choose it on dev data)."""
    import numpy as np

    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    f1s = [score_words([[int(p >= t) for p in ps] for ps in probs], gold)["f1"] for t in grid]
    return float(grid[int(np.argmax(f1s))])


# ----------------------------------------------------------------------------- nested data: cluster bootstrap


class ClusterBootstrap:
    """Replicate weights of a two-stage cluster bootstrap over articles.

    Outlets are resampled with replacement; each time an outlet is drawn, its articles are
    resampled with replacement (Davison & Hinkley 1997, sec. 3.8; Field & Welsh 2007).
    Sentences are never resampled on their own: they travel with their article, so an
    estimate's interval reflects that sentences in one article, and articles in one outlet,
    are not independent. With fewer than ``min_outlets`` outlets (default 10), outlets cannot
    stand for a population of outlets: each is kept once (a stratum) and only its articles
    are resampled; with one outlet this is the ordinary article bootstrap.

    ``weights[b, i]`` is how many times article ``i`` is in replicate ``b``; a statistic that
    is a ratio of article sums (a mean over sentences, a share of words, a rate per 1,000
    words) is ``(weights @ numerator) / (weights @ denominator)`` per replicate.
    """

    def __init__(self, articles: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = BOOT_SEED, min_outlets: int = 10) -> None:
        """``articles``: article_id and outlet (missing outlets form one cluster)."""
        import numpy as np

        self.article_ids = articles["article_id"].astype(str).to_numpy()
        self.index = {a: i for i, a in enumerate(self.article_ids)}
        outlets = articles["outlet"].astype(object).where(articles["outlet"].notna(), "(unknown outlet)")
        codes, uniq = pd.factorize(outlets)
        self.n_outlets = len(uniq)
        self.outlet_codes = codes
        rng = np.random.default_rng(seed)
        n = len(self.article_ids)
        self.weights = np.zeros((n_boot, n), dtype=np.float64)
        if n == 0:
            return
        self.outlets_resampled = self.n_outlets >= min_outlets
        if self.outlets_resampled:
            draws = rng.multinomial(self.n_outlets, np.full(self.n_outlets, 1.0 / self.n_outlets), size=n_boot)
        else:
            draws = np.ones((n_boot, self.n_outlets), dtype=np.int64)
        for k in range(self.n_outlets):
            members = np.flatnonzero(codes == k)
            m = len(members)
            p = np.full(m, 1.0 / m)
            for b in np.flatnonzero(draws[:, k]):
                # the sum of draws[b, k] independent multinomial(m) resamples is multinomial(draws[b, k] * m)
                self.weights[b, members] = rng.multinomial(int(draws[b, k]) * m, p)

    def vector(self, values: pd.Series) -> "np.ndarray":
        """Per-article values (a Series indexed by article_id; missing articles are 0) in this bootstrap's order."""
        import numpy as np

        out = np.zeros(len(self.article_ids))
        for a, v in values.items():
            i = self.index.get(str(a))
            if i is not None:
                out[i] = v
        return out

    def ratio(self, numerator, denominator, *, mask=None, level: float = 0.95) -> tuple[float, float, float]:
        """Point estimate sum(num)/sum(den) over the articles in ``mask`` and its percentile interval.

        Replicates where the denominator is 0 (no article of the group drawn) are left out.
        """
        import numpy as np

        num = np.asarray(numerator, dtype=float)
        den = np.asarray(denominator, dtype=float)
        if mask is not None:
            num, den = np.where(mask, num, 0.0), np.where(mask, den, 0.0)
        if den.sum() == 0:
            return float("nan"), float("nan"), float("nan")
        point = float(num.sum() / den.sum())
        bn, bd = self.weights @ num, self.weights @ den
        ok = bd > 0
        if ok.sum() < 2 or np.count_nonzero(den) < 2:
            return point, float("nan"), float("nan")
        reps = bn[ok] / bd[ok]
        a = (1 - level) / 2
        return point, float(np.quantile(reps, a)), float(np.quantile(reps, 1 - a))

    def ratio_difference(self, num_a, den_a, num_b, den_b, *, mask=None, level: float = 0.95) -> tuple[float, float, float]:
        """(sum num_a / sum den_a) - (sum num_b / sum den_b) over the articles in ``mask``, with its interval
        (both ratios from the same replicates, so their correlation is kept)."""
        import numpy as np

        arrs = [np.asarray(x, dtype=float) for x in (num_a, den_a, num_b, den_b)]
        if mask is not None:
            arrs = [np.where(mask, x, 0.0) for x in arrs]
        na, da, nb, db = arrs
        if da.sum() == 0 or db.sum() == 0:
            return float("nan"), float("nan"), float("nan")
        point = float(na.sum() / da.sum() - nb.sum() / db.sum())
        bda, bdb = self.weights @ da, self.weights @ db
        ok = (bda > 0) & (bdb > 0)
        if ok.sum() < 2 or np.count_nonzero(da) < 2 or np.count_nonzero(db) < 2:
            return point, float("nan"), float("nan")
        reps = (self.weights @ na)[ok] / bda[ok] - (self.weights @ nb)[ok] / bdb[ok]
        a = (1 - level) / 2
        return point, float(np.quantile(reps, a)), float(np.quantile(reps, 1 - a))


def _per_article(frame: pd.DataFrame, value: str | None = None) -> pd.Series:
    """Per-article sums of ``value`` (or row counts when None)."""
    if value is None:
        return frame.groupby("article_id").size().astype(float)
    return frame.groupby("article_id")[value].sum().astype(float)


def scored_level(frame: pd.DataFrame) -> tuple[str, str]:
    """The unit a scored frame holds and its key column: ``("segment", "unit")`` for
    ``Store.scored_units()`` (voice segment units, :mod:`analysis.tone`), ``("sentence", "sentence")``
    for ``Store.scored_sentences()`` (whole sentences, each with its majority voice)."""
    return ("segment", "unit") if "unit" in frame.columns else ("sentence", "sentence")


def group_voice_means(sentences: pd.DataFrame, score: str, groups: pd.Series, boot: ClusterBootstrap) -> pd.DataFrame:
    """Mean score by group and voice with cluster-bootstrap 95% intervals (articles resampled within outlets).

    ``sentences``: ``Store.scored_units()`` (voice segments: each quotation's content and each
    editorial remainder; the right unit for a voice comparison) or ``Store.scored_sentences()``
    (sentences with their majority voice); ``groups``: article_id -> group
    (:func:`analysis.groups.article_groups`). Columns: group, voice, scorer, level (segment or
    sentence), n_articles, n_outlets, n_units (segments or sentences), mean, ci_low, ci_high.
    """
    import numpy as np

    level = scored_level(sentences)[0]
    rows = []
    gvec = np.array([groups.get(a) for a in boot.article_ids], dtype=object)
    for group in ordered_groups(groups):
        in_group = gvec == group
        for voice in ("editorial", "quote"):
            s = sentences[(sentences.voice == voice) & sentences.article_id.map(groups).eq(group) & sentences[score].notna()]
            num, den = boot.vector(_per_article(s, score)), boot.vector(_per_article(s))
            m, lo, hi = boot.ratio(num, den, mask=in_group)
            arts = s.article_id.unique()
            rows.append({"group": group, "voice": voice, "scorer": score, "level": level, "n_articles": len(arts),
                         "n_outlets": len(set(boot.outlet_codes[[boot.index[a] for a in arts]])) if len(arts) else 0,
                         "n_units": len(s), "mean": m, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["group", "voice", "scorer", "level", "n_articles", "n_outlets", "n_units", "mean",
                                       "ci_low", "ci_high"])


def group_sentiment_gap(sentences: pd.DataFrame, score: str, groups: pd.Series, boot: ClusterBootstrap) -> pd.DataFrame:
    """Quoted minus editorial mean score per group, with cluster-bootstrap 95% intervals.

    ``sentences``: ``Store.scored_units()`` or ``Store.scored_sentences()`` (:func:`group_voice_means`).
    Columns: group, scorer, level, n_articles (with both voices or either), n_quote, n_editorial
    (segments or sentences), gap, ci_low, ci_high. A gap above 0: the quoted voices are more positive
    than the journalist's.
    """
    import numpy as np

    rows = []
    gvec = np.array([groups.get(a) for a in boot.article_ids], dtype=object)
    level = scored_level(sentences)[0]
    s_all = sentences[sentences[score].notna()]
    for group in ordered_groups(groups):
        s = s_all[s_all.article_id.map(groups).eq(group)]
        q, e = s[s.voice == "quote"], s[s.voice == "editorial"]
        gap, lo, hi = boot.ratio_difference(boot.vector(_per_article(q, score)), boot.vector(_per_article(q)),
                                            boot.vector(_per_article(e, score)), boot.vector(_per_article(e)),
                                            mask=gvec == group)
        rows.append({"group": group, "scorer": score, "level": level, "n_articles": s.article_id.nunique(),
                     "n_quote": len(q), "n_editorial": len(e), "gap": gap, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["group", "scorer", "level", "n_articles", "n_quote", "n_editorial", "gap", "ci_low",
                                       "ci_high"])


def _groups_of(boot: ClusterBootstrap, groups: pd.Series):
    import numpy as np

    return np.array([groups.get(a) for a in boot.article_ids], dtype=object)


def group_voice_shares(words: pd.DataFrame, groups: pd.Series, boot: ClusterBootstrap) -> pd.DataFrame:
    """Share of each group's words in each voice kind, with cluster-bootstrap 95% intervals.

    ``words``: :func:`segment_words` (segments with ``n_words`` and ``voice_kind``). Columns:
    group, voice_kind, n_articles, words, total_words, share, ci_low, ci_high.
    """
    totals = boot.vector(words.groupby("article_id")["n_words"].sum())
    gvec = _groups_of(boot, groups)
    rows = []
    art_group = words.article_id.map(groups)
    for group in ordered_groups(groups):
        mask = gvec == group
        in_g = words[art_group == group]
        for vk in sorted(words.voice_kind.unique()):
            sub = in_g[in_g.voice_kind == vk]
            num = boot.vector(sub.groupby("article_id")["n_words"].sum())
            share, lo, hi = boot.ratio(num, totals, mask=mask)
            rows.append({"group": group, "voice_kind": vk, "n_articles": int(mask.sum()), "words": int(sub.n_words.sum()),
                         "total_words": int(totals[mask].sum()), "share": share, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["group", "voice_kind", "n_articles", "words", "total_words", "share", "ci_low", "ci_high"])


def group_speakers(quotes: pd.DataFrame, words: pd.DataFrame, groups: pd.Series, names: pd.DataFrame, *,
                   top: int = 10) -> pd.DataFrame:
    """Who each group quotes: per group, the ``top`` speakers by share of the group's quoted words.

    ``words``: :func:`segment_words`; ``names``: :func:`analysis.speakers.corpus_speaker_names`
    (per-article canonical names unified across the corpus). Unattributed quotes and pronouns
    that were not resolved count in the group's quoted words but are not ranked. Columns:
    group, rank, speaker, quoted_words, share_of_quoted_words, n_articles, n_quotes,
    group_quoted_words, group_articles.
    """
    from .speakers import GROUP_PRONOUNS, INDEFINITE_SOURCES, PERSON_PRONOUNS

    alias = dict(zip(names.speaker, names.corpus_speaker))
    q = words[(words.voice == "quote")].copy()
    q["speaker"] = q.speaker.map(lambda s: alias.get(s, s) if isinstance(s, str) else None)
    q["group"] = q.article_id.map(groups)
    qq = quotes[quotes.kind.isin(["direct", "partial", "indirect", "embedded_post"]) & quotes.speaker.notna()].copy()
    qq["speaker"] = qq.speaker.map(lambda s: alias.get(s, s))
    qq["group"] = qq.article_id.map(groups)
    skip = PERSON_PRONOUNS | GROUP_PRONOUNS | INDEFINITE_SOURCES
    rows = []
    for group in ordered_groups(groups):
        g = q[q.group == group]
        total = int(g.n_words.sum())
        n_arts = int((groups == group).sum())
        ranked = g[g.speaker.notna() & ~g.speaker.str.lower().isin(skip)].groupby("speaker").agg(
            quoted_words=("n_words", "sum"), n_articles=("article_id", "nunique"))
        nq = qq[qq.group == group].groupby("speaker").size()
        ranked["n_quotes"] = nq.reindex(ranked.index).fillna(0).astype(int)
        ranked = ranked.reset_index().sort_values(["quoted_words", "speaker"], ascending=[False, True]).head(top)
        for rank, r in enumerate(ranked.itertuples(), start=1):
            rows.append({"group": group, "rank": rank, "speaker": r.speaker, "quoted_words": int(r.quoted_words),
                         "share_of_quoted_words": r.quoted_words / total if total else float("nan"),
                         "n_articles": int(r.n_articles), "n_quotes": int(r.n_quotes), "group_quoted_words": total,
                         "group_articles": n_arts})
    return pd.DataFrame(rows, columns=["group", "rank", "speaker", "quoted_words", "share_of_quoted_words", "n_articles",
                                       "n_quotes", "group_quoted_words", "group_articles"])


def speakers_table(quotes: pd.DataFrame, words: pd.DataFrame, names: pd.DataFrame, groups: pd.Series | None = None) -> pd.DataFrame:
    """One row per speaker unified across the corpus: the names merged, article and quote counts, quoted words,
    and (with ``groups``) the groups that quote them.

    Columns: speaker, names (variants as written by the splitter, most frequent first), mentions
    (the mentions as written in the text), n_articles, n_quotes, n_direct, n_partial, n_indirect,
    n_embedded_post, quoted_words, groups.
    """
    alias = dict(zip(names.speaker, names.corpus_speaker))
    kinds = ("direct", "partial", "indirect", "embedded_post")
    q = quotes[quotes.kind.isin(kinds) & quotes.speaker.notna()].copy()
    q["corpus_speaker"] = q.speaker.map(lambda s: alias.get(s, s))
    w = words[(words.voice == "quote") & words.speaker.notna()].copy()
    w["corpus_speaker"] = w.speaker.map(lambda s: alias.get(s, s))
    rows = []
    qw = w.groupby("corpus_speaker")["n_words"].sum()
    for spk, g in q.groupby("corpus_speaker", sort=False):
        variants = g.speaker.value_counts()
        mentions = g.speaker_mention.dropna().value_counts()
        row = {"speaker": spk, "names": "; ".join(variants.index[:10]), "mentions": "; ".join(mentions.index[:10]),
               "n_articles": g.article_id.nunique(), "n_quotes": len(g),
               **{f"n_{k}": int((g.kind == k).sum()) for k in kinds}, "quoted_words": int(qw.get(spk, 0))}
        if groups is not None:
            gs = g.article_id.map(groups).value_counts()
            row["groups"] = "; ".join(f"{k} ({v})" for k, v in gs.items())
        rows.append(row)
    cols = ["speaker", "names", "mentions", "n_articles", "n_quotes", *[f"n_{k}" for k in kinds], "quoted_words"]
    cols += ["groups"] if groups is not None else []
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["quoted_words", "speaker"], ascending=[False, True], ignore_index=True)


def group_density(terms: pd.DataFrame, words: pd.DataFrame, groups: pd.Series, boot: ClusterBootstrap) -> pd.DataFrame:
    """Loaded terms per 1,000 words by group, voice and detector family, with cluster-bootstrap 95% intervals.

    ``terms``: the store's ``terms`` table; ``words``: :func:`segment_words`. Families: ``lexicon``
    (every lexicon category), ``scare quote``, ``learned`` (the learned detector's own words; a
    lexicon or scare-quote match it confirms stays in its own family, so only ``learned`` depends on
    the model: :func:`analysis.lexicon.detector_family`), and each lexicon category. Columns: group,
    voice, family, n_terms, n_words, n_articles, per_1000_words, ci_low, ci_high.
    """
    from .lexicon import detector_family

    t = terms.copy()

    t["family"] = t.detector.map(detector_family)
    gvec = _groups_of(boot, groups)
    rows = []
    families = [("lexicon", t.family == "lexicon"), ("scare quote", t.family == "scare quote"), ("learned", t.family == "learned")]
    families += [(f"lexicon: {c}", (t.family == "lexicon") & (t.category == c)) for c in sorted(t.loc[t.family == "lexicon", "category"].unique())]
    for group in ordered_groups(groups):
        mask = gvec == group
        for voice in ("editorial", "quote"):
            wv = words[words.voice == voice]
            den = boot.vector(wv.groupby("article_id")["n_words"].sum())
            for fam, sel in families:
                sub = t[sel & (t.voice == voice)]
                num = boot.vector(sub.groupby("article_id").size().astype(float))
                rate, lo, hi = boot.ratio(num * 1000.0, den, mask=mask)
                rows.append({"group": group, "voice": voice, "family": fam, "n_terms": int(num[mask].sum()),
                             "n_words": int(den[mask].sum()), "n_articles": int(mask.sum()), "per_1000_words": rate,
                             "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["group", "voice", "family", "n_terms", "n_words", "n_articles", "per_1000_words",
                                       "ci_low", "ci_high"])


def prevalence(hits: pd.DataFrame, articles: pd.DataFrame, boot: ClusterBootstrap, *, by: str = "month") -> pd.DataFrame:
    """Share of articles per time bin that mention each item, with cluster-bootstrap 95% intervals.

    ``hits``: rows (article_id, item) — an article mentions an item (a term, a speaker) when it
    has such a row; ``articles``: ``Store.articles()``. Columns: period, item, n_articles,
    n_mentioning, share, ci_low, ci_high. Articles without a date are left out.
    """
    from .groups import NO_DATE, article_groups

    periods = article_groups(articles, by)
    gvec = _groups_of(boot, periods)
    rows = []
    ones = boot.vector(pd.Series(1.0, index=articles.article_id))
    for item in dict.fromkeys(hits["item"]):
        has = boot.vector(pd.Series(1.0, index=hits.loc[hits["item"] == item, "article_id"].unique()))
        for period in sorted(p for p in set(periods) if p != NO_DATE):
            mask = gvec == period
            share, lo, hi = boot.ratio(has, ones, mask=mask)
            rows.append({"period": period, "item": item, "n_articles": int(mask.sum()), "n_mentioning": int(has[mask].sum()),
                         "share": share, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["period", "item", "n_articles", "n_mentioning", "share", "ci_low", "ci_high"])


def gap_model(sentences: pd.DataFrame, score: str, groups: pd.Series, articles: pd.DataFrame, *,
              min_outlets: int = 10) -> pd.DataFrame:
    """A model of the quoted − editorial gap that respects nesting, shown beside the bootstrap figure.

    ``sentences``: ``Store.scored_units()`` or ``Store.scored_sentences()`` (:func:`group_voice_means`).
    Each article with units in both voices gives one observation: its quoted mean minus its
    editorial mean (so segments or sentences never count as independent). With at least ``min_outlets``
    outlets, a linear mixed model (statsmodels MixedLM, REML) ``gap ~ 0 + C(group)`` with a
    random intercept per outlet estimates each group's gap; with fewer, ordinary least squares
    with heteroskedasticity-robust (HC1) standard errors over articles: cluster-robust errors
    need many clusters (Cameron & Miller 2015) and from one outlet they are 0 up to rounding. A group
        with one article has a gap and no standard error (se, interval and p are NaN). Columns: group, scorer,
    level, model, n_articles, n_outlets, gap, se, ci_low, ci_high, p_value.
    """
    import numpy as np
    import statsmodels.formula.api as smf

    columns = ["group", "scorer", "level", "model", "n_articles", "n_outlets", "gap", "se", "ci_low", "ci_high", "p_value"]
    level = scored_level(sentences)[0]
    s = sentences[sentences[score].notna()]
    means = s.groupby(["article_id", "voice"])[score].mean().unstack("voice")
    if "quote" not in means or "editorial" not in means:
        return pd.DataFrame(columns=columns)
    gaps = (means["quote"] - means["editorial"]).dropna().rename("gap").reset_index()
    outlet = dict(zip(articles.article_id, articles.outlet.fillna("(unknown outlet)")))
    gaps["outlet"] = gaps.article_id.map(outlet)
    gaps["group"] = gaps.article_id.map(groups).astype(str)
    n_out = gaps.outlet.nunique()
    rows = []
    if len(gaps) < 3:
        return pd.DataFrame(rows, columns=columns)
    names = sorted(gaps.group.unique())
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if n_out >= min_outlets:
            fit = smf.mixedlm("gap ~ 0 + C(group)", gaps, groups=gaps["outlet"]).fit(reml=True)
            model = "MixedLM, random intercept per outlet"
        else:
            # too few outlets to cluster on: a cluster-robust SE from a handful of clusters is biased towards
            # 0 (with one outlet in a group it is 0 up to rounding, ~1e-16), so articles are the units and
            # outlets strata, as in ClusterBootstrap
            fit = smf.ols("gap ~ 0 + C(group)", gaps).fit(cov_type="HC1")
            model = f"OLS, HC1 robust SE (articles; {n_out} outlet{'s' if n_out != 1 else ''}, too few to cluster)"
    ci = fit.conf_int()
    for g in names:
        key = f"C(group)[{g}]"
        if key not in fit.params:
            continue
        sub = gaps[gaps.group == g]
        # one article gives a gap but no error: its residual is 0 by construction (the SE would read 0, p 0)
        defined = len(sub) >= 2 and np.isfinite(fit.bse[key])
        rows.append({"group": g, "scorer": score, "level": level, "model": model, "n_articles": len(sub),
                     "n_outlets": sub.outlet.nunique(),
                     "gap": float(fit.params[key]), "se": float(fit.bse[key]) if defined else np.nan,
                     "ci_low": float(ci.loc[key, 0]) if defined else np.nan, "ci_high": float(ci.loc[key, 1]) if defined else np.nan,
                     "p_value": float(fit.pvalues[key]) if defined and np.isfinite(fit.pvalues[key]) else np.nan})
    return pd.DataFrame(rows, columns=columns)


def speaker_score_means(sentences: pd.DataFrame, score: str, names: pd.DataFrame, boot: ClusterBootstrap, *,
                        top: int = 20) -> pd.DataFrame:
    """Mean score of each speaker's quoted material, for the ``top`` speakers by units.

    ``sentences``: ``Store.scored_units()`` (the score of the speaker's own words: each quotation unit)
    or ``Store.scored_sentences()`` (the sentences carrying the speaker's quoted material, cue and
    journalist's words included). Speakers are unified across the corpus (``names``:
    :func:`analysis.speakers.corpus_speaker_names`); a unit counts for every speaker in its
    ``quoted_speakers``. Intervals: cluster bootstrap. Columns: speaker, scorer, level, n_units,
    n_articles, mean, ci_low, ci_high (sorted by mean).
    """
    from .speakers import GROUP_PRONOUNS, INDEFINITE_SOURCES, PERSON_PRONOUNS

    alias = dict(zip(names.speaker, names.corpus_speaker))
    ex = sentences[sentences[score].notna()].explode("quoted_speakers").dropna(subset=["quoted_speakers"])
    ex = ex.assign(speaker=ex.quoted_speakers.map(lambda s: alias.get(s, s)))
    ex = ex[~ex.speaker.str.lower().isin(PERSON_PRONOUNS | GROUP_PRONOUNS | INDEFINITE_SOURCES)]
    level, key = scored_level(sentences)
    ex = ex.drop_duplicates(["article_id", key, "speaker"])
    counts = ex.groupby("speaker").size().sort_values(ascending=False)
    rows = []
    for spk in counts.index[:top]:
        sub = ex[ex.speaker == spk]
        m, lo, hi = boot.ratio(boot.vector(_per_article(sub, score)), boot.vector(_per_article(sub)))
        rows.append({"speaker": spk, "scorer": score, "level": level, "n_units": len(sub),
                     "n_articles": sub.article_id.nunique(), "mean": m, "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows, columns=["speaker", "scorer", "level", "n_units", "n_articles", "mean", "ci_low", "ci_high"])
    return out.sort_values(["mean", "speaker"], ignore_index=True)
