"""The explorer (analysis.explorer) and the interactive Fightin' Words chart (analysis.charts)."""
import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

from analysis import charts, explorer, lexicon
from analysis.corpus import Article
from analysis.render import write_site
from analysis.study import study_from_store

MINE = [
    Article(id="mine-1", title="Rio Tinto expands mine", outlet="Mining Weekly", date=dt.date(2024, 3, 4),
            body='Rio Tinto said on Monday it would expand its Pilbara mine. "This is a major investment," chief '
                 'executive Jakob Stausholm told reporters.\n\nEnvironmental groups criticised the plan, saying it '
                 'threatens sacred sites. The so-called "green mine" faces protests.\n'),
    Article(id="mine-2", title="BHP profit falls", outlet="The Courier", date=dt.date(2024, 3, 18),
            body='BHP reported a fall in profit. "Prices were weak," Mike Henry said. Analysts said Rio Tinto '
                 'fared better.\n'),
]


@pytest.fixture(scope="module")
def study(seed):
    from analysis.store import annotate_articles

    return study_from_store(annotate_articles([seed, *MINE]), group_by="outlet", source=[])


@pytest.fixture(scope="module")
def rows(study):
    return explorer.sentence_rows(study)


def test_rows_are_the_sentences_with_exact_offsets_and_metadata(study, rows):
    sents = study.store.table("sentences")
    assert len(rows) == len(sents) and list(rows.columns) == list(explorer.ROW_COLUMNS)
    bodies = study.bodies
    assert all(bodies[a][s:e] == t for a, s, e, t in zip(rows.article_id, rows.start, rows.end, rows.text))
    one = rows[rows.article_id == "mine-2"]
    assert set(one.outlet) == {"The Courier"} and set(one.date) == {"2024-03-18"} and set(one.group) == {"The Courier"}
    assert rows[rows.article_id == MINE[0].id].outlet.iloc[0] == "Mining Weekly"
    assert rows.page.str.fullmatch(r".+\.html#s-\d+").all()
    said = one[one.text.str.contains("Prices were weak")]
    assert said.speakers.iloc[0] == "Mike Henry"


def test_actors_and_terms_land_in_their_sentences(study, rows):
    terms = study.store.table("terms")
    key = rows.set_index(["article_id", "sentence"])
    for r in terms.itertuples():  # every term row is listed in the sentence holding its start
        hit = rows[(rows.article_id == r.article_id) & (rows.start <= r.start) & (rows.end > r.start)]
        assert len(hit) == 1 and (r.term if isinstance(r.term, str) else r.text.lower()) in hit.terms.iloc[0].split("; ")
    for r in study.actors.dropna(subset=["actor"]).itertuples():
        assert r.actor in key.loc[(r.article_id, r.sentence), "actors"].split("; ")
    assert len(terms) > 0 and (rows.terms != "").sum() > 0


def test_select_matches_a_plain_filter_for_every_filter(rows):
    ix = explorer.SentenceIndex(rows)
    split = {c: rows[c].str.split("; ") for c in ("speakers", "actors", "terms")}
    for name, col in (("speaker", "speakers"), ("actor", "actors"), ("term", "terms")):
        for value in ix.options(name)[:5]:
            want = rows[split[col].map(lambda v: value in v)]
            pd.testing.assert_frame_equal(ix.select(**{name: value}), want)
    for value in ix.options("outlet") + ix.options("voice"):
        got = ix.select(outlet=value) if value in ix.options("outlet") else ix.select(voice=value)
        assert len(got) and (got.outlet.eq(value) | got.voice.eq(value)).all()
    got = ix.select(text="RIO tinto", outlet="Mining Weekly")
    want = rows[rows.text.str.lower().str.contains("rio tinto", regex=False) & rows.outlet.eq("Mining Weekly")]
    pd.testing.assert_frame_equal(got, want)
    assert len(got) >= 1
    assert len(ix.select(speaker=None, text="  ", actor="")) == len(rows)  # empty filters ignored
    assert ix.select(speaker="Nobody At All").empty
    with pytest.raises(ValueError, match="unknown filter.*speakr"):
        ix.select(speakr="x")
    with pytest.raises(ValueError, match="no options"):
        ix.options("text")


def test_options_are_ordered_by_frequency(rows):
    ix = explorer.SentenceIndex(rows)
    actors = ix.options("actor")
    counts = [len(ix.select(actor=a)) for a in actors]
    assert counts == sorted(counts, reverse=True) and "Rio Tinto" in actors


def test_actor_view_counts_every_mention(study):
    view = explorer.actor_view(study, "Rio Tinto")
    mentions = study.actors[study.actors.actor == "Rio Tinto"]
    assert view["mentions"].mentions.sum() == len(mentions)
    assert set(view["mentions"].voice) <= {"journalist", "quoted"}
    assert (view["portrayal"].actor == "Rio Tinto").all() and (view["portrayal"].mentions > 0).all()
    assert {"negative", "mean score"} <= set(view["portrayal"].measure)
    with pytest.raises(ValueError, match="not mentioned"):
        explorer.actor_view(study, "Nobody At All")


def test_context_links_and_escapes(rows, study, tmp_path):
    st = study.store
    pages = write_site(st.corpus(), tmp_path / "site", segments=st.table("segments"), quotes=st.table("quotes"),
                       matches=st.table("terms"), sentences=st.scored_sentences(), score="minilm")
    names = {p.name for p in pages}
    for page in rows.page.head(40):  # every link names a written page and an anchor on it
        name, anchor = page.split("#")
        assert name in names and f'id="{anchor}"' in (tmp_path / "site" / name).read_text(encoding="utf-8")
    odd = rows.assign(title="<script>x</script>")
    html = explorer.context_html(odd, 3, study.bodies, link="p.html#s-3")
    assert "<script>" not in html and "&lt;script&gt;" in html and 'href="p.html#s-3"' in html
    r = rows.iloc[3]
    assert f"<mark style=\"background:#fff3c4\">{r.text.replace('&', '&amp;')[:20]}" in html.replace("&quot;", '"')


def test_export_writes_the_whole_selection(rows, tmp_path):
    sel = explorer.SentenceIndex(rows).select(outlet="The Courier")
    path = explorer.export_selection(sel, tmp_path, filters={"outlet": "The Courier", "speaker": "", "text": None})
    assert re.fullmatch(r"selection-outlet=The_Courier-[0-9a-f]{8}\.csv", path.name)
    back = pd.read_csv(path)
    assert len(back) == len(sel) and back.text.tolist() == sel.text.tolist()
    record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert record == {"filters": {"outlet": "The Courier"}, "rows": len(sel), "articles": 1, "columns": list(rows.columns)}
    assert explorer.export_selection(sel, tmp_path, filters={}).name.startswith("selection-all-")
    # different selections never share a file: accents kept, symbols and long values told apart by the hash
    names = {explorer.export_selection(sel, tmp_path, filters={"text": t}).name
             for t in ("José Álvarez", "José_Álvarez", "🚀", "😀", "(", "*", "王", "x" * 40 + "a", "x" * 40 + "b")}
    assert len(names) == 9 and any("José_Álvarez" in n for n in names)


def test_index_positions_do_not_depend_on_the_table_index(rows):
    some = rows[rows.outlet == "The Courier"]
    backwards = rows.iloc[::-1]
    for table in (some, backwards, rows.set_axis(range(1000, 1000 + len(rows)))):
        got = explorer.SentenceIndex(table).select(speaker="Mike Henry")
        assert len(got) and (got.speakers.str.split("; ").map(lambda v: "Mike Henry" in v)).all()
        assert set(got.text) == set(table[table.speakers.str.contains("Mike Henry")].text)


def test_search_ignores_case_accents_and_quote_styles():
    table = pd.DataFrame({"article_id": ["a", "a", "b"], "text": ["José’s plan", "JOSE'S PLAN", "a plan (draft)*"],
                          "speakers": ["", "", ""], "actors": ["", "", ""], "terms": ["", "", ""],
                          "outlet": [" X ", "X", None], "group": ["g", "g", "h"], "voice": ["editorial"] * 3})
    ix = explorer.SentenceIndex(table)
    assert len(ix.select(text="jose's")) == 2 and len(ix.select(text="josé’s PLAN")) == 2
    assert len(ix.select(text="(draft)*")) == 1  # literal, not a pattern
    assert len(ix.select(outlet=" X")) == 2  # values stripped on both sides
    assert len(ix.select(text=" \n ")) == 3  # blank: no filter
    with pytest.raises(TypeError, match="'speaker' takes one value"):
        ix.select(speaker=["Jane Doe"])
    assert len(ix.select(text=5)) == 0


def test_widget_filters_shows_exports_and_fills_the_actor_tab(study, tmp_path):
    pytest.importorskip("ipywidgets")
    panel = explorer.explorer_widget(study, pages_dir=tmp_path / "site", export_dir=tmp_path / "exports",
                                     link_base=tmp_path)
    c = panel.controls
    tab = panel.children[1]
    count, listing, buttons, detail = tab.children[0].children
    total = len(panel.explorer.rows)
    assert f"<b>{total:,}</b> sentences" in count.value
    c["outlet"].value = "The Courier"
    assert re.search(r"<b>\d+</b> sentences? in <b>1</b> article ", count.value)
    c["speaker"].value = "Mike"  # half-typed: filters nothing yet, and says so
    n = len(listing.options)
    assert "speaker &#x27;Mike&#x27; matches no name in the list: not applied" in count.value
    c["speaker"].value = "Mike Henry"
    assert 1 <= len(listing.options) <= n and all("Mike Henry" in label for label, _ in listing.options)
    html = detail.outputs[0]["data"]["text/html"]
    assert "Prices were weak" in html and 'href="site/' in html and "#s-" in html
    assert "BHP reported a fall in profit." in html  # context from the article, not from the selection
    buttons.children[1].value = True  # the whole annotated article below
    page = detail.outputs[1]["data"]["text/html"]
    assert len(detail.outputs) == 2 and 'data-article="mine-2"' in page
    style = page.split("<style>")[1].split("</style>")[0]  # the page's stylesheet limited to the article
    assert "body{" not in style and all(r.startswith("article.framing") for r in re.findall(r"[^{}]+(?=\{)", style))
    buttons.children[0].click()
    written = list((tmp_path / "exports").glob("*.csv"))
    assert len(written) == 1 and written[0].name.startswith("selection-speaker=Mike_Henry-outlet=The_Courier-")
    assert len(pd.read_csv(written[0])) == int(re.search(r"<b>(\d+)</b>", count.value).group(1))
    c["actor"].value = "Rio Tinto"
    actor_tab = tab.children[1].outputs
    assert len(actor_tab) == 2 and "Rio Tinto" in actor_tab[1]["data"]["text/plain"]
    small = explorer.explorer_widget(study, pages_dir=tmp_path / "site", export_dir=tmp_path / "exports",
                                     link_base=tmp_path, max_suggestions=2)
    rare = small.explorer.options("actor")[-1]  # not among the 2 suggested, still accepted typed in full
    assert len(small.controls["actor"].options) == 2 and rare not in small.controls["actor"].options
    small.controls["actor"].value = rare
    listed = small.children[1].children[0].children[1].options
    assert listed and len(listed) == len(small.explorer.select(actor=rare).head(300))
    assert "not applied" not in small.children[1].children[0].children[0].value
    c["text"].value = "no sentence has this"
    assert "<b>0</b> sentences match" in count.value and listing.options == () and detail.outputs == ()


def test_rows_refuse_an_unbuilt_scorer(study):
    with pytest.raises(ValueError, match="no 'transformer' scores.*built: vader, minilm"):
        explorer.sentence_rows(study, score="transformer")


def _fw():
    a = ["the mine will expand", "the mine opened", "profits rose at the mine"] * 3
    b = ["we are worried", "we said no", "the plan worries us"] * 3
    return lexicon.fightin_words(a, b, alpha0=10)


def test_fightin_words_chart_has_hover_search_and_zoom(tmp_path):
    pytest.importorskip("altair")
    fw = _fw()
    chart = charts.fightin_words_chart(fw, label_a="editorial", label_b="quoted", min_count=2)
    spec = chart.to_dict()
    params = {p["name"]: p for p in spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]}
    assert params["word_search"]["bind"]["input"] == "search" and params["zoom"]["bind"] == "scales"
    tips = [t["field"] for t in spec["layer"][0]["encoding"]["tooltip"]]
    assert tips == ["word", "count_a", "count_b", "z"]
    data = next(iter(spec["datasets"].values()))
    assert {d["word"] for d in data} == set(fw[fw.count_a + fw.count_b >= 2].word)
    auto = next(iter(charts.fightin_words_chart(fw, max_words=5).to_dict()["datasets"].values()))
    freq = fw.count_a + fw.count_b  # the smallest step of 1, 2, 3, 5, 10, ... leaving at most 5 words
    step = next(m for m in (1, 2, 3, 5, 10, 20) if (freq >= m).sum() <= 5)
    assert {d["word"] for d in auto} == set(fw[freq >= step].word) and 0 < len(auto) <= 5
    assert {d["side"] for d in data if d["z"] > charts.Z_MARK} <= {"typical of editorial"}
    with pytest.raises(KeyError, match="count_b"):
        charts.fightin_words_chart(fw.drop(columns="count_b"))


def test_saved_chart_is_self_contained_and_reproducible(tmp_path):
    pytest.importorskip("vl_convert")
    chart = charts.fightin_words_chart(_fw(), min_count=1)
    one = charts.save_chart(chart, "fw", out_dir=tmp_path / "a")
    two = charts.save_chart(chart, "fw", out_dir=tmp_path / "b")
    html = one.read_text(encoding="utf-8")
    assert one.read_bytes() == two.read_bytes()
    assert not re.search(r"<script[^>]+src=", html) and "vegaEmbed" in html and '"word_search"' in html


def test_charts_show_offline_in_a_notebook():
    pytest.importorskip("vl_convert")
    import altair as alt

    bundle = charts.show(charts.fightin_words_chart(_fw(), min_count=1))._repr_mimebundle_()
    html = (bundle[0] if isinstance(bundle, tuple) else bundle)["text/html"]
    assert "vegaEmbed" in html and not re.search(r"<script[^>]+src=", html) and "cdn.jsdelivr" not in html
    assert alt.renderers.active == "default"  # the offline renderer is used for this output only


def test_chart_text_cannot_end_its_script_element(tmp_path):
    pytest.importorskip("vl_convert")
    fw = _fw()
    fw.loc[0, "word"] = "</script><img src=x onerror=alert(1)>"
    chart = charts.fightin_words_chart(fw, label_a="</script><script>alert('outlet')</script>", label_b="<!--", min_count=1)
    html = charts.save_chart(chart, "fw", out_dir=tmp_path).read_text(encoding="utf-8")
    shown = charts.show(chart)._repr_mimebundle_()
    shown = (shown[0] if isinstance(shown, tuple) else shown)["text/html"]
    for page in (html, shown):
        assert "alert" in page and "</script><script>alert" not in page and "</script><img" not in page
        for made_inert in ("/script><script>alert", "!--"):  # the zero-width space, raw or JSON-escaped
            assert f"<\u200b{made_inert}" in page or f"<\\u200b{made_inert}" in page, made_inert
