"""Benchmark: sentences/s per sentiment scorer on this machine's CPUs, and the cached re-run.

Texts: 4,000 news sentences (NewsMTSC train, read from ../shared/data at run time).
VADER runs in one process below 5,000 texts and two above (it is pure Python).
For minilm (length-sorted batches) it tries batch sizes 16/32/64 with torch using 2 threads, fp32 and
dynamic int8; it also reports the held-out NYT r of the int8 model next to fp32,
so quantization is only used if r holds. Results: bench/results/sentiment.json.

    .venv/bin/python bench/bench_sentiment.py
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from analysis import paths  # noqa: E402
from analysis.evaluation import validate_scorers  # noqa: E402
from analysis.pipeline import cached_scores  # noqa: E402
from analysis.sentiment import MiniLMScorer, VaderScorer  # noqa: E402


def texts(n: int = 4000) -> list[str]:
    with open(paths.SHARED_DATA / "newsmtsc" / "train.jsonl", encoding="utf-8") as fh:
        out = [json.loads(l)["sentence_normalized"] for l in fh if l.strip()]
    return out[:n]


def rate(scorer, xs: list[str]) -> float:
    scorer.score(xs[:64])  # warm-up
    t0 = time.perf_counter()
    scorer.score(xs)
    return len(xs) / (time.perf_counter() - t0)


def main() -> None:
    torch.set_num_threads(2)
    xs = texts()
    results = {"sentences": len(xs), "torch_threads": torch.get_num_threads(), "runs": []}
    results["runs"].append({"scorer": "vader", "processes": 1, "sentences": len(xs), "sentences_per_s": round(rate(VaderScorer(), xs))})
    big = xs * 5
    results["runs"].append({"scorer": "vader", "processes": 2, "sentences": len(big), "sentences_per_s": round(rate(VaderScorer(), big))})
    print(results["runs"][-2:], flush=True)
    for quantize in (False, True):
        for bs in (16, 32, 64):
            sc = MiniLMScorer(batch_size=bs, quantize=quantize)
            results["runs"].append({"scorer": sc.name, "batch_size": bs, "sentences_per_s": round(rate(sc, xs))})
            print(results["runs"][-1], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        sc = MiniLMScorer()
        cached_scores(sc, xs, cache_dir=tmp)
        t0 = time.perf_counter()
        cached_scores(sc, xs, cache_dir=tmp)
        results["cached_rerun_seconds"] = round(time.perf_counter() - t0, 3)
    val = validate_scorers(paths.shared_dataset("vader_groundtruth"), [MiniLMScorer(), MiniLMScorer(quantize=True)])
    results["nyt_test_r"] = {r.scorer: round(r.pearson_r, 4) for r in val.itertuples()}
    print(results, flush=True)
    out = paths.BENCH / "results" / "sentiment.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
