from __future__ import annotations

import datetime as dt
import json

import pytest

from analysis.corpus import CorpusError, load_corpus, write_articles
from analysis.importers import import_html, import_table, import_txt


def test_csv_with_metadata_columns(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(
        'id,title,date,outlet,text,section\n'
        'x1,First,2022-02-04,Daily,"Line one.\nLine two, with ""quotes"".",World\n'
        'x2,Second,2022-02-05,,Plain text.,Politics\n',
        encoding="utf-8",
    )
    corpus = import_table(p)
    a, b = corpus.articles
    assert (a.id, a.title, a.date, a.outlet) == ("x1", "First", dt.date(2022, 2, 4), "Daily")
    assert a.body == 'Line one.\nLine two, with "quotes".' and a.extra == {"section": "World"}
    assert b.outlet is None and b.language == "en"


def test_csv_errors_name_the_line(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text('id,text,date\nx1,"multi\nline",2022-01-01\nx2,ok,not-a-date\n,no id,\nx4,<div>html</div>,\n', encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        import_table(p)
    assert err.value.line == 4 and "unparseable date" in err.value.reason
    corpus = import_table(p, strict=False)
    assert [a.id for a in corpus.articles] == ["x1"]
    assert corpus.skipped.line.tolist() == [4, 5, 6]
    assert "missing field 'id'" in corpus.skipped.reason.iloc[1] and "HTML" in corpus.skipped.reason.iloc[2]
    assert corpus.n_inputs == 4


def test_csv_without_text_column(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("id,headline,summary\n1,x,y\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no text column: none of text, content, body") as err:
        import_table(p)
    assert "(columns: id, headline, summary)" in err.value.reason and "--fields body=COLUMN" in err.value.reason
    corpus = import_table(p, fields={"body": "summary"})
    assert corpus.articles[0].body == "y" and corpus.articles[0].title == "x"  # headline: an alias of title


def test_jsonl(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(
        json.dumps({"id": "j1", "text": "Hello.", "date": "2021-05-01T10:00:00"}) + "\n{broken\n", encoding="utf-8"
    )
    corpus = import_table(p, strict=False)
    assert corpus.articles[0].date == dt.date(2021, 5, 1)
    assert corpus.skipped.line.tolist() == [2] and "invalid JSON" in corpus.skipped.reason.iloc[0]


def test_txt_with_metadata_table(tmp_path):
    (tmp_path / "one.txt").write_text("Story one.", encoding="utf-8")
    (tmp_path / "two.txt").write_text("Story two.", encoding="utf-8")
    meta = tmp_path / "meta.csv"
    meta.write_text("file,id,title,date\none.txt,s1,One,2020-01-01\nghost.txt,s3,Ghost,2020-01-03\n", encoding="utf-8")
    corpus = import_txt(tmp_path, metadata=meta, strict=False)
    assert [a.id for a in corpus.articles] == ["s1"]
    reasons = corpus.skipped.reason.tolist()
    assert any("no row for this file" in r for r in reasons) and any("no such text file 'ghost.txt'" in r for r in reasons)
    assert corpus.n_inputs == 3


def test_html_page_main_text(tmp_path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>T</title><meta name='date' content='2022-02-04'></head><body><nav>Home Menu</nav>"
        "<article><h1>Big headline</h1><p>First paragraph of the story is here and long enough to count as text. "
        "“We are fine,” said Bob Smith.</p><p>Second paragraph with more words so the extractor keeps it as main "
        "text for sure.</p><script>alert(1)</script></article><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    corpus = import_html(page)
    art = corpus.articles[0]
    assert art.id == "story" and art.date == dt.date(2022, 2, 4)
    assert "“We are fine,” said Bob Smith." in art.body and "alert" not in art.body and "<" not in art.body
    out = write_articles(corpus, tmp_path / "corpus")
    assert load_corpus(out[0].parent).articles[0].body == art.body


def test_html_without_text_is_skipped(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>", encoding="utf-8")
    corpus = import_html([page], strict=False)
    assert len(corpus) == 0 and "no main text" in corpus.skipped.reason.iloc[0]


# ----------------------------------------------------------------------------- JSON records, derived ids, any source

from analysis.importers import derived_id, import_json, load_source  # noqa: E402


def allsides_record(i, **over):
    rec = {"topic": "politics", "source": "Daily Example", "bias": "0", "url": f"http://example.com/{i}",
           "title": f"Story {i}", "date": "2019-05-0%d" % (i + 1), "authors": "A. Writer", "content": "tokenised",
           "content_original": f"Body of story {i}. “Quote {i},” said Jane Doe.", "source_url": "example.com",
           "bias_text": "left", "ID": f"rec{i}"}
    rec.update(over)
    return rec


def test_allsides_layout_is_detected_and_mapped(tmp_path):
    folder = tmp_path / "jsons"
    folder.mkdir()
    for i in range(3):
        (folder / f"rec{i}.json").write_text(json.dumps(allsides_record(i)), encoding="utf-8")
    (folder / "bad_date.json").write_text(json.dumps(allsides_record(3, date="4/4/")), encoding="utf-8")
    (folder / "empty.json").write_text(json.dumps(allsides_record(4, content_original="  ")), encoding="utf-8")
    (folder / "nobody.json").write_text(json.dumps({"ID": "x", "content_original": None, "bias_text": "left"}), encoding="utf-8")
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "SOURCE.md").write_text("# documentation, not an article\n", encoding="utf-8")
    corpus = load_source(tmp_path)
    assert [a.id for a in corpus.articles] == ["rec0", "rec1", "rec2"]
    a = corpus.articles[0]
    assert (a.title, a.outlet, a.date, a.url) == ("Story 0", "Daily Example", dt.date(2019, 5, 1), "http://example.com/0")
    assert a.extra == {"authors": "A. Writer", "bias_text": "left", "topic": "politics", "source_url": "example.com"}
    assert a.body == "Body of story 0. “Quote 0,” said Jane Doe."
    reasons = " | ".join(corpus.skipped.reason)
    assert "unparseable date '4/4/'" in reasons and "empty body" in reasons and "missing or non-text field" in reasons
    assert "invalid JSON" in reasons
    assert len(corpus) + len(corpus.skipped) == corpus.n_inputs == 7


def test_json_field_mapping_and_derived_ids(tmp_path):
    p = tmp_path / "items.json"
    p.write_text(json.dumps([{"headline": "H", "story": "Some text.", "link": "http://x/1"},
                             {"headline": "I", "story": "Other text."}]), encoding="utf-8")
    corpus = import_json(p, fields={"body": "story", "title": "headline", "url": "link"})
    assert [a.title for a in corpus.articles] == ["H", "I"]
    assert corpus.articles[0].id == derived_id("http://x/1", "Some text.") and corpus.articles[0].id.startswith("u-")
    assert corpus.articles[1].id == derived_id(None, "Other text.") and corpus.articles[1].id.startswith("t-")
    assert import_json(p, fields={"body": "story", "url": "link"}).articles[0].id == corpus.articles[0].id


def test_table_without_id_column_gets_stable_ids(tmp_path):
    p = tmp_path / "wiki.csv"
    p.write_text("url,date,title,text\nhttps://en.wikinews.org/a,2020-01-01,A,Text one.\n,2020-01-02,B,Text two.\n",
                 encoding="utf-8")
    corpus = load_source(tmp_path)
    ids = [a.id for a in corpus.articles]
    assert ids == [derived_id("https://en.wikinews.org/a", "Text one."), derived_id(None, "Text two.")]
    assert [a.id for a in load_source(p).articles] == ids


def test_import_command_writes_article_files(tmp_path):
    import subprocess
    import sys

    from analysis import paths

    src = tmp_path / "jsons"
    src.mkdir()
    (src / "a.json").write_text(json.dumps(allsides_record(0)), encoding="utf-8")
    (src / "b.json").write_text(json.dumps(allsides_record(1, date="4/4/")), encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "analysis", "import", str(src), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 0, res.stderr
    assert "2 inputs, 1 articles written" in res.stderr and "unparseable date '4/4/'" in res.stderr
    again = load_corpus(tmp_path / "out")
    assert [a.id for a in again.articles] == ["rec0"] and again.articles[0].extra["bias_text"] == "left"


def test_real_allsides_folder_loads_directly():
    from conftest import shared_path

    folder = shared_path("allsides_baly2020")
    corpus = load_source(folder)
    assert len(corpus) + len(corpus.skipped) == corpus.n_inputs == 4309
    # every record loads: the one non-ISO date ("4/4/17", day and month alike) reads as 2017-04-04
    assert len(corpus) == 4308 and corpus.skipped.reason.str.contains("HTML markup").tolist() == [True]
    assert sum(a.date == dt.date(2017, 4, 4) and a.id == "ExgbD3WqY1MFcwDj" for a in corpus.articles) == 1
    outlets = {a.outlet for a in corpus.articles}
    assert len(outlets) == 173 and {a.extra["bias_text"] for a in corpus.articles} == {"left", "center", "right"}


def test_wikinews_conversion_handles_datelines_and_interviews():
    from analysis.importers import normalise_wikinews

    body, changes = normalise_wikinews(
        "Friday, January 4, 2019\u00a0\n\n\nA study by Natasha Gownaris appeared.\n\n((WN))  How did it start?\n\n"
        "NG: It started in 1982.\n\n((WN)) : Why?\n\n((Natasha Gownaris))  Because of “penguins”.\n")
    assert body.startswith("A study by") and "((WN))" not in body
    assert "How did it start?" in body and "Natasha Gownaris: “It started in 1982.”" in body
    assert "Natasha Gownaris: “Because of “penguins”.”" in body and "\nWhy?\n" in body
    assert changes[0] == "dateline 'Friday, January 4, 2019' removed" and "2 answer turn(s)" in changes[1]


def test_wikinews_ids_keep_slashes_in_titles_and_test_pages_are_skipped(tmp_path):
    from analysis.importers import import_wikinews, wikinews_id

    assert wikinews_id("https://en.wikinews.org/wiki/Tesco_sells_to_Salling_Group_A/S", "2020-06-21") == \
        "wn-2020-06-21-Tesco_sells_to_Salling_Group_A_S"
    f = tmp_path / "wn.csv"
    f.write_text("url,date,title,text\n"
                 "https://en.wikinews.org/wiki/TEST_PAGE:X,2021-03-05,TEST PAGE:X,This is a test page.\n"
                 "https://en.wikinews.org/wiki/Real,2020-01-01,Real,A real report.\n", encoding="utf-8")
    corpus = import_wikinews(f, strict=False)
    assert [a.id for a in corpus.articles] == ["wn-2020-01-01-Real"]
    assert corpus.skipped.reason.tolist() == ["not a news article (a Wikinews 'TEST PAGE' page)"]
    assert corpus.skipped.line.tolist() == [2]


def test_shipped_wikinews_articles_are_the_import_of_the_public_data(tmp_path):
    """corpus/articles holds exactly what `python -m analysis import --preset wikinews` makes of the shared CSVs."""
    from analysis import paths
    from conftest import shared_path

    corpus = load_source(shared_path("wikinews_2019_2020"), preset="wikinews")
    written = write_articles(corpus, tmp_path)
    shipped = {p.name: p.read_bytes() for p in paths.ARTICLES.glob("wn-*.md")}
    assert len(written) == len(shipped) == 293 and len(corpus.skipped) == 2
    assert all(shipped[p.name] == p.read_bytes() for p in written)
    a = load_corpus(paths.ARTICLES / written[0].name).articles[0]
    assert a.outlet == "Wikinews" and a.extra["licence"].startswith("CC BY 2.5") and "converted" in a.notes and a.url
