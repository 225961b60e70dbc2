"""Command line: ``python -m analysis quotes|voices ...``.

Stable contract (outside checks depend on it):

* ``quotes PATH...`` (article files or corpus folders) or ``quotes --jsonl FILE``
  (each line a JSON object with "id" and "text"; other fields ignored) writes JSON
  Lines, one object per quote or label: id, start, end, text, kind, speaker,
  speaker_mention, cue.
* ``voices`` (same inputs) writes the segments: id, start, end, voice, kind, speaker.

Offsets are character offsets into the article body (or the input "text").
Errors go to stderr with exit status 2; nothing but results is printed on stdout.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from .corpus import Article, CorpusError, decode_bytes, load_corpus
from .importers import jsonl_rows

QUOTE_KEYS = ("id", "start", "end", "text", "kind", "speaker", "speaker_mention", "cue")
VOICE_KEYS = ("id", "start", "end", "voice", "kind", "speaker")


def read_jsonl(path: str | Path) -> list[Article]:
    """Articles from JSON Lines with "id" and "text"; bad lines raise CorpusError with the line."""
    source = "<stdin>" if str(path) == "-" else str(path)
    try:
        raw = sys.stdin.buffer.read() if source == "<stdin>" else Path(path).read_bytes()
    except OSError as exc:
        raise CorpusError(source, None, f"cannot read: {exc.strerror}") from None
    text = decode_bytes(raw, source)
    articles: list[Article] = []
    seen: dict[str, int] = {}
    for n, obj in jsonl_rows(text, source):
        if isinstance(obj, CorpusError):
            raise obj
        for key in ("id", "text"):
            if key not in obj:
                raise CorpusError(source, n, f"missing field {key!r}")
        if not isinstance(obj["text"], str):
            raise CorpusError(source, n, "field 'text' must be a string")
        if obj["id"] is None or isinstance(obj["id"], (dict, list)):
            raise CorpusError(source, n, "field 'id' must be a string or number")
        art_id = str(obj["id"])
        if art_id in seen:
            raise CorpusError(source, n, f"duplicate id {art_id!r} (first on line {seen[art_id]})")
        seen[art_id] = n
        articles.append(
            Article(id=art_id, body=obj["text"], source=source, body_line=n, extra={"input_id": obj["id"]})
        )
    return articles


def _records(frame: pd.DataFrame, keys: Sequence[str], articles: Sequence[Article]) -> Iterator[dict]:
    """JSON-ready rows; "id" is the input's own id value (a JSON number stays a number)."""
    ids = {a.id: a.extra.get("input_id", a.id) for a in articles}
    frame = frame.rename(columns={"article_id": "id"})
    for row in frame[list(keys)].itertuples(index=False):
        rec = {}
        for key, value in zip(keys, row):
            if key == "id":
                rec[key] = ids.get(value, value)
                continue
            if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            rec[key] = value
        yield rec


def _inputs(args: argparse.Namespace) -> list[Article]:
    if args.jsonl:
        return read_jsonl(args.jsonl)
    if not args.paths:
        raise CorpusError("<arguments>", None, "give article files or folders, or --jsonl FILE")
    return load_corpus(args.paths).articles


def _write(records: Iterator[dict]) -> None:
    out = sys.stdout
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    out.flush()


def cmd_quotes(args: argparse.Namespace) -> None:
    from .pipeline import voice_tables

    articles = _inputs(args)
    tables = voice_tables(articles, n_process=args.processes, cache=args.cache)
    _write(_records(tables.quotes, QUOTE_KEYS, articles))


def cmd_voices(args: argparse.Namespace) -> None:
    from .pipeline import voice_tables

    articles = _inputs(args)
    tables = voice_tables(articles, n_process=args.processes, cache=args.cache)
    _write(_records(tables.segments, VOICE_KEYS, articles))


def cmd_notebooks(args: argparse.Namespace) -> None:
    from .notebooks import run_notebooks

    for path in run_notebooks(corpus=args.corpus, out=args.out, only=args.only or None):
        print(f"executed {path}", file=sys.stderr)


def cmd_sentiment(args: argparse.Namespace) -> None:
    from .sentiment import get_scorer

    if args.scorer == "transformer" and not args.model:
        raise CorpusError("<arguments>", None, "--scorer transformer needs --model ID_OR_PATH")
    if args.jsonl:
        articles = read_jsonl(args.jsonl)
        scorer = get_scorer(args.scorer, model=args.model, quantize=args.int8)
        scores = scorer.score([a.body for a in articles]) if articles else []
        _write({"id": a.extra.get("input_id", a.id), "score": float(s)} for a, s in zip(articles, scores))
        return
    from .pipeline import scored_sentences

    articles = _inputs(args)
    names = [args.scorer] if args.scorer else ["vader", "minilm"] + (["transformer"] if args.model else [])
    table = scored_sentences(articles, scorers=names, model=args.model, cache=args.cache)
    keys = ["id", "sentence", "start", "end", "voice", "kind", "speaker", *[c for c in table.columns if c in
            ("vader", "minilm", "minilm-int8", "transformer")]]
    _write(_records(table, keys, articles))


LOADED_KEYS = ("id", "start", "end", "text", "category", "voice", "speaker", "detector")


def cmd_loaded(args: argparse.Namespace) -> None:
    from .lexicon import load_lexicon, lexicon_files, loaded_terms
    from .pipeline import voice_tables

    articles = _inputs(args)
    lexicon = load_lexicon(lexicon_files(args.lexicon or ()))
    tables = voice_tables(articles, n_process=args.processes, cache=args.cache)
    table = loaded_terms(articles, learned=not args.no_model, lexicon=lexicon, tables=tables)
    _write(_records(table, LOADED_KEYS, articles))


def cmd_train_loaded(args: argparse.Namespace) -> None:
    from .train import LoadedConfig, train_loaded

    overrides = {k: v for k, v in (("seed", args.seed), ("epochs", args.epochs), ("lr", args.lr)) if v is not None}
    rec = train_loaded(args.data, out_dir=args.out, config=LoadedConfig(**overrides), log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(rec["test_metrics"]))


def cmd_validate_sentiment(args: argparse.Namespace) -> None:
    from .evaluation import validate_scorers
    from .sentiment import get_scorer

    scorers = [get_scorer("vader"), get_scorer("minilm")]
    if args.int8:
        scorers.append(get_scorer("minilm", quantize=True))
    if args.model:
        scorers.append(get_scorer("transformer", model=args.model))
    table = validate_scorers(args.data, scorers)
    sys.stdout.write(table.to_csv(index=False, lineterminator="\n", float_format="%.4f"))


def cmd_train_sentiment(args: argparse.Namespace) -> None:
    from .train import TrainConfig, train_sentiment

    overrides = {k: v for k, v in (("seed", args.seed), ("epochs", args.epochs), ("lr", args.lr)) if v is not None}
    cfg = TrainConfig(**overrides)
    out = args.out or None
    rec = train_sentiment(args.data, config=cfg, log=lambda m: print(m, file=sys.stderr),
                          **({"out_dir": out} if out else {}))
    print(json.dumps(rec["test_metrics"]))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Media-framing analysis suite.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, help_ in (
        ("quotes", cmd_quotes, "quotes and labels as JSON Lines"),
        ("voices", cmd_voices, "voice segments (editorial / quote) as JSON Lines"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("paths", nargs="*", help="article files (.md with front matter) or corpus folders")
        p.add_argument("--jsonl", metavar="FILE", help="JSON Lines input with 'id' and 'text' ('-' for stdin)")
        p.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
        p.add_argument("--cache", action="store_true", help="reuse/write the per-article Parquet cache")
        p.set_defaults(func=func)
    p = sub.add_parser("notebooks", help="execute every notebook headless and write the figures")
    p.add_argument("--corpus", help="folder of article files (default: the shipped corpus)")
    p.add_argument("--out", help="figures folder (default: figures/, or figures/corpus-NAME for --corpus)")
    p.add_argument("--only", nargs="*", help="notebook names (stems) to run")
    p.set_defaults(func=cmd_notebooks)
    p = sub.add_parser("sentiment", help="sentence sentiment: --jsonl texts, or article sentences with voice")
    p.add_argument("paths", nargs="*", help="article files or corpus folders (one row per sentence)")
    p.add_argument("--jsonl", metavar="FILE", help="JSON Lines with 'id' and 'text': writes {id, score} in input order")
    p.add_argument("--scorer", choices=["vader", "minilm", "transformer"], help="scorer (default for PATH: vader and minilm)")
    p.add_argument("--model", help="Hugging Face model id or local path for --scorer transformer")
    p.add_argument("--int8", action="store_true", help="minilm with dynamic int8 quantization")
    p.add_argument("--cache", action="store_true", help="reuse/write the voice and score caches")
    p.add_argument("--processes", type=int, default=1)
    p.set_defaults(func=cmd_sentiment)
    p = sub.add_parser("loaded", help="loaded terms (lexicon, scare quotes, learned detector) with voice and speaker")
    p.add_argument("paths", nargs="*", help="article files or corpus folders")
    p.add_argument("--jsonl", metavar="FILE", help="JSON Lines with 'id' and 'text'")
    p.add_argument("--lexicon", nargs="*", help="extra lexicon CSV files or folders (added to corpus/lexicons)")
    p.add_argument("--no-model", action="store_true", help="lexicon and scare quotes only, no learned detector")
    p.add_argument("--cache", action="store_true")
    p.add_argument("--processes", type=int, default=1)
    p.set_defaults(func=cmd_loaded)
    p = sub.add_parser("train-loaded", help="train the loaded-word detector (adapter + token head) on BABE")
    p.add_argument("--data", required=True, help="folder with BABE final_labels_SG2.csv")
    p.add_argument("--out", help="output folder (default: models/minilm-loaded)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--lr", type=float)
    p.set_defaults(func=cmd_train_loaded)
    p = sub.add_parser("validate-sentiment", help="r and macro-F1 of each scorer on held-out NYT editorials (CSV)")
    p.add_argument("--data", required=True, help="folder with the VADER ground-truth files")
    p.add_argument("--model", help="also validate a Hugging Face model (transformer scorer)")
    p.add_argument("--int8", action="store_true", help="also validate minilm with dynamic int8 quantization")
    p.set_defaults(func=cmd_validate_sentiment)
    p = sub.add_parser("train-sentiment", help="train the minilm sentiment adapter + head (reproducible)")
    p.add_argument("--data", required=True, help="folder with the VADER ground-truth files")
    p.add_argument("--out", help="output folder (default: models/minilm-sentiment)")
    p.add_argument("--epochs", type=int, help="maximum epochs (default: TrainConfig)")
    p.add_argument("--seed", type=int, help="seed (default: TrainConfig)")
    p.add_argument("--lr", type=float, help="adapter learning rate (default: TrainConfig)")
    p.set_defaults(func=cmd_train_sentiment)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (CorpusError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0
