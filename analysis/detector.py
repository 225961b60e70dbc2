"""The learned loaded-word detector: the token head of the joint MiniLM model.

Trained on expert word-level bias labels (BABE SG2, ``biased_words``; Spinde et al.
2021) together with the sentence-sentiment head (``python -m analysis train-models``);
shipped in ``models/minilm-joint``. A word's score is the probability of its first
word piece; words at or above the threshold chosen on the BABE dev split are loaded.
The store runs it in the same forward pass as the ``minilm`` scorer
(:mod:`analysis.stages`); this class is for texts outside a store (validation, the CLI).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths


@dataclass
class LoadedWordDetector:
    """Scores every word of a text with the probability that experts would mark it as bias-inducing.

    ``fp32=False`` (default): ONNX Runtime with the store's recipe (:data:`analysis.minilm.QUANTISATION`,
    fp32 unless ``FRAMING_INFERENCE`` says otherwise), as the store runs it; ``fp32=True``: the same
    weights in PyTorch, batched. Errors: FileNotFoundError when the model folder is not trained.
    """

    model_dir: str | Path = paths.JOINT_MODEL
    fp32: bool = False
    threshold: float | None = None
    name: str = "minilm-loaded"
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .minilm import quantisation, training_record, weights_hash

        self.model_dir = Path(self.model_dir)
        record = training_record(self.model_dir)
        if self.threshold is None:
            self.threshold = float(record["threshold"])
        if self.fp32:
            from .minilm import load_adapted

            self._tok, self._encoder, self._heads = load_adapted(self.model_dir)
        self.provenance = {"detector": self.name, "model": weights_hash(self.model_dir), "threshold": self.threshold,
                           "runtime": "PyTorch fp32" if self.fp32 else f"ONNX Runtime {quantisation()}"}

    def word_scores(self, texts: list[str]) -> list[list[tuple[int, int, float]]]:
        """For each text: (start, end, probability) of every word (:func:`analysis.minilm.words`)."""
        if not self.fp32:
            from .minilm import joint_model

            return [o.words for o in joint_model(str(self.model_dir)).run(texts)]
        import torch

        from .minilm import first_pieces, words

        out: list[list[tuple[int, int, float]]] = []
        with torch.inference_mode():
            for i in range(0, len(texts), 32):
                batch = texts[i : i + 32]
                enc = self._tok(batch, padding=True, truncation=True, max_length=128, return_tensors="pt",
                                return_offsets_mapping=True)
                offsets = enc.pop("offset_mapping").tolist()
                probs = torch.sigmoid(self._heads["token"](self._encoder(**enc).last_hidden_state).squeeze(-1)).numpy()
                for b, text in enumerate(batch):
                    spans = words(text)
                    firsts = first_pieces(offsets[b], spans)
                    out.append([(s, e, float(probs[b, j]) if j is not None else 0.0) for (s, e), j in zip(spans, firsts)])
        return out

    def detect(self, texts: list[str]) -> list[list[tuple[int, int, float]]]:
        """Words at or above the threshold."""
        return [[w for w in ws if w[2] >= self.threshold] for ws in self.word_scores(texts)]
