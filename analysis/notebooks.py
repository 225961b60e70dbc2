"""Execute the notebooks headless (papermill), in order, with corpus and output parameters.

``make figures`` calls this through ``python -m analysis notebooks``. The corpus's
annotation store is built (or updated) first, here, with progress on the terminal;
the notebooks then open it and find nothing left to compute. Executed copies go to
``build/notebooks/`` (never back into notebooks/, which stay stripped in git).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from . import paths


def notebook_files() -> list[Path]:
    """The numbered notebooks, in order."""
    return sorted(paths.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def default_figures_dir(corpus: str | Path | None) -> Path:
    """figures/ for the shipped corpus; figures/corpus-<name> for any other source."""
    return paths.FIGURES if corpus is None else paths.FIGURES / f"corpus-{Path(corpus).resolve().stem}"


def run_notebooks(
    *,
    corpus: str | Path | None = None,
    out: str | Path | None = None,
    executed_dir: str | Path | None = None,
    only: list[str] | None = None,
    build: bool = True,
) -> list[Path]:
    """Execute every notebook top to bottom; return the executed copies.

    ``corpus``: any corpus source (default: the shipped corpus). ``out``: the figures
    folder (default :func:`default_figures_dir`, so the reference figures are never
    overwritten by another corpus). ``build``: annotate the corpus first (default).
    """
    import papermill as pm

    out = Path(out).resolve() if out is not None else default_figures_dir(corpus).resolve()
    executed = Path(executed_dir) if executed_dir else paths.BUILD / "notebooks"
    executed.mkdir(parents=True, exist_ok=True)
    source = str(Path(corpus).resolve()) if corpus else None
    if build:
        from .store import build as build_store

        report = build_store(source)
        print(report.summary(), file=sys.stderr)
    params = {"corpus_path": source, "figures_dir": str(out)}
    previous = os.environ.get("FRAMING_PROGRESS")
    os.environ["FRAMING_PROGRESS"] = "0"  # the kernels' output goes into executed notebooks, not a terminal
    try:
        done = []
        for nb in notebook_files():
            if only and nb.stem not in only:
                continue
            target = executed / nb.name
            pm.execute_notebook(
                str(nb), str(target), parameters=params, kernel_name="python3", cwd=str(paths.NOTEBOOKS),
                progress_bar=False, log_output=False,
            )
            done.append(target)
    finally:
        if previous is None:
            os.environ.pop("FRAMING_PROGRESS", None)
        else:
            os.environ["FRAMING_PROGRESS"] = previous
    return done
