"""Every path the project uses, relative to the repository root.

Notebooks and scripts import these names instead of typing paths, so the
layout can change in one place. ``FRAMING_SHARED_DATA`` overrides where the
public evaluation data (``../shared/data``) is looked for.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT: Path = Path(__file__).resolve().parent.parent
CORPUS: Path = ROOT / "corpus"
ARTICLES: Path = CORPUS / "articles"
LEXICONS: Path = CORPUS / "lexicons"
NOTEBOOKS: Path = ROOT / "notebooks"
FIGURES: Path = ROOT / "figures"
CACHE: Path = ROOT / ".cache"
BENCH: Path = ROOT / "bench"
SHARED: Path = Path(os.environ.get("FRAMING_SHARED", ROOT.parent / "shared"))
SHARED_DATA: Path = Path(os.environ.get("FRAMING_SHARED_DATA", SHARED / "data"))
SEEDS: Path = SHARED / "seeds"


def shared_dataset(name: str) -> Path:
    """Folder of one public evaluation dataset in shared/data (may not exist)."""
    return SHARED_DATA / name


def display_path(path: str | Path) -> str:
    """A path as shown in tables and messages: relative to the repo root when inside it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def figures_dir(override: str | Path | None = None) -> Path:
    """Where a notebook writes its figures: ``override`` (a notebook parameter) or figures/."""
    return Path(override) if override else Path(os.environ.get("FRAMING_FIGURES", FIGURES))
