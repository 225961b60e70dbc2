"""Tone by voice segment: the sentiment of each quotation's content and each editorial remainder.

The ``scores`` table scores whole sentences, and a sentence gets the voice most of its characters
belong to (``sentences.voice``): ``she said: "We will monitor the situation closely."`` counts as
editorial when the cue is the longer part, and a partial quote inside a journalist's sentence has
no score of its own. The quoted-vs-editorial comparison needs the score of the right unit: this
module scores every *voice segment unit* (:func:`analysis.frames.units`: within one sentence, a
maximal run of the journalist's words, or the part of one quotation that lies in the sentence —
the frames' unit), with the same scorers and the same models as the sentences.

**Reuse.** A unit whose text is its sentence's whole text (a sentence in one voice: most of them)
takes the sentence's stored score; the others are scored here, one model call per distinct text,
one text at a time. Both scorers' outputs depend only on the text (:mod:`analysis.minilm`: one
input per call, the recipe fixed per store), so a reused score equals a recomputed one exactly.

Registered as the ``tone`` store stage (reads ``sentences``, ``voices``, ``vader``, ``minilm``, and
``transformer`` when the build has a transformer model); it writes the ``unit_scores`` table
(:data:`UNIT_SCORES_SCHEMA`). ``Store.scored_units()`` reads it with the voice columns attached.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .frames import UNIT_KEY_COLUMNS, units
from .registry import Stage, _prepare_minilm, code_hash, register
from .tables import SCORERS, Column, Schema

I64, F64, B = pa.int64(), pa.float64(), pa.bool_()

UNIT_SCORES_SCHEMA = Schema(
    "unit_scores", "Sentence sentiment of each voice segment unit (within a sentence, the journalist's words or the "
                   "part of one quotation: the frames' unit), one column per scorer built; the unit of the "
                   "quoted-vs-editorial tone comparison.", "tone", (
        *UNIT_KEY_COLUMNS,
        Column("words", I64, "whitespace-separated tokens of the unit", "words", nullable=False),
        Column("whole_sentence", B, "the unit is its sentence's whole text (its scores are the sentence's)",
               nullable=False),
        Column("vader", F64, "VADER compound score of the unit's text", "score -1 to 1", nullable=False),
        Column("minilm", F64, "joint MiniLM sentiment score of the unit's text", "score -1 to 1", nullable=False),
    ), key=("article_id", "unit"),
    optional=(Column("transformer", F64, "the transformer scorer's score of the unit's text", "score -1 to 1"),))


def unit_scores(u: pd.DataFrame, sentences: pd.DataFrame, scores: pd.DataFrame, *, model_dir: str,
                transformer_model: str | None = None) -> pd.DataFrame:
    """Score every unit of a units table with the scorers of a scores table.

    ``u``: :func:`analysis.frames.units` (columns :data:`analysis.frames.UNIT_COLUMNS`); ``sentences``: the
    store's sentences (article_id, sentence, text); ``scores``: its scores table (article_id, sentence and
    ``vader``, ``minilm``, optionally ``transformer``); ``model_dir``: the joint model's folder;
    ``transformer_model``: the transformer scorer's model (scored only when given and in ``scores``).
    Returns the ``unit_scores`` table (:data:`UNIT_SCORES_SCHEMA`, plus ``transformer`` when scored), in
    the units' order. A unit equal to its sentence's text takes the sentence's scores; the rest are scored
    once per distinct text. Raises KeyError when ``scores`` lacks vader or minilm (build those stages).
    Cost: one call of each scorer per distinct text not already a sentence (linear in the units).
    """
    missing = [c for c in ("vader", "minilm") if c not in scores.columns]
    if missing:
        raise KeyError(f"the scores table has no {missing} column(s): build the {missing} stage(s) first")
    scorers = [c for c in SCORERS if c in scores.columns and (c != "transformer" or transformer_model)]
    sent = sentences[["article_id", "sentence", "text"]].merge(
        scores[["article_id", "sentence", *scorers]], on=["article_id", "sentence"], how="left", validate="one_to_one")
    out = u.drop(columns=["text"]).reset_index(drop=True)
    keyed = out[["article_id", "sentence"]].merge(sent, on=["article_id", "sentence"], how="left")
    texts = u.text.tolist()
    whole = np.array([t == s for t, s in zip(texts, keyed.text.tolist())], dtype=bool)
    out["whole_sentence"] = whole
    # a whole sentence keeps its own score; any other text already scored as a sentence of the shard is reused
    known = {c: dict(zip(sent.text, sent[c])) for c in scorers}
    todo = list(dict.fromkeys(t for t in texts if t not in known["minilm"]))
    new: dict[str, dict[str, float]] = {c: {} for c in scorers}
    if todo:
        from .sentiment import vader_scores

        new["vader"] = dict(zip(todo, np.round(vader_scores(todo), 6).tolist()))
        from .minilm import joint_model

        new["minilm"] = {t: o.score for t, o in zip(todo, joint_model(model_dir).run(todo))}
        if "transformer" in scorers:
            from .sentiment import get_scorer

            new["transformer"] = dict(zip(todo, np.round(get_scorer("transformer", model=transformer_model).score(todo), 6)
                                          .tolist()))
    for c in scorers:
        have, fresh, own = known[c], new[c], keyed[c].to_numpy(np.float64)
        out[c] = np.array([o if w else have[t] if t in have else fresh[t] for t, w, o in zip(texts, whole, own)],
                          dtype=np.float64)
    return out[UNIT_SCORES_SCHEMA.names + (["transformer"] if "transformer" in scorers else [])]


def _version(settings) -> str:
    from .minilm import quantisation, weights_hash

    return (f"tone-{code_hash('frames', 'tone')}|minilm-{weights_hash(settings.model_dir)}-{quantisation()}"
            f"|transformer-{settings.transformer_model}")


def _compute(ctx) -> dict:
    sents = ctx.sentences
    u = units(sents[["article_id", "sentence", "start", "end"]], ctx.segments, ctx.bodies)
    return {"unit_scores": unit_scores(u, sents, ctx.table("scores"), model_dir=ctx.settings.model_dir,
                                       transformer_model=ctx.settings.transformer_model)}


register(Stage("tone", "sentence sentiment of each voice segment unit: quotes' content and editorial remainders",
               ("sentences", "voices", "vader", "minilm"), ("unit_scores",), _version, compute=_compute,
               prepare=_prepare_minilm, tables=(UNIT_SCORES_SCHEMA,),
               extra_reads=lambda settings: ("transformer",) if settings.transformer_model else ()))

__all__ = ["UNIT_SCORES_SCHEMA", "unit_scores"]
