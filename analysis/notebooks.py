"""Execute the notebooks headless (papermill), in order, with corpus and output parameters.

``make figures`` calls this through ``python -m analysis notebooks``. Executed
copies go to ``build/notebooks/`` (never back into notebooks/, which stay
stripped in git).
"""
from __future__ import annotations

from pathlib import Path

from . import paths


def notebook_files() -> list[Path]:
    """The numbered notebooks, in order."""
    return sorted(paths.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def run_notebooks(
    *,
    corpus: str | Path | None = None,
    out: str | Path | None = None,
    executed_dir: str | Path | None = None,
    only: list[str] | None = None,
) -> list[Path]:
    """Execute every notebook top to bottom; return the executed copies.

    ``corpus``: a folder of article files (default: the shipped corpus).
    ``out``: the figures folder (default ``figures/``, or ``figures/<corpus name>/``
    for a user corpus so the reference figures are never overwritten).
    """
    import papermill as pm

    if out is None:
        out = paths.FIGURES if corpus is None else paths.FIGURES / f"corpus-{Path(corpus).resolve().name}"
    out = Path(out).resolve()
    executed = Path(executed_dir) if executed_dir else paths.ROOT / "build" / "notebooks"
    executed.mkdir(parents=True, exist_ok=True)
    params = {"corpus_path": str(Path(corpus).resolve()) if corpus else None, "figures_dir": str(out)}
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
    return done
