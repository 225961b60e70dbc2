"""Every input accounted for, on every input path: the fault hunt's cases, each a kind with variants.

Each case is a fault found in the readers (article files, folders, CSV / JSON Lines tables, JSON
record folders, HTML, ``--jsonl`` texts): a silent drop, a traceback, an unbounded front matter,
or a fault in one record that refused the whole source. After the fix every input is an article,
a row of ``Corpus.skipped`` (file, line, reason) or, for documentation and hidden files, a row of
``Corpus.other_files``; ``articles + skipped == n_inputs``; and one record's fault refuses only
that record.
"""
from __future__ import annotations

import csv
import json
import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus import (
    MAX_ID_CHARS,
    Article,
    CorpusError,
    collect,
    load_corpus,
    read_article,
    write_articles,
)
from analysis.importers import import_json, import_table, load_source

GOOD = "---\nid: {id}\ntitle: T\noutlet: null\ndate: 2022-02-04\nurl: null\nlanguage: en\nnotes: n\n---\nBody one.\nBody two.\n"
FRONT = "id: {id}\ntitle: T\ndate: 2022-02-04\nlanguage: en\n"


def good(article_id: str = "ok") -> str:
    return GOOD.format(id=article_id)


def file_part(source: object) -> str:
    """``a.csv:4`` -> ``a.csv`` (articles from tables and arrays carry their line in the source)."""
    return re.sub(r":\d+$", "", str(source))


def assert_accounted(corpus, folder: Path) -> None:
    """articles + skipped == inputs, and every file under ``folder`` is an article's source, a skipped row or an
    other file."""
    assert len(corpus.articles) + len(corpus.skipped) == corpus.n_inputs
    covered = ({file_part(a.source) for a in corpus.articles} | {file_part(f) for f in corpus.skipped.file}
               | set(corpus.other_files.file))
    for root, _, names in os.walk(folder):
        for name in names:
            p = str(Path(root, name))
            assert p in covered or any(p.startswith(c + os.sep) for c in covered), f"{p} is not accounted for"


def folder_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8", newline="")
    return folder


def skipped_reasons(corpus) -> dict[str, tuple[int | None, str]]:
    """file name -> (line, reason) of its first skipped row."""
    out = {}
    for row in corpus.skipped.itertuples():
        line = None if pd.isna(row.line) else int(row.line)
        out.setdefault(Path(file_part(row.file)).name, (line, row.reason))
    return out


# ----------------------------------------------------------------------------- article files: silent drops

BODY = "Body one.\nBody two.\n"

ARTICLE_FILES_LOADED = {
    "utf8-bom": b"\xef\xbb\xbf" + good("x").encode(),
    "utf16-le-bom": b"\xff\xfe" + good("x").encode("utf-16-le"),
    "utf16-be-bom": b"\xfe\xff" + good("x").encode("utf-16-be"),
    "utf16-python": good("x").encode("utf-16"),
    "utf32-bom": good("x").encode("utf-32"),
    "blank-line-first": ("\n" + good("x")).encode(),
    "blank-lines-and-spaces-first": ("  \n\r\n\n" + good("x")).encode(),
    "bom-and-blank-line": b"\xef\xbb\xbf\n" + good("x").encode(),
}


@pytest.mark.parametrize("case", ARTICLE_FILES_LOADED)
def test_article_file_variants_load(tmp_path, case):
    folder = folder_with(tmp_path, {"a.md": ARTICLE_FILES_LOADED[case], "b.md": good("b")})
    for corpus in (load_source(folder), load_corpus(folder, strict=False)):
        assert sorted(a.id for a in corpus.articles) == ["b", "x"], corpus.skipped.reason.tolist()
        assert corpus.get("x").body == BODY
        assert_accounted(corpus, folder)


def test_blank_lines_before_front_matter_keep_line_numbers(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("\n\n" + good("x").replace("date: 2022-02-04", "date: soon"), encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_article(p)
    assert err.value.line == 7 and "unparseable date" in err.value.reason
    p.write_text("\n\n" + good("x"), encoding="utf-8")
    art = read_article(p)
    assert art.body_line == 12 and art.id_line == 4


ARTICLE_FILES_REFUSED = {
    "zero-bytes": (b"", None, "empty file (0 bytes)"),
    "blank-only": (b"\n  \n", 1, "blank file"),
    "binary-invalid-utf8": (bytes(range(256)), 2, "undecodable bytes (not UTF-8)"),
    "binary-png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "undecodable bytes (not UTF-8)"),
    "binary-valid-utf8-nul": (b"\x00\x01\x02binary\x00stuff", 1, "binary content (NUL bytes)"),
    "utf16-without-bom": (good("x").encode("utf-16-le"), 1, "binary content (NUL bytes)"),
    "utf16-bom-odd-bytes": (b"\xff\xfe" + good("x").encode("utf-16-le") + b"\x00", 12, "undecodable bytes (not UTF-16"),
    "utf16-bom-lone-surrogate": (b"\xff\xfe" + "---\nid: x\n".encode("utf-16-le") + b"\x00\xd8" + "a\n".encode("utf-16-le"),
                                 3, "undecodable bytes (not UTF-16"),
    "no-front-matter": (b"Just a story, no metadata.\n", 1, "no front matter"),
    "no-front-matter-after-blank": (b"\n\nJust a story.\n", 3, "no front matter"),
    "markdown-heading": (b"# Headline\n\nText.\n", 1, "no front matter"),
}


@pytest.mark.parametrize("case", ARTICLE_FILES_REFUSED)
def test_article_file_faults_are_skipped_rows(tmp_path, case):
    raw, line, fragment = ARTICLE_FILES_REFUSED[case]
    folder = folder_with(tmp_path, {"a.md": raw, "b.md": good("b")})
    for corpus in (load_source(folder), load_corpus(folder, strict=False)):
        assert [a.id for a in corpus.articles] == ["b"]
        assert skipped_reasons(corpus)["a.md"][0] == line
        assert fragment in skipped_reasons(corpus)["a.md"][1]
        assert_accounted(corpus, folder)
    with pytest.raises(CorpusError, match=re.escape(fragment)):
        read_article(folder / "a.md")


def test_documentation_is_accounted_for_not_refused(tmp_path):
    folder = folder_with(tmp_path, {"README.md": "# About\n", "LICENSE": "MIT\n", "UPSTREAM_README.md": "# Upstream\n",
                                    "notes.md": "# my notes, not documentation\n", "a.md": good("a"),
                                    "README_with_front_matter.md": good("r")})
    corpus = load_source(folder)
    assert sorted(a.id for a in corpus.articles) == ["a", "r"]
    assert sorted(Path(f).name for f in corpus.other_files.file) == ["LICENSE", "README.md", "UPSTREAM_README.md"]
    assert "no front matter" in skipped_reasons(corpus)["notes.md"][1]
    assert_accounted(corpus, folder)


# ----------------------------------------------------------------------------- folders: every kind, every file

OTHER_KINDS = {
    "csv": ({"t.csv": "id,text\nc1,CSV text.\n"}, ["a", "c1"], {}),
    "jsonl": ({"t.jsonl": '{"id": "l1", "text": "JSONL text."}\n'}, ["a", "l1"], {}),
    "json": ({"r.json": json.dumps({"id": "j1", "text": "JSON text."})}, ["a", "j1"], {}),
    "json-in-subfolder": ({"sub/r.json": json.dumps({"id": "j1", "text": "JSON text."})}, ["a", "j1"], {}),
    "html": ({"p.html": "<html><body><article><p>" + "A paragraph of the page that is long enough to be kept. " * 3
                        + "</p></article></body></html>"}, ["a", "p"], {}),
    "txt-with-metadata": ({"one.txt": "Plain text.", "meta.csv": "file,id,title,date\none.txt,t1,One,2020-01-01\n"},
                          ["a", "t1"], {}),
    "txt-without-metadata": ({"one.txt": "Plain text."}, ["a", "one"], {}),  # read alone: title from the file name
    "txt-beside-two-metadata-tables": ({"one.txt": "Plain text.", "m1.csv": "file,id\n", "m2.csv": "file,title\n"},
                                       ["a"], {"one.txt": "found 2 CSV files with a 'file' column",
                                               "m1.csv": "no records", "m2.csv": "no records"}),
    "pdf": ({"paper.pdf": b"%PDF-1.4\n"}, ["a"], {"paper.pdf": "not a supported format (.pdf)"}),
    "docx-and-no-suffix": ({"story.docx": b"PK\x03\x04", "data": b"raw"}, ["a"],
                           {"story.docx": "not a supported format (.docx)", "data": "not a supported format (no suffix)"}),
    "csv-without-text-column": ({"t.csv": "id,summary\n1,x\n"}, ["a"], {"t.csv": "no text column"}),
    "csv-header-only": ({"t.csv": "id,text\n"}, ["a"], {"t.csv": "no records"}),
    "json-empty-array": ({"r.json": "[]"}, ["a"], {"r.json": "empty array"}),
    "json-empty-file": ({"r.json": ""}, ["a"], {"r.json": "empty file"}),
    "jsonl-blank-lines-only": ({"t.jsonl": "\n\n"}, ["a"], {"t.jsonl": "no records"}),
}


@pytest.mark.parametrize("case", OTHER_KINDS)
def test_mixed_folder_loads_every_kind_and_accounts_for_every_file(tmp_path, case):
    files, ids, refused = OTHER_KINDS[case]
    folder = folder_with(tmp_path, {"a.md": good("a"), **files})
    corpus = load_source(folder)
    assert sorted(a.id for a in corpus.articles) == ids
    reasons = skipped_reasons(corpus)
    assert set(reasons) == set(refused)
    for name, fragment in refused.items():
        assert fragment in reasons[name][1]
    assert_accounted(corpus, folder)


def test_load_corpus_refuses_files_that_are_not_article_files(tmp_path):
    folder = folder_with(tmp_path, {"a.md": good("a"), "t.csv": "id,text\nc1,x\n", "LICENSE": "MIT"})
    with pytest.raises(CorpusError, match=r"not an article file \(\.csv\)"):
        load_corpus(folder)
    corpus = load_corpus(folder, strict=False)
    assert [a.id for a in corpus.articles] == ["a"] and list(skipped_reasons(corpus)) == ["t.csv"]
    assert [Path(f).name for f in corpus.other_files.file] == ["LICENSE"]
    assert_accounted(corpus, folder)


def test_hidden_entries_and_broken_links_are_accounted_for(tmp_path):
    folder = folder_with(tmp_path, {"a.md": good("a"), ".DS_Store": b"\x00\x00",
                                    ".ipynb_checkpoints/a-checkpoint.md": good("a")})
    (folder / "gone.md").symlink_to(folder / "missing.md")
    corpus = load_source(folder)
    assert [a.id for a in corpus.articles] == ["a"]
    assert "not a regular file" in skipped_reasons(corpus)["gone.md"][1]
    assert sorted(Path(f).name for f in corpus.other_files.file) == [".DS_Store", ".ipynb_checkpoints"]
    assert_accounted(corpus, folder)


# ----------------------------------------------------------------------------- CSV: unclosed quotes, the field limit, bytes

UNCLOSED = {
    "last-row": ('id,text\nc1,ok\nc2,"open\nc3,three\nc4,four\n', ["c1"], 3, "lines 3-5"),
    "first-row": ('id,text\nc1,"open\nc2,two\n', [], 2, "lines 2-3"),
    "quote-in-metadata-column": ('id,title,text\nc1,"T,ok\nc2,U,two\n', [], 2, "lines 2-3"),
    "crlf": ('id,text\r\nc1,ok\r\nc2,"open\r\nc3,three\r\n', ["c1"], 3, "lines 3-4"),
}


@pytest.mark.parametrize("case", UNCLOSED)
def test_csv_unclosed_quote_is_refused_with_the_lines_it_swallowed(tmp_path, case):
    text, ids, line, span = UNCLOSED[case]
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode())
    corpus = import_table(p, strict=False)
    assert [a.id for a in corpus.articles] == ids
    assert corpus.skipped.line.tolist() == [line]
    assert "unclosed quote" in corpus.skipped.reason.iloc[0] and span in corpus.skipped.reason.iloc[0]
    assert len(corpus) + len(corpus.skipped) == corpus.n_inputs


def test_csv_closed_multiline_quote_is_not_flagged(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('id,text\nc1,"line one\nline two"\nc2,"quoted ""word"" here"\n', encoding="utf-8")
    corpus = import_table(p)
    assert [a.body for a in corpus.articles] == ["line one\nline two", 'quoted "word" here']


@pytest.mark.parametrize("n_chars, max_chars, loaded", [
    (131_073, None, True),                # just over the csv module's default field limit
    (400_000, None, True),
    (600_000, None, False),               # over the default max_chars: refused by max_chars, not by csv
    (600_000, 1_000_000, True),           # --max-chars raised: the raised cap governs
    (1_200_000, 1_000_000, False),
])
def test_csv_field_limit_follows_max_chars(tmp_path, n_chars, max_chars, loaded):
    p = tmp_path / "big.csv"
    body = ("word " * (n_chars // 5 + 1))[:n_chars]
    p.write_text(f'id,title,text\nbig,"{"t" * 140_000}","{body}"\nsmall,S,Small text.\n', encoding="utf-8")
    limit = csv.field_size_limit()
    kw = {} if max_chars is None else {"max_chars": max_chars}
    for corpus in (import_table(p, strict=False, **kw), load_source(p, **kw)):
        assert [a.id for a in corpus.articles] == (["big", "small"] if loaded else ["small"])
        if loaded:
            assert len(corpus.articles[0].body) == n_chars
        else:
            assert corpus.skipped.line.tolist() == [2] and "max_chars" in corpus.skipped.reason.iloc[0]
    assert csv.field_size_limit() == limit


@pytest.mark.parametrize("raw, ids, line", [
    (b"id,text\nc1,caf\xe9 latin-1\nc2,ok\n", ["c2"], 2),
    (b"id,text\nc1,ok\nc2,\"multi\nline \xff\"\nc3,three\n", ["c1", "c3"], 3),
    (b"id,title,text\nc1,\xe9,ok\nc2,T,ok\n", ["c2"], 2),
])
def test_csv_undecodable_bytes_refuse_only_that_row(tmp_path, raw, ids, line):
    p = tmp_path / "t.csv"
    p.write_bytes(raw)
    corpus = import_table(p, strict=False)
    assert [a.id for a in corpus.articles] == ids and corpus.skipped.line.tolist() == [line]
    assert "undecodable bytes" in corpus.skipped.reason.iloc[0]


# ----------------------------------------------------------------------------- front matter: keys, bounds, tags

KEY_FAULTS = {
    "int-key": ("1: x\n", 6, "front-matter key '1' is not text (YAML reads it as int)"),
    "null-key": ("~: x\n", 6, "is not text (YAML reads it as null)"),
    "empty-null-key": ("? \n: x\n", 6, "is not text"),
    "bool-key": ("true: x\n", 6, "(YAML reads it as bool)"),
    "date-key": ("2020-01-01: x\n", 6, "(YAML reads it as timestamp)"),
    "float-key": ("1.5: x\n", 6, "(YAML reads it as float)"),
    "nested-int-key": ("extra:\n  a: 1\n  2: b\n", 6, "field 'extra': key 2 is not text"),
    "nested-null-key": ("extra: {~: b, c: d}\n", 6, "field 'extra': key None is not text"),
    "duplicate-key": ("title: U\n", 6, "front-matter key 'title' appears twice (first on line 3)"),
}


@pytest.mark.parametrize("case", KEY_FAULTS)
def test_front_matter_keys_must_be_text(tmp_path, case):
    extra, line, fragment = KEY_FAULTS[case]
    folder = folder_with(tmp_path, {"a.md": f"---\n{FRONT.format(id='x')}{extra}---\nBody.\n", "b.md": good("b")})
    corpus = load_source(folder)
    assert [a.id for a in corpus.articles] == ["b"]
    assert skipped_reasons(corpus)["a.md"] == (line, skipped_reasons(corpus)["a.md"][1])
    assert fragment in skipped_reasons(corpus)["a.md"][1]
    assert_accounted(corpus, folder)


def test_text_keys_of_any_spelling_still_load(tmp_path):
    p = tmp_path / "a.md"
    p.write_text(f"---\n{FRONT.format(id='x')}'1': quoted\n\"2020\": year\nextra: {{k: [1, 2, {{n: null}}]}}\n---\nB.\n",
                 encoding="utf-8")
    art = read_article(p)
    assert art.extra == {"1": "quoted", "2020": "year", "extra": {"k": [1, 2, {"n": None}]}}
    json.dumps(art.extra, sort_keys=True)  # what the store does with extras


def bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\ntitle2: *a{levels}\n"


YAML_BOUNDS = {
    "alias": ("base: &b hello\nagain: *b\n", 6, "anchors and aliases"),
    "anchor-only": ("base: &b hello\n", 6, "anchors and aliases"),
    "merge-key": ("base: &b {k: v}\nmerged:\n  <<: *b\n", 6, "anchors and aliases"),
    "billion-laughs-3": (bomb(3), 6, "anchors and aliases"),
    "billion-laughs-8": (bomb(8), 6, "anchors and aliases"),  # ~500 bytes; 47 s and 4 GB before the fix
    "flow-nesting-40": ("deep: " + "[" * 40 + "]" * 40 + "\n", 6, "nested more than 32 levels deep"),
    "block-nesting-40": ("".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "v: 1\n", 37,
                         "nested more than 32 levels deep"),
    "flow-nesting-30000": ("deep: " + "[" * 30_000 + "]" * 30_000 + "\n", 6, "nested more than 32 levels deep"),
    "huge-front-matter": ("notes2: " + "x" * 70_000 + "\n", 2, "front matter has 70,"),
    "python-object-apply": ("x: !!python/object/apply:os.system ['echo owned']\n", 6, "could not determine a constructor"),
    "python-name": ("x: !!python/name:os.system\n", 6, "could not determine a constructor"),
    "python-tuple": ("x: !!python/tuple [1, 2]\n", 6, "could not determine a constructor"),
    "custom-tag": ("x: !include other.yaml\n", 6, "could not determine a constructor"),
    "huge-int": ("n: " + "1" * 5_000 + "\n", 6, "a number with 5,000 digits (at most 4,300)"),
    "huge-hex-int": ("n: 0x" + "f" * 5_000 + "\n", 6, "a number with 5,002 digits"),
    "lone-surrogate-escape": ('subtitle: "\\ud800"\n', 6, "field 'subtitle': lone surrogate"),
}


@pytest.mark.parametrize("case", YAML_BOUNDS)
def test_front_matter_is_parsed_with_bounds(tmp_path, case):
    extra, line, fragment = YAML_BOUNDS[case]
    p = tmp_path / "a.md"
    p.write_text(f"---\n{FRONT.format(id='x')}{extra}---\nBody.\n", encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(CorpusError) as err:
        read_article(p)
    assert time.perf_counter() - t0 < 2.0
    assert fragment in err.value.reason and err.value.line == line, str(err.value)
    other = tmp_path / "b.md"
    other.write_text(good("b"), encoding="utf-8")
    corpus = load_source([p, other])
    assert [a.id for a in corpus.articles] == ["b"] and corpus.skipped.line.tolist() == [line]


@pytest.mark.parametrize("value", ["2022-13-45", "2022-02-30", "0000-01-01"])
def test_impossible_yaml_dates_are_refused_not_raised(tmp_path, value):
    p = tmp_path / "a.md"
    p.write_text(f"---\n{FRONT.format(id='x').replace('2022-02-04', value)}released: {value}\n---\nBody.\n",
                 encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_article(p)
    assert err.value.line == 4 and f"unparseable date {value!r}" in err.value.reason
    p.write_text(f"---\n{FRONT.format(id='x')}released: {value}\n---\nBody.\n", encoding="utf-8")
    assert read_article(p).extra == {"released": value}  # another field keeps it as text


def test_written_articles_read_back_with_the_bounded_loader(tmp_path):
    art = Article(id="x", body="B.\n", title="T: a colon", extra={"tags": ["a", "b"], "when": "2020-01-01", "n": 3})
    (out,) = write_articles([art], tmp_path)
    again = read_article(out)
    assert again.extra == art.extra and again.title == art.title


# ----------------------------------------------------------------------------- ids

@pytest.mark.parametrize("length, ok", [(MAX_ID_CHARS, True), (MAX_ID_CHARS + 1, False), (300, False), (5_000, False)])
@pytest.mark.parametrize("kind", ["md", "csv", "jsonl", "json"])
def test_long_ids_are_refused_per_record(tmp_path, kind, length, ok):
    long_id = "a" * length
    files = {
        "md": {"a.md": good(long_id), "b.md": good("b")},
        "csv": {"t.csv": f"id,text\n{long_id},Long.\nb,Short.\n"},
        "jsonl": {"t.jsonl": json.dumps({"id": long_id, "text": "Long."}) + "\n"
                             + json.dumps({"id": "b", "text": "S."}) + "\n"},
        "json": {"r.json": json.dumps([{"id": long_id, "text": "Long."}, {"id": "b", "text": "S."}])},
    }[kind]
    folder = folder_with(tmp_path, files)
    corpus = load_source(folder)
    assert sorted(a.id for a in corpus.articles) == (sorted(["b", long_id]) if ok else ["b"])
    if not ok:
        (line, reason), = skipped_reasons(corpus).values()
        assert f"id has {length:,} characters, more than {MAX_ID_CHARS} (ids are used as file names)" in reason
        assert line == {"md": 2, "csv": 2, "jsonl": 1, "json": 1}[kind]
    else:
        write_articles(corpus, tmp_path / "out")  # the id makes a valid file name
    assert_accounted(corpus, folder)


# ----------------------------------------------------------------------------- JSON: one record's fault refuses that record

DEEP = "[" * 5_000 + "]" * 5_000
JSON_RECORD_FAULTS = {
    "huge-int": ('"n": ' + "1" * 5_000, "a number with 5,000 digits (at most 4,300)"),
    "huge-negative-int": ('"n": -' + "9" * 4_301, "a number with 4,301 digits"),
    "lone-surrogate-text": ('"text": "T\\ud800."', "lone surrogate '\\ud800'"),
    "lone-low-surrogate-key": ('"k\\udfff": 1', "lone surrogate '\\udfff'"),
    "lone-surrogate-id": ('"id": "r\\udc80"', "undecodable bytes or a lone surrogate"),
    "deep-parser-limit": ('"x": ' + DEEP, "nested too deeply for the parser"),
    "deep-over-max-depth": ('"x": ' + "[" * 40 + "]" * 40, "nested more than 32 levels deep"),
    "invalid-json": ('"x": [1, 2', "invalid JSON"),
}


def json_record(fault: str) -> str:
    return '{"id": "r", "text": "Record text.", ' + fault + "}"


@pytest.mark.parametrize("case", JSON_RECORD_FAULTS)
def test_jsonl_fault_refuses_only_that_line(tmp_path, case):
    fault, fragment = JSON_RECORD_FAULTS[case]
    p = tmp_path / "t.jsonl"
    p.write_text('{"id": "a", "text": "First."}\n' + json_record(fault) + '\n{"id": "c", "text": "Third."}\n',
                 encoding="utf-8")
    corpus = load_source(p)
    assert [a.id for a in corpus.articles] == ["a", "c"]
    assert corpus.skipped.line.tolist() == [2] and fragment in corpus.skipped.reason.iloc[0]
    assert Path(corpus.skipped.file.iloc[0]) == p


@pytest.mark.parametrize("case", JSON_RECORD_FAULTS)
def test_json_array_item_fault_refuses_only_that_item(tmp_path, case):
    fault, fragment = JSON_RECORD_FAULTS[case]
    p = tmp_path / "r.json"
    p.write_text('[\n {"id": "a", "text": "First."},\n ' + json_record(fault) + ',\n {"id": "c", "text": "Third."}\n]\n',
                 encoding="utf-8")
    corpus = import_json(p, strict=False)
    assert [a.id for a in corpus.articles] == ["a", "c"]
    assert corpus.skipped.line.tolist() == [3] and fragment in corpus.skipped.reason.iloc[0]
    assert [a.source for a in corpus.articles] == [f"{p}:2", f"{p}:4"]


@pytest.mark.parametrize("case", JSON_RECORD_FAULTS)
def test_json_file_fault_refuses_only_that_file(tmp_path, case):
    fault, fragment = JSON_RECORD_FAULTS[case]
    folder = folder_with(tmp_path, {"a.json": '{"id": "a", "text": "First."}', "b.json": json_record(fault),
                                    "c.json": '{"id": "c", "text": "Third."}'})
    corpus = load_source(folder)
    assert [a.id for a in corpus.articles] == ["a", "c"]
    assert list(skipped_reasons(corpus)) == ["b.json"] and fragment in skipped_reasons(corpus)["b.json"][1]
    assert_accounted(corpus, folder)


def test_json_array_layout_faults(tmp_path):
    p = tmp_path / "r.json"
    p.write_text('[{"id": "a", "text": "A."}, 5, {"id": "b", "text": "B \\"quoted\\" ]}[ text."}, {"id": "c", "tex',
                 encoding="utf-8")
    corpus = import_json(p, strict=False)
    assert [a.id for a in corpus.articles] == ["a", "b"] and corpus.articles[1].body == 'B "quoted" ]}[ text.'
    assert corpus.skipped.reason.tolist() == ["expected a JSON object",
                                              "invalid JSON: this item is not closed before the end of the file"]


@pytest.mark.parametrize("raw, fragment", [
    (b'{"id": "a", "text": "caf\xe9"}', "undecodable bytes (not UTF-8)"),
    (b'{"id": "a", "text": "A."}\n{"id": "b", "text": "caf\xe9"}\n', "undecodable bytes (not UTF-8)"),
])
def test_jsonl_undecodable_bytes_refuse_only_that_line(tmp_path, raw, fragment):
    p = tmp_path / "t.jsonl"
    p.write_bytes(raw + b'\n{"id": "z", "text": "Z."}\n')
    corpus = import_table(p, strict=False)
    assert corpus.articles[-1].id == "z" and fragment in corpus.skipped.reason.iloc[0]
    assert len(corpus) + len(corpus.skipped) == corpus.n_inputs


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_jsonl_lines_end_only_at_newline(tmp_path, sep):
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps({"id": "a", "text": f"One{sep}two."}, ensure_ascii=False) + "\n"
                 + json.dumps({"id": "b", "text": "B."}) + "\n", encoding="utf-8")
    corpus = import_table(p)
    assert [a.id for a in corpus.articles] == ["a", "b"] and corpus.articles[0].body == f"One{sep}two."
    assert corpus.articles[1].source.endswith(":2")


@pytest.mark.parametrize("case", JSON_RECORD_FAULTS)
def test_jsonl_command_input_names_the_line(tmp_path, case):
    """--jsonl texts (analysis.cli.read_jsonl reads them with importers.jsonl_rows): a clear error, no traceback."""
    from analysis.cli import read_jsonl

    fault, fragment = JSON_RECORD_FAULTS[case]
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": "a", "text": "First."}\n' + json_record(fault) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_jsonl(p)
    assert err.value.line == 2 and fragment in err.value.reason


# ----------------------------------------------------------------------------- no traceback for any input

@pytest.mark.parametrize("exc", [TypeError("'<' not supported"), ValueError("bad"), RecursionError("deep"),
                                 UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), KeyError("k")])
def test_an_unforeseen_fault_refuses_only_its_input(exc):
    def build(source, payload):
        if payload == "bad":
            raise exc
        return Article(id=source, body="Text.")

    corpus = collect([("a", "ok"), ("b", "bad"), ("c", "ok")], build, strict=False)
    assert [a.id for a in corpus.articles] == ["a", "c"]
    assert corpus.skipped.file.tolist() == ["b"] and type(exc).__name__ in corpus.skipped.reason.iloc[0]
    with pytest.raises(CorpusError, match=type(exc).__name__):
        collect([("b", "bad")], build, strict=True)


def test_every_fault_at_once_is_accounted_for(tmp_path):
    """One folder holding every case above: it loads, with no traceback, and every file is accounted for."""
    files: dict[str, str | bytes] = {"ok.md": good("ok")}
    for i, raw in enumerate(ARTICLE_FILES_LOADED.values()):
        files[f"loaded{i}.md"] = raw.replace(b"x", str(i).encode()) if b"x" in raw else raw
    for i, (raw, _, _) in enumerate(ARTICLE_FILES_REFUSED.values()):
        files[f"refused{i}.md"] = raw
    for i, (extra, _, _) in enumerate(KEY_FAULTS.values()):
        files[f"key{i}.md"] = f"---\n{FRONT.format(id=f'k{i}')}{extra}---\nBody.\n"
    for i, (extra, _, _) in enumerate(YAML_BOUNDS.values()):
        files[f"yaml{i}.md"] = f"---\n{FRONT.format(id=f'y{i}')}{extra}---\nBody.\n"
    for i, (files_of_kind, _, _) in enumerate(OTHER_KINDS.values()):
        files.update({f"kind{i}/{name}": content for name, content in files_of_kind.items()})
    for i, (text, _, _, _) in enumerate(UNCLOSED.values()):
        files[f"unclosed{i}.csv"] = text.replace("c", f"u{i}c")
    records = [json_record(fault) for fault, _ in JSON_RECORD_FAULTS.values()]
    files["faults.jsonl"] = "\n".join(r.replace('"r"', f'"jl{i}"') for i, r in enumerate(records))
    files["faults.json"] = "[" + ",".join(r.replace('"r"', f'"ja{i}"') for i, r in enumerate(records)) + "]"
    files["long.md"] = good("a" * 300)
    folder = folder_with(tmp_path, files)
    corpus = load_source(folder)
    assert_accounted(corpus, folder)
    assert "ok" in {a.id for a in corpus.articles} and len(corpus.skipped) > 60
    json.dumps([a.extra for a in corpus.articles], sort_keys=True, default=str)
    for a in corpus.articles:
        a.body.encode("utf-8")  # what the store does with every body


# ----------------------------------------------------------------------------- HTML, encodings of tables, .txt folders

PAGE = ("<html><head><title>T</title></head><body><article><p>" + "First paragraph of the story, long enough to be kept. " * 4
        + "</p></article></body></html>")


@pytest.mark.parametrize("raw, fragment", [
    (b"", "no main text"),
    (PAGE.replace("First", "Caf\u00e9").encode("latin-1"), "undecodable bytes (not UTF-8)"),
    (bytes(range(256)) * 4, "undecodable bytes (not UTF-8)"),
    (b"<html><head><title>T</title></head><body><script>var x = 1;</script></body></html>", "no main text"),
])
def test_html_faults_refuse_only_that_page(tmp_path, raw, fragment):
    folder = folder_with(tmp_path, {"good.html": PAGE, "bad.html": raw})
    corpus = load_source(folder)
    assert [a.id for a in corpus.articles] == ["good"]
    assert fragment in skipped_reasons(corpus)["bad.html"][1]
    assert_accounted(corpus, folder)


@pytest.mark.parametrize("name, raw", [
    ("t.csv", "id,text\nc1,Caf\u00e9 text.\n".encode("utf-8-sig")),
    ("t.csv", "id,text\nc1,Caf\u00e9 text.\n".encode("utf-16")),
    ("t.csv", "id,text\r\nc1,Caf\u00e9 text.\r\n".encode("utf-16-be").join([b"\xfe\xff", b""])),
    ("t.jsonl", '{"id": "c1", "text": "Caf\u00e9 text."}\n'.encode("utf-16")),
    ("t.jsonl", '{"id": "c1", "text": "Caf\u00e9 text."}\n'.encode("utf-8-sig")),
    ("r.json", '{"id": "c1", "text": "Caf\u00e9 text."}'.encode("utf-32")),
])
def test_tables_and_records_with_a_byte_order_mark_load(tmp_path, name, raw):
    p = tmp_path / name
    p.write_bytes(raw)
    corpus = load_source(p)
    assert [(a.id, a.body) for a in corpus.articles] == [("c1", "Caf\u00e9 text.")]


def test_txt_files_in_subfolders_are_read_with_their_metadata(tmp_path):
    folder = folder_with(tmp_path, {"2020/one.txt": "Story one.", "two.txt": "Story two.", "LICENSE.txt": "CC BY",
                                    "meta.csv": "file,id,date\n2020/one.txt,s1,2020-01-01\ntwo.txt,s2,2020-01-02\n"})
    corpus = load_source(folder)
    assert [a.id for a in corpus.articles] == ["s1", "s2"] and corpus.skipped.empty
    assert sorted(Path(f).name for f in corpus.other_files.file) == ["LICENSE.txt", "meta.csv"]
    assert_accounted(corpus, folder)
