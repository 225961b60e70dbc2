"""The learned loaded-word detector: all-MiniLM-L6-v2 + LoRA adapter + token head.

Trained on expert word-level bias labels (BABE SG2, ``biased_words``) by
``python -m analysis train-loaded --data ../shared/data/babe_mbic``; shipped in
``models/minilm-loaded/`` as safetensors (adapter + head) with a model card. A word's
score is the probability of its first word piece; words above the threshold chosen
on the dev split are loaded.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import paths

LOADED_DIR: Path = paths.ROOT / "models" / "minilm-loaded"
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")


def words(text: str) -> list[tuple[int, int]]:
    """Word spans (letters, inner apostrophes and hyphens) used for labels and scoring."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def read_babe(folder: str | Path, *, file: str = "final_labels_SG2.csv") -> pd.DataFrame:
    """BABE sentences with their word-level labels: text, outlet, news_link, biased (list of lower-cased words)."""
    path = Path(folder) / file
    df = pd.read_csv(path, sep=";", encoding="utf-8-sig")
    df = df[df["text"].notna()].reset_index(drop=True)

    def parse(v):
        if not isinstance(v, str) or not v.strip():
            return []
        try:
            items = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            return []
        out = []
        for item in items:
            out.extend(w.lower().replace("’", "'") for w in _WORD.findall(str(item)))
        return out

    df["biased"] = df["biased_words"].map(parse)
    return df


def word_labels(text: str, biased: list[str]) -> list[int]:
    gold = set(biased)
    return [int(text[s:e].lower().replace("’", "'") in gold) for s, e in words(text)]


def link_split(links: pd.Series, *, seed: int = 13) -> pd.Series:
    """'train'/'dev'/'test' by a seeded hash of the article link (sentences of one article stay together)."""
    def bucket(link: str) -> str:
        h = int(hashlib.sha256(f"{seed}:{link}".encode()).hexdigest(), 16) % 10
        return "test" if h < 2 else ("dev" if h == 2 else "train")

    return links.fillna("").map(bucket)


def word_piece_batch(tok, texts: list[str], max_length: int = 128):
    """Tokenize and map each word (see :func:`words`) to the index of its first word piece."""
    enc = tok(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt", return_offsets_mapping=True)
    firsts = []
    for b, text in enumerate(texts):
        offsets = enc["offset_mapping"][b].tolist()
        idx = []
        for s, e in words(text):
            j = next((k for k, (a, z) in enumerate(offsets) if z > a and a <= s < z), None)
            idx.append(j)
        firsts.append(idx)
    enc.pop("offset_mapping")
    return enc, firsts


@dataclass
class LoadedWordDetector:
    """Scores every word of a text with the probability that experts would mark it as bias-inducing."""

    model_dir: str | Path = LOADED_DIR
    batch_size: int = 32
    threshold: float | None = None
    name: str = "minilm-loaded"
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .sentiment import load_minilm

        self.model_dir = Path(self.model_dir)
        if not (self.model_dir / "head.safetensors").exists():
            raise FileNotFoundError(f"{self.model_dir} has no trained head; run: python -m analysis train-loaded --data ../shared/data/babe_mbic")
        self._tok, self._encoder, self._head = load_minilm(self.model_dir)
        record = json.loads((self.model_dir / "training.json").read_text(encoding="utf-8"))
        if self.threshold is None:
            self.threshold = float(record["threshold"])
        self.provenance = {"detector": self.name, "threshold": self.threshold, "test": record.get("test_metrics")}

    def word_scores(self, texts: list[str]) -> list[list[tuple[int, int, float]]]:
        """For each text: (start, end, probability) of every word."""
        import torch

        out: list[list[tuple[int, int, float]]] = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                batch = texts[i : i + self.batch_size]
                enc, firsts = word_piece_batch(self._tok, batch)
                logits = self._head(self._encoder(**enc).last_hidden_state).squeeze(-1)
                probs = torch.sigmoid(logits).numpy()
                for b, text in enumerate(batch):
                    spans = words(text)
                    out.append([(s, e, float(probs[b, j]) if j is not None else 0.0) for (s, e), j in zip(spans, firsts[b])])
        return out

    def detect(self, texts: list[str]) -> list[list[tuple[int, int, float]]]:
        """Words at or above the threshold."""
        return [[w for w in ws if w[2] >= self.threshold] for ws in self.word_scores(texts)]


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}


def score_words(pred: list[list[int]], gold: list[list[int]]) -> dict:
    tp = sum(p & g for ps, gs in zip(pred, gold) for p, g in zip(ps, gs))
    fp = sum(p & (1 - g) for ps, gs in zip(pred, gold) for p, g in zip(ps, gs))
    fn = sum((1 - p) & g for ps, gs in zip(pred, gold) for p, g in zip(ps, gs))
    return prf(tp, fp, fn)


def best_f1_threshold(probs: list[list[float]], gold: list[list[int]]) -> float:
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    f1s = [score_words([[int(p >= t) for p in ps] for ps in probs], gold)["f1"] for t in grid]
    return float(grid[int(np.argmax(f1s))])
