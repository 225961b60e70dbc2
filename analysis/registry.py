"""The annotation stages, each one registered component: what it reads, writes and versions on.

Every stage the store knows is a :class:`Stage` here, in run order: its name, the stages whose
tables it reads, the tables it writes (their schemas), its own version (a hash of its code,
settings and weights; the store adds the versions of what it reads), whether ``annotate`` builds
it by default, and how it computes one shard. The store's stage list, dependency closure,
versions and ownership of files, the ``annotate`` command's default stages and help, and the
README's table of tables all follow from :func:`stages`.

**Adding an analysis** is one module that calls :func:`register` with a Stage carrying its table
schema(s) and a ``compute(ctx) -> {table: DataFrame}`` function, and one line in :data:`PLUGINS`:
it then runs incrementally on every store, reading what earlier stages wrote (``ctx.sentences``,
``ctx.segments``, ``ctx.tokens``, ``ctx.docs`` ...) and never parsing again. The stages
``parse`` … ``actors`` predate the registry's compute hook: their computation is the shared
per-shard pipeline in :func:`analysis.stages.annotate` (``compute=None``), everything else about
them is declared here.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths
from .tables import SCHEMAS, Schema

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Stage:
    """One annotation stage.

    ``reads``: stages whose tables it reads (their versions enter its version). ``writes``: tables it
    writes whole (``scores`` stages write one column of the scores table instead, ``column``).
    ``version(settings) -> str``: its own version. ``compute(ctx) -> {table: frame}``: one shard
    (None for the built-in pipeline). ``prepare(settings)``: run once in the building process
    before workers start (e.g. a model export). ``tables``: schemas this stage brings (registered
    into :data:`analysis.tables.SCHEMAS`). ``extra_reads(settings)``: reads that depend on settings.
    """

    name: str
    doc: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    version: Callable[[Any], str]
    default: bool = True
    compute: Callable[[Any], dict] | None = None
    prepare: Callable[[Any], None] | None = None
    tables: tuple[Schema, ...] = ()
    column: str | None = None
    extra_reads: Callable[[Any], tuple[str, ...]] = field(default=lambda settings: ())


_REGISTRY: dict[str, Stage] = {}
#: Modules that register stages of their own (imported by :func:`stages`).
PLUGINS: tuple[str, ...] = ("analysis.frame_stage", "analysis.tone")
_loaded = False


def register(stage: Stage) -> Stage:
    """Add a stage (after those registered before it) and its tables' schemas. Raises ValueError for a
    duplicate name, a read of an unknown stage or a table another stage already writes."""
    if stage.name in _REGISTRY:
        raise ValueError(f"stage {stage.name!r} is registered twice")
    unknown = [r for r in stage.reads if r not in _REGISTRY]
    if unknown:
        raise ValueError(f"stage {stage.name!r} reads unknown stages {unknown} (register them first)")
    for schema in stage.tables:
        if schema.name in SCHEMAS and SCHEMAS[schema.name] is not schema:
            raise ValueError(f"table {schema.name!r} is declared twice")
        SCHEMAS[schema.name] = schema
    taken = {t: s.name for s in _REGISTRY.values() for t in s.writes}
    clash = [t for t in stage.writes if t in taken]
    if clash:
        raise ValueError(f"stage {stage.name!r} writes {clash}, already written by {taken[clash[0]]!r}")
    _REGISTRY[stage.name] = stage
    return stage


def stages() -> dict[str, Stage]:
    """Every registered stage, in run order (plugins loaded on first call)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in PLUGINS:
            importlib.import_module(module)
    return dict(_REGISTRY)


def code_hash(*modules: str) -> str:
    """Short hash of the source of some of the package's modules (by file stem)."""
    h = hashlib.sha256()
    for m in modules:
        h.update((HERE / f"{m}.py").read_bytes())
    return h.hexdigest()[:12]


def file_hash(path: str | Path) -> str:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest()[:12] if p.exists() else "absent"


# ----------------------------------------------------------------------------- the built-in stages


def _parse_version(settings) -> str:
    from .nlp import pipeline_version
    from .stages import docs_from_tokens, token_tables

    code = inspect.getsource(token_tables) + inspect.getsource(docs_from_tokens) + repr(SCHEMAS["tokens"])
    return f"parse-{hashlib.sha256(code.encode()).hexdigest()[:12]}|{pipeline_version()}"


def _voices_version(settings) -> str:
    from .attribution import tagger_version

    return (f"voices-{code_hash('marks', 'quotes', 'speakers', 'verbs', 'sentences', 'attribution')}"
            f"|verbs-{file_hash(paths.SPEECH_VERBS)}|attribution-{tagger_version(settings.attribution_model_dir)}")


def _vader_version(settings) -> str:
    from importlib.metadata import version

    return f"vaderSentiment-{version('vaderSentiment')}-{code_hash('sentiment')}"


def _minilm_version(settings) -> str:
    from .minilm import quantisation, weights_hash

    return f"minilm-joint-{weights_hash(settings.model_dir)}-{quantisation()}-len128"


def _terms_version(settings) -> str:
    from .lexicon import lexicon_files, lexicon_hash

    return (f"terms-{code_hash('lexicon')}|lexicon-{lexicon_hash(lexicon_files(settings.lexicon_files))}"
            f"|learned-{settings.learned}|calibration-{file_hash(Path(settings.model_dir) / 'calibration.json')}")


def _actors_version(settings) -> str:
    from .actors import aliases_version
    from .connotation import frames_version
    from .minilm import quantisation, weights_hash
    from .stages import _actors

    code = hashlib.sha256(inspect.getsource(_actors).encode()).hexdigest()[:12]
    return (f"actors-{code_hash('actors', 'connotation', 'targets', 'speakers')}-{code}"
            f"|aliases-{aliases_version(settings.aliases)}"
            f"|frames-{frames_version(settings.agency_power)}|targets-{weights_hash(settings.target_model_dir)}"
            f"-{quantisation()}-len128")


def _prepare_minilm(settings) -> None:
    from .minilm import onnx_path

    onnx_path(settings.model_dir)


def _prepare_actors(settings) -> None:
    from .minilm import onnx_path
    from .targets import HEAD_PREFIXES, _export

    onnx_path(settings.target_model_dir, export=_export, head_prefixes=HEAD_PREFIXES)


for _s in (
    Stage("parse", "spaCy (en_core_web_sm): tokens and entities", (), ("tokens", "entities"), _parse_version),
    Stage("sentences", "Punkt + news abbreviations: paragraphs and sentences", (), ("paragraphs", "sentences"),
          lambda settings: f"sentences-{code_hash('sentences')}"),
    Stage("voices", "the voice splitter: quotes, segments, mark issues, each sentence's voice", ("parse", "sentences"),
          ("quotes", "segments", "mark_issues"), _voices_version),
    Stage("vader", "VADER sentence sentiment (the scores table's vader column)", ("sentences",), (), _vader_version,
          column="vader"),
    Stage("minilm", "the joint MiniLM model: the minilm score column and the learned loaded words", ("sentences",),
          ("learned_terms",), _minilm_version, column="minilm", prepare=_prepare_minilm),
    Stage("transformer", "a Hugging Face classifier's score column (needs --model)", ("sentences",), (),
          lambda settings: f"transformer-{settings.transformer_model}", default=False, column="transformer"),
    Stage("terms", "loaded terms: lexicon, scare labels, learned words, with voice", ("parse", "voices"), ("terms",),
          _terms_version, extra_reads=lambda settings: ("minilm",) if settings.learned else ()),
    Stage("actors", "actor mentions with role, voice, agency/power and target sentiment", ("parse", "sentences", "voices"),
          ("actors",), _actors_version, prepare=_prepare_actors),
):
    register(_s)
