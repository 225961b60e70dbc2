"""The annotated-article view: an article rendered the way the suite read it.

Editorial text is plain; quotes are coloured per speaker (speaker, kind and cue
on hover); reported speech is underlined in the speaker's colour; scare quotes
and loaded terms are marked with their category; a sentence-sentiment strip
runs in the margin of each paragraph; with a frames table, each frame unit (a
sentence segment in one voice, :mod:`analysis.frames`) ends in chips naming
its predicted policy frames (the primary one bold, probabilities on hover), and
hovering a unit highlights the words that carry its frames — hovering one chip,
the words of that frame only (CSS ``:hover`` and ``:has``, no script); a legend
explains it all. Every piece of
article text is HTML-escaped, and pages use no external assets (inline CSS only;
article pages have no scripts), so a page works offline and an article containing
``<script>`` is shown as text. The index page lists every article with search and
filters (a small inline script over JSON data, read only as text).

:func:`article_html` returns one page; :func:`write_site` writes one page per
article plus an index; :func:`show` displays an article inline in JupyterLab. Each margin mark of a sentence has the id
``s-<sentence>``, so ``<page>.html#s-3`` opens the page at sentence 3 with its paragraph highlighted
(the explorer's links, :mod:`analysis.explorer`).
:func:`page_name` names an article's page: ``<id>.html``, escaped so that it can never be one
of the site's own files (:data:`RESERVED_PAGES`, e.g. an article whose id is ``index``).
"""
from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .corpus import Article
from .frames import DIMENSIONS
from .sentences import paragraph_spans

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f")
CATEGORY_STYLE = {
    "atrocity_label": "#c44e52", "pejorative_regime_label": "#8c564b", "conflict_escalation": "#dd8452",
    "dismissive_idiom": "#937860", "euphemism": "#55a868", "evaluative_reporting_verb": "#4c72b0",
    "scare_quote_label": "#f2b134", "learned": "#8172b3",
}
#: A colour per policy-frame dimension (chips and the legend), in :data:`analysis.frames.DIMENSIONS` order.
FRAME_COLORS: dict[str, str] = dict(zip(DIMENSIONS, (
    "#2f7d32", "#6d8f1f", "#8e44ad", "#c0392b", "#1f4e99", "#2e86c1", "#7b241c", "#5d6d7e", "#d35400", "#16a085",
    "#b7950b", "#a04000", "#884ea0", "#117864", "#707b7c")))

CSS = """
body{font-family:Georgia,'DejaVu Serif',serif,'Noto Color Emoji','Apple Color Emoji','Segoe UI Emoji';max-width:980px;margin:2em auto;color:#222;line-height:1.55}
h1{font-size:1.35em} .meta{color:#666;font-size:.85em;margin-bottom:1em}
.para{display:flex;gap:.8em;margin:.5em 0}
.strip{flex:0 0 14px;display:flex;flex-direction:column;gap:2px;padding-top:.3em}
.strip .s{display:block;width:14px;height:10px;border-radius:2px;border:1px solid #bbb;scroll-margin-top:40vh}
.strip .s:target{outline:3px solid #f0a500} .para:has(.s:target){background:#fff3c4}
.text{flex:1;white-space:pre-wrap}
.q{border-radius:3px;padding:0 1px}
.q.indirect{background:none!important;border-bottom:2px solid;}
.q.embedded_post{display:inline;border-left:3px solid;padding-left:4px}
.scare{border:1px dashed #f2b134;border-radius:3px}
mark.loaded{background:none;border-bottom:3px double;padding:0;color:inherit}
.legend{font-family:sans-serif;font-size:.8em;border:1px solid #ddd;padding:.6em .8em;margin:1em 0;border-radius:4px}
.legend span.key{display:inline-block;margin:0 .8em .3em 0}
.legend i{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-right:.3em;border-radius:2px;border:1px solid #999}
.chips{font-family:sans-serif;font-size:.62em;white-space:nowrap;margin-left:.25em;vertical-align:.35em}
.chip{display:inline-block;border:1px solid;border-radius:8px;padding:0 .45em;margin-right:.2em;background:#fff;line-height:1.5;cursor:default}
.chip.primary{font-weight:bold;border-width:2px}
.fu:hover .ev{background:#fde68a;border-radius:2px}
.fu:has(.chip:hover) .ev{background:none}
""" + "".join(f'.fu:has(.chip[data-frame="{d}"]:hover) .ev[data-frames~="{d}"]{{background:#fbbf24;border-radius:2px}}\n'
              for d in DIMENSIONS) + """table.index{border-collapse:collapse;font-family:sans-serif;font-size:.9em}
table.index td,table.index th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}
"""


def scoped_css(css: str, scope: str = "article.framing") -> str:
    """``css`` with every rule limited to ``scope`` (``body`` becomes the scope itself): the stylesheet of an
    article shown inside another page (a JupyterLab output), which must not restyle that page."""
    def rule(m: re.Match) -> str:
        sels = [scope if s.strip() == "body" else f"{scope} {s.strip()}" for s in m.group(1).split(",")]
        return f"{','.join(sels)}{{{m.group(2)}}}"

    return re.sub(r"([^{}]+)\{([^{}]*)\}", rule, css)


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


def _clip(rows: list, s: int, e: int) -> list:
    """The rows (named tuples with ``start``/``end``) that overlap [s, e)."""
    return [r for r in rows if r.start < e and r.end > s]


def article_html(
    article: Article,
    *,
    segments: pd.DataFrame,
    quotes: pd.DataFrame,
    matches: pd.DataFrame | None = None,
    sentences: pd.DataFrame | None = None,
    score: str | None = None,
    frames: pd.DataFrame | None = None,
    standalone: bool = True,
) -> str:
    """HTML for one article (a full page, or a fragment for notebooks).

    ``segments``, ``quotes``, ``matches``, ``sentences``: the store's tables (rows of other articles
    are ignored); ``score``: the sentences column drawn in the margin; ``frames``: the store's frames
    table (:data:`analysis.frame_stage.FRAMES_SCHEMA`), drawn as chips after each unit with a frame and
    evidence words highlighted on hover (``None``: no frames).
    """
    body = article.body
    segs = list(segments[segments.article_id == article.id].sort_values("start").itertuples(index=False))
    qs = quotes[quotes.article_id == article.id].reset_index(drop=True)
    colors = speaker_colors(qs)
    by_quote: dict[int, object] = {}
    for q in qs.itertuples(index=False):
        if pd.notna(q.quote_index):
            by_quote.setdefault(int(q.quote_index), q)
    marks = (matches[matches.article_id == article.id] if matches is not None else pd.DataFrame(columns=["start", "end"]))
    mark_rows = list(marks.sort_values(["start", "end"]).itertuples(index=False)) if len(marks) else []
    sents = (list(sentences[sentences.article_id == article.id].itertuples(index=False))
             if sentences is not None and score else None)
    units = _frame_units(frames, article.id)
    if units:  # where each unit's chips go: the end of its last rendered piece (a unit may span a scare quote or a break)
        pieces = [(max(g.start, ps), min(g.end, pe)) for ps, pe in paragraph_spans(body) for g in _clip(segs, ps, pe)]
        for u in units:
            u.chips_at = max((min(u.end, e) for s, e in pieces if s < u.end and e > u.start), default=u.end)
    parts: list[str] = []
    for ps, pe in paragraph_spans(body):
        strip = []
        for r in _clip(sents, ps, pe) if sents is not None else []:
            val = getattr(r, score)
            strip.append(f'<span class="s" id="s-{int(r.sentence)}" style="background:{_score_color(val)}" data-score="{val:.3f}" '
                         f'title="{_e(score)} {val:+.2f}: {_e(r.text[:120])}"></span>')
        text = []
        para_marks = _clip(mark_rows, ps, pe)
        for seg in _clip(segs, ps, pe):
            s, e = max(seg.start, ps), min(seg.end, pe)
            inner = _framed(body, s, e, _clip(para_marks, s, e), _clip(units, s, e))
            if seg.voice == "quote":
                q = by_quote.get(int(seg.quote_index)) if pd.notna(seg.quote_index) else None
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
    legend = _legend(colors, marks, score, sorted({f for u in units for f in u.frames}, key=DIMENSIONS.index))
    meta = " · ".join(_e(x) for x in (article.id, article.outlet or "outlet unknown", article.date or "date unknown"))
    content = (f'<article class="framing" data-article="{_e(article.id)}"><h1>{_e(article.title or article.id)}</h1>'
               f'<div class="meta">{meta}</div>{legend}{"".join(parts)}</article>')
    if not standalone:  # inside another page: the stylesheet limited to this article
        return f"<style>{scoped_css(CSS)}</style>{content}"
    return (f'<!DOCTYPE html><html lang="{_e(article.language)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(article.title or article.id)}</title><style>{CSS}</style></head><body>{content}</body></html>\n")


def _frame_units(frames: pd.DataFrame | None, article_id: str) -> list:
    """The frame units of one article that have a frame (:class:`_Unit`), sorted by start."""
    if frames is None or not len(frames):
        return []
    rows = frames[frames.article_id == article_id]
    out = []
    for r in rows.sort_values("start").itertuples(index=False):
        fr = [str(f) for f in (r.frames if r.frames is not None else ())]
        if not fr:
            continue
        ev = list(zip(r.evidence_frame if r.evidence_frame is not None else (),
                      r.evidence_start if r.evidence_start is not None else (),
                      r.evidence_end if r.evidence_end is not None else ()))
        out.append(_Unit(int(r.unit), int(r.start), int(r.end), fr, str(r.primary),
                         {d: float(getattr(r, d)) for d in fr}, [(str(d), int(a), int(b)) for d, a, b in ev]))
    return out


@dataclass(slots=True)
class _Unit:
    """A frame unit as drawn: offsets, frames, primary, their probabilities, evidence (frame, start, end), and
    where its chips go (``chips_at``: the end of its last rendered piece; set by :func:`article_html`)."""

    unit: int
    start: int
    end: int
    frames: list[str]
    primary: str
    probs: dict[str, float]
    evidence: list[tuple[str, int, int]]
    chips_at: int = -1


def _framed(body: str, s: int, e: int, marks: list, units: list) -> str:
    """Escaped, marked text of body[s:e] with each frame unit in it wrapped and followed by its chips."""
    out, pos = [], s
    for u in units:
        a, b = max(u.start, s), min(u.end, e)
        if a < pos or a >= b:
            continue
        out.append(_marked(body, pos, a, _clip(marks, pos, a)))
        inner = _marked(body, a, b, _clip(marks, a, b), [x for x in u.evidence if x[1] < b and x[2] > a])
        chips = ""
        if b == u.chips_at:
            chips = '<span class="chips">' + "".join(_chip(body, u, d) for d in sorted(
                u.frames, key=lambda d: (d != u.primary, -u.probs.get(d, 0.0)))) + "</span>"
        out.append(f'<span class="fu" data-unit="{u.unit}" data-start="{u.start}" data-end="{u.end}" '
                   f'data-frames="{_e(" ".join(u.frames))}" data-primary="{_e(u.primary)}">{inner}{chips}</span>')
        pos = b
    out.append(_marked(body, pos, e, _clip(marks, pos, e)))
    return "".join(out)


def _chip(body: str, u: "_Unit", d: str) -> str:
    """A frame chip: the dimension, its probability, whether primary, and its evidence words (hover title)."""
    words = "; ".join(f"“{body[a:b]}”" for f, a, b in u.evidence if f == d)
    primary = d == u.primary
    title = f"{d} {u.probs.get(d, 0.0):.2f}" + (" (primary frame)" if primary else "") + (f" — {words}" if words else "")
    color = FRAME_COLORS.get(d, "#555")
    return (f'<span class="chip{" primary" if primary else ""}" data-frame="{_e(d)}" '
            f'data-probability="{u.probs.get(d, 0.0):.3f}" style="border-color:{color};color:{color}" '
            f'title="{_e(title)}">{_e(d)}</span>')


def _marked(body: str, s: int, e: int, marks: list, evidence: Sequence[tuple[str, int, int]] = ()) -> str:
    """Escaped text of body[s:e] with loaded-term marks (named tuples sorted by start, end; clipped to the
    range), and frame evidence spans ((frame, start, end)) as ``span.ev`` inside them."""
    out, pos = [], s
    for m in marks:
        a, b = max(m.start, s), min(m.end, e)
        if a < pos or a >= b:
            continue
        out.append(_evidenced(body, pos, a, evidence))
        color = CATEGORY_STYLE.get(m.category, "#555")
        out.append(f'<mark class="loaded" data-category="{_e(m.category)}" data-detector="{_e(m.detector)}" '
                   f'style="border-color:{color}" title="{_e(m.category)} ({_e(m.detector)})">{_evidenced(body, a, b, evidence)}</mark>')
        pos = b
    out.append(_evidenced(body, pos, e, evidence))
    return "".join(out)


def _evidenced(body: str, s: int, e: int, evidence: Sequence[tuple[str, int, int]]) -> str:
    """Escaped body[s:e], its evidence characters wrapped in ``span.ev`` with the frames they carry."""
    if not evidence or s >= e:
        return _e(body[s:e])
    cuts = sorted({s, e, *(min(max(x, s), e) for _, a, b in evidence for x in (a, b))})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        fr = sorted({d for d, x, y in evidence if x <= a and y >= b}, key=lambda d: DIMENSIONS.index(d) if d in DIMENSIONS else 99)
        text = _e(body[a:b])
        out.append(f'<span class="ev" data-frames="{_e(" ".join(fr))}" data-start="{a}" data-end="{b}">{text}</span>'
                   if fr else text)
    return "".join(out)


def _legend(colors: dict[str, str], marks: pd.DataFrame, score: str | None, frames: Sequence[str] = ()) -> str:
    keys = [f'<span class="key speaker" data-speaker="{_e(s)}"><i style="background:{c}55;border:1px solid {c}"></i>{_e(s)}</span>'
            for s, c in colors.items()]
    kinds = ('<span class="key">quote: tinted background · <u>reported speech</u>: underlined · '
             '<span class="scare">scare quote</span>: dashed box</span>')
    cats = sorted(set(marks.category)) if len(marks) else []
    cat_keys = [f'<span class="key"><i style="background:{CATEGORY_STYLE.get(c, "#555")}"></i>{_e(c)}</span>' for c in cats]
    strip = (f'<span class="key">margin: sentence {_e(score)} score '
             f'<i style="background:{_score_color(-0.8)}"></i>negative <i style="background:{_score_color(0)}"></i>neutral '
             f'<i style="background:{_score_color(0.8)}"></i>positive</span>') if score else ""
    frame_keys = "".join(f'<span class="chip" style="border-color:{FRAME_COLORS.get(d, "#555")};color:{FRAME_COLORS.get(d, "#555")}">'
                         f'{_e(d)}</span>' for d in frames)
    frame_row = (f'<div class="frames-legend"><b>Frames</b> (chips after each unit; primary bold; hover a unit or a chip '
                 f'to highlight the words that carry it) <span class="chips">{frame_keys}</span></div>') if frames else ""
    return (f'<div class="legend"><div><b>Speakers</b> {"".join(keys) or "none"}</div><div>{kinds}</div>'
            f'<div><b>Loaded terms</b> (double underline) {"".join(cat_keys) or "none"}</div><div>{strip}</div>{frame_row}</div>')


#: The site's own files in a :func:`write_site` folder; no article page takes one of these names.
RESERVED_PAGES: frozenset[str] = frozenset({"index.html"})
#: A page name used as it is: the article-id alphabet (``analysis.corpus``), starting with a letter or digit.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def page_name(article_id: str) -> str:
    """The file name of an article's page in a site folder: ``<id>.html`` for an ordinary id.

    Escaped, deterministically, so it can never be one of :data:`RESERVED_PAGES` (in any case, for
    file systems that ignore it) nor a path outside the folder: a reserved name gets a leading
    ``_`` (``index`` -> ``_index.html``), and an id outside the article-id alphabet (possible only
    for articles built in code) becomes ``_`` + a slug + ``-`` + a hash of the id. Article ids
    start with a letter or digit, so an escaped name is never another article's plain name.
    """
    if not _PLAIN_NAME.fullmatch(article_id):
        slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", article_id)[:80]
        return f"_{slug}-{hashlib.sha256(article_id.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}.html"
    name = f"{article_id}.html"
    return f"_{name}" if name.lower() in RESERVED_PAGES else name


def page_names(article_ids: Iterable[str]) -> dict[str, str]:
    """:func:`page_name` of each id, made unique for file systems that ignore case: an id whose page
    name equals an earlier one's but for case (``Gaza`` after ``gaza``) gets ``_<id>-<hash>.html``."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for aid in article_ids:
        name = page_name(aid)
        if name.lower() in taken:
            name = f"_{name[:-5]}-{hashlib.sha256(aid.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}.html"
        taken.add(name.lower())
        out[aid] = name
    return out


def _by_article(frame: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    if frame is None:
        return {}
    return {a: g for a, g in frame.groupby("article_id", sort=False)}


def write_site(
    articles: Sequence[Article],
    out_dir: str | Path,
    *,
    segments: pd.DataFrame,
    quotes: pd.DataFrame,
    matches: pd.DataFrame | None = None,
    sentences: pd.DataFrame | None = None,
    score: str | None = None,
    groups: pd.Series | None = None,
    speaker_names: dict[str, str] | None = None,
    frames: pd.DataFrame | None = None,
) -> list[Path]:
    """One page per article (named by :func:`page_names`) plus ``index.html`` (search and filters),
    which links every page by that name; returns the paths written.

    ``groups``: article_id -> group (a filter on the index); ``speaker_names``: per-article
    speaker -> corpus-wide name (:func:`analysis.speakers.corpus_speaker_names`), so the speaker
    filter finds one person under every spelling; ``frames``: the store's frames table (chips and
    evidence on the pages, :func:`article_html`; a frame filter on the index).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    segs, qs, ms, ss = _by_article(segments), _by_article(quotes), _by_article(matches), _by_article(sentences)
    fs = _by_article(frames)
    empty_q = quotes.iloc[0:0]
    written = []
    records = []
    names = page_names(a.id for a in articles)
    for art in articles:
        page = out / names[art.id]
        aq = qs.get(art.id, empty_q)
        page.write_text(article_html(art, segments=segs.get(art.id, segments.iloc[0:0]), quotes=aq,
                                     matches=ms.get(art.id) if matches is not None else None,
                                     sentences=ss.get(art.id) if sentences is not None else None, score=score,
                                     frames=fs.get(art.id) if frames is not None else None),
                        encoding="utf-8")
        written.append(page)
        spk = [s for s in dict.fromkeys(aq.speaker) if isinstance(s, str)]
        spk = list(dict.fromkeys((speaker_names or {}).get(s, s) for s in spk))
        terms = ms.get(art.id)
        term_list = list(dict.fromkeys(terms[terms.detector != "minilm-loaded"].term.str.lower())) if terms is not None else []
        af = fs.get(art.id)
        counts = Counter(str(d) for fr in (af.frames if af is not None else ()) for d in fr)
        frame_list = sorted(counts, key=lambda d: (-counts[d], DIMENSIONS.index(d) if d in DIMENSIONS else 99))
        records.append({"id": art.id, "page": page.name, "title": art.title or art.id, "outlet": art.outlet or "",
                        "date": str(art.date or ""), "group": str(groups.get(art.id, "")) if groups is not None else "",
                        "quotes": int((aq.kind != "scare").sum()) if len(aq) else 0, "speakers": spk, "terms": term_list,
                        "frames": frame_list})
    index = out / "index.html"
    index.write_text(index_html(records, group_label=groups.name if groups is not None else None), encoding="utf-8")
    written.append(index)
    return written


INDEX_CSS = """
.filters{font-family:sans-serif;font-size:.9em;display:flex;gap:.6em;flex-wrap:wrap;margin:.6em 0 1em}
.filters label{display:flex;flex-direction:column;gap:.2em}
.filters input,.filters select{font-size:1em;padding:.2em .3em;min-width:12em}
#count{font-family:sans-serif;font-size:.9em;color:#555;margin:.4em 0}
table.index td.speakers,table.index td.terms,table.index td.frames{font-size:.85em;color:#444;max-width:22em}
button#more{margin:1em 0;font-size:.9em}
"""

INDEX_JS = r"""
(function () {
  var data = JSON.parse(document.getElementById('articles-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var q = $('q'), group = $('group'), speaker = $('speaker'), term = $('term'), frame = $('frame'), body = $('rows'), count = $('count');
  var shown = 100;
  function fill(select, values) {
    values.forEach(function (v) { var o = document.createElement('option'); o.value = v; o.textContent = v; select.appendChild(o); });
  }
  function uniq(key) {
    var seen = {}; data.forEach(function (r) { [].concat(r[key] || []).forEach(function (v) { if (v) seen[v] = (seen[v] || 0) + 1; }); });
    return Object.keys(seen).sort(function (a, b) { return seen[b] - seen[a] || (a < b ? -1 : 1); });
  }
  fill(group, uniq('group'));
  fill(frame, uniq('frames'));
  if (!frame.options.length || frame.options.length < 2) frame.parentNode.style.display = 'none';
  fill($('speakers'), uniq('speakers').slice(0, 2000));
  fill($('terms-list'), uniq('terms').slice(0, 2000));
  function matches(r) {
    var s = q.value.trim().toLowerCase();
    if (s && (r.title + ' ' + r.outlet + ' ' + r.id + ' ' + r.date).toLowerCase().indexOf(s) < 0) return false;
    if (group.value && r.group !== group.value) return false;
    var sp = speaker.value.trim().toLowerCase();
    if (sp && !r.speakers.some(function (x) { return x.toLowerCase().indexOf(sp) >= 0; })) return false;
    var t = term.value.trim().toLowerCase();
    if (t && !r.terms.some(function (x) { return x.indexOf(t) >= 0; })) return false;
    if (frame.value && (r.frames || []).indexOf(frame.value) < 0) return false;
    return true;
  }
  function cell(tr, text, cls) { var td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
  function render() {
    var hits = data.filter(matches);
    body.textContent = '';
    hits.slice(0, shown).forEach(function (r) {
      var tr = document.createElement('tr'); tr.className = 'row'; tr.setAttribute('data-id', r.id);
      var td = document.createElement('td'); var a = document.createElement('a'); a.href = r.page; a.textContent = r.title;
      td.appendChild(a); tr.appendChild(td);
      cell(tr, r.outlet); cell(tr, r.date); cell(tr, r.group); cell(tr, String(r.quotes));
      cell(tr, r.speakers.slice(0, 5).join('; '), 'speakers'); cell(tr, r.terms.slice(0, 6).join('; '), 'terms');
      cell(tr, (r.frames || []).slice(0, 3).join('; '), 'frames');
      body.appendChild(tr);
    });
    count.textContent = hits.length + ' of ' + data.length + ' articles' + (hits.length > shown ? ' (first ' + shown + ' shown)' : '');
    $('more').style.display = hits.length > shown ? '' : 'none';
    var state = new URLSearchParams();
    [['q', q], ['group', group], ['speaker', speaker], ['term', term], ['frame', frame]].forEach(function (p) { if (p[1].value) state.set(p[0], p[1].value); });
    history.replaceState(null, '', state.toString() ? '#' + state.toString() : location.pathname);
  }
  var init = new URLSearchParams(location.hash.slice(1));
  q.value = init.get('q') || ''; group.value = init.get('group') || ''; speaker.value = init.get('speaker') || ''; term.value = init.get('term') || ''; frame.value = init.get('frame') || '';
  [q, speaker, term].forEach(function (el) { el.addEventListener('input', function () { shown = 100; render(); }); });
  [group, frame].forEach(function (el) { el.addEventListener('change', function () { shown = 100; render(); }); });
  $('more').addEventListener('click', function () { shown += 500; render(); });
  render();
})();
"""


def _json_for_html(records: list[dict]) -> str:
    """JSON that is safe inside a <script type="application/json"> element (no closing tag can appear)."""
    import json

    text = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def index_html(records: list[dict], *, group_label: str | None = None) -> str:
    """The index page: every article with search and filters by group, speaker and term.

    Client-side and self-contained (inline CSS and script, no external assets); article data
    travels as JSON in a non-executable script element and reaches the page only through
    ``textContent`` (never parsed as HTML). The first 100 matches are listed ("show more"
    adds 500), so 5,000 articles stay responsive; the filters live in the URL fragment
    (``#q=…&group=…&speaker=…&term=…&frame=…``), so a filtered view can be linked. A record's optional
    ``frames`` (its units' frames, most units first) feeds the frame filter, hidden when no record has one.
    """
    label = _e(group_label or "group")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Annotated articles</title>'
        f"<style>{CSS}{INDEX_CSS}</style></head><body>"
        f"<h1>Annotated articles ({len(records):,})</h1>"
        '<div class="filters">'
        '<label>search<input id="q" type="search" placeholder="title, outlet, date, id"></label>'
        f'<label>{label}<select id="group"><option value="">all</option></select></label>'
        '<label>speaker<input id="speaker" list="speakers" placeholder="a quoted person or source"></label>'
        '<label>loaded term<input id="term" list="terms-list" placeholder="a lexicon term"></label>'
        '<label>frame<select id="frame"><option value="">any</option></select></label>'
        '<datalist id="speakers"></datalist><datalist id="terms-list"></datalist></div>'
        '<div id="count"></div>'
        f'<table class="index"><thead><tr><th>article</th><th>outlet</th><th>date</th><th>{label}</th><th>quotes</th>'
        '<th>speakers</th><th>loaded terms</th><th>frames (most units first)</th></tr></thead><tbody id="rows"></tbody></table>'
        '<button id="more" type="button">show more</button>'
        f'<script type="application/json" id="articles-data">{_json_for_html(records)}</script>'
        f"<script>{INDEX_JS}</script></body></html>\n"
    )


def show(article: Article, **kwargs):
    """Display the annotated view inline in JupyterLab."""
    from IPython.display import HTML

    return HTML(article_html(article, standalone=False, **kwargs))
