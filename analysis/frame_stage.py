"""The ``frames`` store stage and table: every unit's 15 frame probabilities, primary frame and evidence.

Registered with :func:`analysis.registry.register` — the whole declaration of the stage is here:
it reads the ``sentences`` and ``voices`` stages' tables (sentences, segments), writes the
``frames`` table, and versions on this code, the units' definition (:mod:`analysis.frames`), the
frames model's weights and calibration (:mod:`analysis.frame_model`) and the quantisation recipe.
One forward pass of the frames model per distinct unit text (one at a time: a result never depends
on its neighbours); nothing is parsed again.
"""
from __future__ import annotations

import pyarrow as pa

from . import paths
from .frames import DIMENSIONS, NONE, UNIT_KEY_COLUMNS, store_units, units
from .registry import Stage, code_hash, register
from .tables import Column, Schema

S, I64, F64 = pa.string(), pa.int64(), pa.float64()

FRAMES_SCHEMA = Schema(
    "frames", "Frame units (a sentence segment in one voice: the journalist's words or one quotation) with the "
              "probability of each of the 15 policy-frame dimensions (Boydstun et al. 2014), the primary frame and "
              "the words that carry each predicted frame.", "frames", (
        *UNIT_KEY_COLUMNS,
        Column("text", S, "body[start:end]", nullable=False),
        *(Column(d, F64, f"probability that the unit makes the {d} dimension salient", "probability 0-1", nullable=False)
          for d in DIMENSIONS),
        Column("frames", pa.list_(S), "dimensions at or above their calibrated thresholds (empty: none)"),
        Column("primary", S, "the primary frame: one dimension, or none", nullable=False),
        Column("evidence_frame", pa.list_(S), "for each evidence span, the frame it carries"),
        Column("evidence_start", pa.list_(I64), "evidence span starts, offsets into the article body", "characters"),
        Column("evidence_end", pa.list_(I64), "evidence span ends, offsets into the article body", "characters"),
    ), key=("article_id", "unit"))


def _version(settings) -> str:
    from pathlib import Path

    from .minilm import quantisation, weights_hash

    folder = Path(settings.frame_model_dir)
    model = f"{weights_hash(folder)}-{quantisation()}" if (folder / "training.json").exists() else "absent"
    return f"frames-{code_hash('frames', 'frame_model', 'frame_stage')}|model-{model}"


def _prepare(settings) -> None:
    from pathlib import Path

    from .frame_model import HEAD_PREFIXES, _export
    from .minilm import onnx_path

    if not (Path(settings.frame_model_dir) / "training.json").exists():
        raise FileNotFoundError(f"{settings.frame_model_dir}: the frames model is not trained "
                                "(python -m analysis train-frames)")
    onnx_path(settings.frame_model_dir, export=_export, head_prefixes=HEAD_PREFIXES)


def predict_units(u, model) -> dict[str, list]:
    """Columns of the frames table for a units table ``u`` (analysis.frames.units) under ``model``
    (:class:`analysis.frame_model.FrameModel`): one model call per distinct unit text."""
    texts = u.text.tolist()
    unique = list(dict.fromkeys(texts))
    out = dict(zip(unique, model.run(unique)))
    cols: dict[str, list] = {d: [] for d in DIMENSIONS}
    cols.update(frames=[], primary=[], evidence_frame=[], evidence_start=[], evidence_end=[])
    for text, s0 in zip(texts, u.start.tolist()):
        p = out[text]
        for d in DIMENSIONS:
            cols[d].append(float(p.probabilities[d]))
        cols["frames"].append(list(p.frames))
        cols["primary"].append(p.primary if p.primary else NONE)
        cols["evidence_frame"].append([d for d, _, _ in p.evidence])
        cols["evidence_start"].append([int(s0 + a) for _, a, _ in p.evidence])
        cols["evidence_end"].append([int(s0 + b) for _, _, b in p.evidence])
    return cols


def frames_table(u, model):
    """The frames table (:data:`FRAMES_SCHEMA`) of a units table."""
    import pandas as pd

    frame = u.drop(columns=["words"]).reset_index(drop=True)
    cols = predict_units(frame, model)
    for k, v in cols.items():
        frame[k] = v
    return pd.DataFrame(frame)[FRAMES_SCHEMA.names]


def _compute(ctx) -> dict:
    from .frame_model import frame_model

    u = units(ctx.sentences[["article_id", "sentence", "start", "end"]], ctx.segments, ctx.bodies)
    return {"frames": frames_table(u, frame_model(ctx.settings.frame_model_dir))}


register(Stage("frames", "the frames model on every unit: 15 dimension probabilities, primary frame, evidence",
               ("sentences", "voices"), ("frames",), _version, compute=_compute, prepare=_prepare,
               tables=(FRAMES_SCHEMA,)))

__all__ = ["FRAMES_SCHEMA", "frames_table", "predict_units", "store_units", "paths"]
