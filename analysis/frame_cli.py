"""Command line for frames: ``train-frames`` and ``frames`` (wired into :mod:`analysis.cli` by :func:`add_commands`).

Stable contract (outside checks depend on it):

* ``frames --jsonl FILE`` (``-``: stdin): each line a JSON object with "id" and "text" (one unit; other
  fields ignored). One line out per line in, in input order: {"id" (the input's own value), "primary":
  a dimension name or "none", "frames": {dimension: probability, ... all 15, codebook order}}. A bad
  line (not JSON, no "id" or "text", "text" not a string, an empty or oversized text, a duplicate id)
  stops with the suite's usual error naming the file and line, before any output (exit status 2).
* ``frames PATH...`` (any corpus source): the corpus's store is built or read with the ``frames``
  stage; one line per unit (a sentence segment in one voice, :mod:`analysis.frames`): {"id" (article
  id), "start", "end" (character offsets into the body), "voice", "speaker", "primary", "frames"}.
* ``evaluate-frames [--model-dir DIR]``: re-measures the shipped path (dev, test, GVFC) with the
  inference recipe in force and rewrites ``evaluation.json`` and the model card (no training).
* ``train-frames [--out DIR] [--epochs N] [--seed N] [--lr X] [--layers N] [--max-length N] [--folds K]
  [--processes N]``: trains
  the frames model (:func:`analysis.frame_model.train_frames`) and prints its metrics as one JSON line.

``--model-dir DIR`` points either command at another trained frames model folder (default
``models/minilm-frames``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import paths
from .corpus import CorpusError
from .frames import DIMENSIONS

FRAME_KEYS = ("id", "start", "end", "voice", "speaker", "primary", "frames")


def jsonl_records(path: str | Path, *, model_dir: str | Path | None = None, max_chars: int | None = None,
                  quantize: bool | None = None) -> list[dict]:
    """The ``frames --jsonl`` output records of a JSON Lines file (every line checked before the model runs)."""
    from .cli import read_jsonl
    from .corpus import MAX_CHARS, CorpusError
    from .frame_model import frame_model

    articles = read_jsonl(path, max_chars=max_chars or MAX_CHARS)
    if not articles:
        raise CorpusError(str(path), None, "no input lines")
    model = frame_model(model_dir, quantize=quantize)
    preds = model.run([a.body for a in articles])
    return [{"id": a.extra.get("input_id", a.id), "primary": p.primary, "frames": dict(p.probabilities)}
            for a, p in zip(articles, preds)]


def store_records(store, articles: Sequence = ()) -> Iterator[dict]:
    """The ``frames PATH...`` output records of a store's frames table."""
    from .cli import _records

    table = store.table("frames")
    probs = table[list(DIMENSIONS)].to_numpy(float)
    for rec, row in zip(_records(table, FRAME_KEYS[:-1], articles), probs):
        rec["frames"] = {d: float(v) for d, v in zip(DIMENSIONS, row)}
        yield rec


def cmd_frames(args: argparse.Namespace) -> None:
    from .cli import _store, _write

    if args.jsonl:
        if args.paths:
            raise CorpusError("<arguments>", None, "give either --jsonl FILE or a corpus PATH..., not both")
        _write(iter(jsonl_records(args.jsonl, model_dir=args.model_dir, max_chars=args.max_chars, quantize=_quantize(args))))
        return
    if args.int8:
        raise CorpusError("<arguments>", None, "--int8 applies to --jsonl input only (the store runs the recipe's model, "
                                               "FRAMING_INFERENCE)")
    extra = {"frame_model_dir": str(Path(args.model_dir).resolve())} if args.model_dir else {}
    store, articles = _store(args, ("frames",), **extra)
    _write(store_records(store, articles))


def _quantize(args: argparse.Namespace) -> bool | None:
    if args.fp32 and args.int8:
        raise CorpusError("<arguments>", None, "--fp32 and --int8 exclude each other")
    return True if args.int8 else (False if args.fp32 else None)


def cmd_evaluate_frames(args: argparse.Namespace) -> None:
    from .frame_model import evaluate_shipped, write_card

    folder = Path(args.model_dir) if args.model_dir else paths.FRAME_MODEL
    rec = json.loads((folder / "training.json").read_text(encoding="utf-8")) if (folder / "training.json").exists() else {}
    cross_fitted = int(rec.get("config", {}).get("calibration_folds") or 0) > 1  # dev was trained on: test only
    evaluation = evaluate_shipped(folder, corpus_folder=args.corpus, splits=("test",) if cross_fitted else ("dev", "test"),
                                  log=lambda m: print(m, file=sys.stderr))
    (folder / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
    write_card(folder, args.corpus)
    print(json.dumps({k: evaluation.get(k) for k in ("recipe", "test", "gvfc")}))


def cmd_train_frames(args: argparse.Namespace) -> None:
    from .frame_model import FrameConfig, train_frames

    overrides = {k: v for k, v in (("seed", args.seed), ("epochs", args.epochs), ("lr", args.lr), ("layers", args.layers),
                                   ("max_length", args.max_length), ("calibration_folds", args.folds)) if v is not None}
    rec = train_frames(corpus_folder=args.corpus, out_dir=args.out, config=FrameConfig(**overrides),
                       processes=args.processes, log=lambda m: print(m, file=sys.stderr))
    ev = rec.get("evaluation", {})
    print(json.dumps({"selection": rec["selection"], "dev": rec["dev_metrics"], "test_fp32": rec["test_metrics"], "test_int8": ev.get("test"),
                      "gvfc": ev.get("gvfc"), "training_seconds": rec["training_seconds"]}))


def add_commands(sub) -> None:
    """Add ``frames`` and ``train-frames`` to the suite's subparsers (``build_parser``'s ``sub``)."""
    from .cli import _input_options

    p = sub.add_parser("frames", help="policy frames per unit: --jsonl units (id, text), or every unit of a corpus")
    _input_options(p)
    p.add_argument("--model-dir", help="a trained frames model folder (default: models/minilm-frames)")
    p.add_argument("--fp32", action="store_true", help=argparse.SUPPRESS)  # fp32 is the default now (kept: a stable option)
    p.add_argument("--int8", action="store_true", help="--jsonl only: int8 weights (faster on some CPUs; results then depend "
                                                       "on the CPU; default: the recipe, fp32)")
    p.set_defaults(func=cmd_frames)
    p = sub.add_parser("evaluate-frames", help="re-measure the shipped frames model (dev, test, GVFC) and rewrite its "
                                               "evaluation.json and model card; no training")
    p.add_argument("--model-dir", help="a trained frames model folder (default: models/minilm-frames)")
    p.add_argument("--corpus", help="the coded frames corpus folder (default: corpus/frames)")
    p.set_defaults(func=cmd_evaluate_frames)
    p = sub.add_parser("train-frames", help="train the frames model on corpus/frames, reproducibly")
    p.add_argument("--corpus", help="the coded frames corpus folder (default: corpus/frames)")
    p.add_argument("--out", help="output folder (default: models/minilm-frames)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--layers", type=int, help="transformer layers of MiniLM to keep (default: FrameConfig)")
    p.add_argument("--max-length", type=int, help="word pieces per unit (default: FrameConfig)")
    p.add_argument("--folds", type=int, help="cross-fitting folds over train + dev that choose the epoch and thresholds "
                                             "(default: FrameConfig, 4; 0: train on train, choose on dev)")
    p.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1),
                   help="training runs side by side (the fold models and the final model; default: 2 or the cores; "
                        "the model does not depend on it)")
    p.set_defaults(func=cmd_train_frames)


def main(argv: Sequence[str] | None = None) -> int:
    """These commands alone, with :func:`analysis.cli.main`'s error handling (tests; ``python -m analysis.frame_cli``)."""
    from .corpus import CorpusError

    parser = argparse.ArgumentParser(prog="python -m analysis", description="Frames commands.")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (CorpusError, ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
