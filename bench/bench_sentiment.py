"""Benchmark: sentences/s per sentiment scorer on this machine's CPUs.

Texts: 4,000 news sentences (NewsMTSC train, read from ../shared/data at run time). VADER on one
process; minilm as the store runs it (the joint model on ONNX Runtime, fp32, one sentence per run,
one thread: one worker process of the store), the same with int8 weights (``FRAMING_INFERENCE=int8``),
and in PyTorch fp32 (batches of 32, length-sorted, one
thread). Each minilm run also gives the words' loaded probabilities (the same forward pass).
Results: bench/results/sentiment.json.

    .venv/bin/python bench/bench_sentiment.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from analysis import paths  # noqa: E402
from analysis.sentiment import MiniLMScorer, VaderScorer  # noqa: E402


def texts(n: int = 4000) -> list[str]:
    with open(paths.SHARED_DATA / "newsmtsc" / "train.jsonl", encoding="utf-8") as fh:
        out = [json.loads(l)["sentence_normalized"] for l in fh if l.strip()]
    return out[:n]


def rate(scorer, xs: list[str]) -> float:
    scorer.score(xs[:64])  # warm-up (and the ONNX export on first use)
    t0 = time.perf_counter()
    scorer.score(xs)
    return len(xs) / (time.perf_counter() - t0)


def main() -> None:
    torch.set_num_threads(1)
    xs = texts()
    results = {"sentences": len(xs), "threads": 1, "runs": []}
    from analysis.minilm import JointModel

    class _Int8:  # the joint model with int8 weights, as FRAMING_INFERENCE=int8 runs it
        model = JointModel(quantize=True)

        def score(self, texts):
            return [o.score for o in self.model.run(list(texts))]

    for name, sc in (("vader", VaderScorer(parallel_from=10**9)), ("minilm (ONNX fp32, as the store runs it)", MiniLMScorer()),
                     ("minilm (ONNX int8)", _Int8()), ("minilm (PyTorch fp32)", MiniLMScorer(fp32=True))):
        results["runs"].append({"scorer": name, "sentences_per_s": round(rate(sc, xs))})
        print(results["runs"][-1], flush=True)
    out = paths.BENCH_RESULTS / "sentiment.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
