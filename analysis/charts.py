"""Interactive charts (Vega-Lite through Altair): hover, search and zoom in the browser, offline.

A chart is shown natively in JupyterLab (its Vega renderer; no server, no internet) and saved as one
self-contained HTML file (:func:`save_chart`: the Vega libraries inlined by ``vl-convert``, so the
page opens offline). The static PNG/SVG versions of the same figures stay in :mod:`analysis.plots`.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd

#: |z| beyond which a word is marked as typical of one side (two-sided 5%).
Z_MARK = 1.96


def inert(text: object) -> str:
    """``text`` made harmless inside the ``<script>`` element that carries a chart's data: ``</`` and ``<!--``
    get a zero-width space after the ``<`` (shown the same), so a word, outlet or group name such as
    ``</script><script>...`` can never end the element and run as code."""
    return str(text).replace("</", "<\u200b/").replace("<!--", "<\u200b!--")


def fightin_words_chart(fw: pd.DataFrame, *, label_a: str = "a", label_b: str = "b", min_count: int | None = None,
                        max_words: int = 5000, top: int = 12, width: int = 720, height: int = 440):
    """Fightin' Words as an interactive scatter (scattertext's layout, Kessler 2017): each word's frequency
    in both sides (x, log) against its z-score (y, Monroe, Colaresi & Quinn 2008), coloured by the side it
    is typical of (|z| > 1.96); hover shows the word, both counts and z; a search box highlights the words
    matching what is typed (a case-insensitive regular expression) and the chart zooms and pans.

    ``fw``: :func:`analysis.lexicon.fightin_words` (columns word, count_a, count_b, delta, var, z);
    words with fewer than ``min_count`` occurrences in both sides together are left out (None: the
    smallest of 1, 2, 3, 5, 10, 20, 50, 100, ... that leaves at most ``max_words`` words, so a small corpus
    shows all its words and a large one stays a small, responsive page); the ``top`` words of each side are
    labelled. Words and labels pass through :func:`inert` (the page embeds them in a script element). Returns an
    ``altair.LayerChart``. Errors: KeyError naming a missing column.
    """
    import altair as alt

    missing = [c for c in ("word", "count_a", "count_b", "z") if c not in fw.columns]
    if missing:
        raise KeyError(f"fightin_words table lacks column(s) {', '.join(missing)}")
    freq = fw.count_a + fw.count_b
    if min_count is None:
        steps = itertools.chain((1, 2, 3), (m * 10 ** k for k in itertools.count() for m in (5, 10, 20)))
        min_count = next(m for m in steps if (freq >= m).sum() <= max_words)
    d = fw[freq >= min_count][["word", "count_a", "count_b", "z"]].copy()
    d["word"] = d.word.map(inert)
    label_a, label_b = inert(label_a), inert(label_b)
    d["frequency"] = d.count_a + d.count_b
    d["side"] = [f"typical of {label_a}" if z > Z_MARK else f"typical of {label_b}" if z < -Z_MARK
                 else f"|z| ≤ {Z_MARK}" for z in d.z]
    d = d.sort_values(["z", "word"], ascending=[False, True]).reset_index(drop=True)
    ranks = pd.concat([d.head(top), d[d.z < -Z_MARK].tail(top)]).word
    d["label"] = d.word.where(d.word.isin(ranks) & (d.z.abs() > Z_MARK), "")
    search = alt.param(name="word_search", value="",
                       bind=alt.binding(input="search", placeholder="a word or regular expression", name="find "))
    zoom = alt.selection_interval(name="zoom", bind="scales")
    found = f"word_search != '' && test(regexp(word_search, 'i'), datum.word)"
    colors = alt.Scale(domain=[f"typical of {label_a}", f"typical of {label_b}", f"|z| ≤ {Z_MARK}"],
                       range=["#4c72b0", "#c44e52", "#bbbbbb"])
    base = alt.Chart(d).encode(
        x=alt.X("frequency:Q", scale=alt.Scale(type="log"), title="frequency in both sides (log)"),
        y=alt.Y("z:Q", title=f"z-score (positive: {label_a}; negative: {label_b})"))
    points = base.mark_circle().encode(
        color=alt.Color("side:N", scale=colors, title=None, legend=alt.Legend(orient="bottom")),
        size=alt.condition(found, alt.value(140), alt.value(22)),
        opacity=alt.condition(f"word_search == '' || {found}", alt.value(0.85), alt.value(0.15)),
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("count_a:Q", title=label_a),
                 alt.Tooltip("count_b:Q", title=label_b), alt.Tooltip("z:Q", format="+.2f")],
    ).add_params(search, zoom)
    labels = base.transform_calculate(shown=f"({found}) ? datum.word : datum.label").mark_text(
        align="left", dx=5, dy=-4, fontSize=11).encode(text="shown:N")
    rule = alt.Chart(pd.DataFrame({"z": [Z_MARK, -Z_MARK]})).mark_rule(strokeDash=[3, 3], color="#888").encode(y="z:Q")
    return alt.layer(points, labels, rule).properties(
        width=width, height=height,
        title=f"Fightin' Words: {label_a} vs {label_b} ({len(d):,} word{'s' * (len(d) != 1)}"
              + (f" with ≥ {min_count} occurrences)" if min_count > 1 else ")"))


class InlineChart:
    """A chart shown in a notebook with the Vega libraries inlined (no CDN, no internet): what
    :func:`show` returns. JupyterLab runs its script in outputs of the current session (trusted);
    ``.chart`` is the Altair chart."""

    def __init__(self, chart):
        self.chart = chart

    def _repr_mimebundle_(self, include=None, exclude=None):
        import altair as alt

        with alt.renderers.enable("html", template="inline"):
            return self.chart._repr_mimebundle_(include, exclude)


def show(chart) -> InlineChart:
    """Display ``chart`` in a notebook offline (its HTML with Vega, Vega-Lite and vega-embed inlined, about
    0.9 MB per output; Altair's default HTML would fetch them from a CDN)."""
    return InlineChart(chart)


def save_chart(chart, name: str, *, out_dir: str | Path) -> Path:
    """Write ``chart`` as ``name``.html in ``out_dir``: one self-contained page (Vega, Vega-Lite and
    vega-embed inlined, no network needed) that shows the chart with its hover, search and zoom; returns the
    path. The same chart and data give the same bytes."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.html"
    chart.save(str(path), format="html", inline=True)
    return path
