"""Every path the project uses, relative to the repository root (Cookiecutter Data Science layout).

Notebooks, scripts and modules import these names instead of typing paths, so the
layout can change in one place. Environment overrides: ``FRAMING_SHARED`` /
``FRAMING_SHARED_DATA`` (where the public evaluation data, ``../shared/data``, is
looked for), ``FRAMING_INTERIM`` (where annotation stores and model exports go),
``FRAMING_FIGURES`` (where notebooks write figures).
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

ROOT: Path = Path(__file__).resolve().parent.parent
CORPUS: Path = ROOT / "corpus"
ARTICLES: Path = CORPUS / "articles"
LEXICONS: Path = CORPUS / "lexicons"
#: Verbs of communication the voice splitter treats as speech cues (Levin 1993 §37, with its source per row).
SPEECH_VERBS: Path = CORPUS / "verbs" / "speech_verbs.csv"
NOTEBOOKS: Path = ROOT / "notebooks"
DOCS: Path = ROOT / "docs"
#: The written guide every coding sheet carries (analysis.coding).
CODING_GUIDE: Path = DOCS / "coding-guide.md"
#: The frames codebook every frames coding sheet carries (analysis.frame_coding).
FRAMES_CODEBOOK: Path = DOCS / "frames-codebook.md"
#: The coded frames corpus: sheets of both coders, adjudications, splits, data card.
FRAMES_CORPUS: Path = CORPUS / "frames"
#: Hand-coded gold sheets used by the tests and the validation notebook section.
GOLD: Path = ROOT / "tests" / "gold"
FIGURES: Path = ROOT / "figures"
BENCH: Path = ROOT / "bench"
BENCH_RESULTS: Path = BENCH / "results"
MODELS: Path = ROOT / "models"
#: The shipped joint MiniLM model (sentence sentiment + loaded-word heads on one adapter).
JOINT_MODEL: Path = MODELS / "minilm-joint"
#: The shipped target-dependent sentiment model (NewsMTSC task; analysis.targets).
TARGET_MODEL: Path = MODELS / "minilm-targets"
#: The shipped frames model (15 policy-frame dimensions, primary frame, evidence; analysis.frame_model).
FRAME_MODEL: Path = MODELS / "minilm-frames"
#: The attribution tagger (source / cue / content; ``python -m analysis train-attribution``).
ATTRIBUTION_MODEL: Path = MODELS / "minilm-attribution"
#: Build outputs that are not figures: executed notebooks, browser screenshots (git-ignored).
BUILD: Path = ROOT / "build"
#: Interim data (git-ignored): annotation stores, exported models, evaluation caches.
INTERIM: Path = Path(os.environ.get("FRAMING_INTERIM", ROOT / "data" / "interim"))
STORES: Path = INTERIM / "stores"
MODEL_CACHE: Path = INTERIM / "models"
EVAL_CACHE: Path = INTERIM / "evaluation"
SHARED: Path = Path(os.environ.get("FRAMING_SHARED", ROOT.parent / "shared"))
SHARED_DATA: Path = Path(os.environ.get("FRAMING_SHARED_DATA", SHARED / "data"))
SEEDS: Path = SHARED / "seeds"
#: Aliases that name an actor (metonyms: the Kremlin -> Russia), editable, with a source per row.
ACTOR_ALIASES: Path = CORPUS / "actors" / "aliases.csv"
#: Sap et al. (2017) verb lexicon of agency and power: GPL-3.0, not bundled (analysis.connotation).
AGENCY_POWER: Path = Path(os.environ.get("FRAMING_AGENCY_POWER", SHARED_DATA / "agency_power_sap2017" / "agency_power.csv"))


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


def figures_dir(override: str | Path | None = None, *, corpus: str | Path | Sequence[str | Path] | None = None) -> Path:
    """Where a notebook writes its figures.

    ``override`` (the notebooks' ``figures_dir`` parameter, ``make figures OUT=``) when given; else
    ``FRAMING_FIGURES`` when set; else figures/ (the tracked reference) for the shipped corpus and
    :func:`corpus_figures_dir` (git-ignored, under build/) for any other ``corpus`` — so a notebook run on
    another corpus, however started (JupyterLab, papermill, ``make figures CORPUS=``), never writes over
    the reference figures.
    """
    if override:
        return Path(override)
    if os.environ.get("FRAMING_FIGURES"):
        return Path(os.environ["FRAMING_FIGURES"])
    return corpus_figures_dir(corpus)


def _resolved(source: str | Path | Sequence[str | Path] | None) -> list[Path]:
    """The resolved path(s) of a corpus source (None: the shipped corpus)."""
    sources = [ARTICLES] if source is None else ([source] if isinstance(source, (str, Path)) else list(source))
    return [Path(s).resolve() for s in sources] or [ARTICLES.resolve()]


def _source_key(resolved: list[Path], name: str) -> str:
    """``<name>-<hash>``: a file-system-safe ``name`` and a short hash of the resolved path(s)."""
    safe = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("_.") or "corpus"
    return f"{safe}-{hashlib.sha256(chr(0).join(map(str, resolved)).encode()).hexdigest()[:8]}"


def is_shipped_corpus(source: str | Path | Sequence[str | Path] | None) -> bool:
    """True for None or the shipped corpus folder itself (corpus/articles)."""
    return _resolved(source) == [ARTICLES.resolve()]


def corpus_figures_dir(source: str | Path | Sequence[str | Path] | None) -> Path:
    """The default figures folder of a corpus source: figures/ for the shipped corpus, else
    ``build/figures/<name>-<hash>/``: the (first) source's file or folder name with its extension (so
    ``x.csv`` and ``x.jsonl`` differ) and a short hash of the resolved path(s) (so two folders with the
    same name never share one), e.g. ``build/figures/mining.csv-1f0c3a9e``."""
    if is_shipped_corpus(source):
        return FIGURES
    resolved = _resolved(source)
    return BUILD / "figures" / _source_key(resolved, resolved[0].name)


def exports_dir(source: str | Path | Sequence[str | Path] | None = None) -> Path:
    """Where the explorer writes a selection a researcher exports (git-ignored, one folder per corpus source):
    ``build/exports/<name>-<hash>/``, named as :func:`corpus_figures_dir` names figure folders."""
    resolved = _resolved(source)
    return BUILD / "exports" / _source_key(resolved, resolved[0].name)


def store_dir(source: str | Path | Sequence[str | Path] | None = None) -> Path:
    """The default annotation store of a corpus source (None: the shipped corpus; or several paths).

    ``data/interim/stores/<name>-<hash>``: the (first) source's folder or file name plus a
    short hash of the resolved path(s), so two folders with the same name never share a store.
    """
    resolved = _resolved(source)
    return STORES / _source_key(resolved, resolved[0].stem or resolved[0].name)
