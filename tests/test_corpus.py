from __future__ import annotations

import datetime as dt

import pytest

from analysis import paths
from analysis.corpus import (
    CorpusError,
    articles_frame,
    load_corpus,
    read_article,
    write_articles,
)
from analysis.sentences import paragraphs_frame
from conftest import SEED_ID, shared_path

GOOD = "---\nid: a1\ntitle: T\noutlet: null\ndate: 2022-02-04\nurl: null\nlanguage: en\nnotes: n\n---\nBody one.\nBody two.\n"


def write(tmp_path, name, text, mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def test_seed_body_is_byte_identical(seed):
    src = shared_path("..", "seeds", f"{SEED_ID}.txt")
    assert seed.body.encode("utf-8") == src.read_bytes()


def test_seed_metadata_is_honest(seed):
    assert seed.outlet is None and seed.url is None
    assert seed.date == dt.date(2022, 2, 4)
    assert "inferred" in seed.notes


def test_reads_front_matter(tmp_path):
    art = read_article(write(tmp_path, "a.md", GOOD))
    assert art.id == "a1" and art.title == "T" and art.date == dt.date(2022, 2, 4)
    assert art.body == "Body one.\nBody two.\n"
    assert art.body_line == 10 and art.line_of(art.body.index("two")) == 11


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("no front matter\n", 1, "no front matter"),
        ("---\nid: a\n", 1, "not closed"),
        ("---\nid: a\ntitle: [unclosed\ndate: 2020-01-01\n---\nx", 4, "invalid front matter"),
        ("---\nid: a\ntitle: t\nlanguage: en\n---\nbody", 5, "missing field(s): date"),
        ("---\nid: 'bad id!'\ntitle: t\ndate: 2020-01-01\nlanguage: en\n---\nbody", 2, "invalid id"),
        ("---\nid: a\ntitle: t\ndate: 4th of Feb\nlanguage: en\n---\nbody", 4, "unparseable date"),
        ("---\nid: a\ntitle: t\ndate: 2020-01-01\nlanguage: en\n---\n  \n\n", 7, "empty body"),
        ("---\nid: a\ntitle: t\ndate: 2020-01-01\nlanguage: en\n---\nline one\n<p>html here</p>\n", 8, "HTML markup"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, text, line, fragment):
    p = write(tmp_path, "bad.md", text)
    with pytest.raises(CorpusError) as err:
        read_article(p)
    assert err.value.line == line, str(err.value)
    assert fragment in err.value.reason
    assert str(p) in str(err.value) and f":{line}:" in str(err.value)


def test_undecodable_bytes_report_line(tmp_path):
    p = write(tmp_path, "bin.md", GOOD.encode() + b"third line \xff\xfe\n", mode="wb")
    with pytest.raises(CorpusError) as err:
        read_article(p)
    assert err.value.line == 12 and "undecodable" in err.value.reason


def test_huge_article_refused(tmp_path):
    p = write(tmp_path, "huge.md", GOOD.replace("Body one.", "word " * 50))
    with pytest.raises(CorpusError, match="max_chars"):
        read_article(p, max_chars=100)


def test_duplicate_id_and_non_strict_reconciles(tmp_path):
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", GOOD)
    write(tmp_path, "c.md", "nothing")
    with pytest.raises(CorpusError, match="duplicate id 'a1'"):
        load_corpus(tmp_path)
    corpus = load_corpus(tmp_path, strict=False)
    assert len(corpus) == 1 and len(corpus.skipped) == 2 and corpus.n_inputs == 3
    reasons = dict(zip(corpus.skipped.file.map(lambda f: f.rsplit("/", 1)[-1]), corpus.skipped.reason))
    assert "duplicate id" in reasons["b.md"] and "no front matter" in reasons["c.md"]
    assert corpus.skipped.line.tolist() == [2, 1]


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus(tmp_path / "nope")


def test_round_trip_keeps_body(tmp_path, seed):
    out = write_articles([seed], tmp_path)
    again = read_article(out[0])
    assert again.body == seed.body and again.id == seed.id and again.date == seed.date


def test_tables_have_exact_offsets(seed):
    arts = articles_frame([seed])
    assert arts.loc[0, "n_chars"] == len(seed.body)
    assert arts.loc[0, "source"] == f"corpus/articles/{SEED_ID}.md"
    paras = paragraphs_frame([seed])
    assert len(paras) == 13
    for row in paras.itertuples():
        assert seed.body[row.start : row.end] == row.text and row.text.strip() == row.text


def test_shipped_corpus_loads_strictly():
    corpus = load_corpus(paths.ARTICLES)
    assert corpus.skipped.empty and len(corpus) >= 1
