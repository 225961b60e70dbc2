"""Benchmark: targets/s of the target-sentiment model, and its accuracy after quantisation.

Targets: the held-out test split of NewsMTSC train.jsonl, exactly as the shipped model's training
record defines it (read from ../shared/data at run time). Runs, in one process, each against the
same targets:

* ONNX Runtime fp32 (the recipe the store and ``python -m analysis targets`` run), one target per
  call, one thread: one process, then two worker processes (the store's layout on 2 cores);
* ONNX Runtime int8 (``--int8``; CPU-dependent), one process, one thread;
* PyTorch fp32, batches of 64, one thread (the training-time reference).

Reported: targets/s, macro-F1, per-class F1 and accuracy of each, and the share of targets
whose label int8 changes relative to fp32. Results: bench/results/targets.json.

    .venv/bin/python bench/bench_targets.py
"""
from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from analysis import paths  # noqa: E402


def test_targets():
    from analysis.evaluation import document_split, read_newsmtsc
    from analysis.targets import Target

    rec = json.loads((paths.TARGET_MODEL / "training.json").read_text())
    cfg = rec["config"]
    data = read_newsmtsc(paths.SHARED_DATA / "newsmtsc" / "train.jsonl")
    data["split"] = document_split(data["text"], seed=cfg["seed"], test_tenths=cfg["test_tenths"], dev_tenths=cfg["dev_tenths"])
    test = data[data.split == "test"].reset_index(drop=True)
    targets = [Target(r.text, int(r.start), int(r.end), tuple(map(tuple, r.others)) if cfg["mark_others"] else ())
               for r in test.itertuples()]
    return targets, test.label.to_numpy()


def _worker_probs(chunk):
    from analysis.stages import init_worker
    from analysis.targets import TargetModel

    init_worker()
    return TargetModel().probabilities(chunk)


def main() -> None:
    import torch

    from analysis.targets import TargetModel, load_torch, predict_torch
    from analysis.train import target_metrics

    torch.set_num_threads(1)
    targets, labels = test_targets()
    results = {"targets": len(targets), "threads_per_process": 1, "runs": []}

    def record(name: str, probs: np.ndarray, seconds: float, processes: int = 1) -> np.ndarray:
        m = target_metrics(probs, labels)
        run = {"run": name, "processes": processes, "targets_per_s": round(len(targets) / seconds, 1),
               "macro_f1": round(m["macro_f1"], 4), "accuracy": round(m["accuracy"], 4),
               "f1": {k: round(v, 4) for k, v in m["f1"].items()}}
        results["runs"].append(run)
        print(run, flush=True)
        return probs

    fp32 = TargetModel(quantize=False)
    fp32.probabilities(targets[:32])  # warm-up (and the export on first use)
    t0 = time.perf_counter()
    p_fp32 = record("ONNX fp32", fp32.probabilities(targets), time.perf_counter() - t0)
    half = len(targets) // 2
    with ProcessPoolExecutor(max_workers=2, initializer=None) as pool:
        list(pool.map(_worker_probs, [targets[:8], targets[8:16]]))  # start and warm both workers
        t0 = time.perf_counter()
        parts = list(pool.map(_worker_probs, [targets[:half], targets[half:]]))
        record("ONNX fp32", np.concatenate(parts), time.perf_counter() - t0, processes=2)
    int8 = TargetModel(quantize=True)
    int8.probabilities(targets[:32])
    t0 = time.perf_counter()
    p_int8 = record("ONNX int8", int8.probabilities(targets), time.perf_counter() - t0)
    tok, enc, head = load_torch()
    predict_torch(tok, enc, head, targets[:32])
    t0 = time.perf_counter()
    record("PyTorch fp32 (batch 64)", predict_torch(tok, enc, head, targets), time.perf_counter() - t0)
    results["int8_label_changes_vs_fp32"] = round(float((p_int8.argmax(1) != p_fp32.argmax(1)).mean()), 4)
    results["int8_max_probability_difference"] = round(float(np.abs(p_int8 - p_fp32).max()), 4)
    print({k: results[k] for k in ("int8_label_changes_vs_fp32", "int8_max_probability_difference")})
    out = paths.BENCH_RESULTS / "targets.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
