"""Nothing waits without a limit: a stuck notebook cell is an error naming the notebook and the cell
(retried once), a store lock held by another build times out, a build started from a script without a
``__main__`` guard says so instead of waiting on its own lock, and pool workers end with their parent."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest

from analysis.notebooks import NotebookStuck, execute


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.mark.parametrize("stuck", ["import time\ntime.sleep(120)", "while True:\n    pass"])
def test_a_stuck_cell_is_an_error_naming_notebook_and_cell_after_one_retry(tmp_path, stuck, capfd):
    nb = _notebook(tmp_path / "stuck.ipynb", "x = 1", stuck, "y = 2")
    t0 = time.monotonic()
    with pytest.raises(NotebookStuck, match=r"stuck\.ipynb: cell 1 .*did not finish within 3 s, twice"):
        execute(nb, tmp_path / "out.ipynb", {}, timeout=3)
    assert time.monotonic() - t0 < 90
    assert "retrying with a fresh kernel" in capfd.readouterr().err


def test_a_cell_that_raises_is_not_retried(tmp_path):
    import papermill as pm

    nb = _notebook(tmp_path / "bad.ipynb", "raise ValueError('no')")
    with pytest.raises(pm.PapermillExecutionError, match="no"):
        execute(nb, tmp_path / "out.ipynb", {}, timeout=30)


def test_a_widget_cell_finishes_under_the_timeout(tmp_path):
    """The explorer's pattern (an Output widget whose content is set as state) completes headless."""
    nb = _notebook(tmp_path / "widget.ipynb", textwrap.dedent("""
        import ipywidgets as w
        out = w.Output()
        def refresh(*_):
            out.outputs = ()
            out.append_display_data("hello")
        pick = w.Dropdown(options=["a", "b"])
        pick.observe(refresh, names="value")
        refresh()
        w.VBox([pick, out])
    """))
    execute(nb, tmp_path / "out.ipynb", {}, timeout=60)
    cells = json.loads((tmp_path / "out.ipynb").read_text(encoding="utf-8"))["cells"]
    assert cells[0]["outputs"]
