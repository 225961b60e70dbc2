"""Researchers' formats read as they are (issue 21, item 3): dates in common formats, column aliases and
``--fields`` for tables, plain .txt folders, the import summary (``Corpus.read_as``)."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from analysis.corpus import CorpusError, check_date_format, parse_date, parse_article_text
from analysis.importers import import_table, load_source, split_txt, summary_lines

D = dt.date


@pytest.mark.parametrize("value, expected", [
    ("2024-03-18", D(2024, 3, 18)),
    ("2024-03-18T23:30:00-05:00", D(2024, 3, 18)),  # the date as written, not converted to UTC
    ("2024-03-18T09:30:00Z", D(2024, 3, 18)),
    ("March 18, 2024", D(2024, 3, 18)),
    ("18 March 2024", D(2024, 3, 18)),
    ("Mar 18 2024", D(2024, 3, 18)),
    ("Mon, 18 Mar 2024 10:00:00 GMT", D(2024, 3, 18)),
    ("18 Mar 2024 10:00 EST", D(2024, 3, 18)),
    ("18/03/2024", D(2024, 3, 18)),  # 18 cannot be a month: day first
    ("03/18/2024", D(2024, 3, 18)),  # month first
    ("18.03.24", D(2024, 3, 18)),  # two-digit year: strptime's %y
    ("3-18-99", D(1999, 3, 18)),
    ("2024/3/18", D(2024, 3, 18)),  # year first
    ("4/4/17", D(2017, 4, 4)),  # day and month alike: one reading
])
def test_common_date_formats(value, expected):
    assert parse_date(value, "f.csv", 3) == expected


@pytest.mark.parametrize("value, fragment", [
    ("03/04/2024", "ambiguous date '03/04/2024': 3 April or March 4?"),
    ("12.11.20", "ambiguous date"),
    ("March 2024", "incomplete (no day)"),
    ("4th of Feb", "incomplete (no year)"),
    ("2024", "incomplete"),
    ("not a date", "unparseable date 'not a date'"),
    ("2022-02-30", "unparseable date '2022-02-30' (day is out of range"),
    ("31/02/2024", "unparseable date '31/02/2024'"),
    ("3/18/123", "the year must have 2 or 4 digits"),
])
def test_dates_refused_with_the_reason(value, fragment):
    with pytest.raises(CorpusError) as err:
        parse_date(value, "f.csv", 3)
    assert fragment in err.value.reason and (err.value.file, err.value.line) == ("f.csv", 3)


def test_date_format_settles_the_order():
    assert parse_date("03/04/2024", "f", 1, date_format="dmy") == D(2024, 4, 3)
    assert parse_date("03/04/2024", "f", 1, date_format="mdy") == D(2024, 3, 4)
    with pytest.raises(CorpusError, match=r"month must be in 1\.\.12; read month first, as the date format mdy says"):
        parse_date("18/03/2024", "f", 1, date_format="mdy")  # the declared order is kept, not guessed around
    assert parse_date("2024-03-04", "f", 1, date_format="dmy") == D(2024, 3, 4)  # ISO is never ambiguous
    assert parse_date("04|03|2024", "f", 1, date_format="%d|%m|%Y") == D(2024, 3, 4)
    with pytest.raises(CorpusError, match="not in the date format"):
        parse_date("2024-03-04", "f", 1, date_format="%d|%m|%Y")
    for bad in ("DD/MM", "ymd"):
        with pytest.raises(ValueError, match="bad date format"):
            check_date_format(bad)


def test_article_file_needs_no_language_and_reads_common_dates():
    art = parse_article_text("---\nid: a\ntitle: T\noutlet: O\ndate: March 4, 2024\n---\nBody.\n", "a.md")
    assert (art.language, art.date, art.outlet) == ("en", D(2024, 3, 4), "O")
    with pytest.raises(CorpusError) as err:
        parse_article_text("---\nid: a\ntitle: T\ndate: 03/04/2024\n---\nBody.\n", "a.md")
    assert err.value.line == 4 and "ambiguous" in err.value.reason
    assert parse_article_text("---\nid: a\ntitle: T\ndate: 03/04/2024\n---\nBody.\n", "a.md",
                              date_format="dmy").date == D(2024, 4, 3)


RESEARCHER_CSV = ('title,content,source,publish_date,author\n'
                  'Mine opens,"The mine opened. ""Good,"" she said.",Daily,"March 4, 2024",Ann\n'
                  'Copper,Prices rose.,Weekly,18/03/2024,Bob\n'
                  'Strike,Workers left.,Weekly,03/04/2024,Cy\n')


def test_researcher_csv_columns_by_alias_and_the_summary_says_so(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text(RESEARCHER_CSV, encoding="utf-8")
    corpus = load_source(p)
    assert [(a.title, a.outlet, a.date, a.extra) for a in corpus.articles] == [
        ("Mine opens", "Daily", D(2024, 3, 4), {"author": "Ann"}), ("Copper", "Weekly", D(2024, 3, 18), {"author": "Bob"})]
    assert corpus.skipped.line.tolist() == [4] and "ambiguous date '03/04/2024'" in corpus.skipped.reason[0]
    got = {r.column: (r.field, r.how, r.records) for r in corpus.read_as.itertuples()}
    assert got == {"title": ("title", "its name", 3), "content": ("body", "alias of body", 3),
                   "source": ("outlet", "alias of outlet", 3), "publish_date": ("date", "alias of date", 3),
                   "author": ("extra", "kept as metadata", 3),
                   "(no id column)": ("id", "derived from the url, else the text (derived_id)", got["(no id column)"][2])}
    lines = summary_lines(corpus)
    assert lines[0] == "read: 3 input(s): 2 article(s), 1 skipped"
    assert "    publish_date -> date (alias of date, 3 record(s))" in lines
    assert any(l.startswith(f"skipped: {p}:4: ambiguous date") for l in lines)
    again = load_source(p, date_format="dmy")
    assert len(again) == 3 and again.articles[2].date == D(2024, 4, 3)


def test_aliases_ignore_case_and_the_first_alias_wins(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Headline,Text,Content,Publisher,Published\nH,body one,other,P,2024-01-02\n", encoding="utf-8")
    art = load_source(p).articles[0]
    assert (art.title, art.body, art.outlet, art.date) == ("H", "body one", "P", D(2024, 1, 2))
    assert art.extra == {"Content": "other"}  # the second text column is kept, not lost


def test_fields_map_csv_and_jsonl_columns(tmp_path):
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("story,paper,day,text\nBody here.,P,2024-01-02,a note\n", encoding="utf-8")
    art = load_source(csv_path, fields={"body": "story", "outlet": "paper", "date": "day"}).articles[0]
    assert (art.body, art.outlet, art.date, art.extra) == ("Body here.", "P", D(2024, 1, 2), {"text": "a note"})
    read_as = load_source(csv_path, fields={"body": "story"}).read_as.set_index("column")
    assert read_as.loc["story", "how"] == "--fields" and read_as.loc["text", "field"] == "extra"
    read_as = load_source(csv_path, fields={"body": "story", "title": "text"}).read_as.set_index("column")
    assert read_as.loc["text", "field"] == "title"
    jl = tmp_path / "t.jsonl"
    jl.write_text(json.dumps({"article": "Body.", "publisher": "P", "pub_date": "4 May 2021", "doc_id": "d1"}) + "\n"
                  + json.dumps({"story": "Other.", "doc_id": "d2"}) + "\n", encoding="utf-8")
    a, b = load_source(jl, fields={"body": "article"}, strict=False).articles + [None]
    assert (a.id, a.body, a.outlet, a.date) == ("d1", "Body.", "P", D(2021, 5, 4)) and b is None
    with pytest.raises(CorpusError, match=r"--fields body=nope: no such column \(columns: story, paper, day, text\)"):
        import_table(csv_path, fields={"body": "nope"})
    with pytest.raises(CorpusError, match="--fields names no article field: byline"):
        import_table(csv_path, fields={"byline": "paper"})


def test_json_records_read_aliases_too(tmp_path):
    (tmp_path / "r.json").write_text(json.dumps([{"id": "r1", "content": "Body.", "source": "S",
                                                  "publish_date": "2020-05-06"}]), encoding="utf-8")
    art = load_source(tmp_path).articles[0]
    assert (art.id, art.body, art.outlet, art.date) == ("r1", "Body.", "S", D(2020, 5, 6))


def test_split_txt_header_title_line_and_file_name():
    meta, start, how = split_txt("Title: Copper boom\nSource: Mining Weekly\nDate: 18 March 2024\nAuthor: Z\n\n\nBody.\n",
                                 "b.txt")
    assert meta == {"title": "Copper boom", "outlet": "Mining Weekly", "date": "18 March 2024", "author": "Z"}
    assert start == len("Title: Copper boom\nSource: Mining Weekly\nDate: 18 March 2024\nAuthor: Z\n\n\n")
    assert how["outlet"] == "header line 'Source'"
    meta, start, how = split_txt("Mine opens in north\n\nThe mine opened.\n", "2024-03-04_mining.txt")
    assert meta == {"title": "Mine opens in north", "date": "2024-03-04"} and start == 21
    assert how == {"title": "first line", "date": "file name"}
    # a dateline, a sentence or a first line without a blank line after it is text, not a title
    for text in ("WASHINGTON: The president spoke.\n\nMore.\n", "Prices fell today.\n\nMore.\n", "One\nTwo\n"):
        meta, start, how = split_txt(text, "price_story.txt")
        assert (meta, start, how["title"]) == ({"title": "price story"}, 0, "file name")


def test_folder_of_txt_files_alone(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "2024-03-04_mining.txt").write_text("Mine opens in north\n\nThe mine opened. \"Good,\" he said.\n",
                                                  encoding="utf-8")
    (folder / "b.txt").write_text("Title: Copper boom\nSource: Mining Weekly\nDate: 18/03/2024\n\nCopper rose.\n",
                                  encoding="utf-8")
    (folder / "c story.txt").write_text("Prices fell today. Traders said so.\n", encoding="utf-8")
    (folder / "README.txt").write_text("About these files.\n", encoding="utf-8")
    corpus = load_source(folder)
    got = {a.id: (a.title, a.outlet, a.date, a.body, a.body_line) for a in corpus.articles}
    assert got == {
        "2024-03-04_mining": ("Mine opens in north", None, D(2024, 3, 4), 'The mine opened. "Good," he said.\n', 3),
        "b": ("Copper boom", "Mining Weekly", D(2024, 3, 18), "Copper rose.\n", 5),
        "c_story": ("c story", None, None, "Prices fell today. Traders said so.\n", 1)}
    assert corpus.other_files.reason.tolist() == ["documentation"]
    read_as = {(r.column, r.field): r.records for r in corpus.read_as.itertuples()}
    assert read_as[("(first line)", "title")] == 1 and read_as[("(file name)", "title")] == 1
    assert read_as[("(none)", "outlet")] == 2 and read_as[("(none)", "date")] == 1
    assert any("not found: add 'Source:' header lines" in l for l in summary_lines(corpus))
    one = load_source(folder / "b.txt")  # one .txt file alone
    assert [a.id for a in one.articles] == ["b"]


def test_txt_files_in_one_folder_per_outlet(tmp_path):
    folder = tmp_path / "texts"
    for sub, name, text in [("Mining_Weekly", "2024-03-04-a.txt", "Mine opens\n\nThe mine opened.\n"),
                            ("Mining_Weekly/2024", "b.txt", "Copper up\n\nCopper rose.\n"),
                            ("The Guardian", "c.txt", "Source: Guardian Australia\n\nPrices fell.\n"),
                            ("2024", "d.txt", "Lithium\n\nLithium cooled.\n"),
                            ("March_2024", "e.txt", "Strike\n\nWorkers struck.\n"),
                            ("", "f.txt", "Top level\n\nA story.\n")]:
        (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / sub / name).write_text(text, encoding="utf-8")
    corpus = load_source(folder)
    got = {a.id: a.outlet for a in corpus.articles}
    assert got == {"Mining_Weekly__2024-03-04-a": "Mining Weekly", "Mining_Weekly__2024__b": "Mining Weekly",
                   "The_Guardian__c": "Guardian Australia", "2024__d": None, "March_2024__e": None, "f": None}
    read_as = {(r.column, r.field): r.records for r in corpus.read_as.itertuples()}
    assert read_as[("(folder name)", "outlet")] == 2 and read_as[("(none)", "outlet")] == 3
    assert any("one folder per outlet" in l for l in summary_lines(corpus))


def test_txt_metadata_table_reads_aliases(tmp_path):
    (tmp_path / "one.txt").write_text("Body one.", encoding="utf-8")
    (tmp_path / "meta.csv").write_text("file,headline,source,publish_date\none.txt,T1,Daily,\"May 4, 2021\"\n",
                                       encoding="utf-8")
    corpus = load_source(tmp_path)
    art = corpus.articles[0]
    assert (art.id, art.title, art.outlet, art.date, art.body) == ("one", "T1", "Daily", D(2021, 5, 4), "Body one.")
    assert set(corpus.read_as.column) == {"headline", "source", "publish_date", "(file name)", "file"}


def test_import_command_prints_what_every_column_became(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text(RESEARCHER_CSV, encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "analysis", "import", str(p), "--out", str(tmp_path / "out"),
                          "--date-format", "dmy"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "3 articles written" in res.stderr and "    source -> outlet (alias of outlet, 3 record(s))" in res.stderr
    res = subprocess.run([sys.executable, "-m", "analysis", "import", str(p), "--out", str(tmp_path / "o2"),
                          "--date-format", "DD/MM"], capture_output=True, text=True, timeout=120)
    assert res.returncode != 0 and "bad date format 'DD/MM'" in res.stderr and "Traceback" not in res.stderr
