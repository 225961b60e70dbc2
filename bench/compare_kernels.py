"""Benchmark: do the learned models give the same numbers on another processor's kernels?

ONNX Runtime picks its kernels by what the CPU offers (SSE, AVX2, AVX-512, VNNI). This script runs the three
shipped models — the joint model (sentence score), the target model (3 probabilities per mention) and the
frames model (15 probabilities per unit) — on the first ``--n`` sentences of the shipped corpus (the target:
the first capitalised word after a sentence's first character), once natively and once under
``qemu-x86_64 -cpu MODEL`` (user-mode emulation: the same binary, the kernels of the emulated CPU; Debian's
``qemu-user`` package), for each recipe (``fp32``, the default, and ``int8``), and reports the largest and
mean absolute differences and how many target labels change. Writes ``bench/results/kernels.json``.

    .venv/bin/python bench/compare_kernels.py            # --n 80 --cpu Nehalem: about 15 minutes under emulation

The native CPU's model name and flags are recorded; ``Nehalem`` has SSE4.2 but no AVX, so its kernels differ
from both AVX2 and AVX-512 machines.
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def dump(out: str, n: int, recipe: str) -> None:
    """Run the three models with ``recipe`` and save their outputs to ``out`` (.npz)."""
    from analysis import paths
    from analysis.corpus import load_corpus
    from analysis.frame_model import FrameModel
    from analysis.minilm import JointModel
    from analysis.sentences import sentence_spans
    from analysis.targets import Target, TargetModel

    q = recipe == "int8"
    arts = load_corpus(paths.ARTICLES).articles
    sents = [a.body[s:e] for a in arts for s, e in sentence_spans(a.body)][:n]
    targets = []
    for s in sents:
        m = re.search(r"\b[A-Z][a-z]+\b", s[1:])
        if m:
            targets.append(Target(s, m.start() + 1, m.end() + 1))
    np.savez(out, joint=np.array([o.score for o in JointModel(quantize=q).run(sents)]),
             targets=TargetModel(quantize=q).probabilities(targets),
             frames=np.array([list(p.probabilities.values()) for p in FrameModel(quantize=q).run(sents)]))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=80, help="sentences (default 80)")
    ap.add_argument("--cpu", default="Nehalem", help="the CPU model qemu emulates (default Nehalem)")
    ap.add_argument("--timeout", type=int, default=3000, help="seconds per emulated run (default 3000)")
    ap.add_argument("--dump", help=argparse.SUPPRESS)
    ap.add_argument("--recipe", default="fp32", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "kernels.json"))
    args = ap.parse_args()
    if args.dump:
        dump(args.dump, args.n, args.recipe)
        return
    qemu = shutil.which("qemu-x86_64")
    if not qemu:
        raise SystemExit("qemu-x86_64 is not installed (Debian: apt-get install qemu-user)")
    flags = set(next((ln.split(":", 1)[1].split() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                      if ln.startswith("flags")), []))
    result = {"native_cpu": cpu_name(), "native_kernels": sorted(flags & {"sse4_2", "avx2", "fma", "avx512f", "avx512_vnni"}),
              "emulated_cpu": args.cpu, "sentences": args.n, "recipes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in ("fp32", "int8"):
            runs = {}
            for where, prefix in (("native", []), ("emulated", [qemu, "-cpu", args.cpu])):
                f = Path(tmp) / f"{recipe}-{where}.npz"
                subprocess.run([*prefix, sys.executable, __file__, "--dump", str(f), "--n", str(args.n), "--recipe", recipe],
                               check=True, timeout=args.timeout, cwd=ROOT)
                runs[where] = np.load(f)
            a, b = runs["native"], runs["emulated"]
            rec = {}
            for k in ("joint", "targets", "frames"):
                d = np.abs(a[k] - b[k])
                rec[k] = {"items": int(len(a[k])), "max_abs_difference": float(f"{d.max():.3g}"),
                          "mean_abs_difference": float(f"{d.mean():.3g}")}
            rec["targets"]["labels_changed"] = int((a["targets"].argmax(1) != b["targets"].argmax(1)).sum())
            result["recipes"][recipe] = rec
            print(recipe, json.dumps(rec), flush=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
