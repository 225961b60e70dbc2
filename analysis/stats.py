"""Statistics: word shares by voice, who is quoted and how much, bootstrap intervals,
and the agreement and accuracy metrics used at run time (neutral bands, F1)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .corpus import count_words


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


def quote_scores(quotes: pd.DataFrame, sentences: pd.DataFrame, scorers: list[str]) -> pd.DataFrame:
    """Quoted speech (direct, partial, indirect, posts) with the mean score of the sentences each quote overlaps.

    ``sentences``: ``Store.scored_sentences()``. Adds ``n_sentences`` and one column per scorer.
    """
    import numpy as np

    q = quotes[quotes.kind.isin(["direct", "partial", "indirect", "embedded_post"])].copy()
    by_art = {a: g.sort_values("start") for a, g in sentences.groupby("article_id", sort=False)}
    n, means = [], {s: [] for s in scorers}
    for aid, s0, e0 in zip(q.article_id, q.start, q.end):
        g = by_art.get(aid)
        hit = g[(g.start < e0) & (g.end > s0)] if g is not None else None
        n.append(0 if hit is None else len(hit))
        for s in scorers:
            means[s].append(float(hit[s].mean()) if hit is not None and len(hit) and s in hit else np.nan)
    q["n_sentences"] = n
    for s in scorers:
        q[s] = means[s]
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
