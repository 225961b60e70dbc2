"""Benchmark: what the ``frames`` stage adds to the store's summed stage seconds, on AllSides articles.

One cold build, in one process, of every default stage plus ``frames`` on a seeded sample of the
AllSides corpus (../shared/data/allsides_baly2020; equal numbers of left, center and right articles):
each stage's seconds are measured in the same run, so the share ``frames / sum(default stages)`` is a
ratio a noisy machine disturbs far less than seconds. Goal (the frames issue): at most 15 %.

Writes ``bench/results/frames.json``. Run: ``.venv/bin/python bench/bench_frames.py`` (``--per-side 40``
is about 10 minutes on one core). Also ``--sample-out DIR`` writes the sample's JSON files to DIR
(the same seeded sample for any DIR; nothing of the corpus is stored in the repository), which
``python -m analysis notebooks --corpus DIR --only 08-frames --group-by bias_text`` reads.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import paths  # noqa: E402


def allsides_sample(per_side: int, *, seed: int = 2026) -> list[Path]:
    """``per_side`` seeded random AllSides JSON files of each side (left, center, right), sorted by name."""
    folder = paths.shared_dataset("allsides_baly2020") / "jsons"
    if not folder.is_dir():
        raise SystemExit(f"{folder}: the AllSides data is not here (set FRAMING_SHARED_DATA to the shared data folder)")
    sides: dict[str, list[Path]] = {}
    for f in sorted(folder.glob("*.json")):
        try:
            side = json.loads(f.read_text(encoding="utf-8")).get("bias_text")
        except ValueError:
            continue
        sides.setdefault(str(side), []).append(f)
    rng = random.Random(seed)
    chosen = []
    for side in ("left", "center", "right"):
        files = sides.get(side, [])
        chosen += rng.sample(files, min(per_side, len(files)))
    return sorted(chosen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-side", type=int, default=40, help="articles per side (default 40)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--sample-out", help="only write the sample's JSON files to this folder")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "frames.json"))
    args = ap.parse_args()
    files = allsides_sample(args.per_side, seed=args.seed)
    if args.sample_out:
        out = Path(args.sample_out)
        out.mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copyfile(f, out / f.name)
        print(f"{len(files)} AllSides articles ({args.per_side} per side, seed {args.seed}) written to {out}")
        return
    from analysis.store import DEFAULT_STAGES, build

    stages = (*DEFAULT_STAGES, "frames")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "jsons"
        src.mkdir()
        for f in files:
            shutil.copyfile(f, src / f.name)
        report = build(src, out=Path(tmp) / "store", stages=stages, processes=1)
        from analysis.store import Store

        units = len(Store(Path(tmp) / "store").table("frames", columns=["unit"]))
    seconds = {name: round(r.seconds, 2) for name, r in report.stages.items()}
    default = sum(v for k, v in seconds.items() if k != "frames")
    result = {
        "corpus": {"source": "allsides_baly2020 (seeded sample)", "per_side": args.per_side, "seed": args.seed,
                   "articles": report.articles, "words": report.words},
        "machine": {"python": platform.python_version(), "processes": 1},
        "stages_seconds": seconds,
        "default_stages_seconds": round(default, 2),
        "frames_share_of_default": round(seconds.get("frames", 0.0) / default, 4) if default else None,
        "frames_units": units,
        "frames_units_per_second": round(units / seconds["frames"], 1) if seconds.get("frames") else None,
        "summary": report.summary(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
