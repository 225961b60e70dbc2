"""Figures, in one consistent style, saved deterministically.

Every figure function takes tidy DataFrames from :mod:`analysis.stats` and
returns a matplotlib Figure; :func:`save_figure` writes PNG and SVG plus the CSV
behind the figure, with volatile metadata (dates, software versions) stripped
so that re-running gives identical bytes.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

#: One palette for voices and kinds across every figure.
VOICE_COLORS: dict[str, str] = {
    "editorial": "#9e9e9e",
    "editorial (scare)": "#f2b134",
    "direct": "#1f77b4",
    "partial": "#6baed6",
    "indirect": "#2ca02c",
    "embedded_post": "#9467bd",
    "scare": "#f2b134",
}
VOICE_ORDER: tuple[str, ...] = ("editorial", "editorial (scare)", "direct", "partial", "indirect", "embedded_post")
STYLE: dict[str, object] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.hashsalt": "framing-suite",
    "svg.fonttype": "path",
}


def use_style() -> None:
    """Apply the suite's matplotlib style (idempotent)."""
    plt.rcParams.update(STYLE)


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def save_figure(fig: Figure, name: str, *, out_dir: str | Path, data: pd.DataFrame | None = None,
                provenance: dict | None = None) -> dict[str, Path]:
    """Write ``name``.png/.svg (and .csv of ``data``, .json of ``provenance``) into ``out_dir``.

    PNG and SVG carry no dates or software versions, so the bytes are reproducible;
    the figure is closed afterwards.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {
        "png": out / f"{name}.png",
        "svg": out / f"{name}.svg",
    }
    fig.savefig(written["png"], metadata={"Software": None}, bbox_inches="tight")
    fig.savefig(written["svg"], metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    if data is not None:
        written["csv"] = save_table(data, name, out_dir=out)
    if provenance is not None:
        written["json"] = save_provenance(provenance, name, out_dir=out)
    plt.close(fig)
    return written


def save_provenance(record: dict, name: str, *, out_dir: str | Path) -> Path:
    """Write ``name``.json: the provenance record of a figure or table."""
    import json

    target = Path(out_dir) / f"{name}.json"
    target.write_text(json.dumps({"figure": name, **record}, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return target


def save_table(data: pd.DataFrame, name: str, *, out_dir: str | Path, provenance: dict | None = None) -> Path:
    """Write a table that has no figure (e.g. a validation table) as ``name``.csv, like save_figure's CSVs."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.csv"
    data.to_csv(target, index=False, lineterminator="\n", float_format="%.6g")
    if provenance is not None:
        save_provenance(provenance, name, out_dir=out)
    return target


def corpus_overview(articles: pd.DataFrame, sentences: pd.DataFrame, paragraphs: pd.DataFrame) -> Figure:
    """Words, sentences and paragraphs per article."""
    use_style()
    counts = pd.DataFrame(
        {
            "words": articles.set_index("article_id")["words"],
            "sentences": sentences.groupby("article_id").size(),
            "paragraphs": paragraphs.groupby("article_id").size(),
        }
    ).fillna(0)
    fig, axes = plt.subplots(1, 3, figsize=(9, 0.5 + 0.35 * max(len(counts), 2)), sharey=True)
    labels = [_short(i) for i in counts.index]
    for ax, col in zip(axes, counts.columns):
        ax.barh(labels, counts[col], color="#4c72b0")
        ax.set_title(f"{col} per article")
        ax.invert_yaxis() if ax is axes[0] else None
        for y, v in enumerate(counts[col]):
            ax.text(v, y, f" {int(v)}", va="center", fontsize=8)
    fig.suptitle(f"Corpus: {len(counts)} article(s)", x=0.01, ha="left")
    fig.tight_layout()
    return fig


def voice_share_bars(shares: pd.DataFrame) -> Figure:
    """Stacked share of each article's words by voice and quote kind."""
    use_style()
    wide = shares.pivot_table(index="article_id", columns="voice_kind", values="share", fill_value=0.0)
    cols = [c for c in VOICE_ORDER if c in wide.columns]
    wide = wide[cols]
    fig, ax = plt.subplots(figsize=(9, max(2.2, 0.9 + 0.45 * len(wide))))
    left = pd.Series(0.0, index=wide.index)
    labels = [_short(i) for i in wide.index]
    for col in cols:
        ax.barh(labels, wide[col], left=left, color=VOICE_COLORS[col], label=col, edgecolor="white", linewidth=0.5)
        for y, (l, v) in enumerate(zip(left, wide[col])):
            if v >= 0.04:
                ax.text(l + v / 2, y, f"{v:.0%}", ha="center", va="center", fontsize=8, color="black")
        left += wide[col]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the article's words")
    ax.set_title("Who speaks: words by voice (editorial vs quoted kinds)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def speaker_bars(speakers: pd.DataFrame, *, top: int = 15) -> Figure:
    """Quoted words per canonical speaker, stacked by nothing, annotated with quote counts."""
    use_style()
    agg = speakers.groupby("speaker", as_index=False)[["quoted_words", "n_direct", "n_partial", "n_indirect", "n_embedded_post"]].sum()
    agg = agg.sort_values(["quoted_words", "speaker"], ascending=[False, True]).head(top)
    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.35 * max(len(agg), 2)))
    ax.barh(agg["speaker"], agg["quoted_words"], color="#1f77b4")
    ax.invert_yaxis()
    for y, row in enumerate(agg.itertuples()):
        ax.text(row.quoted_words, y, f"  {row.n_direct}d {row.n_partial}p {row.n_indirect}i {row.n_embedded_post}e",
                va="center", fontsize=8)
    ax.set_xlabel("words in this speaker's voice")
    ax.set_title("Who is quoted, and how much (d/p/i/e = direct, partial, indirect, embedded post)")
    ax.margins(x=0.25)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def kind_bars(kinds: pd.DataFrame) -> Figure:
    """Number of quotes and labels of each kind (all articles)."""
    use_style()
    total = kinds.groupby("kind")["n"].sum()
    order = [k for k in ("direct", "partial", "indirect", "embedded_post", "scare") if k in total.index]
    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.bar(order, [total[k] for k in order], color=[VOICE_COLORS[k] for k in order])
    for x, k in enumerate(order):
        ax.text(x, total[k], str(int(total[k])), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("count")
    ax.set_title("Quote kinds found")
    ax.grid(axis="x", visible=False)
    fig.tight_layout()
    return fig


SCORER_COLORS: dict[str, str] = {"vader": "#dd8452", "minilm": "#4c72b0", "minilm-int8": "#55a868", "transformer": "#8172b3"}
VOICE_MARKERS: dict[str, str] = {"editorial": "o", "quote": "s"}


def score_distributions(sentences: pd.DataFrame, scorers: list[str]) -> Figure:
    """Histogram of sentence scores by voice, one panel per scorer."""
    use_style()
    fig, axes = plt.subplots(1, len(scorers), figsize=(4.2 * len(scorers), 3), sharey=True, squeeze=False)
    bins = [i / 10 for i in range(-10, 11)]
    for ax, sc in zip(axes[0], scorers):
        for voice in ("editorial", "quote"):
            vals = sentences.loc[sentences.voice == voice, sc]
            ax.hist(vals, bins=bins, alpha=0.6, label=f"{voice} (n={len(vals)})",
                    color=VOICE_COLORS["editorial" if voice == "editorial" else "direct"])
        ax.set_title(sc)
        ax.set_xlabel("sentence score (-1 … 1)")
        ax.legend(fontsize=7, frameon=False)
    axes[0][0].set_ylabel("sentences")
    fig.suptitle("Sentence sentiment by voice", x=0.01, ha="left")
    fig.tight_layout()
    return fig


def mean_intervals(table: pd.DataFrame, *, label: str, title: str) -> Figure:
    """Means with 95% intervals: rows are ``label`` values, one colour per scorer."""
    use_style()
    scorers = list(dict.fromkeys(table["scorer"]))
    cats = list(dict.fromkeys(table[label]))
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.45 * max(len(cats), 2)))
    off = {sc: (i - (len(scorers) - 1) / 2) * 0.18 for i, sc in enumerate(scorers)}
    for sc in scorers:
        sub = table[table["scorer"] == sc]
        ys = [cats.index(c) + off[sc] for c in sub[label]]
        lo = (sub["mean"] - sub["ci_low"]).fillna(0).clip(lower=0)
        hi = (sub["ci_high"] - sub["mean"]).fillna(0).clip(lower=0)
        ax.errorbar(sub["mean"], ys, xerr=[lo, hi], fmt="o", color=SCORER_COLORS.get(sc, "black"), label=sc, capsize=3, ms=5)
    ax.set_yticks(range(len(cats)), [_short(str(c), 40) for c in cats])
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("mean sentence score with 95% bootstrap interval")
    ax.set_title(title)
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def scorer_agreement(sentences: pd.DataFrame, a: str, b: str, stats: dict) -> Figure:
    """Scatter of two scorers' sentence scores, coloured by voice, with agreement statistics."""
    use_style()
    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    for voice in ("editorial", "quote"):
        sub = sentences[sentences.voice == voice]
        ax.scatter(sub[a], sub[b], s=18, alpha=0.7, label=voice, marker=VOICE_MARKERS[voice],
                   color=VOICE_COLORS["editorial" if voice == "editorial" else "direct"])
    ax.plot([-1, 1], [-1, 1], color="black", lw=0.5, ls="--")
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.set_title(f"{a} vs {b}: r={stats['pearson']:.2f}, ρ={stats['spearman']:.2f}, κ={stats['kappa']:.2f} (n={stats['n']})", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


CATEGORY_COLORS: dict[str, str] = {
    "(all)": "#333333", "atrocity_label": "#c44e52", "pejorative_regime_label": "#8c564b", "conflict_escalation": "#dd8452",
    "dismissive_idiom": "#937860", "euphemism": "#55a868", "evaluative_reporting_verb": "#4c72b0",
    "scare_quote_label": "#f2b134", "learned": "#8172b3",
}


def density_plot(density: pd.DataFrame) -> Figure:
    """Loaded terms per 1,000 words by voice and category, with 95% intervals."""
    use_style()
    cats = list(dict.fromkeys(density.category))
    voices = list(dict.fromkeys(density.voice))
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.38 * len(cats) * len(voices)))
    labels = []
    y = 0
    for cat in cats:
        for voice in voices:
            row = density[(density.category == cat) & (density.voice == voice)]
            if not len(row):
                continue
            r = row.iloc[0]
            ax.errorbar(r.per_1000_words, y, xerr=[[r.per_1000_words - r.ci_low], [r.ci_high - r.per_1000_words]],
                        fmt=VOICE_MARKERS.get(voice, "o"), color=CATEGORY_COLORS.get(cat, "black"), capsize=3)
            labels.append(f"{cat} · {voice} (n={r.n_matches})")
            y += 1
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("loaded terms per 1,000 words (95% bootstrap interval)")
    ax.set_title("Density of loaded terms by voice and category")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def verb_class_bars(profile: pd.DataFrame) -> Figure:
    """Cue verbs by stance class and speaker."""
    use_style()
    table = profile.assign(speaker=profile.speaker.fillna("(unattributed)")).pivot_table(
        index="speaker", columns="verb_class", values="start", aggfunc="count", fill_value=0)
    order = [c for c in ("neutral", "endorsing", "distancing", "guilt-implying", "charged", "other") if c in table.columns]
    table = table[order]
    colors = {"neutral": "#9e9e9e", "endorsing": "#55a868", "distancing": "#dd8452", "guilt-implying": "#c44e52",
              "charged": "#8172b3", "other": "#cccccc"}
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.4 * max(len(table), 2)))
    left = pd.Series(0, index=table.index)
    for cls in order:
        ax.barh(table.index, table[cls], left=left, color=colors[cls], label=cls)
        left += table[cls]
    ax.invert_yaxis()
    ax.set_xlabel("quotes")
    ax.set_title("Reporting verbs by stance class, per speaker")
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def fightin_words_plot(fw: pd.DataFrame, *, top: int = 15, label_a: str = "a", label_b: str = "b") -> Figure:
    """The most distinctive words of each group (Fightin' Words z-scores)."""
    use_style()
    sel = pd.concat([fw.head(top), fw.tail(top)]).drop_duplicates("word").sort_values("z")
    fig, ax = plt.subplots(figsize=(6, 0.6 + 0.22 * len(sel)))
    ax.barh(sel.word, sel.z, color=["#4c72b0" if z > 0 else "#9e9e9e" for z in sel.z])
    ax.axvline(0, color="black", lw=0.6)
    for x in (-1.96, 1.96):
        ax.axvline(x, color="black", lw=0.4, ls=":")
    ax.set_xlabel(f"z  (← {label_b}   |   {label_a} →)")
    ax.set_title(f"Fightin' Words: {label_a} vs {label_b}")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig
