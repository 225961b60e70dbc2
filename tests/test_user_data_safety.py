"""The user's data is never overwritten or mangled, and every bad option is a one-line error, not a traceback.

Each case is a kind with variants:

1. ``import --out DIR`` refuses, before writing anything, to replace an existing file that holds something
   else (it says how many and names the first few); ``--overwrite`` allows it; identical files are left as
   they are and counted as unchanged.
2. An article page can never take the name of one of the site's own files (``index.html``): its name is
   escaped deterministically, the index links the escaped name, and ordinary ids keep ``<id>.html`` (so the
   committed ``figures/articles`` pages of the shipped corpus keep their names).
3. ``--out``/``--store`` naming a file (or a path under one), an unknown ``--preset``, a ``--coder`` that is a
   folder, missing or unreadable, and a 300-character article id: a clear error naming the path with exit
   status 2 (or, for the id, a skipped-record reason), never a traceback.
4. Coding sheets (CSV and XLSX) of an article full of formula starts and control characters: no cell starts
   with a formula character unescaped, the export writes every file, and reading the sheet back gives the
   original offsets.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import coding, paths
from analysis.cli import build_parser, main
from analysis.corpus import MAX_ID_CHARS, Article, OverwriteError, article_markdown, load_corpus, write_articles
from analysis.importers import SOURCE_PRESETS, load_source
from analysis.render import RESERVED_PAGES, page_name, page_names, write_site

ARTICLE = "---\nid: {id}\ntitle: T\noutlet: null\ndate: 2022-02-04\nurl: null\nlanguage: en\nnotes: n\n---\n{body}\n"


def cli(capsys, *args: object) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``python -m analysis ARGS`` run in-process (argparse errors included)."""
    try:
        rc = main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own errors
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc: int, out: str, err: str, *fragments: str) -> None:
    """Exit status 2, nothing on stdout, one ``error:`` line on stderr holding every fragment, no traceback
    (besides it only the summary line of a store that was built first)."""
    assert rc == 2, err
    assert out == "" and "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if not line.startswith("annotate: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def md_folder(folder: Path, articles: dict[str, str]) -> Path:
    """A folder of article files: id -> body."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, (aid, body) in enumerate(articles.items()):
        (folder / f"f{i}.md").write_text(ARTICLE.format(id=aid, body=body), encoding="utf-8")
    return folder


def commands_with(option: str) -> list[str]:
    """Every subcommand of the CLI that takes ``option`` (so a new command is covered without editing here)."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(name for name, p in sub.choices.items() if any(option in a.option_strings for a in p._actions))


# ----------------------------------------------------------------------------- 1. import never overwrites silently

def source_csv(tmp_path: Path, n: int = 5) -> Path:
    p = tmp_path / "src.csv"
    p.write_text("id,title,text\n" + "".join(f"a{i},Title {i},Body of article {i}.\n" for i in range(n)), encoding="utf-8")
    return p


# variant -> (files already in --out: name -> text ("=" keeps what import writes), extra options,
#             exit status, fragments of the message, files changed afterwards)
IMPORT_CASES = {
    "empty-folder": ({}, [], 0, ["5 articles written to", "0 skipped"], 5),
    "identical-rerun": ({f"a{i}.md": "=" for i in range(5)}, [], 0, ["0 articles written to", "5 unchanged"], 0),
    "some-identical-none-differ": ({"a0.md": "=", "a1.md": "="}, [], 0, ["3 articles written to", "2 unchanged"], 3),
    "one-differs": ({"a0.md": "=", "a3.md": "hand-edited\n"}, [], 2,
                    ["1 existing file would be overwritten (a3.md)", "new folder", "--overwrite"], 0),
    "many-differ": ({f"a{i}.md": f"mine {i}\n" for i in range(5)}, [], 2,
                    ["5 existing files would be overwritten (a0.md, a1.md, a2.md, …)", "--overwrite"], 0),
    "overwrite-flag": ({"a0.md": "=", "a3.md": "hand-edited\n"}, ["--overwrite"], 0,
                       ["4 articles written to", "1 unchanged"], 4),
}


@pytest.mark.parametrize("case", IMPORT_CASES)
def test_import_refuses_to_overwrite_existing_files(tmp_path, capsys, case):
    existing, options, status, fragments, n_changed = IMPORT_CASES[case]
    src = source_csv(tmp_path)
    expected = {f"{a.id}.md": article_markdown(a) for a in load_source(src).articles}
    out = tmp_path / "out"
    out.mkdir()
    for name, text in existing.items():
        (out / name).write_text(expected[name] if text == "=" else text, encoding="utf-8", newline="")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    rc, stdout, err = cli(capsys, "import", src, "--out", out, *options)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    if status == 2:
        assert_one_line_error(rc, stdout, err, f"error: {out}: ", *fragments)
        assert after == before  # checked up front: nothing written, nothing touched
        return
    assert rc == 0 and stdout == "" and "Traceback" not in err, err
    assert all(f in err.splitlines()[0] for f in fragments), err
    assert {n: b.decode("utf-8") for n, (b, _) in after.items()} == expected
    assert sum(before.get(n) != v for n, v in after.items()) == n_changed
    assert all(after[n] == v for n, v in before.items() if existing[n] == "=")  # identical files left as they are


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_where_an_article_file_goes_is_refused(tmp_path, capsys, overwrite):
    src = source_csv(tmp_path, 2)
    out = tmp_path / "out"
    (out / "a1.md").mkdir(parents=True)
    rc, stdout, err = cli(capsys, "import", src, "--out", out, *(["--overwrite"] if overwrite else []))
    assert_one_line_error(rc, stdout, err, str(out / "a1.md"), "a folder where the article file would be written")
    assert sorted(p.name for p in out.iterdir()) == ["a1.md"]


def test_write_articles_refuses_by_default_and_writes_nothing(tmp_path):
    arts = [Article(id=f"x{i}", body=f"Body {i}.") for i in range(3)]
    assert write_articles(arts, tmp_path) == [tmp_path / f"x{i}.md" for i in range(3)]
    (tmp_path / "x1.md").write_text("edited by hand\n", encoding="utf-8")
    more = arts + [Article(id="x3", body="New.")]
    with pytest.raises(OverwriteError) as err:
        write_articles(more, tmp_path)
    assert err.value.files == [tmp_path / "x1.md"] and "overwrite=True" in str(err.value)
    assert not (tmp_path / "x3.md").exists() and (tmp_path / "x1.md").read_text() == "edited by hand\n"
    assert write_articles(more, tmp_path, overwrite=True) == [tmp_path / "x1.md", tmp_path / "x3.md"]
    assert (tmp_path / "x1.md").read_text(encoding="utf-8") == article_markdown(arts[1])


# ----------------------------------------------------------------------------- 2. article pages never take a reserved name

@pytest.mark.parametrize("article_id", ["index", "INDEX", "Index", "_index", "../index", "index/..", "a/b", "",
                                        "sp ace", "index.html", "index\n", "a\n", "x" * MAX_ID_CHARS, "é" * 300])
def test_page_names_are_never_reserved_and_stay_in_the_folder(article_id):
    name = page_name(article_id)
    assert name.lower() not in {r.lower() for r in RESERVED_PAGES}
    assert "/" not in name and "\\" not in name and "\n" not in name and name.endswith(".html")
    assert len(name.encode("utf-8")) <= 255
    assert page_name(article_id) == name  # deterministic
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", article_id) and article_id.lower() != "index":
        assert name == f"{article_id}.html"  # an ordinary id keeps its page name


@pytest.mark.parametrize("ids", [["index", "_index"], ["index", "INDEX", "Index"], ["gaza", "Gaza", "GAZA"],
                                 ["a", "A", "_A"]])
def test_page_names_are_unique_even_ignoring_case(ids):
    names = page_names(ids)
    assert len({n.lower() for n in names.values()}) == len(ids)
    assert not {n.lower() for n in names.values()} & RESERVED_PAGES
    assert names[ids[0]] == page_name(ids[0])  # the first keeps its own name


def test_shipped_corpus_pages_keep_their_committed_names():
    """figures/articles/*.html of the shipped corpus: every page keeps its name (nothing there changes)."""
    ids = [a.id for a in load_corpus()]
    names = page_names(ids)
    assert all(names[i] == f"{i}.html" for i in ids)
    committed = {p.name for p in (paths.FIGURES / "articles").glob("*.html")}
    assert committed == set(names.values()) | {"index.html"}


@pytest.fixture(scope="module")
def reserved_store(tmp_path_factory):
    """A store of articles whose ids take (or differ by case only from) the index's name and each other."""
    from analysis.store import annotate_articles

    bodies = {"index": "“We will stay,” said Ana Ruiz.", "INDEX": "Officials said the bridge was safe.",
              "gaza": "Tom Brandt warned that prices would rise.", "Gaza": "“It is bad,” he said.",
              "plain": "Nothing to see here."}
    return annotate_articles([Article(id=i, body=b, title=f"Title of {i}") for i, b in bodies.items()],
                             stages=("voices",), processes=1)


@pytest.mark.parametrize("ids", [["index"], ["INDEX", "plain"], ["plain", "index", "INDEX"], ["gaza", "Gaza"]])
def test_an_article_named_index_does_not_overwrite_the_index(tmp_path, reserved_store, ids):
    arts = [a for a in reserved_store.corpus() if a.id in ids]
    site = tmp_path / "site"
    written = write_site(arts, site, segments=reserved_store.table("segments"), quotes=reserved_store.table("quotes"))
    index = (site / "index.html").read_text(encoding="utf-8")
    assert written[-1] == site / "index.html" and f"Annotated articles ({len(arts)})" in index
    assert len({p.name.lower() for p in site.iterdir()}) == len(arts) + 1 == len(written)
    records = json.loads(re.search(r'id="articles-data">(.*?)</script>', index).group(1))
    assert sorted(r["id"] for r in records) == sorted(ids)
    for r in records:  # the index links each article's page, and that page is the article's
        assert r["page"] == page_names(a.id for a in arts)[r["id"]] and r["page"] != "index.html"
        page = (site / r["page"]).read_text(encoding="utf-8")
        assert f'data-article="{r["id"]}"' in page and "<h1>Title of " in page


# ----------------------------------------------------------------------------- 3. bad options: one line, no traceback

@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory) -> Path:
    return md_folder(tmp_path_factory.mktemp("tiny") / "corpus",
                     {"a0": "“We will stay,” said Ana Ruiz.", "a1": "Tom Brandt warned that prices would rise."})


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny-store") / "store"


def base_args(command: str, corpus: Path, tmp: Path) -> list[str]:
    """The arguments a command needs besides the option under test (which, given after, wins)."""
    sheet = tmp / "coder.csv"
    sheet.write_text("article_id,kind,text\n", encoding="utf-8")
    data = tmp / "data"
    data.mkdir(exist_ok=True)
    needs = {"import": [corpus, "--out", tmp / "fresh"], "coding-sheet": [corpus, "--out", tmp / "fresh"],
             "validate-coding": [corpus, "--coder", sheet], "train-sentiment": ["--data", data],
             "train-loaded": ["--data", data], "annotate": [corpus], "notebooks": ["--corpus", corpus]}
    training = ("train-models", "train-targets", "train-frames", "train-attribution", "calibrate-loaded")
    args = needs.get(command, [corpus] if command not in training else [])
    return [str(a) for a in args] + (["--processes", "1"] if command not in (
        "import", "notebooks", "train-sentiment", "train-loaded", *training) else [])


FOLDER_OPTIONS = [(c, "--out") for c in commands_with("--out") if c != "calibrate-loaded"] + [
    (c, "--store") for c in commands_with("--store")]


def test_every_folder_option_is_covered():
    assert {c for c, o in FOLDER_OPTIONS if o == "--out"} >= {"annotate", "import", "coding-sheet", "notebooks",
                                                               "train-models", "train-targets"}
    assert {c for c, o in FOLDER_OPTIONS if o == "--store"} >= {"quotes", "voices", "coding-sheet", "validate-coding",
                                                                 "sentiment", "loaded", "actors"}


@pytest.mark.parametrize("where", ["file", "under-file", "under-file-deep"])
@pytest.mark.parametrize("command, option", FOLDER_OPTIONS)
def test_folder_option_naming_a_file_is_one_line(tmp_path, capsys, tiny_corpus, command, option, where):
    afile = tmp_path / "afile.txt"
    afile.write_text("not a folder\n", encoding="utf-8")
    target = {"file": afile, "under-file": afile / "sub", "under-file-deep": afile / "a" / "b"}[where]
    rc, out, err = cli(capsys, command, *base_args(command, tiny_corpus, tmp_path), option, target)
    message = (f"{option} names a file, not a folder" if where == "file"
               else f"{option} lies under {afile}, which is a file, not a folder")
    assert_one_line_error(rc, out, err, f"error: {target}: ", message)
    assert afile.read_text(encoding="utf-8") == "not a folder\n"


@pytest.mark.parametrize("where", ["folder", "under-file"])
def test_file_option_naming_a_folder_is_one_line(tmp_path, capsys, where):
    afile = tmp_path / "afile.txt"
    afile.write_text("x", encoding="utf-8")
    target = tmp_path if where == "folder" else afile / "calibration.json"
    rc, out, err = cli(capsys, "calibrate-loaded", "--out", target)
    assert_one_line_error(rc, out, err, str(target), "names a folder" if where == "folder" else "which is a file")


@pytest.mark.parametrize("preset", ["nope", "AllSides", "wiki", ""])
@pytest.mark.parametrize("command", commands_with("--preset"))
def test_unknown_preset_lists_the_valid_ones(tmp_path, capsys, tiny_corpus, command, preset):
    rc, out, err = cli(capsys, command, *base_args(command, tiny_corpus, tmp_path), "--preset", preset)
    assert rc == 2 and out == "" and "Traceback" not in err
    assert f"invalid choice: {preset!r}" in err and all(repr(p) in err for p in SOURCE_PRESETS)


@pytest.mark.parametrize("source", ["csv", "md"])
def test_unknown_preset_in_python_is_a_value_error_for_any_source(tmp_path, source):
    src = source_csv(tmp_path) if source == "csv" else md_folder(tmp_path / "md", {"a": "Body."})
    with pytest.raises(ValueError, match="unknown preset 'nope' .choose from allsides, generic, wikinews."):
        load_source(src, preset="nope")


def coder_path(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A bad --coder and the fragment its error must hold."""
    folder = tmp_path / "coder1"
    if kind == "folder-with-sheet":
        folder.mkdir()
        (folder / "items.csv").write_text("article_id,kind,text\n", encoding="utf-8")
        return folder, f"a folder, not a coded sheet: give {folder / 'items.csv'}"
    if kind == "empty-folder":
        folder.mkdir()
        return folder, "a folder, not a coded sheet: give a coded items.csv, units.csv or sheet.xlsx"
    if kind in ("missing-csv", "missing-xlsx"):
        return tmp_path / ("nope.csv" if kind == "missing-csv" else "nope.xlsx"), "no such file"
    if kind == "not-a-workbook":
        p = tmp_path / "sheet.xlsx"
        p.write_text("this is not a zip file", encoding="utf-8")
        return p, "not a readable XLSX workbook with an 'items' sheet"
    if kind == "workbook-without-items":
        p = tmp_path / "sheet.xlsx"
        pd.DataFrame({"a": [1]}).to_excel(p, sheet_name="other", index=False)
        return p, "not a readable XLSX workbook with an 'items' sheet"
    p = tmp_path / "empty.csv"  # "empty-csv"
    p.write_text("", encoding="utf-8")
    return p, "not a readable CSV"


@pytest.mark.parametrize("kind", ["folder-with-sheet", "empty-folder", "missing-csv", "missing-xlsx", "not-a-workbook",
                                  "workbook-without-items", "empty-csv"])
def test_bad_coder_sheet_is_one_line(tmp_path, capsys, tiny_corpus, tiny_store, kind):
    path, fragment = coder_path(tmp_path, kind)
    good = tmp_path / "good.csv"
    good.write_text("article_id,kind,text\na0,direct,We will stay\n", encoding="utf-8")
    early = kind in ("folder-with-sheet", "empty-folder", "missing-csv", "missing-xlsx")
    store = tmp_path / "store" if early else tiny_store  # a readable sheet is read after the store is built
    rc, out, err = cli(capsys, "validate-coding", tiny_corpus, "--store", store, "--processes", "1",
                       "--coder", good, path)
    assert_one_line_error(rc, out, err, f"error: {path}", fragment)
    if early:
        assert not store.exists()  # refused before the corpus was annotated


LONG_IDS = [MAX_ID_CHARS + 1, 300]


def long_id_source(tmp_path: Path, kind: str, length: int) -> Path:
    long_id = "a" * length
    folder = tmp_path / "src"
    folder.mkdir()
    if kind == "md":
        md_folder(folder, {long_id: "“Long,” he said.", "b": "“Short,” she said."})
    elif kind == "csv":
        (folder / "t.csv").write_text(f'id,text\n{long_id},"“Long,” he said."\nb,"“Short,” she said."\n', encoding="utf-8")
    elif kind == "jsonl":
        (folder / "t.jsonl").write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in
                                                [(long_id, "“Long,” he said."), ("b", "“Short,” she said.")]))
    else:
        (folder / "r.json").write_text(json.dumps([{"id": long_id, "text": "“Long,” he said."},
                                                   {"id": "b", "text": "“Short,” she said."}]), encoding="utf-8")
    return folder


def long_id_reason(length: int) -> str:
    return f"id has {length:,} characters, more than {MAX_ID_CHARS} (ids are used as file names)"


@pytest.mark.parametrize("length", LONG_IDS)
@pytest.mark.parametrize("kind", ["md", "csv", "jsonl", "json"])
def test_long_id_is_a_skipped_reason_on_import(tmp_path, capsys, kind, length):
    src = long_id_source(tmp_path, kind, length)
    rc, out, err = cli(capsys, "import", src, "--out", tmp_path / "out")
    assert rc == 0 and out == "" and "Traceback" not in err, err
    assert "2 inputs, 1 articles written" in err and "1 skipped" in err
    (skipped,) = [l for l in err.splitlines() if l.startswith("skipped: ")]
    assert long_id_reason(length) in skipped
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["b.md"]


@pytest.mark.parametrize("kind", ["md", "csv"])
def test_long_id_is_a_skipped_row_of_the_store_on_annotate_and_quotes(tmp_path, capsys, kind):
    src = long_id_source(tmp_path, kind, 300)
    store = tmp_path / "store"
    rc, out, err = cli(capsys, "quotes", src, "--store", store, "--processes", "1")
    assert rc == 0 and "Traceback" not in err, err
    assert {json.loads(l)["id"] for l in out.splitlines()} == {"b"}
    rc, out, err = cli(capsys, "annotate", src, "--out", store, "--stages", "voices", "--processes", "1")
    assert rc == 0 and out == "" and "1 skipped" in err, err
    skipped = pd.read_parquet(store / "skipped" / "skipped.parquet")
    assert len(skipped) == 1 and long_id_reason(300) in skipped.reason[0]


def test_long_id_in_jsonl_input_is_kept_as_given(tmp_path, capsys):
    """A --jsonl id is echoed back, never a file name: a 300-character one works (no traceback, no refusal)."""
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a" * 300, "text": "“Long,” he said."}) + "\n", encoding="utf-8")
    rc, out, err = cli(capsys, "quotes", "--jsonl", p, "--processes", "1")
    assert rc == 0 and "Traceback" not in err, err
    assert [json.loads(l)["id"] for l in out.splitlines()] == ["a" * 300]


@pytest.mark.parametrize("args", [
    lambda t: ["import", source_csv(t), "--out", t / "src.csv"],
    lambda t: ["quotes", source_csv(t), "--store", t / "src.csv"],
    lambda t: ["validate-coding", source_csv(t), "--coder", t],
    lambda t: ["import", source_csv(t), "--out", t / "o", "--preset", "nope"],
], ids=["import-out-file", "quotes-store-file", "coder-folder", "unknown-preset"])
def test_no_traceback_from_the_real_command(tmp_path, args):
    """The same errors from ``python -m analysis`` in a subprocess: exit status 2, no traceback."""
    res = subprocess.run([sys.executable, "-m", "analysis", *map(str, args(tmp_path))], capture_output=True, text=True,
                         cwd=paths.ROOT, timeout=120)
    assert res.returncode == 2 and res.stdout == "" and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.strip().splitlines()[-1].split(": ", 1)[0] in ("error", "python -m analysis import")


# ----------------------------------------------------------------------------- 4. coding sheets: no formula injection

#: Cell texts that a spreadsheet would run as a formula (OWASP "CSV Injection"), each at the start of a line.
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]
#: Texts with control characters XLSX cannot hold (form feed, bell, vertical tab, escape, DEL, SOH, U+FFFF).
CONTROLS = ["form\ffeed", "bell\x07rings", "tab\x0bvertical", "esc\x1band\x7fdel\x01soh", "non\uffffchar"]
#: Texts with a tab, carriage return or line break inside, which a sheet keeps (a CSV reader must see one cell).
INSIDE = ["carriage\rreturn", "tab\tinside", "line\nbreak"]
BODY = ("".join(f"{p} opens it.\n\n" for p in PAYLOADS) + " ".join(CONTROLS + INSIDE)
        + " end.\n\tTabbed line and \r a return.\n")
BAD_START = tuple(coding.FORMULA_START)


def injection_article(lead: str = "") -> Article:
    return Article(id="inj", title=f"{lead}=1+1 title", body=lead + BODY)


def injection_items(article: Article) -> pd.DataFrame:
    """Tool-like items: every payload and control text, as labels and as direct quotes with formula speakers."""
    rows = []
    for k, text in enumerate(PAYLOADS + CONTROLS + INSIDE):
        start = article.body.index(text)
        kind = "label" if k % 2 else "direct"
        rows.append({"article_id": article.id, "kind": kind, "start": start, "end": start + len(text), "text": text,
                     "speaker": None if kind == "label" else "@Evil Speaker", "speaker_mention": "=cmd|x", "row": None})
    return pd.DataFrame(rows)


def csv_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [cell for row in csv.reader(f) for cell in row]


def xlsx_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    return [c for ws in openpyxl.load_workbook(path) for row in ws.iter_rows() for c in row]


def assert_no_formula(files: dict[str, Path]) -> None:
    """No cell of the CSV files or of the workbook starts with a formula character unescaped, none holds a
    character XLSX cannot store, and no workbook cell is a formula."""
    for name in ("articles", "items"):
        for cell in csv_cells(files[name]):
            assert not cell.startswith(BAD_START) and not coding._CONTROL.search(cell), (name, cell[:40])
    cells = xlsx_cells(files["xlsx"])
    assert cells
    for c in cells:
        assert c.data_type != "f", (c.coordinate, c.value)
        if isinstance(c.value, str):
            assert not c.value.startswith(BAD_START) and not coding._CONTROL.search(c.value), (c.coordinate, c.value[:40])
    escaped = {c.value for c in cells if isinstance(c.value, str) and c.value.startswith("'")}
    assert {"'" + p for p in PAYLOADS} <= escaped and "'@Evil Speaker" in escaped


def sheet_articles(files: dict[str, Path], fmt: str) -> pd.DataFrame:
    """The articles sheet read back as a coder's reader does, XLSX parts joined."""
    if fmt == "csv":
        frame = pd.read_csv(files["articles"], dtype=object, keep_default_na=False)
    else:
        parts = pd.read_excel(files["xlsx"], sheet_name="articles", dtype=object).sort_values(["article_id", "part"])
        frame = parts.groupby("article_id", sort=False).agg(title=("title", "first"), text=("text", "".join)).reset_index()
    return frame.map(lambda v: coding.unescape_cell(v) if isinstance(v, str) else v)


@pytest.mark.parametrize("lead", ["", *coding.FORMULA_START, "'"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_coding_sheet_escapes_formulas_and_round_trips(tmp_path, fmt, lead):
    art = injection_article(lead)
    items = injection_items(art)
    files = coding.export_sheet([art], tmp_path / "sheet", shown=True, items=items, kinds=["direct", "label"], seed=0)
    # (b) every file written
    assert set(files) == {"articles", "items", "guide", "xlsx"} and all(p.stat().st_size > 0 for p in files.values())
    # (a) nothing a spreadsheet would run
    assert_no_formula(files)
    # (c) read back: the article text has its length and characters (controls as spaces), every item its offsets
    back = sheet_articles(files, fmt)
    assert back.text[0] == coding._blind(art.body) and len(back.text[0]) == len(art.body)
    assert back.title[0] == coding._blind(art.title)
    coded = coding.read_sheet(files["items" if fmt == "csv" else "xlsx"], {art.id: art.body})
    assert coded[["start", "end", "text", "kind"]].to_dict("records") == items[["start", "end", "text", "kind"]].to_dict("records")
    assert (coded.speaker.dropna() == "@Evil Speaker").all()


def test_read_sheet_finds_texts_whose_control_characters_became_spaces(tmp_path):
    """A coder's sheet holds a control character as the space the export wrote; the span is still exact, and a
    plain occurrence before it does not shift the count."""
    body = "bell rings first. Then bell\x07rings again."
    p = tmp_path / "items.csv"
    pd.DataFrame([{"article_id": "A", "kind": "label", "text": "bell rings", "occurrence": "2"}]).to_csv(p, index=False)
    (row,) = coding.read_sheet(p, {"A": body}).to_dict("records")
    assert (row["start"], row["end"], row["text"]) == (23, 33, "bell\x07rings")
    items = pd.DataFrame([{"article_id": "A", "kind": "label", "start": 23, "end": 33, "text": "bell\x07rings",
                           "speaker": None, "speaker_mention": None, "row": None}])
    files = coding.export_sheet([Article(id="A", body=body)], tmp_path / "s", shown=True, items=items, kinds=["label"])
    for f in (files["items"], files["xlsx"]):
        assert coding.read_sheet(f, {"A": body})[["start", "end"]].values.tolist() == [[23, 33]]


def test_coding_sheet_command_on_an_injection_article(tmp_path, capsys):
    """End to end: ``coding-sheet --jsonl`` (the tool's own items, shown) writes every file, none runs a formula."""
    p = tmp_path / "in.jsonl"
    body = BODY + "“=SUM(1,2) is no formula,” said Ana Ruiz.\n"
    p.write_text(json.dumps({"id": "inj", "text": body}) + "\n", encoding="utf-8")
    out = tmp_path / "sheet"
    rc, stdout, err = cli(capsys, "coding-sheet", "--jsonl", p, "--out", out, "--n", "1", "--shown", "--processes", "1")
    assert rc == 0 and stdout == "" and "Traceback" not in err, err
    files = {"articles": out / "articles.csv", "items": out / "items.csv", "guide": out / "guide.md",
             "xlsx": out / "sheet.xlsx"}
    assert all(f.stat().st_size > 0 for f in files.values())
    for name in ("articles", "items"):
        assert not any(c.startswith(BAD_START) for c in csv_cells(files[name]))
    assert all(c.data_type != "f" for c in xlsx_cells(files["xlsx"]))
    assert sheet_articles(files, "csv").text[0] == coding._blind(body)
    for f in (files["items"], files["xlsx"]):
        coded = coding.read_sheet(f, {"inj": body})
        assert "=SUM(1,2) is no formula," in set(coded.text)
        assert all(body[s:e] == t for s, e, t in zip(coded.start, coded.end, coded.text))


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\") said the minister.", "+1 more\rline", "@SUM(A1) and -2+3"])
def test_frames_sheet_escapes_formulas_and_keeps_rows(tmp_path, text):
    """The frames coding sheet (units.csv, sheet.xlsx) escapes formula cells and never splits a row."""
    import csv as csv_module

    import openpyxl
    import pandas as pd

    from analysis.frame_coding import export_sheet, read_sheet

    body = text + " The court ruled."
    rows = pd.DataFrame({"unit_id": [f"a:0-{len(text)}"], "article_id": ["a"], "start": [0], "end": [len(text)],
                         "voice": ["editorial"], "speaker": [""], "context": [body], "text": [text],
                         "frames": ["legality"], "primary": ["legality"], "evidence": [""], "note": [""]})
    files = export_sheet(pd.DataFrame({"article_id": ["a"], "title": ["=t"], "text": [body]}), rows, tmp_path)
    with open(files["units"], encoding="utf-8", newline="") as f:
        records = list(csv_module.reader(f))
    assert len(records) == 2 and all(not c.startswith(("=", "+", "-", "@")) for c in records[1])
    wb = openpyxl.load_workbook(files["xlsx"])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    back = read_sheet(files["units"], {"a": body})
    assert back.iloc[0].start == 0 and back.iloc[0].end == len(text) and back.iloc[0].frames == ("legality",)
