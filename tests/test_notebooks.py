"""Notebook hygiene and execution: every notebook runs top to bottom, committed clean."""
from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.notebooks import notebook_files, run_notebooks

NOTEBOOKS = notebook_files()
#: Figures that are tables only (a CSV and its provenance, no image).
TABLES = {"07-portrayal", "07-top-actors"}
ALLOWED_NOTEBOOK_METADATA = {"kernelspec", "language_info"}


def test_notebooks_exist_and_are_numbered():
    assert [nb.name for nb in NOTEBOOKS] == ["01-corpus.ipynb", "02-voices.ipynb", "03-sentiment.ipynb",
                                             "04-loaded-terms.ipynb", "05-explore.ipynb", "06-outlets.ipynb",
                                             "07-actors.ipynb", "08-frames.ipynb"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_clean(nb):
    data = json.loads(nb.read_text(encoding="utf-8"))
    problems = []
    for i, cell in enumerate(data["cells"]):
        if cell.get("outputs"):
            problems.append(f"cell {i} has outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i} has an execution count")
        extra = set(cell.get("metadata", {})) - {"tags"}
        if extra:
            problems.append(f"cell {i} has metadata {sorted(extra)}")
    extra = set(data.get("metadata", {})) - ALLOWED_NOTEBOOK_METADATA
    if extra:
        problems.append(f"notebook metadata {sorted(extra)}")
    assert not problems, f"{nb.name} is not stripped: {problems}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_has_parameters_cell_and_types_no_paths(nb):
    data = json.loads(nb.read_text(encoding="utf-8"))
    tagged = [c for c in data["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    code = "\n".join("".join(c["source"]) for c in data["cells"] if c["cell_type"] == "code")
    for literal in ("corpus/", "figures/", "../shared", "/work/"):
        assert literal not in code, f"{nb.name} types a path ({literal}); use analysis.paths"


def test_no_function_defined_in_two_notebooks():
    seen: Counter[str] = Counter()
    for nb in NOTEBOOKS:
        data = json.loads(nb.read_text(encoding="utf-8"))
        for cell in data["cells"]:
            if cell["cell_type"] != "code":
                continue
            tree = ast.parse("".join(cell["source"]))
            seen.update({n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))})
    assert not [name for name, n in seen.items() if n > 1]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """Every notebook executed top to bottom on the shipped corpus, figures into a temporary folder."""
    tmp = tmp_path_factory.mktemp("figures")
    executed = run_notebooks(out=tmp / "figures", executed_dir=tmp / "executed")
    return tmp / "figures", executed


def test_every_notebook_executes(regenerated):
    figures, executed = regenerated
    assert len(executed) == len(NOTEBOOKS)
    written = sorted(p.name for p in figures.iterdir())
    for name in ("01-corpus-overview", "02-voice-shares", "02-speakers", "02-quote-kinds", "03-voice-means",
                 "03-sentiment-gap", "03-speaker-means", "04-density", "04-fightin-words", "04-fightin-words-groups",
                 "04-reporting-verbs", "04-prevalence", "07-portrayal", "07-negative-share", "07-mean-score",
                 "07-seed-actors", "07-top-actors", "08-seed-frames", "08-frame-shares", "08-frame-gaps",
                 "08-speaker-frames"):
        assert (f"{name}.png" in written or name in TABLES) and f"{name}.csv" in written and f"{name}.json" in written, name
    assert (figures / "articles" / "index.html").exists()
    for name in ("04-fightin-words.html", "04-fightin-words-groups.html"):  # the interactive charts, self-contained
        page = (figures / name).read_text(encoding="utf-8")
        assert "vegaEmbed" in page and '"word_search"' in page and "<script src=" not in page, name
    assert not any(n.startswith("06-") for n in written), "06 runs on the AllSides corpus only"
    case = json.loads(next(e for e in executed if e.name == "06-outlets.ipynb").read_text(encoding="utf-8"))
    assert "make figures CORPUS=" in json.dumps([c.get("outputs") for c in case["cells"]])  # 06 says how to run it, and stops


def png_sizes(folder):
    from PIL import Image

    sizes = {}
    for p in folder.glob("*.png"):
        with Image.open(p) as image:
            sizes[p.name] = image.size
    return sizes


def test_every_figure_is_legible_in_size(regenerated):
    figures, _ = regenerated
    sizes = png_sizes(figures)
    assert sizes and all(w <= 3000 and h <= 3000 for w, h in sizes.values()), sizes


def test_reference_figures_have_not_drifted(regenerated):
    """The committed reference CSVs under figures/ equal what the notebooks produce now: exactly where no
    learned model is involved, within the stated tolerances where one is (analysis.drift)."""
    from analysis import drift

    figures, _ = regenerated
    comparisons = drift.compare_figures(paths.FIGURES, figures)
    print(drift.report(comparisons))
    bad = [c for c in comparisons if not c.ok]
    assert not bad, (drift.report(bad) + "\nif the change is intended, run `make figures` and commit figures/ "
                     "(explain why in the commit).")


def test_case_study_on_an_allsides_sample(tmp_path):
    """06-outlets end to end on 45 AllSides articles (15 per side): every figure written, aggregates only, legible."""
    import shutil

    from conftest import shared_path

    src = shared_path("allsides_baly2020", "jsons")
    picked = {"left": 0, "center": 0, "right": 0}
    sample = tmp_path / "allsides"
    sample.mkdir()
    for f in sorted(src.glob("*.json")):
        side = json.loads(f.read_text(encoding="utf-8"))["bias_text"]
        if picked.get(side, 99) < 15:
            shutil.copy(f, sample / f.name)
            picked[side] += 1
        if all(v >= 15 for v in picked.values()):
            break
    out = tmp_path / "figures"
    run_notebooks(corpus=sample, out=out, executed_dir=tmp_path / "executed", only=["06-outlets", "07-actors"],
                  group_by="bias_text")
    written = {p.name for p in out.iterdir()}
    for name in ("06-quoted-share", "06-speakers", "06-density", "06-sentiment-gap", "06-fightin-words", "06-coverage",
                 "07-portrayal", "07-negative-share", "07-mean-score", "07-top-actors"):
        assert (f"{name}.png" in written or name in TABLES) and f"{name}.csv" in written, name
    assert "07-seed-actors.csv" not in written  # the seed article is not in this corpus
    sizes = png_sizes(out)
    assert all(w <= 3000 and h <= 3000 for w, h in sizes.values()), sizes
    bodies = [json.loads(f.read_text(encoding="utf-8"))["content_original"] for f in sample.glob("*.json")]
    sentences = [s.strip() for b in bodies for s in b.split(".") if len(s.split()) > 8]
    for csv in out.glob("0[67]-*.csv"):
        text = csv.read_text(encoding="utf-8")
        assert not any(s in text for s in sentences[:200]), f"{csv.name} carries article text"


def test_committed_allsides_figures_are_aggregates_and_legible():
    """figures/allsides/ (the case study on the full AllSides corpus) holds no article text, and every PNG is ≤ 3,000 px."""
    from conftest import shared_path

    folder = paths.FIGURES / "allsides"
    assert sorted(p.stem for p in folder.glob("*.png")), "figures/allsides/ holds the case study's figures"
    sizes = png_sizes(folder)
    assert all(w <= 3000 and h <= 3000 for w, h in sizes.values()), sizes
    src = shared_path("allsides_baly2020", "jsons")
    sentences = []
    for f in sorted(src.glob("*.json"))[::20]:
        body = json.loads(f.read_text(encoding="utf-8"))["content_original"]
        sentences += [s.strip() for s in body.split(".") if len(s.split()) > 8]
    for csv in folder.glob("*.csv"):
        text = csv.read_text(encoding="utf-8")
        assert not any(s in text for s in sentences), f"{csv.name} carries article text"


def test_figures_are_shown_in_the_executed_notebooks(regenerated):
    """Every cell that saves a figure also shows it (JupyterLab and the executed copies carry the images,
    not only the tables), once."""
    _, executed = regenerated
    for path in executed:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            source = "".join(cell.get("source", ""))
            if cell["cell_type"] != "code" or "plots.save_figure(" not in source or "if available" in source:
                continue
            images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
            calls = source.count("plots.save_figure(")
            assert 1 <= len(images) <= calls, (path.name, source.splitlines()[0], len(images))


def test_a_notebook_on_another_corpus_never_writes_the_reference_figures(tmp_path):
    """Started as JupyterLab or papermill start it — only ``corpus_path`` set, no figures folder — a notebook
    on a user's corpus writes under build/figures/<name>-<hash>/, one folder per source, and figures/ stays
    as it is."""
    import shutil

    from analysis.notebooks import execute

    assert paths.figures_dir(None) == paths.FIGURES == paths.figures_dir(None, corpus=paths.ARTICLES)
    assert paths.figures_dir("x/y", corpus=tmp_path / "a.csv") == Path("x/y")
    by_format = {paths.figures_dir(None, corpus=tmp_path / n) for n in ("mine.csv", "mine.jsonl", "mine")}
    assert len(by_format) == 3 and all(p.parent == paths.BUILD / "figures" for p in by_format)
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert paths.figures_dir(None, corpus=other / "mine.csv") != paths.figures_dir(None, corpus=tmp_path / "mine.csv")

    src = tmp_path / "mine.csv"
    rows = [{"id": f"m{i}", "title": f"T{i}", "date": f"2024-03-0{i + 1}",
             "text": f'The minister said: "We will open mine {i} next year." Workers protested on Monday.'} for i in range(3)]
    pd.DataFrame(rows).to_csv(src, index=False)
    before = {p: p.stat().st_mtime_ns for p in paths.FIGURES.rglob("*") if p.is_file()}
    out = paths.figures_dir(None, corpus=src)
    try:
        execute(paths.NOTEBOOKS / "01-corpus.ipynb", tmp_path / "01.ipynb", {"corpus_path": str(src)})
        assert (out / "01-corpus-overview.png").exists() and (out / "01-corpus-overview.json").exists()
        after = {p: p.stat().st_mtime_ns for p in paths.FIGURES.rglob("*") if p.is_file()}
        assert after == before, "the reference figures were touched"
    finally:
        shutil.rmtree(out, ignore_errors=True)


RESEARCHER_ROWS = [
    ("Mine expands", 'Rio Tinto said it would expand the mine. "This is a major investment," chief executive Jakob '
                     'Stausholm told reporters. Environmental groups criticised the plan.', "Mining Weekly", "March 4, 2024"),
    ("Profit falls", 'BHP reported a fall in profit. Analysts said weaker demand from China hurt BHP. "We remain '
                     'confident," BHP chief Mike Henry said.', "The Courier", "03/04/2024"),
    ("Strike at site", 'Workers walked off the job at a Rio Tinto site. "We are fighting for safety," union leader Anne '
                       'Smith said. Rio Tinto said it was disappointed.', "The Courier", "21 March 2024"),
]


def test_a_researchers_csv_goes_through_the_notebooks_with_its_parameters(tmp_path):
    """title/content/source/publish_date columns read by alias, an ambiguous date settled by the date format, the
    read-as summary in the store, a notebook parameter (07's actors) from the command, actors not in the corpus
    left out, and the notebooks opening the store later read the corpus the same way (recorded options)."""
    import shutil

    from analysis.store import open_store, recorded_source_options
    from analysis.study import open_study

    src = tmp_path / "mine.csv"
    pd.DataFrame(RESEARCHER_ROWS, columns=["title", "content", "source", "publish_date"]).to_csv(src, index=False)
    out = paths.figures_dir(None, corpus=src)
    try:
        run_notebooks(corpus=src, executed_dir=tmp_path / "executed", only=["01-corpus", "07-actors"],
                      parameters={"focus_actors": ["BHP", "Nobody Here"]}, source_options={"date_format": "dmy"})
        store = open_store(src)
        arts = store.articles()
        assert arts.outlet.tolist() == ["Mining Weekly", "The Courier", "The Courier"]
        assert [str(d)[:10] for d in arts.date] == ["2024-03-04", "2024-04-03", "2024-03-21"]
        assert recorded_source_options(store.path) == {"date_format": "dmy"}
        assert dict(zip(store.read_as().column, store.read_as().field)) == {
            "title": "title", "content": "body", "source": "outlet", "publish_date": "date", "(no id column)": "id"}
        portrayal = pd.read_csv(out / "07-portrayal.csv")
        assert set(portrayal.actor) == {"BHP"}
        executed = json.loads((tmp_path / "executed" / "07-actors.ipynb").read_text(encoding="utf-8"))
        text = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
        assert "not mentioned in this corpus, left out: Nobody Here" in text
        study = open_study(src)  # a notebook opened later: no options given, the recorded ones apply
        assert len(study.articles) == 3 and study.top_actors(2) == ["BHP", "Rio Tinto"]
        assert study.choose("focus_actors", None, study.top_actors)[:2] == ["BHP", "Rio Tinto"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_a_folder_of_txt_files_goes_through_the_notebooks(tmp_path):
    import shutil

    from analysis.store import open_store

    folder = tmp_path / "texts"
    folder.mkdir()
    for i, (title, body, outlet, date) in enumerate(RESEARCHER_ROWS):
        (folder / f"story{i}.txt").write_text(f"Title: {title}\nSource: {outlet}\nDate: {date}\n\n{body}\n",
                                              encoding="utf-8")
    out = paths.figures_dir(None, corpus=folder)
    try:
        run_notebooks(corpus=folder, executed_dir=tmp_path / "executed", only=["01-corpus"],
                      source_options={"date_format": "dmy"})
        arts = open_store(folder).articles()
        assert arts.title.tolist() == [r[0] for r in RESEARCHER_ROWS] and arts.outlet.notna().all()
        assert arts.date.notna().all() and (out / "01-corpus-overview.png").exists()
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_notebook_parameters_are_typed_by_their_declaration():
    from analysis.notebooks import declared_parameters, parse_parameters

    nb07 = paths.NOTEBOOKS / "07-actors.ipynb"
    assert declared_parameters(nb07)["focus_actors"] == ("list[str]", None)
    assert parse_parameters(["focus_actors=Rio Tinto;BHP top_speakers=8", "seed_id=None"]) == {
        "focus_actors": ["Rio Tinto", "BHP"], "top_speakers": 8, "seed_id": None}
    assert parse_parameters(["focus_actors=Rio Tinto"]) == {"focus_actors": ["Rio Tinto"]}  # a list of one
    for bad, fragment in (("foo=1", "no notebook has a parameter 'foo' (parameters: article_id"),
                          ("top_speakers=many", "'many' is not int"), ("corpus_path=x", "set by --corpus"),
                          ("just text", "write NAME=VALUE")):
        with pytest.raises(ValueError, match=re.escape(fragment)):
            parse_parameters([bad])
    with pytest.raises(ValueError, match="no notebook run here has a parameter 'top_speakers'"):
        run_notebooks(only=["01-corpus"], parameters={"top_speakers": 3}, build=False)


def test_no_notebook_defaults_to_the_case_studys_names():
    """Defaults follow the corpus: every parameter that names actors, terms, speakers or an article is None (the
    shipped corpus's case study is declared once, analysis.study.CASE_STUDY)."""
    from analysis.notebooks import declared_parameters
    from analysis.study import CASE_STUDY

    for nb in NOTEBOOKS:
        for name, (_, default) in declared_parameters(nb).items():
            if name in CASE_STUDY or name in ("follow_speakers", "prevalence_items", "speaker", "article_id"):
                assert default is None, (nb.name, name, default)
