"""The annotated-article view: an article rendered the way the suite read it.

Editorial text is plain; quotes are coloured per speaker (speaker, kind and cue
on hover); reported speech is underlined in the speaker's colour; scare quotes
and loaded terms are marked with their category; a sentence-sentiment strip
runs in the margin of each paragraph; a legend explains it all. Every piece of
article text is HTML-escaped, and pages use no external assets (inline CSS only,
no scripts), so a page works offline and an article containing ``<script>`` is
shown as text.

:func:`article_html` returns one page; :func:`write_site` writes one page per
article plus an index; :func:`show` displays an article inline in JupyterLab.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from .corpus import Article
from .sentences import paragraph_spans

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f")
CATEGORY_STYLE = {
    "atrocity_label": "#c44e52", "pejorative_regime_label": "#8c564b", "conflict_escalation": "#dd8452",
    "dismissive_idiom": "#937860", "euphemism": "#55a868", "evaluative_reporting_verb": "#4c72b0",
    "scare_quote_label": "#f2b134", "learned": "#8172b3",
}

CSS = """
body{font-family:Georgia,'DejaVu Serif',serif;max-width:980px;margin:2em auto;color:#222;line-height:1.55}
h1{font-size:1.35em} .meta{color:#666;font-size:.85em;margin-bottom:1em}
.para{display:flex;gap:.8em;margin:.5em 0}
.strip{flex:0 0 14px;display:flex;flex-direction:column;gap:2px;padding-top:.3em}
.strip .s{display:block;width:14px;height:10px;border-radius:2px;border:1px solid #bbb}
.text{flex:1;white-space:pre-wrap}
.q{border-radius:3px;padding:0 1px}
.q.indirect{background:none!important;border-bottom:2px solid;}
.q.embedded_post{display:inline;border-left:3px solid;padding-left:4px}
.scare{border:1px dashed #f2b134;border-radius:3px}
mark.loaded{background:none;border-bottom:3px double;padding:0;color:inherit}
.legend{font-family:sans-serif;font-size:.8em;border:1px solid #ddd;padding:.6em .8em;margin:1em 0;border-radius:4px}
.legend span.key{display:inline-block;margin:0 .8em .3em 0}
.legend i{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-right:.3em;border-radius:2px}
table.index{border-collapse:collapse;font-family:sans-serif;font-size:.9em}
table.index td,table.index th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}
"""


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _score_color(score: float | None) -> str:
    """Diverging red–grey–blue for a score in [-1, 1]."""
    if score is None or score != score:
        return "#ffffff"
    s = max(-1.0, min(1.0, float(score)))
    if s < 0:
        a = -s
        return f"rgb({int(255 - a * 40)},{int(255 - a * 180)},{int(255 - a * 180)})"
    return f"rgb({int(255 - s * 180)},{int(255 - s * 120)},{int(255 - s * 20)})"


def speaker_colors(quotes: pd.DataFrame) -> dict[str, str]:
    """A stable colour per canonical speaker, in order of first quote."""
    speakers = [s for s in dict.fromkeys(quotes.sort_values("start").speaker) if isinstance(s, str)]
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(speakers)}


def _clip(rows: pd.DataFrame, s: int, e: int) -> pd.DataFrame:
    return rows[(rows.start < e) & (rows.end > s)]


def article_html(
    article: Article,
    *,
    segments: pd.DataFrame,
    quotes: pd.DataFrame,
    matches: pd.DataFrame | None = None,
    sentences: pd.DataFrame | None = None,
    score: str | None = None,
    standalone: bool = True,
) -> str:
    """HTML for one article (a full page, or a fragment for notebooks)."""
    body = article.body
    segs = segments[segments.article_id == article.id].sort_values("start")
    qs = quotes[quotes.article_id == article.id].reset_index(drop=True)
    colors = speaker_colors(qs)
    marks = (matches[matches.article_id == article.id] if matches is not None else pd.DataFrame(columns=["start", "end"]))
    sents = sentences[sentences.article_id == article.id] if sentences is not None else None
    parts: list[str] = []
    for ps, pe in paragraph_spans(body):
        strip = []
        if sents is not None and score:
            for r in _clip(sents, ps, pe).itertuples():
                val = getattr(r, score)
                strip.append(f'<span class="s" style="background:{_score_color(val)}" data-score="{val:.3f}" '
                             f'title="{_e(score)} {val:+.2f}: {_e(r.text[:120])}"></span>')
        text = []
        for seg in _clip(segs, ps, pe).itertuples():
            s, e = max(seg.start, ps), min(seg.end, pe)
            inner = _marked(body, s, e, _clip(marks, s, e))
            if seg.voice == "quote":
                hit = qs[qs.quote_index == seg.quote_index] if pd.notna(seg.quote_index) else qs.iloc[0:0]
                q = hit.iloc[0] if len(hit) else None
                speaker = seg.speaker if isinstance(seg.speaker, str) else "(unattributed)"
                color = colors.get(speaker, "#7f7f7f")
                cue = q.cue if q is not None and isinstance(q.cue, str) else ""
                mention = q.speaker_mention if q is not None and isinstance(q.speaker_mention, str) else ""
                title = f"{speaker} — {seg.kind}" + (f", cue: {cue}" if cue else "") + (f" (as “{mention}”)" if mention and mention != speaker else "")
                style = f"border-color:{color};" + ("" if seg.kind == "indirect" else f"background:{color}22;")
                text.append(f'<span class="q {_e(seg.kind)}" data-kind="{_e(seg.kind)}" data-speaker="{_e(speaker)}" '
                            f'data-quote="{int(seg.quote_index) if pd.notna(seg.quote_index) else -1}" '
                            f'data-start="{s}" data-end="{e}" style="{style}" title="{_e(title)}">{inner}</span>')
            elif isinstance(seg.kind, str) and seg.kind == "scare":
                text.append(f'<span class="scare" data-kind="scare" data-start="{s}" data-end="{e}" '
                            f'title="scare quote: no speaker, editorial voice">{inner}</span>')
            else:
                text.append(inner)
        parts.append(f'<div class="para" data-start="{ps}" data-end="{pe}"><div class="strip">{"".join(strip)}</div>'
                     f'<div class="text">{"".join(text)}</div></div>')
    legend = _legend(colors, marks, score)
    meta = " · ".join(_e(x) for x in (article.id, article.outlet or "outlet unknown", article.date or "date unknown"))
    content = (f'<article class="framing" data-article="{_e(article.id)}"><h1>{_e(article.title or article.id)}</h1>'
               f'<div class="meta">{meta}</div>{legend}{"".join(parts)}</article>')
    if not standalone:
        return f"<style>{CSS}</style>{content}"
    return (f'<!DOCTYPE html><html lang="{_e(article.language)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(article.title or article.id)}</title><style>{CSS}</style></head><body>{content}</body></html>\n")


def _marked(body: str, s: int, e: int, marks: pd.DataFrame) -> str:
    """Escaped text of body[s:e] with loaded-term marks (clipped to the range)."""
    out, pos = [], s
    for m in marks.sort_values(["start", "end"]).itertuples():
        a, b = max(m.start, s), min(m.end, e)
        if a < pos or a >= b:
            continue
        out.append(_e(body[pos:a]))
        color = CATEGORY_STYLE.get(m.category, "#555")
        out.append(f'<mark class="loaded" data-category="{_e(m.category)}" data-detector="{_e(m.detector)}" '
                   f'style="border-color:{color}" title="{_e(m.category)} ({_e(m.detector)})">{_e(body[a:b])}</mark>')
        pos = b
    out.append(_e(body[pos:e]))
    return "".join(out)


def _legend(colors: dict[str, str], marks: pd.DataFrame, score: str | None) -> str:
    keys = [f'<span class="key speaker" data-speaker="{_e(s)}"><i style="background:{c}55;border:1px solid {c}"></i>{_e(s)}</span>'
            for s, c in colors.items()]
    kinds = ('<span class="key">quote: tinted background · <u>reported speech</u>: underlined · '
             '<span class="scare">scare quote</span>: dashed box</span>')
    cats = sorted(set(marks.category)) if len(marks) else []
    cat_keys = [f'<span class="key"><i style="background:{CATEGORY_STYLE.get(c, "#555")}"></i>{_e(c)}</span>' for c in cats]
    strip = (f'<span class="key">margin: sentence {_e(score)} score '
             f'<i style="background:{_score_color(-0.8)}"></i>negative <i style="background:{_score_color(0)}"></i>neutral '
             f'<i style="background:{_score_color(0.8)}"></i>positive</span>') if score else ""
    return (f'<div class="legend"><div><b>Speakers</b> {"".join(keys) or "none"}</div><div>{kinds}</div>'
            f'<div><b>Loaded terms</b> (double underline) {"".join(cat_keys) or "none"}</div><div>{strip}</div></div>')


def write_site(
    articles: Sequence[Article],
    out_dir: str | Path,
    *,
    segments: pd.DataFrame,
    quotes: pd.DataFrame,
    matches: pd.DataFrame | None = None,
    sentences: pd.DataFrame | None = None,
    score: str | None = None,
) -> list[Path]:
    """One page per article plus ``index.html``; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    rows = []
    for art in articles:
        page = out / f"{art.id}.html"
        page.write_text(article_html(art, segments=segments, quotes=quotes, matches=matches, sentences=sentences, score=score),
                        encoding="utf-8")
        written.append(page)
        n_q = int((quotes.article_id == art.id).sum())
        rows.append(f'<tr><td><a href="{_e(page.name)}">{_e(art.title or art.id)}</a></td><td>{_e(art.outlet or "")}</td>'
                    f'<td>{_e(art.date or "")}</td><td>{n_q}</td></tr>')
    index = out / "index.html"
    index.write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Articles</title><style>{CSS}</style></head>'
        f'<body><h1>Annotated articles</h1><table class="index"><tr><th>article</th><th>outlet</th><th>date</th>'
        f'<th>quotes and labels</th></tr>{"".join(rows)}</table></body></html>\n', encoding="utf-8")
    written.append(index)
    return written


def show(article: Article, **kwargs):
    """Display the annotated view inline in JupyterLab."""
    from IPython.display import HTML

    return HTML(article_html(article, standalone=False, **kwargs))


def articles_by_id(articles: Iterable[Article]) -> dict[str, Article]:
    return {a.id: a for a in articles}


def explore_widget(articles: Sequence[Article], *, segments: pd.DataFrame, quotes: pd.DataFrame, matches: pd.DataFrame,
                   sentences: pd.DataFrame, score: str, quote_scores: pd.DataFrame, concordance):
    """An ipywidgets panel: pick an article, a speaker and a term; see the annotated view,
    the speaker's quotes with their scores, and the term's concordance."""
    import ipywidgets as w
    from IPython.display import display

    by_id = articles_by_id(articles)
    speakers = sorted({s for s in quotes.speaker if isinstance(s, str)})
    pick_article = w.Dropdown(options=list(by_id), description="article")
    pick_speaker = w.Dropdown(options=speakers or ["(none)"], description="speaker")
    pick_term = w.Text(value="", description="term", placeholder="a word or phrase")
    out = w.Output()

    def refresh(*_):
        out.clear_output()
        with out:
            display(show(by_id[pick_article.value], segments=segments, quotes=quotes, matches=matches,
                         sentences=sentences, score=score))
            display(quote_scores[quote_scores.speaker == pick_speaker.value])
            if pick_term.value.strip():
                display(concordance(pick_term.value.strip()))

    for control in (pick_article, pick_speaker, pick_term):
        control.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([pick_article, pick_speaker, pick_term]), out])
