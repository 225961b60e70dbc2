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
    p.write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no column 'text'"):
        import_table(p)


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
