"""Figures, in one consistent style, saved deterministically, legible at any corpus size.

Every figure function takes tidy DataFrames from :mod:`analysis.stats` and returns a
matplotlib Figure; :func:`save_figure` writes PNG and SVG plus the CSV behind the figure,
with volatile metadata (dates, software versions) stripped so that re-running gives
identical bytes. No figure draws a row per article, and none grows without bound: groups
are capped (:data:`analysis.groups.TOP_GROUPS` plus "others"), speakers and words are
top-k, and :data:`MAX_INCHES` bounds every side (at 150 dpi, 3,000 px). Every estimate
carries its n; estimates of groups with too few articles are drawn hollow and labelled.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from . import paths

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
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


#: The longest side of any figure, in inches (150 dpi: 3,000 px).
MAX_INCHES: float = 19.5


def _size(width: float, height: float) -> tuple[float, float]:
    return min(width, MAX_INCHES), min(height, MAX_INCHES)


def _small_label(n: int, small: bool) -> str:
    return f"n={n:,}" + (" (few articles)" if small else "")


def save_figure(fig: Figure, name: str, *, out_dir: str | Path, data: pd.DataFrame | None = None,
                provenance: dict | None = None) -> dict[str, Path]:
    """Write ``name``.png/.svg (and .csv of ``data``, .json of ``provenance``) into ``out_dir``.

    PNG and SVG carry no dates or software versions, so the bytes are reproducible. In a Jupyter kernel
    (JupyterLab, papermill, ``make figures``) the figure is also shown in the cell's output, once
    (:func:`show_in_kernel`); then it is closed, so long runs do not pile up open figures. A reference
    figure made with an optional input that is absent here goes elsewhere (:func:`reference_destination`).
    """
    out = reference_destination(Path(out_dir), name, provenance)
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
    show_in_kernel(fig)
    plt.close(fig)
    return written


def show_in_kernel(fig: Figure) -> bool:
    """Show ``fig`` in the output of the running Jupyter cell (as PNG); False (nothing shown) outside a kernel.

    Called by :func:`save_figure` before it closes the figure: closing alone would leave JupyterLab and the
    executed notebooks with tables only (the inline backend shows only figures still open at the cell's end).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not getattr(shell, "kernel", None):
        return False
    from IPython.display import display

    display(fig)
    return True


def reference_destination(out_dir: Path, name: str, provenance: dict | None) -> Path:
    """Where a figure goes: ``out_dir``, unless that is the reference folder (``paths.FIGURES``) and the
    reference ``name``.json was made with other optional inputs than ``provenance`` records
    (:data:`analysis.provenance.OPTIONAL_INPUTS`, e.g. without the GPL agency/power lexicon): then
    ``build/figures/variants/<with|without>-<input>/``, so a machine without that input never writes
    over the reference (their absence is not drift). Says so on standard output.
    """
    import json

    from .provenance import OPTIONAL_INPUTS, optional_inputs_of

    if provenance is None or out_dir.resolve() != paths.FIGURES.resolve():
        return out_dir
    ref = out_dir / f"{name}.json"
    if not ref.exists():
        return out_dir
    try:
        before = optional_inputs_of(json.loads(ref.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return out_dir
    now = optional_inputs_of(provenance)
    # only inputs both records name: a reference that does not record an input says nothing about it
    changed = sorted(k for k in set(before) & set(now) if bool(before[k]) != bool(now[k]))
    if not changed:
        return out_dir
    variant = "-".join(f"{'with' if now.get(k) else 'without'}-{k}" for k in changed)
    target = paths.BUILD / "figures" / "variants" / variant
    what = "; ".join(f"{OPTIONAL_INPUTS[k][0] if k in OPTIONAL_INPUTS else k} is {'present' if now.get(k) else 'absent'} here"
                     for k in changed)
    print(f"{name}: the reference was made with other optional inputs ({what}): written to "
          f"{paths.display_path(target)}, the reference left as it is")
    return target


def save_provenance(record: dict, name: str, *, out_dir: str | Path) -> Path:
    """Write ``name``.json: the provenance record of a figure or table."""
    import json

    target = Path(out_dir) / f"{name}.json"
    target.write_text(json.dumps({"figure": name, **record}, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return target


def save_table(data: pd.DataFrame, name: str, *, out_dir: str | Path, provenance: dict | None = None) -> Path:
    """Write a table that has no figure (e.g. a validation table) as ``name``.csv, like save_figure's CSVs."""
    out = reference_destination(Path(out_dir), name, provenance)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.csv"
    data.to_csv(target, index=False, lineterminator="\n", float_format="%.6g")
    if provenance is not None:
        save_provenance(provenance, name, out_dir=out)
    return target


def corpus_overview(articles: pd.DataFrame, groups: pd.Series) -> Figure:
    """The corpus at a glance: articles per group, words per article, articles per month."""
    import numpy as np

    from .groups import cap_groups, ordered_groups

    use_style()
    fig, axes = plt.subplots(1, 3, figsize=_size(13, 3.6), gridspec_kw={"width_ratios": [1.1, 1, 1.3]})
    capped = cap_groups(groups)
    counts = capped.value_counts().reindex(ordered_groups(capped))
    ax = axes[0]
    ax.barh([_short(g, 24) for g in counts.index], counts.to_numpy(), color="#4c72b0")
    ax.invert_yaxis()
    for y, v in enumerate(counts.to_numpy()):
        ax.text(v, y, f" {v:,}", va="center", fontsize=8)
    ax.set_title(f"Articles per {groups.name}")
    ax.set_xlabel("articles")
    ax.margins(x=0.2)
    ax.grid(axis="y", visible=False)
    ax = axes[1]
    words = articles["words"].to_numpy()
    ax.hist(words, bins=np.histogram_bin_edges(words, bins=30) if len(words) > 1 else 10, color="#9e9e9e")
    ax.axvline(np.median(words), color="black", lw=0.8, ls="--")
    ax.set_title(f"Words per article (median {int(np.median(words)):,})")
    ax.set_xlabel("words")
    ax.set_ylabel("articles")
    ax = axes[2]
    dates = pd.to_datetime(articles["date"], errors="coerce").dropna()
    if len(dates):
        months = dates.dt.to_period("M").value_counts().sort_index()
        full = pd.period_range(months.index.min(), months.index.max(), freq="M")
        months = months.reindex(full, fill_value=0)
        ax.bar(range(len(months)), months.to_numpy(), color="#4c72b0", width=0.9)
        step = max(1, len(months) // 8)
        ax.set_xticks(range(0, len(months), step), [str(p) for p in months.index[::step]], rotation=45, ha="right")
    ax.set_title(f"Articles per month ({int(articles['date'].isna().sum()):,} without a date)")
    ax.set_ylabel("articles")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(f"Corpus: {len(articles):,} articles, {int(articles['words'].sum()):,} words", x=0.01, ha="left")
    fig.tight_layout()
    return fig


def voice_share_bars(shares: pd.DataFrame, sizes: pd.DataFrame) -> Figure:
    """Share of each group's words by voice and quote kind (stacked), with the quoted share and its interval.

    ``shares``: :func:`analysis.stats.group_voice_shares`; ``sizes``: :func:`analysis.groups.group_sizes`.
    """
    use_style()
    wide = shares.pivot_table(index="group", columns="voice_kind", values="share", fill_value=0.0, sort=False)
    cols = [c for c in VOICE_ORDER if c in wide.columns]
    wide = wide[cols]
    small = dict(zip(sizes.group, sizes.small))
    n_art = dict(zip(sizes.group, sizes.n_articles))
    quoted = shares[~shares.voice_kind.str.startswith("editorial")].groupby("group", sort=False)["share"].sum()
    fig, ax = plt.subplots(figsize=_size(10, 1.2 + 0.42 * len(wide)))
    labels = [f"{_short(g, 26)}  ({_small_label(n_art.get(g, 0), small.get(g, False))})" for g in wide.index]
    left = pd.Series(0.0, index=wide.index)
    for col in cols:
        ax.barh(labels, wide[col], left=left, color=VOICE_COLORS[col], label=col, edgecolor="white", linewidth=0.5,
                hatch=[("///" if small.get(g) else None) for g in wide.index])
        left += wide[col]
    for y, g in enumerate(wide.index):
        q = quoted.get(g, 0.0)
        ax.text(1.01, y, f"quoted {q:.0%}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the group's words")
    ax.set_title("Who speaks: words by voice, per group (hatched: fewer than 5 articles)")
    ax.grid(axis="y", visible=False)
    # the legend in a strip of its own below the axis label (a fixed height in inches, so it never overlaps the
    # label whatever the number of groups)
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=len(cols), frameon=False)
    fig.tight_layout(rect=(0, 0.32 / fig.get_figheight(), 1, 1))
    return fig


def speaker_panels(top: pd.DataFrame, *, max_panels: int = 6) -> Figure:
    """Who each group quotes: one panel per group (largest first), its top speakers by share of quoted words.

    ``top``: :func:`analysis.stats.group_speakers`. Bars are sorted by value; each is labelled with
    the number of articles that quote the speaker.
    """
    use_style()
    groups = list(dict.fromkeys(top.group))[:max_panels]
    ncol = min(3, max(1, len(groups)))
    nrow = max(1, -(-len(groups) // ncol))
    k = int(top["rank"].max()) if len(top) else 1
    fig, axes = plt.subplots(nrow, ncol, figsize=_size(5.2 * ncol, 0.6 + nrow * (0.8 + 0.28 * k)), squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    for ax, g in zip(axes.flat, groups):
        sub = top[top.group == g].sort_values("share_of_quoted_words")
        ax.barh([_short(s, 26) for s in sub.speaker], sub.share_of_quoted_words, color="#1f77b4")
        for y, r in enumerate(sub.itertuples()):
            ax.text(r.share_of_quoted_words, y, f" {r.n_articles:,} art.", va="center", fontsize=7)
        first = sub.iloc[0] if len(sub) else None
        n_words = int(first.group_quoted_words) if first is not None else 0
        n_arts = int(first.group_articles) if first is not None else 0
        ax.set_title(f"{_short(g, 30)} ({n_arts:,} articles, {n_words:,} quoted words)", fontsize=9)
        ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        ax.margins(x=0.25)
        ax.grid(axis="y", visible=False)
    fig.suptitle("Who is quoted: top speakers by share of each group's quoted words (label: articles quoting them)",
                 x=0.01, ha="left")
    fig.tight_layout()
    return fig


def kind_bars(kinds: pd.DataFrame) -> Figure:
    """Quotes and labels of each kind, per group (grouped bars). ``kinds``: group, kind, n."""
    import numpy as np

    use_style()
    order = [k for k in ("direct", "partial", "indirect", "embedded_post", "scare") if k in set(kinds.kind)]
    groups = list(dict.fromkeys(kinds.group))
    fig, ax = plt.subplots(figsize=_size(max(6, 1.2 * len(order) * max(1, len(groups)) ** 0.5 + 3), 3.2))
    width = 0.8 / max(1, len(groups))
    for i, g in enumerate(groups):
        sub = kinds[kinds.group == g].set_index("kind").reindex(order).fillna(0)
        ax.bar(np.arange(len(order)) + i * width, sub.n, width=width, label=_short(g, 20))
    ax.set_xticks(np.arange(len(order)) + width * (len(groups) - 1) / 2, order)
    ax.set_ylabel("count")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Quote kinds found, per group (scare: quoted labels without a speaker, editorial voice)")
    if len(groups) > 1:
        ax.legend(fontsize=7, frameon=False, ncol=min(4, len(groups)))
    ax.grid(axis="x", visible=False)
    fig.tight_layout()
    return fig


def validation_bars(scores: pd.DataFrame, *, title: str = "Voice splitter vs hand coding") -> Figure:
    """Precision, recall and F1 of the tool against hand coding, per kind (grouped bars), with the
    number of coded items under each kind. ``scores``: :func:`analysis.coding.compare` rows
    (kind, n_human, precision, recall, f1)."""
    import numpy as np

    use_style()
    s = scores.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=_size(max(6, 1.1 * len(s) + 2), 3.6))
    x = np.arange(len(s))
    for k, (col, color) in enumerate((("precision", "#4c72b0"), ("recall", "#dd8452"), ("f1", "#55a868"))):
        ax.bar(x + (k - 1) * 0.26, s[col].fillna(0), width=0.26, label=col, color=color)
    ax.set_xticks(x, [f"{k}\n(n={int(n)})" for k, n in zip(s.kind, s.n_human)], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"{title} (n = items the coder found)", fontsize=10)
    ax.legend(fontsize=7, frameon=False, ncol=3, loc="lower left", bbox_to_anchor=(0, 1.08))
    ax.grid(axis="x", visible=False)
    fig.tight_layout()
    return fig


SCORER_COLORS: dict[str, str] = {"vader": "#dd8452", "minilm": "#4c72b0", "minilm-int8": "#55a868", "transformer": "#8172b3"}
VOICE_MARKERS: dict[str, str] = {"editorial": "o", "quote": "s"}


def level_colors(scorers: list[str]) -> dict[str, str]:
    """Colours for series named ``"<scorer> · segment"`` and ``"<scorer> · sentence"``: the scorer's colour for
    voice segments (the comparison's unit), a paler tint of it for whole sentences (the older unit)."""
    from matplotlib.colors import to_hex, to_rgb

    out = {}
    for s in scorers:
        base = SCORER_COLORS.get(s, "#937860")
        out[f"{s} · segment"] = base
        out[f"{s} · sentence"] = to_hex(tuple(0.55 * c + 0.45 for c in to_rgb(base)))
    return out


def score_distributions(sentences: pd.DataFrame, scorers: list[str], *, level: str = "sentence") -> Figure:
    """Histogram of scores by voice, one panel per scorer (shares of each voice's units).

    ``sentences``: ``Store.scored_units()`` (``level="segment"``: each quotation's part of a sentence and
    each editorial remainder) or ``Store.scored_sentences()`` (``level="sentence"``, majority voice).
    """
    import numpy as np

    what = {"segment": "voice segment", "sentence": "sentence"}[level]

    use_style()
    fig, axes = plt.subplots(1, len(scorers), figsize=_size(4.2 * len(scorers), 3), sharey=True, squeeze=False)
    bins = np.linspace(-1, 1, 21)
    for ax, sc in zip(axes[0], scorers):
        for voice in ("editorial", "quote"):
            vals = sentences.loc[sentences.voice == voice, sc].dropna()
            if len(vals):
                ax.hist(vals, bins=bins, alpha=0.6, label=f"{voice} (n={len(vals):,})", weights=np.full(len(vals), 1 / len(vals)),
                        color=VOICE_COLORS["editorial" if voice == "editorial" else "direct"])
        ax.set_title(sc)
        ax.set_xlabel(f"{what} score (-1 … 1)")
        ax.legend(fontsize=7, frameon=False)
    axes[0][0].set_ylabel(f"share of the voice's {what}s")
    fig.suptitle(f"Sentiment by voice, scored per {what}", x=0.01, ha="left")
    fig.tight_layout()
    return fig


def group_estimates(table: pd.DataFrame, *, value: str, series: str, title: str, xlabel: str,
                    sizes: pd.DataFrame | None = None, n_col: str = "n_articles", zero: bool = True,
                    colors: dict[str, str] | None = None, xlim: tuple[float, float] | None = None) -> Figure:
    """Estimates with 95% intervals per group (rows) and series (colours): dots, n in the label.

    ``table`` has group, ``series``, ``value``, ci_low, ci_high and ``n_col``. Groups with few
    articles (``sizes.small``) are drawn hollow; an estimate without an interval (too few
    units) is drawn as a cross and says so.
    """
    use_style()
    groups = list(dict.fromkeys(table.group))
    keys = list(dict.fromkeys(table[series]))
    small = dict(zip(sizes.group, sizes.small)) if sizes is not None else {}
    n_art = dict(zip(sizes.group, sizes.n_articles)) if sizes is not None else {}
    fig, ax = plt.subplots(figsize=_size(8.5, 1.0 + 0.42 * max(len(groups), 2) * max(1, len(keys)) ** 0.5))
    off = {k: (i - (len(keys) - 1) / 2) * min(0.25, 0.7 / max(1, len(keys))) for i, k in enumerate(keys)}
    palette = colors or {}
    default = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]
    for i, k in enumerate(keys):
        sub = table[table[series] == k]
        color = palette.get(k, default[i % len(default)])
        for r in sub.itertuples():
            y = groups.index(r.group) + off[k]
            v, lo, hi = getattr(r, value), r.ci_low, r.ci_high
            if v != v:
                continue
            hollow = small.get(r.group, False)
            if lo == lo and hi == hi:
                ax.errorbar(v, y, xerr=[[max(0, v - lo)], [max(0, hi - v)]], fmt="o", color=color, capsize=3, ms=5,
                            mfc="white" if hollow else color, label=k if r.group == sub.group.iloc[0] else None)
            else:
                ax.plot(v, y, "x", color=color, ms=6, label=k if r.group == sub.group.iloc[0] else None)
            ax.text(hi if hi == hi else v, y, f"  n={int(getattr(r, n_col)):,}" + ("" if lo == lo else " (no interval)"),
                    va="center", fontsize=6.5, color="#555")
    labels = [f"{_short(g, 28)}" + (f" ({n_art[g]:,} art.{', few' if small.get(g) else ''})" if g in n_art else "")
              for g in groups]
    ax.set_yticks(range(len(groups)), labels)
    ax.invert_yaxis()
    if zero:
        ax.axvline(0, color="black", lw=0.6)
    if xlim:
        ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    if len(keys) > 1 or keys[0] is not None:
        ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.margins(x=0.15)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def scorer_agreement(sentences: pd.DataFrame, a: str, b: str, stats: dict) -> Figure:
    """Two scorers' sentence scores: scatter (hexagonal bins above 2,000 sentences), with agreement statistics."""
    use_style()
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    data = sentences[[a, b, "voice"]].dropna()
    if len(data) > 2000:
        hb = ax.hexbin(data[a], data[b], gridsize=40, extent=(-1, 1, -1, 1), bins="log", cmap="Blues", mincnt=1)
        fig.colorbar(hb, ax=ax, label="sentences (log)")
    else:
        for voice in ("editorial", "quote"):
            sub = data[data.voice == voice]
            ax.scatter(sub[a], sub[b], s=14, alpha=0.6, label=f"{voice} (n={len(sub):,})", marker=VOICE_MARKERS[voice],
                       color=VOICE_COLORS["editorial" if voice == "editorial" else "direct"])
        ax.legend(fontsize=8, frameon=False)
    ax.plot([-1, 1], [-1, 1], color="black", lw=0.5, ls="--")
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.set_title(f"{a} vs {b}: r={stats['pearson']:.2f}, ρ={stats['spearman']:.2f}, κ={stats['kappa']:.2f} (n={stats['n']:,})",
                 fontsize=9)
    fig.tight_layout()
    return fig


CATEGORY_COLORS: dict[str, str] = {
    "(all)": "#333333", "atrocity_label": "#c44e52", "pejorative_regime_label": "#8c564b", "conflict_escalation": "#dd8452",
    "dismissive_idiom": "#937860", "euphemism": "#55a868", "evaluative_reporting_verb": "#4c72b0",
    "scare_quote_label": "#f2b134", "learned": "#8172b3",
}
VOICE_SERIES_COLORS: dict[str, str] = {"editorial": "#555555", "quote": "#1f77b4"}


def density_panels(density: pd.DataFrame, sizes: pd.DataFrame | None = None) -> Figure:
    """Loaded terms per 1,000 words by group and voice, one panel per detector: lexicon, scare quotes, learned.

    ``density``: :func:`analysis.stats.group_density`. Lexicon categories are in the CSV, not drawn.
    """
    use_style()
    fams = [f for f in ("lexicon", "scare quote", "learned") if f in set(density.family)]
    groups = list(dict.fromkeys(density.group))
    small = dict(zip(sizes.group, sizes.small)) if sizes is not None else {}
    fig, axes = plt.subplots(1, len(fams), figsize=_size(4.6 * len(fams), 1.2 + 0.42 * max(2, len(groups))),
                             sharey=True, squeeze=False)
    for ax, fam in zip(axes[0], fams):
        sub = density[density.family == fam]
        for j, voice in enumerate(("editorial", "quote")):
            vs = sub[sub.voice == voice]
            for r in vs.itertuples():
                if r.per_1000_words != r.per_1000_words:
                    continue
                y = groups.index(r.group) + (j - 0.5) * 0.3
                lo, hi = r.ci_low, r.ci_high
                col = VOICE_SERIES_COLORS[voice]
                label = voice if r.group == vs.group.iloc[0] else None
                if lo == lo:
                    ax.errorbar(r.per_1000_words, y, xerr=[[r.per_1000_words - lo], [hi - r.per_1000_words]], fmt="o",
                                color=col, capsize=2, ms=4, mfc="white" if small.get(r.group) else col, label=label)
                else:  # no interval (a single article): a hollow point, never drawn as if certain
                    ax.plot([r.per_1000_words], [y], "o", color=col, ms=4, mfc="white", label=label)
                ax.text(hi if hi == hi else r.per_1000_words, y, f" {r.n_terms:,}", va="center", fontsize=6.5, color="#555")
        ax.set_title({"lexicon": "lexicon terms", "scare quote": "scare-quoted labels",
                      "learned": "learned detector (words beyond the lexicon)"}[fam], fontsize=9)
        ax.set_xlabel("per 1,000 words of that voice (95% interval)")
        ax.set_xlim(left=0)
        ax.grid(axis="y", visible=False)
    axes[0][0].set_yticks(range(len(groups)), [_short(g, 26) for g in groups])
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(fontsize=8, frameon=False, loc="lower right")
    fig.suptitle("Loaded terms by voice (label: number of terms; hollow: fewer than 5 articles)", x=0.01, ha="left")
    fig.tight_layout()
    return fig


VERB_CLASS_COLORS: dict[str, str] = {"neutral": "#9e9e9e", "endorsing": "#55a868", "distancing": "#dd8452",
                                     "guilt-implying": "#c44e52", "charged": "#8172b3", "other": "#cccccc"}


def verb_profile(profile: pd.DataFrame, groups: pd.Series, *, top_verbs: int = 4) -> Figure:
    """Reporting verbs per group: share of attributed quotes by stance class, and the most used verbs of each class.

    ``profile``: :func:`analysis.lexicon.reporting_verb_profile`. Classes (Caldas-Coulthard 1994; Floyd 2000):
    neutral (say, tell), endorsing (note, explain), distancing (claim, insist), guilt-implying (admit, deny),
    charged (slam, accuse, warn), other.
    """
    from .lexicon import REPORTING_CLASSES

    use_style()
    p = profile.assign(group=profile.article_id.map(groups))
    order = [c for c in ("neutral", "endorsing", "distancing", "guilt-implying", "charged", "other") if c in set(p.verb_class)]
    table = p.pivot_table(index="group", columns="verb_class", values="start", aggfunc="count", fill_value=0, sort=False)
    table = table.reindex(columns=order, fill_value=0)
    totals = table.sum(axis=1)
    shares = table.div(totals.where(totals > 0), axis=0).fillna(0)
    fig, (ax, tx) = plt.subplots(1, 2, figsize=_size(12, 1.4 + 0.42 * max(2, len(table))),
                                 gridspec_kw={"width_ratios": [2.2, 1]})
    left = pd.Series(0.0, index=shares.index)
    labels = [f"{_short(g, 24)} (n={int(totals[g]):,})" for g in shares.index]
    for cls in order:
        ax.barh(labels, shares[cls], left=left, color=VERB_CLASS_COLORS[cls], label=cls)
        left += shares[cls]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of the group's quotes with a cue verb (n = quotes)")
    ax.set_title("Reporting verbs by stance class")
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.02 * min(len(table), 10)),
              ncol=len(order))
    ax.grid(axis="y", visible=False)
    tx.axis("off")
    lines = []
    for cls in order:
        top = p[p.verb_class == cls].cue_lemma.value_counts().head(top_verbs)
        defined = ", ".join(REPORTING_CLASSES.get(cls, ())[:3]) if cls != "other" else "any other cue"
        lines.append(f"{cls} (e.g. {defined}):\n   " + (", ".join(f"{v} {n:,}" for v, n in top.items()) or "none"))
    tx.text(0, 1, "Most used verbs per class (count):\n\n" + "\n".join(lines), va="top", fontsize=8, family="DejaVu Sans")
    fig.tight_layout()
    return fig


def fightin_words_plot(fw: pd.DataFrame, *, top: int = 12, label_a: str = "a", label_b: str = "b") -> Figure:
    """Fightin' Words, scattertext-style: each word's frequency (x, log) against its z-score (y).

    The ``top`` words of each side are labelled; dotted lines mark |z| = 1.96. When no word
    reaches it, the figure says so.
    """
    import numpy as np

    use_style()
    fig, ax = plt.subplots(figsize=(9, 5.5))
    if not len(fw):
        ax.text(0.5, 0.5, "no words", ha="center", transform=ax.transAxes)
        return fig
    freq = (fw.count_a + fw.count_b).to_numpy()
    z = fw.z.to_numpy()
    sig = np.abs(z) > 1.96
    # points rasterized inside the SVG, so tens of thousands of words stay a small file
    ax.scatter(freq[~sig], z[~sig], s=6, color="#cccccc", alpha=0.6, label=f"|z| ≤ 1.96 ({(~sig).sum():,} words)",
               rasterized=True)
    ax.scatter(freq[sig & (z > 0)], z[sig & (z > 0)], s=10, color="#4c72b0",
               label=f"typical of {label_a} ({(sig & (z > 0)).sum():,})", rasterized=True)
    ax.scatter(freq[sig & (z < 0)], z[sig & (z < 0)], s=10, color="#c44e52",
               label=f"typical of {label_b} ({(sig & (z < 0)).sum():,})", rasterized=True)
    ax.set_xscale("log")
    for x in (-1.96, 1.96):
        ax.axhline(x, color="black", lw=0.5, ls=":")
    ax.axhline(0, color="black", lw=0.5)
    labelled = pd.concat([fw[fw.z > 1.96].head(top), fw[fw.z < -1.96].tail(top)])
    for r in labelled.itertuples():
        ax.annotate(r.word, (r.count_a + r.count_b, r.z), fontsize=7, xytext=(3, 0), textcoords="offset points", va="center")
    if not sig.any():
        ax.text(0.5, 0.95, "no word differs significantly (all |z| ≤ 1.96)", transform=ax.transAxes, ha="center",
                fontsize=9, color="#c44e52")
    ax.set_xlabel("frequency in both (log scale)")
    ax.set_ylabel(f"z  (← {label_b}   |   {label_a} →)")
    ax.set_title(f"Fightin' Words: {label_a} vs {label_b} (log-odds, informative Dirichlet prior)")
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def prevalence_plot(prev: pd.DataFrame, *, max_items: int = 6) -> Figure:
    """Share of articles per period mentioning each item, with 95% intervals: one panel per item."""
    use_style()
    items = list(dict.fromkeys(prev["item"]))[:max_items]
    ncol = min(3, max(1, len(items)))
    nrow = max(1, -(-len(items) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=_size(5 * ncol, 2.8 * nrow), squeeze=False, sharey=True)
    for ax in axes.flat[len(items):]:
        ax.set_visible(False)
    for ax, item in zip(axes.flat, items):
        sub = prev[prev["item"] == item]
        x = range(len(sub))
        ax.fill_between(x, sub.ci_low.fillna(sub.share), sub.ci_high.fillna(sub.share), color="#4c72b0", alpha=0.2, lw=0)
        ax.plot(x, sub.share, "-o", ms=2.5, color="#4c72b0")
        step = max(1, len(sub) // 6)
        ax.set_xticks(list(x)[::step], list(sub.period)[::step], rotation=45, ha="right", fontsize=7)
        ax.set_title(f"“{_short(item, 30)}” ({int(sub.n_mentioning.sum()):,} articles)", fontsize=9)
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    axes[0][0].set_ylabel("share of the period's articles")
    fig.suptitle("Prevalence over time (95% cluster-bootstrap interval)", x=0.01, ha="left")
    fig.tight_layout()
    return fig


SIDE_COLORS: dict[str, str] = {"left": "#1f77b4", "center": "#7f7f7f", "right": "#d62728"}


def coverage_plot(coverage: pd.DataFrame, prev: pd.DataFrame) -> Figure:
    """Articles per quarter by side (first panel), then per followed speaker the share of each side's
    articles quoting them per year, with 95% intervals.

    ``coverage``: quarter, side, articles; ``prev``: :func:`analysis.stats.prevalence` rows with a ``side`` column.
    """
    use_style()
    items = list(dict.fromkeys(prev["item"]))
    n = 1 + len(items)
    ncol = min(3, n)
    nrow = -(-n // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=_size(5.2 * ncol, 3.0 * nrow), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    ax = axes.flat[0]
    quarters = sorted(coverage.quarter.unique())
    for side, sub in coverage.groupby("side", sort=False):
        counts = sub.set_index("quarter")["articles"].reindex(quarters, fill_value=0)
        ax.plot(range(len(quarters)), counts, "-", color=SIDE_COLORS.get(side, "black"), label=f"{side} ({int(sub.articles.sum()):,})")
    step = max(1, len(quarters) // 6)
    ax.set_xticks(range(0, len(quarters), step), quarters[::step], rotation=45, ha="right", fontsize=7)
    ax.set_title("Articles per quarter")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, frameon=False)
    for ax, item in zip(list(axes.flat)[1:], items):
        sub = prev[prev["item"] == item]
        periods = sorted(sub.period.unique())
        for side, s in sub.groupby("side", sort=False):
            s = s.set_index("period").reindex(periods)
            x = range(len(periods))
            ax.fill_between(x, s.ci_low, s.ci_high, color=SIDE_COLORS.get(side, "black"), alpha=0.12, lw=0)
            ax.plot(x, s.share, "-o", ms=2.5, color=SIDE_COLORS.get(side, "black"), label=side)
        ax.set_xticks(range(len(periods)), periods, rotation=45, ha="right", fontsize=7)
        ax.set_title(f"Articles quoting {_short(item, 28)}", fontsize=9)
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    if items:
        axes.flat[1].legend(fontsize=7, frameon=False)
    fig.suptitle("Coverage over time, by side (shares with 95% cluster-bootstrap intervals)", x=0.01, ha="left")
    fig.tight_layout()
    return fig


#: Colours of the two voices in actor figures (the journalist's, the quoted).
ACTOR_VOICE_COLORS = {"journalist": "#4c72b0", "quoted": "#dd8452"}


def _panel_legend(axes) -> tuple[list, list[str]]:
    """The legend entries of small multiples: each label once, in the order the panels first use it."""
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return handles, labels


def actor_panels(table: pd.DataFrame, *, measure: str, title: str, xlabel: str, max_panels: int = 6,
                 voices: tuple[str, ...] = ("journalist", "quoted"), zero: bool = False,
                 xlim: tuple[float, float] | None = None) -> Figure:
    """Small multiples of :func:`analysis.portrayal.portrayal`: one panel per actor (at most ``max_panels``),
    groups as rows, the journalist's and the quoted voices as coloured dots with 95% intervals.

    Cells without mentions are left out; the label gives each cell's mentions (or the
    denominator for agency and power: the rated mentions).
    """
    use_style()
    sub = table[(table.measure == measure) & table.voice.isin(voices)]
    actors = [a for a in dict.fromkeys(sub.actor) if (sub[sub.actor == a].denominator > 0).any()][:max_panels]
    groups = list(dict.fromkeys(sub.group))
    ncol = min(3, max(1, len(actors)))
    nrow = max(1, -(-len(actors) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=_size(4.6 * ncol, 0.9 + nrow * (0.6 + 0.5 * len(groups))), squeeze=False,
                             sharex=True)
    for ax in axes.flat[len(actors):]:
        ax.set_visible(False)
    off = {v: (i - (len(voices) - 1) / 2) * 0.28 for i, v in enumerate(voices)}
    for ax, actor in zip(axes.flat, actors):
        cell = sub[sub.actor == actor]
        for r in cell.itertuples():
            if r.denominator == 0 or r.value != r.value:
                continue
            y = groups.index(r.group) + off[r.voice]
            color = ACTOR_VOICE_COLORS.get(r.voice, "#555")
            first = r.group == cell[cell.voice == r.voice].group.iloc[0]
            if r.ci_low == r.ci_low and r.ci_high == r.ci_high:
                ax.errorbar(r.value, y, xerr=[[max(0, r.value - r.ci_low)], [max(0, r.ci_high - r.value)]], fmt="o",
                            color=color, ms=4.5, capsize=2.5, label=r.voice if first else None)
            else:
                ax.plot(r.value, y, "x", color=color, ms=5, label=r.voice if first else None)
            ax.text(r.ci_high if r.ci_high == r.ci_high else r.value, y, f" {r.denominator:,}", va="center", fontsize=6.5,
                    color="#555")
        ax.set_yticks(range(len(groups)), [_short(g, 18) for g in groups])
        ax.set_ylim(len(groups) - 0.5, -0.5)
        ax.set_title(_short(actor, 30), fontsize=9)
        if zero:
            ax.axvline(0, color="black", lw=0.6)
        if xlim:
            ax.set_xlim(*xlim)
    for ax in axes[-1]:
        ax.set_xlabel(xlabel, fontsize=8)
    handles, labels = _panel_legend(axes)
    if handles:
        fig.legend(handles, labels, loc="upper right", fontsize=8, frameon=False, ncol=len(labels))
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def seed_actor_bars(summary: pd.DataFrame, *, actors: list[str]) -> Figure:
    """One article's actors: mean target score per actor and voice (journalist; quoted: speaker), labelled with mentions.

    ``summary``: actor, voice_of, mentions, mean_score.
    """
    use_style()
    rows = summary[summary.actor.isin(actors)].copy()
    rows["order"] = rows.actor.map({a: i for i, a in enumerate(actors)})
    rows = rows.sort_values(["order", "voice_of"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=_size(7.5, 0.8 + 0.32 * max(len(rows), 2)))
    colors = [ACTOR_VOICE_COLORS["journalist"] if v == "journalist" else ACTOR_VOICE_COLORS["quoted"] for v in rows.voice_of]
    labels = [f"{_short(a, 16)} — {_short(v, 34)}" for a, v in zip(rows.actor, rows.voice_of)]
    ax.barh(range(len(rows)), rows.mean_score, color=colors)
    for y, r in enumerate(rows.itertuples()):
        ax.text(r.mean_score, y, f" n={r.mentions}", va="center", fontsize=7, ha="left" if r.mean_score >= 0 else "right")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("mean target score, p(positive) − p(negative)")
    ax.set_title("Seed article: how each voice speaks about Russia/Putin and China/Xi")
    fig.tight_layout()
    return fig


FRAME_SERIES_COLORS: dict[str, str] = {"editorial": "#555555", "quote": "#1f77b4", "(editorial)": "#555555"}


def frame_panels(table: pd.DataFrame, *, value: str = "share", series: str = "voice", panel: str = "group",
                 title: str, xlabel: str = "share of units", max_panels: int = 6, zero: bool = False,
                 xlim: tuple[float, float] | None = (0, None)) -> Figure:
    """Small multiples over the 15 frame dimensions (and none): one panel per ``panel`` value (at most
    ``max_panels``, in table order), dimensions as rows, ``series`` (voices or speakers) as coloured dots
    with 95% intervals; an estimate without an interval is a cross.

    ``table``: :func:`analysis.frame_compare.frame_shares`, ``frame_gaps`` (``value="gap"``,
    ``series=None``) or ``speaker_frames`` (``panel=None``, ``series="speaker"``).
    """
    use_style()
    panels = list(dict.fromkeys(table[panel]))[:max_panels] if panel else [None]
    dims = list(dict.fromkeys(table.frame))
    keys = list(dict.fromkeys(table[series])) if series else [None]
    default = ["#1f77b4", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3"]
    colors = {k: FRAME_SERIES_COLORS.get(k, default[i % len(default)]) for i, k in enumerate(keys)}
    ncol = min(3, len(panels))
    nrow = -(-len(panels) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=_size(4.2 * ncol, 0.8 + nrow * (0.5 + 0.19 * len(dims) * max(1, len(keys)) ** 0.5)),
                             squeeze=False, sharex=True, sharey=True)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    off = {k: (i - (len(keys) - 1) / 2) * min(0.3, 0.8 / max(1, len(keys))) for i, k in enumerate(keys)}
    for ax, p in zip(axes.flat, panels):
        cell = table[table[panel] == p] if panel else table
        for k in keys:
            sub = cell[cell[series] == k] if series else cell
            first = True
            for r in sub.itertuples():
                v, lo, hi = getattr(r, value), r.ci_low, r.ci_high
                if v != v:
                    continue
                y = dims.index(r.frame) + off[k]
                label = (str(k) if first else None) if series else None
                if lo == lo and hi == hi:
                    ax.errorbar(v, y, xerr=[[max(0, v - lo)], [max(0, hi - v)]], fmt="o", color=colors[k], ms=3.5, capsize=2,
                                label=label)
                else:
                    ax.plot(v, y, "x", color=colors[k], ms=4, label=label)
                first = False
        ax.set_yticks(range(len(dims)), [d.replace("_", " ") for d in dims], fontsize=7)
        ax.set_ylim(len(dims) - 0.5, -0.5)
        if p is not None:
            n = cell.n_articles.max() if "n_articles" in cell else None
            ax.set_title(_short(str(p), 30) + (f" ({int(n):,} art.)" if n == n and n is not None else ""), fontsize=9)
        if zero:
            ax.axvline(0, color="black", lw=0.6)
        if xlim:
            ax.set_xlim(*xlim)
        ax.grid(axis="y", visible=False)
    for ax in axes[-1]:
        ax.set_xlabel(xlabel, fontsize=8)
    handles, labels = _panel_legend(axes)
    if handles:
        fig.legend(handles, [_short(lab, 24) for lab in labels], loc="upper right", fontsize=8, frameon=False,
                   ncol=min(4, len(labels)))
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig
