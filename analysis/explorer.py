"""The explorer: every sentence of a corpus as one searchable table, filtered by speaker, actor, term,
outlet, group, voice and free text, each row linked to its place in the annotated article.

It reads the annotation store only (through a :class:`analysis.study.Study`): no parsing, no model.
:func:`sentence_rows` builds the table (:data:`ROW_COLUMNS`) once; :class:`SentenceIndex` answers a
selection with array lookups and one vectorised text search, so a 5,000-article corpus stays
responsive; :func:`actor_view` summarises how one actor is portrayed; :func:`explorer_widget` is the
JupyterLab panel (ipywidgets) over all of it, with export of the current selection as CSV.
"""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import paths
from .render import article_html, page_names

if TYPE_CHECKING:  # pragma: no cover
    from .study import Study

#: The columns of :func:`sentence_rows`: one row per sentence of the store.
ROW_COLUMNS = {
    "article_id": "the article",
    "sentence": "the sentence's number in its article (the sentences table's key with article_id)",
    "start": "character offset of the sentence in the article body",
    "end": "its end offset (exclusive)",
    "title": "the article's title",
    "outlet": "the article's outlet (None when unknown)",
    "date": "the article's date (ISO string, None when unknown)",
    "group": "the article's group as the figures show it (Study.groups)",
    "voice": "editorial (no quoted words), quote (all its words quoted) or mixed (the sentences table's quote_share)",
    "speakers": "the quoted speakers of the sentence, corpus-wide names joined by '; ' ('' when none)",
    "actors": "the actors mentioned in the sentence, corpus-wide names joined by '; '",
    "terms": "the loaded terms found in the sentence (lexicon terms and learned loaded words) joined by '; '",
    "score": "the sentence's sentiment score (the scorer chosen, -1..1)",
    "text": "the sentence's text (body[start:end])",
    "page": "the annotated page and anchor of the sentence, relative to the pages folder ('<page>.html#s-<n>')",
}
FILTERS = ("speaker", "actor", "term", "outlet", "group", "voice", "text")
_SEP = "; "


def _joined(frame: pd.DataFrame, column: str) -> pd.Series:
    """(article_id, sentence) -> sorted distinct values of ``column`` joined by '; '."""
    f = frame.dropna(subset=[column])
    if not len(f):
        return pd.Series(dtype=object)
    return f.groupby(["article_id", "sentence"])[column].agg(lambda v: _SEP.join(sorted(set(map(str, v)))))


def _term_sentences(terms: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """Each term row with the number of the sentence its start falls in (``merge_asof`` per article)."""
    if not len(terms):
        return terms.assign(sentence=pd.Series(dtype="int64"))
    t = terms.assign(term=terms.term.where(terms.term.notna(), terms.text.str.lower()))
    t = t.sort_values("start").reset_index(drop=True)
    s = sentences[["article_id", "sentence", "start", "end"]].rename(columns={"start": "s_start", "end": "s_end"})
    s = s.sort_values("s_start").reset_index(drop=True)
    m = pd.merge_asof(t, s, left_on="start", right_on="s_start", by="article_id", direction="backward")
    return m[m.sentence.notna() & (m.start < m.s_end)].astype({"sentence": "int64"})


_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "‛": "'", "′": "'", "“": '"', "”": '"',
                              "„": '"', "«": '"', "»": '"'})


def fold(text: str) -> str:
    """``text`` as the search compares it: case-folded, accents removed (NFKD without combining marks), curly
    quotes and apostrophes as straight ones (``José’s`` -> ``jose's``)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", str(text).translate(_QUOTE_MARKS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sentence_rows(study: "Study", *, score: str = "minilm") -> pd.DataFrame:
    """Every sentence of the study's store with its article's metadata, speakers, actors and terms.

    Returns a DataFrame with :data:`ROW_COLUMNS`, in article then sentence order. ``score``: a
    scorer column of ``Store.scored_sentences()`` ("minilm", "vader"). Speakers and actors carry
    their corpus-wide names (:attr:`Study.names`, :attr:`Study.actors`), so one person is found under
    every spelling. Errors: ValueError naming the scorers built when ``score`` is not one of them.
    """
    store = study.store
    sents = store.scored_sentences()
    if score not in sents.columns:
        built = [c for c in ("vader", "minilm", "transformer") if c in sents.columns]
        raise ValueError(f"no {score!r} scores in the store (built: {', '.join(built) or 'none'})")
    names = study.speaker_names
    speakers = [_SEP.join(sorted({names.get(s, s) for s in q if isinstance(s, str)}))
                for q in sents.quoted_speakers]
    key = pd.MultiIndex.from_arrays([sents.article_id, sents.sentence])
    actors = _joined(study.actors, "actor").reindex(key).fillna("")
    terms = _joined(_term_sentences(store.table("terms"), sents), "term").reindex(key).fillna("")
    meta = study.articles.set_index("article_id")
    pages = page_names(meta.index)
    aid = sents.article_id
    date = meta.date.map(lambda d: None if d is None or pd.isna(d) else str(d)[:10])
    share = sents.quote_share.fillna(0.0).to_numpy()
    voice = np.where(share <= 0.0, "editorial", np.where(share >= 1.0, "quote", "mixed"))

    def known(column: pd.Series) -> pd.Series:  # missing metadata as None, never NaN
        return pd.Series([v if isinstance(v, str) else None for v in column], index=column.index, dtype=object)

    rows = pd.DataFrame({
        "article_id": aid.to_numpy(), "sentence": sents.sentence.to_numpy(), "start": sents.start.to_numpy(),
        "end": sents.end.to_numpy(), "title": known(aid.map(meta.title)), "outlet": known(aid.map(meta.outlet)),
        "date": known(aid.map(date)), "group": known(aid.map(study.groups)), "voice": voice,
        "speakers": speakers, "actors": actors.to_numpy(), "terms": terms.to_numpy(),
        "score": sents[score].to_numpy(), "text": sents.text.to_numpy(),
        "page": [f"{pages[a]}#s-{n}" for a, n in zip(aid, sents.sentence)],
    })
    order = {a: i for i, a in enumerate(meta.index)}
    rows = rows.assign(_o=rows.article_id.map(order)).sort_values(["_o", "sentence"], kind="stable")
    return rows.drop(columns="_o").reset_index(drop=True)


class SentenceIndex:
    """Fast selections over :func:`sentence_rows`: value -> row positions for speakers, actors and terms,
    built once (linear in the table), so each selection is a few array lookups plus, for free text, one
    vectorised case-insensitive search of the sentences' text."""

    def __init__(self, rows: pd.DataFrame):
        self.rows = rows
        self._folded = pd.Series([fold(t) for t in rows.text], dtype=object)
        self._members = {f: self._positions(rows[col]) for f, col in
                         (("speaker", "speakers"), ("actor", "actors"), ("term", "terms"))}

    @staticmethod
    def _positions(column: pd.Series) -> dict[str, np.ndarray]:
        column = column.reset_index(drop=True)  # labels = row positions, whatever the table's own index
        exploded = column[column != ""].str.split(_SEP).explode()
        if not len(exploded):
            return {}
        values, rows = exploded.to_numpy(), exploded.index.to_numpy()
        return {v: rows[ix] for v, ix in pd.Series(values).groupby(values).indices.items()}

    def options(self, name: str) -> list[str]:
        """The values a filter can take, most frequent first (ties by name): speakers, actors, terms by the
        number of sentences; outlets, groups and voices by the number of rows."""
        if name in self._members:
            counts = {v: len(ix) for v, ix in self._members[name].items()}
        elif name in ("outlet", "group", "voice"):
            counts = self.rows[name].dropna().astype(str).value_counts().to_dict()
        else:
            raise ValueError(f"no options for {name!r} (filters: {', '.join(FILTERS)})")
        return sorted(counts, key=lambda v: (-counts[v], v))

    def select(self, **filters: str | None) -> pd.DataFrame:
        """The rows that match every filter given (None or '' ignores one).

        Keyword-only filters: ``speaker``, ``actor``, ``term`` (exact corpus-wide name or term, as in
        :meth:`options`), ``outlet``, ``group``, ``voice`` (exact value), ``text`` (a substring of the
        sentence, literal, compared after :func:`fold`: case, accents and curly quotes ignored). Values are
        stripped; an empty one filters nothing. Errors: ValueError naming the filters for an unknown one;
        TypeError for a value that is not one string (or number).
        """
        unknown = sorted(set(filters) - set(FILTERS))
        if unknown:
            raise ValueError(f"unknown filter(s) {', '.join(unknown)} (filters: {', '.join(FILTERS)})")
        keep = np.ones(len(self.rows), dtype=bool)
        for name, value in filters.items():
            if value is None:
                continue
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise TypeError(f"filter {name!r} takes one value (a string), not {type(value).__name__}")
            value = str(value).strip()
            if not value:
                continue
            if name in self._members:
                mask = np.zeros(len(self.rows), dtype=bool)
                mask[self._members[name].get(value, np.array([], dtype=int))] = True
            elif name == "text":
                mask = self._folded.str.contains(fold(value), regex=False).to_numpy(dtype=bool)
            else:
                mask = (self.rows[name].astype(str).str.strip() == value).to_numpy()
            keep &= mask
        return self.rows[keep]


def actor_view(study: "Study", actor: str, *, boot_groups: bool = True) -> dict[str, pd.DataFrame]:
    """How one actor appears: ``{"mentions": ..., "portrayal": ...}``.

    ``mentions``: counts by voice (journalist, quoted) and group — columns ``voice``, ``group``,
    ``mentions``, ``articles``, ``negative_share`` (share of mentions whose target sentiment is
    negative), ``mean_score`` (mean target score, -1..1); ``portrayal``: the actor's rows of
    :func:`analysis.portrayal.portrayal` (agency, power, sentiment per voice and group with 95%
    cluster-bootstrap intervals; columns :data:`analysis.portrayal.COLUMNS`; cells without a mention
    left out), by group when ``boot_groups``. Errors: ValueError when the actor is never mentioned.
    """
    from .portrayal import portrayal

    a = study.actors[study.actors.actor == actor]
    if not len(a):
        raise ValueError(f"{actor!r} is not mentioned in this corpus")
    voice = np.where(a.voice == "quote", "quoted", "journalist")
    m = a.assign(voice=voice, group=a.article_id.map(study.groups), negative=a.polarity == "negative")
    mentions = (m.groupby(["voice", "group"], dropna=False)
                .agg(mentions=("actor", "size"), articles=("article_id", "nunique"), negative_share=("negative", "mean"),
                     mean_score=("score", "mean"))
                .reset_index())
    port = portrayal(study.actors, study.boot, focus=[actor], groups=study.groups if boot_groups else None,
                     speaker_names=study.speaker_names)
    return {"mentions": mentions, "portrayal": port[port.mentions > 0].reset_index(drop=True)}


def row_labels(rows: pd.DataFrame) -> list[str]:
    """One line per row for a list: outlet · date · voice (speakers) · the sentence's first 110 characters."""
    return [f"{(o or '?')[:18]} · {d or '?'} · {v}{' (' + s[:30] + ')' if s else ''} · {t[:110]}"
            for o, d, v, s, t in zip(rows.outlet, rows.date, rows.voice, rows.speakers,
                                     rows.text.str.replace("\n", " "))]


def context_html(rows: pd.DataFrame, position: int, bodies: dict[str, str], *, link: str | None = None,
                 window: int = 1, sentences: pd.DataFrame | None = None) -> str:
    """An HTML fragment: the sentence at ``rows`` position ``position`` highlighted between ``window``
    sentences either side (from the article body, offsets exact), its metadata, and a link to its place in
    the annotated page (``link``: the href; None: no link). ``sentences``: the table the neighbours come
    from (all of :func:`sentence_rows`; None: ``rows``, e.g. when ``rows`` is the whole table). Text is
    HTML-escaped."""
    import html

    if not 0 <= position < len(rows):
        raise IndexError(f"row {position} of {len(rows)}")
    r = rows.iloc[position]
    body = bodies[r.article_id]
    table = rows if sentences is None else sentences
    same = table[table.article_id == r.article_id]
    near = same[(same.sentence >= r.sentence - window) & (same.sentence <= r.sentence + window)]
    s0 = int(near.start.min()) if len(near) else int(r.start)
    e0 = int(near.end.max()) if len(near) else int(r.end)
    e = html.escape
    before, it, after = body[s0:int(r.start)], body[int(r.start):int(r.end)], body[int(r.end):e0]
    who = f" · quoting {e(r.speakers)}" if r.speakers else ""
    meta = " · ".join(e(str(x)) for x in (r.outlet or "outlet unknown", r.date or "date unknown", r.article_id))
    anchor = f' · <a href="{e(link)}" target="_blank">open in the annotated article</a>' if link else ""
    return (f'<div style="font-family:Georgia,serif;line-height:1.5;max-width:60em">'
            f'<div style="font-weight:bold">{e(str(r.title or r.article_id))}</div>'
            f'<div style="color:#666;font-size:.85em">{meta} · sentence {int(r.sentence)} ({e(str(r.voice))}{who}) · '
            f'score {"n/a" if pd.isna(r.score) else format(r.score, "+.2f")} · characters {int(r.start)}–{int(r.end)}{anchor}</div>'
            f'<p>{e(before)}<mark style="background:#fff3c4">{e(it)}</mark>{e(after)}</p></div>')


def export_selection(selection: pd.DataFrame, out_dir: str | Path, *, filters: dict[str, Any]) -> Path:
    """Write ``selection`` (:data:`ROW_COLUMNS`) as CSV in ``out_dir``, named by its filters and a short hash
    of them (``selection-speaker=José_Álvarez-text=mine-1a2b3c4d.csv``; ``selection-all-<hash>.csv`` without
    any), so two different selections never share a file; beside it ``<same name>.json`` records the filters
    exactly, the row and article counts. Returns the CSV's path; the same filters replace their file."""
    import hashlib
    import json

    used = {k: str(v).strip() for k, v in filters.items() if v is not None and str(v).strip()}
    safe = {k: re.sub(r"[^\w.]+", "_", v).strip("_")[:40] for k, v in used.items()}
    label = "-".join(f"{k}={v}" for k, v in safe.items()) or "all"
    digest = hashlib.sha256(json.dumps(used, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:8]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"selection-{label}-{digest}.csv"
    selection.to_csv(path, index=False)
    record = {"filters": used, "rows": int(len(selection)), "articles": int(selection.article_id.nunique()),
              "columns": list(selection.columns)}
    path.with_suffix(".json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def explorer_widget(study: "Study", *, pages_dir: str | Path, score: str = "minilm",
                    export_dir: str | Path | None = None, max_rows: int = 300, link_base: str | Path | None = None,
                    max_suggestions: int = 5000):
    """The explorer panel for JupyterLab (ipywidgets).

    Searchable pickers (Combobox: type to narrow) for speaker, actor, term and outlet, drop-downs for
    group and voice, and a full-text search filter the sentences (:class:`SentenceIndex`); the count,
    mean score and the first ``max_rows`` matches are listed; choosing one shows it in context with a
    link to its sentence in the annotated page (``pages_dir``: where :func:`analysis.render.write_site`
    wrote the pages; links are relative to ``link_base``, default the kernel's working folder, which in
    JupyterLab is the notebook's); "export CSV" writes the whole selection (:func:`export_selection`,
    into ``export_dir``, default :func:`analysis.paths.exports_dir`); picking an actor fills the actor
    tab (:func:`actor_view`). Each picker suggests its ``max_suggestions`` most frequent values (a browser's
    suggestion list slows down beyond a few thousand) and accepts any other value typed in full. Returns the panel (``.explorer`` holds its :class:`SentenceIndex`, the
    controls are in ``.controls``).
    """
    from html import escape as html_escape

    import ipywidgets as w

    index = SentenceIndex(sentence_rows(study, score=score))
    bodies = study.bodies
    export_dir = Path(export_dir) if export_dir is not None else paths.exports_dir(study.source)
    base = Path(link_base) if link_base is not None else Path.cwd()
    rel_pages = os.path.relpath(Path(pages_dir).resolve(), base.resolve())
    lay = w.Layout(width="24em")
    hints = {"speaker": "type a speaker's name", "actor": "type an actor's name", "term": "type a term",
             "outlet": "type an outlet"}
    known = {name: set(index.options(name)) for name in hints}
    pickers = {name: w.Combobox(options=index.options(name)[:max_suggestions], placeholder=hints[name], description=name,
                                ensure_option=False, continuous_update=False, layout=lay)
               for name in ("speaker", "actor", "term", "outlet")}
    drops = {name: w.Dropdown(options=[("(any)", "")] + [(v, v) for v in index.options(name)], value="",
                              description=name, layout=lay) for name in ("group", "voice")}
    search = w.Text(placeholder="words in the sentence", description="search", continuous_update=False, layout=lay)
    controls = {**pickers, **drops, "text": search}
    count = w.HTML()
    listing = w.Select(options=[], rows=12, layout=w.Layout(width="100%"))
    listing.add_class("framing-rows")
    export = w.Button(description="export CSV", icon="download", tooltip="write the whole selection as CSV")
    status = w.HTML()
    whole = w.ToggleButton(value=False, description="annotated article", icon="file-text",
                           tooltip="show the whole annotated article of the chosen sentence below it")
    detail = w.Output()
    store = study.store
    tables = {name: store.table(name) for name in ("segments", "quotes", "terms")}
    tables["sentences"] = store.scored_sentences()
    tables["frames"] = store.table("frames") if store.has("frames") else None
    per_article = {name: (t.groupby("article_id") if t is not None else None) for name, t in tables.items()}
    actor_out = w.Output()
    state: dict[str, Any] = {"selection": index.rows.iloc[0:0]}
    starts = index.rows.groupby("article_id", sort=False).indices  # article -> its row positions

    def by_article(row) -> pd.DataFrame:
        return index.rows.iloc[starts[row.article_id]]

    def filters() -> dict[str, str]:
        got = {k: (c.value or "").strip() for k, c in controls.items()}
        state["pending"] = []
        for name, c in pickers.items():  # a picker's half-typed text filters nothing until it names a value
            if got[name] and got[name] not in known[name]:
                state["pending"].append(f"{name} {got[name]!r}")
                got[name] = ""
        return got

    def show_detail(*_):
        # widget state set directly (no ``with detail:`` capture), so headless execution never waits on it
        detail.outputs = ()
        pos = listing.value
        if pos is None:
            return
        sel = state["selection"]
        link = Path(rel_pages, sel.iloc[pos].page).as_posix()
        from IPython.display import HTML

        detail.append_display_data(HTML(context_html(sel, pos, bodies, link=link, sentences=by_article(sel.iloc[pos]))))
        if whole.value:
            aid = sel.iloc[pos].article_id
            part = {name: (g.get_group(aid) if g is not None and aid in g.groups else
                           (tables[name].iloc[0:0] if tables[name] is not None else None))
                    for name, g in per_article.items()}
            if "articles" not in state:  # built on first use: the Article objects of the corpus
                state["articles"] = {a.id: a for a in store.corpus()}
            article = state["articles"][aid]
            detail.append_display_data(HTML(article_html(article, segments=part["segments"], quotes=part["quotes"],
                                                         matches=part["terms"], sentences=part["sentences"],
                                                         score=score, frames=part["frames"], standalone=False)))

    def refresh(*_):
        f = filters()
        sel = index.select(**f)
        state["selection"] = sel
        n_art = sel.article_id.nunique()
        mean = sel.score.mean() if len(sel) else float("nan")
        count.value = (f"<b>{len(sel):,}</b> sentence{'s' * (len(sel) != 1)} in <b>{n_art:,}</b> "
                       f"article{'s' * (n_art != 1)} · mean {score} "
                       f"{mean:+.3f}" if len(sel) else "<b>0</b> sentences match") + \
            (f" · first {max_rows} listed" if len(sel) > max_rows else "") + \
            "".join(f' · <span style="color:#b03a2e">{html_escape(p)} matches no name in the list: not applied '
                    "(choose one of the suggestions)</span>" for p in state["pending"])
        listing.options = [(label, i) for i, label in enumerate(row_labels(sel.head(max_rows)))]
        listing.value = 0 if len(listing.options) else None
        show_detail()

    def show_actor(*_):
        actor_out.outputs = ()
        name = pickers["actor"].value
        if name not in known["actor"]:
            actor_out.append_display_data(pd.DataFrame({"pick an actor": ["(type a name in the actor picker)"]}))
            return
        view = actor_view(study, name)
        actor_out.append_display_data(view["mentions"])
        actor_out.append_display_data(view["portrayal"])

    def do_export(*_):
        path = export_selection(state["selection"], export_dir, filters=filters())
        status.value = f"wrote {len(state['selection']):,} rows to <code>{paths.display_path(path)}</code>"

    for c in controls.values():
        c.observe(refresh, names="value")
    pickers["actor"].observe(show_actor, names="value")
    listing.observe(show_detail, names="value")
    whole.observe(show_detail, names="value")
    export.on_click(do_export)
    refresh()
    show_actor()
    rows_tab = w.VBox([count, listing, w.HBox([export, whole, status]), detail])
    tabs = w.Tab(children=[rows_tab, actor_out])
    tabs.set_title(0, "sentences")
    tabs.set_title(1, "actor")
    panel = w.VBox([w.HBox([w.VBox(list(pickers.values())), w.VBox([*drops.values(), search])]), tabs])
    panel.add_class("framing-explorer")
    panel.explorer = index
    panel.controls = controls
    return panel
