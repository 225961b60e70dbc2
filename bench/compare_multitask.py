"""Issue 19, item 1, design (d): one fully shared pass **trained** for every head (multi-task).

Design (b) of ``compare_target_designs.py`` reads targets off the joint model's frozen pass; here the
encoder itself is trained on all three tasks at once (``python -m analysis train-models --targets-data
../shared/data/newsmtsc --out build/designs/joint-targets``: sentence sentiment, loaded words and
TD-pooled target sentiment on one LoRA adapter). This script reads that model's training record (dev
figures of each head, per epoch; test is never used for a choice) and measures its cost the way
``compare_target_designs.py`` does: PyTorch fp32, 2 threads, one sentence at a time with all its targets,
the first ``--cost-sentences`` NewsMTSC dev sentences, every head run on the one pass. It also scores the
shipped joint model's sentence and loaded heads on the same dev splits, so the comparison is like for
like. Adds ``d_multitask_shared_pass`` to bench/results/target-designs.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import paths  # noqa: E402
from analysis.evaluation import document_split, read_newsmtsc  # noqa: E402
from analysis.minilm import load_adapted, mean_pool  # noqa: E402
from analysis.train import _span_masks, _target_logits  # noqa: E402


def main(argv=None) -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(paths.BUILD / "designs" / "joint-targets"))
    ap.add_argument("--data", default=str(paths.shared_dataset("newsmtsc")))
    ap.add_argument("--cost-sentences", type=int, default=200)
    ap.add_argument("--out", default=str(paths.BENCH_RESULTS / "target-designs.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    model_dir = Path(args.model)
    rec = json.loads((model_dir / "training.json").read_text(encoding="utf-8"))
    shipped = json.loads((paths.JOINT_MODEL / "training.json").read_text(encoding="utf-8"))
    best = next(h for h in rec["history"] if h["epoch"] == rec["best_epoch"])
    shipped_best = next(h for h in shipped["history"] if h["epoch"] == shipped["best_epoch"])
    tok, enc, heads = load_adapted(model_dir)
    data = read_newsmtsc(Path(args.data) / "train.jsonl")
    c = rec["config"]
    data["split"] = document_split(data["text"], seed=c["seed"], test_tenths=c["target_test_tenths"],
                                   dev_tenths=c["target_dev_tenths"])
    dev = data[data.split == "dev"].reset_index(drop=True)
    groups = list(dev.groupby("text", sort=False).groups.items())[:args.cost_sentences]
    n_targets = sum(len(r) for _, r in groups)
    t = time.perf_counter()
    with torch.inference_mode():
        for text, rows in groups:
            rows = list(rows)
            e = tok(text, truncation=True, max_length=128, return_offsets_mapping=True, return_tensors="pt")
            offsets = e.pop("offset_mapping")[0].tolist()
            h = enc(**e).last_hidden_state
            heads["sentence"](mean_pool(h, e["attention_mask"]))
            heads["token"](h)
            masks = _span_masks(offsets, [(int(dev.start[r]), int(dev.end[r])) for r in rows])
            _target_logits(heads["target"], h, e["attention_mask"], [0] * len(rows), masks)
    per100 = round(100 * (time.perf_counter() - t) / n_targets, 3)
    out_path = Path(args.out)
    out = json.loads(out_path.read_text(encoding="utf-8"))
    out["designs"]["d_multitask_shared_pass"] = {
        "dev": rec["target_metrics"]["dev"], "best_epoch": rec["best_epoch"], "epochs": c["epochs"],
        "history": rec["history"],
        "sentence_dev_r": best["dev_r"], "loaded_dev_f1": best["dev_f1"],
        "shipped_joint_dev_r": shipped_best["dev_r"], "shipped_joint_loaded_dev_f1": shipped_best["dev_f1"],
        "seconds_per_100_targets": per100,
        "trained_by": "python -m analysis train-models --targets-data ../shared/data/newsmtsc --out build/designs/joint-targets",
    }
    out_path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    d = out["designs"]["d_multitask_shared_pass"]
    print(f"(d) dev target macro-F1 {d['dev']['macro_f1']:.3f}; sentence dev r {d['sentence_dev_r']:.3f} "
          f"(shipped {d['shipped_joint_dev_r']:.3f}); loaded dev F1 {d['loaded_dev_f1']:.3f} "
          f"(shipped {d['shipped_joint_loaded_dev_f1']:.3f}); {per100:.2f} s per 100 targets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
