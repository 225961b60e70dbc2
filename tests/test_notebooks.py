"""Notebook hygiene and execution: every notebook runs top to bottom, committed clean."""
from __future__ import annotations

import ast
import json
from collections import Counter

import pytest

from analysis import paths
from analysis.notebooks import notebook_files, run_notebooks

NOTEBOOKS = notebook_files()
ALLOWED_NOTEBOOK_METADATA = {"kernelspec", "language_info"}


def test_notebooks_exist_and_are_numbered():
    assert [nb.name for nb in NOTEBOOKS][:2] == ["01-corpus.ipynb", "02-voices.ipynb"]


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


def test_every_notebook_executes(tmp_path):
    executed = run_notebooks(out=tmp_path / "figures", executed_dir=tmp_path / "executed")
    assert len(executed) == len(NOTEBOOKS)
    written = sorted(p.name for p in (tmp_path / "figures").iterdir())
    for name in ("01-corpus-overview", "02-voice-shares", "02-speakers", "02-quote-kinds"):
        assert f"{name}.png" in written and f"{name}.csv" in written
    assert not list(paths.NOTEBOOKS.glob("*.ipynb.out"))
