"""Target-dependent sentiment: what a sentence says about one mention in it (the NewsMTSC task).

The classifier (Hamborg & Donnay 2021 task definition; trained by
:func:`analysis.train.train_targets`) is the packaged all-MiniLM-L6-v2 with a LoRA adapter
and one linear head:

* **Input.** The sentence's word pieces with marker pieces around the target mention
  (``[unused0]`` … ``[unused1]``) and around the target's other mentions in the same
  sentence (``[unused2]`` … ``[unused3]``; the paper's "further mentions"). Markers are
  inserted as piece ids next to the pieces that overlap the mention, never as text, so
  offsets stay those of the original sentence. The adapter trains the four marker
  embeddings (peft ``trainable_token_indices``). A sentence longer than ``max_length``
  pieces is cut to a window centred on the target.
* **Pooling.** The mean over all pieces concatenated with the mean over the target's
  pieces and its two markers (768 values) → ``Linear(768, 3)``.
* **Output.** Probabilities of ``negative``, ``neutral``, ``positive`` (softmax); the
  label is the most probable class and ``score = p_positive − p_negative`` ∈ [−1, 1].

:class:`TargetModel` runs the shipped model (``paths.TARGET_MODEL``) on ONNX Runtime with
the store's recipe (:data:`analysis.minilm.QUANTISATION`: fp32; int8 on request), one target at
a time so a result depends only on its own input (int8 dynamic quantisation scales activations
per batch). Errors: ValueError for a
target whose offsets lie outside the text or cover no word; FileNotFoundError for an
untrained model folder.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import paths

LABELS = ("negative", "neutral", "positive")
#: Marker piece ids: [unused0]..[unused3] of the uncased BERT vocabulary MiniLM uses.
TARGET_OPEN, TARGET_CLOSE, OTHER_OPEN, OTHER_CLOSE = 1, 2, 3, 4
MARKER_IDS = (TARGET_OPEN, TARGET_CLOSE, OTHER_OPEN, OTHER_CLOSE)
HEAD_PREFIXES = ("/head/",)


@dataclass(frozen=True)
class Target:
    """One target mention: ``text[start:end]``, with the target's other mentions in ``others``."""

    text: str
    start: int
    end: int
    others: tuple[tuple[int, int], ...] = field(default=())

    def check(self) -> None:
        """ValueError when the offsets lie outside the text or the mention is blank."""
        if not (0 <= self.start < self.end <= len(self.text)):
            raise ValueError(f"target offsets {self.start}-{self.end} lie outside the text (length {len(self.text)})")
        if not self.text[self.start:self.end].strip():
            raise ValueError(f"target {self.start}-{self.end} is empty (only white space)")


def encode(tok, target: Target, *, max_length: int = 128, pieces=None) -> tuple[list[int], list[int]]:
    """Piece ids with markers, and a 0/1 mask over them marking the target pool.

    ``pieces``: the text's (piece ids, offsets) when the caller already tokenized it (several
    targets in one sentence tokenize it once).
    ``tok`` is MiniLM's fast tokenizer. Returns (input_ids, target_mask), both of length
    ≤ ``max_length``, starting with [CLS] and ending with [SEP]. The target pool is the
    target's pieces and its two markers. Other mentions that overlap the target are ignored.
    Raises ValueError (:meth:`Target.check`) or when no piece overlaps the target.
    """
    target.check()
    if pieces is None:
        enc = tok(target.text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        pieces = (enc["input_ids"], enc["offset_mapping"])
    ids, offsets = pieces[0], pieces[1]
    ends = pieces[2] if len(pieces) > 2 else [e for _, e in offsets]

    def covered(s: int, e: int) -> tuple[int, int]:
        """The pieces overlapping characters s..e (offsets are in text order)."""
        k = bisect.bisect_right(ends, s)
        j = k
        while j < len(ids) and offsets[j][0] < e:
            j += 1
        return k, j

    k, j = covered(target.start, target.end)
    if j == k:
        raise ValueError(f"target {target.start}-{target.end} covers no word piece")
    kept = [(k, j, TARGET_OPEN, TARGET_CLOSE)]  # the target first: other mentions never displace it
    for s, e in sorted(set(target.others)):
        if 0 <= s < e <= len(target.text) and (e <= target.start or s >= target.end):
            k2, j2 = covered(s, e)
            if j2 > k2 and all(j2 <= a or k2 >= b for a, b, _, _ in kept):  # shares no piece with a kept span
                kept.append((k2, j2, OTHER_OPEN, OTHER_CLOSE))
    first: dict[int, list[tuple[int, int]]] = {}
    last: dict[int, list[int]] = {}
    for k, j, o, c in sorted(kept):
        first.setdefault(k, []).append((o, c))
        last.setdefault(j - 1, []).append(c)
    seq: list[int] = []
    pool: list[int] = []
    in_target = False
    # only pieces that can fall in the window around the target are laid out (linear work per target)
    lo_piece, hi_piece = max(0, kept[0][0] - max_length), min(len(ids), kept[0][1] + max_length)
    for i in range(lo_piece, hi_piece):
        piece = ids[i]
        for o, _ in first.get(i, []):
            if o == TARGET_OPEN:
                in_target = True
            seq.append(o)
            pool.append(int(in_target))
        seq.append(piece)
        pool.append(int(in_target))
        for c in last.get(i, []):
            seq.append(c)
            pool.append(int(in_target))
            if c == TARGET_CLOSE:
                in_target = False
    budget = max_length - 2
    if len(seq) > budget:
        where = [i for i, m in enumerate(pool) if m]
        if where[-1] - where[0] + 1 > budget:  # a target longer than the window: keep its start and opening marker
            lo = where[0]
        else:
            centre = (where[0] + where[-1]) // 2
            lo = max(0, min(centre - budget // 2, len(seq) - budget))
        seq, pool = seq[lo:lo + budget], pool[lo:lo + budget]
    return [tok.cls_token_id, *seq, tok.sep_token_id], [0, *pool, 0]


def collate(encoded: Sequence[tuple[list[int], list[int]]]):
    """Pad encoded targets into tensors: input_ids, attention_mask, target_mask (batch × pieces)."""
    import torch

    n = max(len(ids) for ids, _ in encoded)
    ids = torch.zeros((len(encoded), n), dtype=torch.long)
    mask = torch.zeros((len(encoded), n), dtype=torch.long)
    tmask = torch.zeros((len(encoded), n), dtype=torch.long)
    for b, (i, t) in enumerate(encoded):
        ids[b, : len(i)] = torch.tensor(i)
        mask[b, : len(i)] = 1
        tmask[b, : len(t)] = torch.tensor(t)
    return ids, mask, tmask


def pooled(hidden, attention_mask, target_mask):
    """[mean over all pieces ; mean over the target pool] (batch × 2·hidden)."""
    import torch

    from .minilm import mean_pool

    return torch.cat([mean_pool(hidden, attention_mask), mean_pool(hidden, target_mask)], dim=-1)


def new_head(hidden_size: int = 384):
    """The classification head: Linear(2·hidden, 3) over :func:`pooled`."""
    import torch

    return torch.nn.Linear(2 * hidden_size, len(LABELS))


def predict_torch(tok, encoder, head, targets: Sequence[Target], *, max_length: int = 128,
                  batch_size: int = 64) -> np.ndarray:
    """Class probabilities (n × 3, fp32 PyTorch), in input order; used by training and validation."""
    import torch

    encoder.eval()
    head.eval()
    out = []
    with torch.inference_mode():
        pieces = _Pieces(tok)
        for i in range(0, len(targets), batch_size):
            ids, mask, tmask = collate([encode(tok, t, max_length=max_length, pieces=pieces(t.text))
                                        for t in targets[i:i + batch_size]])
            hidden = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            out.append(torch.softmax(head(pooled(hidden, mask, tmask)), -1).numpy())
    return np.concatenate(out) if out else np.zeros((0, len(LABELS)), dtype=np.float32)


def load_torch(model_dir: str | Path | None = None):
    """Tokenizer, encoder with the adapter merged in, and head of a trained target model (fp32)."""
    from .minilm import load_adapted

    tok, encoder, heads = load_adapted(model_dir or paths.TARGET_MODEL, command="train-targets")
    return tok, encoder, heads["head"]


def _export(model_dir: str | Path, target: Path) -> None:
    import warnings

    import torch

    tok, encoder, head = load_torch(model_dir)

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = head

        def forward(self, input_ids, attention_mask, target_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return torch.softmax(self.head(pooled(hidden, attention_mask, target_mask)), -1)

    ids, mask, tmask = collate([encode(tok, Target("An example sentence about Ruth Abara.", 26, 36))])
    dyn = {0: "batch", 1: "pieces"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Classifier().eval(), (ids, mask, tmask), str(target),
            input_names=["input_ids", "attention_mask", "target_mask"], output_names=["probs"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "target_mask": dyn, "probs": {0: "batch"}},
            opset_version=17, dynamo=False,
        )


class _Pieces:
    """Piece ids and offsets of texts, the last 256 kept (targets of one sentence come together)."""

    def __init__(self, tok) -> None:
        self.tok = tok
        self.cache: dict[str, tuple[list[int], list[tuple[int, int]], list[int]]] = {}

    def __call__(self, text: str):
        hit = self.cache.get(text)
        if hit is None:
            enc = self.tok(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
            if len(self.cache) >= 256:
                self.cache.pop(next(iter(self.cache)))
            offsets = enc["offset_mapping"]
            hit = self.cache[text] = (enc["input_ids"], offsets, [e for _, e in offsets])
        return hit


class TargetModel:
    """The shipped target-sentiment model on ONNX Runtime (the recipe of :data:`analysis.minilm.QUANTISATION`: fp32).

    ``probabilities(targets)`` → array n × 3 (negative, neutral, positive), rounded to 6
    decimals; ``classify(targets)`` → list of (polarity, score). ``version`` names the
    weights and settings (the store keys its cache on it).
    """

    def __init__(self, model_dir: str | Path | None = None, *, quantize: bool | None = None, threads: int = 1,
                 max_length: int = 128) -> None:
        from .minilm import onnx_path, ort_session, quantised, training_record, weights_hash

        quantize = quantised(quantize)
        self.model_dir = Path(model_dir) if model_dir is not None else paths.TARGET_MODEL
        self.record = training_record(self.model_dir, command="train-targets")
        self.max_length = max_length
        model = onnx_path(self.model_dir, quantize=quantize, export=_export, head_prefixes=HEAD_PREFIXES)
        self._tok, self._session = ort_session(model, threads=threads)
        self.version = f"{weights_hash(self.model_dir)}{'-int8' if quantize else '-fp32'}-len{max_length}"

    def probabilities(self, targets: Sequence[Target]) -> np.ndarray:
        out = np.zeros((len(targets), len(LABELS)), dtype=np.float64)
        pieces = _Pieces(self._tok)
        for i, t in enumerate(targets):
            ids, tmask = encode(self._tok, t, max_length=self.max_length, pieces=pieces(t.text))
            feed = {"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
                    "target_mask": np.array([tmask], dtype=np.int64)}
            out[i] = self._session.run(None, feed)[0][0]
        return np.round(out, 6)

    def classify(self, targets: Sequence[Target]) -> list[tuple[str, float]]:
        return [label_and_score(p) for p in self.probabilities(targets)]


def label_and_score(probs: Sequence[float]) -> tuple[str, float]:
    """(polarity, p_positive − p_negative) of one probability row (negative, neutral, positive)."""
    return LABELS[int(np.argmax(probs))], round(float(probs[2]) - float(probs[0]), 6)


@lru_cache(maxsize=4)
def target_model(model_dir: str | None = None, *, quantize: bool | None = None) -> TargetModel:
    """The target model, loaded once per process (workers call this; models are never pickled)."""
    return TargetModel(model_dir, quantize=quantize)
