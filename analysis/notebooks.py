"""Execute the notebooks headless (papermill), in order, with corpus and output parameters.

``make figures`` calls this through ``python -m analysis notebooks``. The corpus's
annotation store is built (or updated) first, here, with progress on the terminal;
the notebooks then open it and find nothing left to compute. Executed copies go to
``build/notebooks/`` (never back into notebooks/, which stay stripped in git).
"""
from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path
from typing import Any

from . import paths


def notebook_files() -> list[Path]:
    """The numbered notebooks, in order."""
    return sorted(paths.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def declared_parameters(nb: Path) -> dict[str, tuple[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell: name -> (type, default).

    Read by papermill's ``inspect_notebook``: the type is the annotation as written (``list[str]``;
    a None default means the parameter is optional), else the default's type name. Raises
    ValueError naming the notebook and parameter when a default is not a Python literal."""
    import papermill as pm

    declared: dict[str, tuple[str, Any]] = {}
    for name, info in pm.inspect_notebook(str(nb)).items():
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            raise ValueError(f"{nb.name}: parameter {name} has no literal default ({info['default']!r})") from None
        kind = info["inferred_type_name"]
        declared[name] = (type(default).__name__ if kind in ("None", None) else kind, default)
    return declared


_ASSIGNMENT = re.compile(r"(?:^|\s+)([A-Za-z_]\w*)=")


def parse_parameters(specs: list[str] | None, notebooks: list[Path] | None = None) -> dict[str, Any]:
    """``NAME=VALUE`` strings (``--param``, ``make figures PARAMS=...``) as typed notebook parameters.

    One string may hold several, separated by spaces before each ``NAME=`` (``"focus_actors=Rio Tinto;BHP
    top_speakers=8"``). Each value is read by the type its notebooks declare (:func:`declared_parameters`):
    lists split on ``;`` (``A;B``), ``int``, ``float``, ``bool`` (true/false), else text; ``None`` (or nothing)
    is None where the type admits it. Raises ValueError for a name no notebook in ``notebooks`` (default:
    all) declares, naming those that exist, for a value that is not of its type, and for ``corpus_path`` and
    ``figures_dir`` (set by ``--corpus`` and ``--out``).
    """
    notebooks = notebook_files() if notebooks is None else notebooks
    declared: dict[str, tuple[str, Any]] = {}
    for nb in notebooks:
        for name, decl in declared_parameters(nb).items():
            declared.setdefault(name, decl)
    out: dict[str, Any] = {}
    for spec in specs or []:
        spec = spec.strip()
        found = list(_ASSIGNMENT.finditer(spec))
        if not found or found[0].start() != 0:
            raise ValueError(f"bad parameter {spec!r}: write NAME=VALUE (e.g. focus_actors=Rio Tinto;BHP)")
        for m, nxt in zip(found, found[1:] + [None]):
            name, raw = m.group(1), spec[m.end(): nxt.start() if nxt else len(spec)].strip()
            if name in ("corpus_path", "figures_dir"):
                raise ValueError(f"{name} is set by --corpus / --out (make figures CORPUS= / OUT=), not --param")
            if name not in declared:
                names = sorted(n for n in declared if n not in ("corpus_path", "figures_dir"))
                raise ValueError(f"no notebook has a parameter {name!r} (parameters: {', '.join(names)})")
            out[name] = _typed(name, raw, *declared[name])
    return out


def _typed(name: str, raw: str, kind: str, default: Any) -> Any:
    if raw in ("", "None") and default is None:
        return None
    base = kind
    try:
        if base.startswith("list") or isinstance(default, list):
            return [part.strip() for part in raw.split(";") if part.strip()]
        if base == "int":
            return int(raw)
        if base == "float":
            return float(raw)
        if base == "bool":
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1", "yes")
    except ValueError:
        raise ValueError(f"parameter {name}: {raw!r} is not {base}") from None
    return raw


def default_figures_dir(corpus: str | Path | None) -> Path:
    """figures/ (tracked) for the shipped corpus; build/figures/<name>-<hash> (git-ignored) for any other
    source (:func:`analysis.paths.corpus_figures_dir`)."""
    return paths.corpus_figures_dir(corpus)


def run_notebooks(
    *,
    corpus: str | Path | None = None,
    out: str | Path | None = None,
    executed_dir: str | Path | None = None,
    only: list[str] | None = None,
    build: bool = True,
    group_by: str | None = None,
    jobs: int | None = None,
    parameters: dict[str, Any] | None = None,
    source_options: dict[str, Any] | None = None,
) -> list[Path]:
    """Execute every notebook top to bottom; return the executed copies.

    ``corpus``: any corpus source (default: the shipped corpus). ``out``: the figures
    folder (default :func:`default_figures_dir`, so the reference figures are never
    overwritten by another corpus). ``build``: annotate the corpus first (default).
    ``group_by``: the grouping every comparative figure uses (a metadata column or year,
    quarter, month; None: each notebook's default). ``jobs``: notebooks executed at once (default:
    the number of cores; 1 runs them one after another). ``parameters``: more notebook parameters
    (:func:`parse_parameters`), each given to the notebooks that declare it. ``source_options``: how
    the corpus is read (``fields``, ``date_format``, ``preset``: :func:`analysis.importers.load_source`);
    the store records them, so the notebooks read the corpus the same way. The import summary
    (:func:`analysis.importers.summary_lines`) is printed before the build.
    """
    out = Path(out).resolve() if out is not None else default_figures_dir(corpus).resolve()
    executed = Path(executed_dir) if executed_dir else paths.BUILD / "notebooks"
    executed.mkdir(parents=True, exist_ok=True)
    source = str(Path(corpus).resolve()) if corpus else None
    wanted = [nb for nb in notebook_files() if not only or nb.stem in only]
    declared = {nb: declared_parameters(nb) for nb in wanted}
    extra = dict(parameters or {})
    unused = [name for name in extra if not any(name in d for d in declared.values())]
    if unused:
        raise ValueError(f"no notebook run here has a parameter {', '.join(map(repr, unused))}")
    if build:
        from .importers import load_source, summary_lines
        from .store import build as build_store
        from .store import recorded_source_options

        options = dict(source_options) if source_options is not None else recorded_source_options(
            paths.store_dir(source))
        corpus = load_source(source if source is not None else paths.ARTICLES, **options)
        print("\n".join(summary_lines(corpus)), file=sys.stderr)
        report = build_store(source, corpus=corpus, source_options=options)
        print(report.summary(), file=sys.stderr)
    params = {"corpus_path": source, "figures_dir": str(out)}
    if group_by:
        params["group_by"] = group_by
    params.update(extra)
    jobs = max(1, min(jobs if jobs is not None else (os.cpu_count() or 1), len(wanted)))
    previous = os.environ.get("FRAMING_PROGRESS")
    os.environ["FRAMING_PROGRESS"] = "0"  # the kernels' output goes into executed notebooks, not a terminal
    try:
        targets = [executed / nb.name for nb in wanted]
        own = {nb: {k: v for k, v in params.items() if k in declared[nb]} for nb in wanted}
        if jobs == 1:
            for nb, target in zip(wanted, targets):
                _execute(nb, target, own[nb])
        else:
            # Notebooks only read the (already built) store and write figures of their own, so they run
            # side by side, one kernel per worker; results do not depend on the order they finish in.
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                for future in [pool.submit(_execute, nb, target, own[nb]) for nb, target in zip(wanted, targets)]:
                    future.result()
    finally:
        if previous is None:
            os.environ.pop("FRAMING_PROGRESS", None)
        else:
            os.environ["FRAMING_PROGRESS"] = previous
    return targets


#: Seconds one notebook cell may run before it counts as stuck (FRAMING_CELL_TIMEOUT); the shipped corpus's
#: slowest cell takes well under a minute; raise it for very large corpora.
CELL_TIMEOUT: int = int(os.environ.get("FRAMING_CELL_TIMEOUT", 600))
#: Seconds a kernel may take to start.
START_TIMEOUT: int = 120


class NotebookStuck(RuntimeError):
    """A notebook cell that did not finish within its timeout (twice), or a kernel that died."""


def _stuck_cell(target: Path) -> str:
    """'cell N (first line)' of the cell papermill marked running or pending first in a partly executed copy."""
    import json

    try:
        cells = json.loads(target.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return "an unknown cell"
    for i, cell in enumerate(cells):
        md = cell.get("metadata", {})
        meta, run = md.get("papermill", {}), md.get("execution", {})
        started_unanswered = "iopub.execute_input" in run and "shell.execute_reply" not in run
        if cell.get("cell_type") == "code" and (meta.get("status") in ("running", "pending") or started_unanswered):
            first = "".join(cell.get("source", "")).strip().splitlines()[:1]
            return f"cell {i}" + (f" ({first[0][:60]!r})" if first else "")
    return "an unknown cell"


def execute(nb: Path, target: Path, params: dict, *, timeout: int | None = None, retries: int = 1) -> Path:
    """Execute one notebook with papermill (headless, parameters injected), every cell under ``timeout``
    seconds (default :data:`CELL_TIMEOUT`).

    A cell that runs past its timeout, or a kernel that dies, is retried once with a fresh kernel (a
    stuck kernel is not a result); then :class:`NotebookStuck` names the notebook and the cell. The
    timeout is the backstop against a kernel that never reports the cell finished (notebook 05's
    explorer cell hung so, kernel idle, until its panel stopped capturing output: see
    :func:`analysis.explorer.explorer_widget`). Errors raised by a cell itself are not retried (papermill's
    PapermillExecutionError).
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    timeout = CELL_TIMEOUT if timeout is None else timeout
    for attempt in range(retries + 1):
        try:
            pm.execute_notebook(str(nb), str(target), parameters=params, kernel_name="python3", cwd=str(paths.NOTEBOOKS),
                                progress_bar=False, log_output=False, execution_timeout=timeout,
                                start_timeout=START_TIMEOUT,
                                extra_arguments=["--IPKernelApp.log_level=CRITICAL"])  # local kernels: no transport notices
            return target
        except (CellTimeoutError, DeadKernelError, TimeoutError) as exc:
            where = _stuck_cell(target)
            if attempt < retries:
                print(f"notebooks: {nb.name}: {where} did not finish within {timeout} s "
                      f"({type(exc).__name__}); retrying with a fresh kernel", file=sys.stderr)
                continue
            raise NotebookStuck(f"{nb.name}: {where} did not finish within {timeout} s, twice "
                                f"({type(exc).__name__}); FRAMING_CELL_TIMEOUT sets the limit") from None
    return target


def _execute(nb: Path, target: Path, params: dict) -> Path:
    return execute(nb, target, params)
