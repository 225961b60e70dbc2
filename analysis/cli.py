"""Command line: ``python -m analysis annotate|import|quotes|voices|sentiment|loaded|...``.

Stable contract (outside checks depend on it):

* ``annotate PATH... [--out DIR] [--processes N] [--scheduler ADDRESS]`` builds or
  updates the annotation store of a corpus (any source :func:`analysis.importers.load_source`
  reads) and prints one summary line on stderr: articles, words, seconds, and per stage
  the seconds and the number of articles computed vs read from the store.
* ``import SOURCE --out FOLDER [--overwrite]`` writes any supported source as article files; it refuses,
  before writing anything, to replace an existing file that holds something else (``--overwrite`` allows
  it; a file that already holds the same article is left as it is and counted as unchanged).
* ``quotes PATH...`` (any corpus source) or ``quotes --jsonl FILE`` (each line a JSON
  object with "id" and "text"; other fields ignored) writes JSON Lines, one object per
  quote or label: id, start, end, text, kind, speaker, speaker_mention, cue.
* ``voices`` (same inputs) writes the segments: id, start, end, voice, kind, speaker.
* ``sentiment`` and ``loaded``: sentence scores and loaded terms (see the README).
* ``targets --jsonl FILE``: each line has "id", "text", "start", "end" (character offsets of one
  target mention in text; optional "others": [[start, end], ...] for its other mentions); one
  line out per line in, in input order: {"id", "polarity": negative|neutral|positive,
  "score": p_positive - p_negative}. A bad line (offsets outside the text, empty target,
  missing field) stops with an error naming the line, before any output.
* ``actors PATH...`` (or ``--jsonl``): one line per actor mention: id, start, end, mention,
  actor (unified across the corpus), type, role, voice, speaker, polarity, score, verb,
  agency, power (:mod:`analysis.actors`).
* ``coding-sheet PATH... --out DIR`` exports a coding sheet for a seeded sample;
  ``validate-coding PATH... --coder SHEET...`` compares the tool with coded sheets
  (:mod:`analysis.coding`).

Every PATH command reads the corpus's store (building what is missing); ``--jsonl`` input
is annotated in a temporary store. Offsets are character offsets into the article body
(or the input "text"). Errors go to stderr with exit status 2; nothing but results is
printed on stdout. Output options are checked before any work: a ``--out`` or ``--store``
folder that names an existing file (or lies under one) is an error naming it.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from . import paths as _paths
from .corpus import MAX_CHARS, Article, CorpusError, check_body, decode_bytes
from .importers import SOURCE_PRESETS, jsonl_rows

QUOTE_KEYS = ("id", "start", "end", "text", "kind", "speaker", "speaker_mention", "cue")
VOICE_KEYS = ("id", "start", "end", "voice", "kind", "speaker")


def _input_rows(path: str | Path, fields: Sequence[str]) -> tuple[str, list[tuple[int, dict]]]:
    """(source name, [(line, object)]) of a JSON Lines input ('-': stdin), each object checked to have
    ``fields``, a string "text" and a scalar "id"; the first bad line raises CorpusError naming it."""
    source = "<stdin>" if str(path) == "-" else str(path)
    try:
        raw = sys.stdin.buffer.read() if source == "<stdin>" else Path(path).read_bytes()
    except OSError as exc:
        raise CorpusError(source, None, f"cannot read: {exc.strerror}") from None
    rows = []
    for n, obj in jsonl_rows(decode_bytes(raw, source), source):
        if isinstance(obj, CorpusError):
            raise obj
        for key in fields:
            if key not in obj:
                raise CorpusError(source, n, f"missing field {key!r}")
        if not isinstance(obj["text"], str):
            raise CorpusError(source, n, "field 'text' must be a string")
        if obj["id"] is None or isinstance(obj["id"], (dict, list)):
            raise CorpusError(source, n, "field 'id' must be a string or number")
        rows.append((n, obj))
    return source, rows


def read_jsonl(path: str | Path, *, max_chars: int = MAX_CHARS) -> list[Article]:
    """Articles from JSON Lines with "id" and "text"; bad lines raise CorpusError with the line.

    Each text gets the checks an article file's body gets (:func:`analysis.corpus.check_body`:
    empty, over ``max_chars`` characters, HTML markup, NUL bytes), so every input path refuses
    the same things with the same messages."""
    source, rows = _input_rows(path, ("id", "text"))
    articles: list[Article] = []
    seen: dict[str, int] = {}
    for n, obj in rows:
        art_id = str(obj["id"])
        check_body(obj["text"], source, n, max_chars=max_chars)
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


def _store(args: argparse.Namespace, stages: Sequence[str], **kwargs):
    """The store of the command's input: the corpus's own (PATH...) or a temporary one (--jsonl)."""
    from .store import annotate_articles, open_store

    max_chars = getattr(args, "max_chars", None) or MAX_CHARS
    if args.jsonl:
        articles = read_jsonl(args.jsonl, max_chars=max_chars)
        if not articles:
            raise CorpusError(args.jsonl, None, "no input lines")
        return annotate_articles(articles, stages=stages, processes=args.processes, **kwargs), articles
    if not args.paths:
        raise CorpusError("<arguments>", None, "give a corpus (article files, a folder, a table, JSON records) or --jsonl FILE")
    store = open_store(args.paths, out=getattr(args, "store", None), stages=stages, processes=args.processes,
                       progress=False, max_chars=max_chars, **kwargs)
    return store, []


def _write(records: Iterator[dict]) -> None:
    out = sys.stdout
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    out.flush()


def cmd_quotes(args: argparse.Namespace) -> None:
    store, articles = _store(args, ("voices",))
    _write(_records(store.table("quotes"), QUOTE_KEYS, articles))


def cmd_voices(args: argparse.Namespace) -> None:
    store, articles = _store(args, ("voices",))
    _write(_records(store.table("segments"), VOICE_KEYS, articles))


def cmd_coding_sheet(args: argparse.Namespace) -> None:
    from . import coding

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if "frames" in kinds:
        if kinds != ["frames"]:
            raise ValueError("--kinds frames is its own sheet (units, not quotations): give it alone")
        return _frames_sheet(args)
    store, _ = _store(args, ("voices", "terms") if "loaded" in args.kinds.split(",") else ("voices",))
    files = coding.export_for_store(store, args.out, n=args.n, seed=args.seed, shown=args.shown,
                                    kinds=[k.strip() for k in args.kinds.split(",") if k.strip()])
    for name, path in files.items():
        print(f"{name}: {path}", file=sys.stderr)


def _frames_sheet(args: argparse.Namespace) -> None:
    """coding-sheet --kinds frames: a seeded sample of articles' units, the codebook as the guide; blank
    (blind) unless --shown pre-fills the model's frames and primary."""
    from .coding import sample_articles
    from .frame_coding import export_sheet, sheet_units
    from .frames import store_units

    store, _ = _store(args, ("voices", "frames") if args.shown else ("voices",))
    corpus = store.corpus()
    chosen = set(sample_articles([a.id for a in corpus], args.n, seed=args.seed))
    units = store_units(store)
    units = units[units.article_id.isin(chosen)].reset_index(drop=True)
    bodies = {a.id: a.body for a in corpus if a.id in chosen}
    rows = sheet_units(units, store.table("sentences", columns=["sentence", "start", "end"]), bodies)
    if args.shown:
        fr = store.table("frames").set_index(["article_id", "start", "end"])
        keys = list(zip(rows.article_id, rows.start, rows.end))
        def shown(k) -> tuple[str, str]:
            """The model's frames and primary as a coder would write them (the primary is one of the frames)."""
            if k not in fr.index:
                return "", ""
            names, primary = list(fr.at[k, "frames"]), fr.at[k, "primary"]
            if primary != "none" and primary not in names:
                names.append(primary)
            if primary == "none" and names:  # frames above threshold but no primary: the most probable of them
                primary = max(names, key=lambda d: float(fr.at[k, d]))
            return "; ".join(names) or "none", primary

        rows["frames"], rows["primary"] = zip(*(shown(k) for k in keys)) if keys else ((), ())
    articles = pd.DataFrame({"article_id": [a.id for a in corpus if a.id in chosen],
                             "title": [a.title or "" for a in corpus if a.id in chosen],
                             "text": [a.body for a in corpus if a.id in chosen]})
    header = (f"<!-- frames coding sheet: {len(articles)} articles (seed {args.seed}), {len(rows)} units; "
              f"{'pre-filled with the model' if args.shown else 'blank: code blind to any model output'} -->\n\n")
    for name, path in export_sheet(articles, rows, args.out, header=header).items():
        print(f"{name}: {path}", file=sys.stderr)


def _is_frames_sheet(path: str) -> bool:
    """Is ``path`` a frames coding sheet (a ``units`` sheet / units.csv header)? False for anything else,
    unreadable files included: the quotation sheet reader then names what is wrong."""
    p = Path(path)
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            import openpyxl

            return "units" in openpyxl.load_workbook(p, read_only=True).sheetnames
        with open(p, encoding="utf-8-sig", newline="") as f:
            header = f.readline()
    except Exception:  # noqa: BLE001 - any unreadable sheet is not a frames sheet; read_sheet reports it
        return False
    return "unit_id" in header and "primary" in header


def _validate_frames(args: argparse.Namespace) -> None:
    """validate-coding on frames sheets: the model's frames against each coder (per-dimension P/R/F1,
    primary accuracy) and, with two or more coders, Krippendorff's alpha per dimension."""
    from .frame_coding import agreement, read_sheet, scores
    from .frames import DIMENSIONS, unit_id

    store, _ = _store(args, ("voices", "frames"))
    bodies = store.bodies()
    codings = {Path(f).stem if Path(f).name not in ("units.csv", "sheet.xlsx") else Path(f).parent.name: read_sheet(f, bodies)
               for f in args.coder}
    fr = store.table("frames")
    pred = pd.DataFrame({"unit_id": [unit_id(a, s, e) for a, s, e in zip(fr.article_id, fr.start, fr.end)],
                         "primary": fr.primary.to_numpy(),
                         **{d: [int(d in list(f)) for f in fr.frames] for d in DIMENSIONS}})
    out = pd.concat([scores(pred, c).assign(coder=name) for name, c in codings.items()], ignore_index=True)
    sys.stdout.write(out[["coder", *out.columns.drop("coder")]].round(4).to_csv(index=False))
    names = list(codings)
    if len(names) >= 2:
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                agree = agreement(codings[a], codings[b], n_boot=300).assign(coders=f"{a} vs {b}")
                sys.stdout.write("\n" + agree[["coders", *agree.columns.drop("coders")]].round(4).to_csv(index=False))


def cmd_validate_coding(args: argparse.Namespace) -> None:
    from . import coding

    for f in args.coder:
        coding.check_sheet(f)  # a missing sheet or a folder fails here, before the corpus is annotated
    frames_sheets = [_is_frames_sheet(f) for f in args.coder]
    if any(frames_sheets):
        if not all(frames_sheets):
            raise ValueError("--coder: frames sheets and quotation sheets cannot be validated together")
        return _validate_frames(args)
    store, _ = _store(args, ("voices",))
    bodies = store.bodies()
    codings = {}
    for f in args.coder:
        name = Path(f).stem if Path(f).name not in ("items.csv", "sheet.xlsx") else Path(f).parent.name
        codings[name] = coding.read_sheet(f, bodies)
    kinds = [k for k in coding.KINDS if any(k in set(c.kind) for c in codings.values())]
    report = coding.validate(coding.store_items(store, kinds=kinds), codings, bodies)
    sys.stdout.write(report["scores"].round(4).to_csv(index=False))
    if "agreement" in report:
        sys.stdout.write("\n" + report["agreement"].round(4).to_csv(index=False))


def cmd_annotate(args: argparse.Namespace) -> None:
    from .importers import load_source, summary_lines
    from .store import DEFAULT_STAGES, build

    options = source_options(args)
    corpus = load_source(args.paths, **options, max_chars=args.max_chars or MAX_CHARS)
    print("\n".join(summary_lines(corpus)), file=sys.stderr)
    report = build(args.paths, corpus=corpus, source_options=options, out=args.out, processes=args.processes, scheduler=args.scheduler,
                   lexicon_files=args.lexicon or (), transformer_model=args.model, learned=not args.no_model,
                   stages=args.stages or DEFAULT_STAGES)
    print(report.summary() + f" | store {report.store}", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> None:
    from .corpus import OverwriteError, write_articles
    from .importers import load_source, summary_lines

    corpus = load_source(args.source, **source_options(args))
    try:
        written = write_articles(corpus, args.out, overwrite=args.overwrite)
    except OverwriteError as exc:
        raise OverwriteError(exc.file, exc.files, hint="pass --overwrite") from None
    unchanged = len(corpus.articles) - len(written)
    print(f"import: {corpus.n_inputs:,} inputs, {len(written):,} articles written to {args.out}, "
          + (f"{unchanged:,} unchanged, " if unchanged else "") + f"{len(corpus.skipped):,} skipped", file=sys.stderr)
    print("\n".join(summary_lines(corpus)[1:]), file=sys.stderr)


def cmd_tables(args: argparse.Namespace) -> None:
    from .store import schema_markdown

    sys.stdout.write(schema_markdown())


def cmd_notebooks(args: argparse.Namespace) -> None:
    from .notebooks import notebook_files, parse_parameters, run_notebooks

    wanted = [nb for nb in notebook_files() if not args.only or nb.stem in args.only]
    parameters = parse_parameters(args.param, wanted)
    options = source_options(args)
    for path in run_notebooks(corpus=args.corpus, out=args.out, only=args.only or None, group_by=args.group_by,
                              jobs=args.jobs, parameters=parameters,
                              source_options=options if (args.preset or args.fields or args.date_format) else None):
        print(f"executed {path}", file=sys.stderr)


def cmd_drift(args: argparse.Namespace) -> int:
    from . import paths
    from .drift import compare_figures, report

    folder = Path(args.figures)
    if not folder.is_dir():
        raise CorpusError(folder, None, "not a folder of figures (make figures OUT=FOLDER writes one)")
    comparisons = compare_figures(Path(args.reference) if args.reference else paths.FIGURES, folder)
    print(report(comparisons))
    return 0 if all(c.ok for c in comparisons) else 1


SCORE_COLUMNS = ("vader", "minilm", "transformer")


def cmd_sentiment(args: argparse.Namespace) -> None:
    from .sentiment import get_scorer

    if args.scorer == "transformer" and not args.model:
        raise CorpusError("<arguments>", None, "--scorer transformer needs --model ID_OR_PATH")
    if args.jsonl and args.scorer and args.level == "sentence":
        articles = read_jsonl(args.jsonl, max_chars=args.max_chars or MAX_CHARS)
        scorer = get_scorer(args.scorer, model=args.model)
        scores = scorer.score([a.body for a in articles]) if articles else []
        _write({"id": a.extra.get("input_id", a.id), "score": float(s)} for a, s in zip(articles, scores))
        return
    names = [args.scorer] if args.scorer else ["vader", "minilm"] + (["transformer"] if args.model else [])
    if args.level == "segment":
        store, articles = _store(args, ("tone",), transformer_model=args.model, learned=False)
        keys = ["id", "unit", "sentence", "start", "end", "voice", "kind", "speaker", "whole_sentence",
                *[c for c in SCORE_COLUMNS if c in names]]
        _write(_records(store.table("unit_scores"), keys, articles))
        return
    store, articles = _store(args, ("voices", *names), transformer_model=args.model,
                             learned=False)
    sents = store.table("sentences")
    scores = store.table("scores")
    table = sents.merge(scores[["article_id", "sentence", *[c for c in names if c in scores]]], on=["article_id", "sentence"],
                        how="left")
    keys = ["id", "sentence", "start", "end", "voice", "kind", "speaker", *[c for c in SCORE_COLUMNS if c in names]]
    _write(_records(table, keys, articles))


LOADED_KEYS = ("id", "start", "end", "text", "category", "voice", "speaker", "detector")


def cmd_loaded(args: argparse.Namespace) -> None:
    from .lexicon import lexicon_files, load_lexicon

    load_lexicon(lexicon_files(args.lexicon or ()))  # a bad lexicon row fails here, before any work
    store, articles = _store(args, ("terms",), lexicon_files=args.lexicon or (), learned=not args.no_model)
    _write(_records(store.table("terms"), LOADED_KEYS, articles))


TARGET_KEYS = ("id", "polarity", "score")
ACTOR_KEYS = ("id", "start", "end", "mention", "actor", "type", "role", "voice", "speaker", "polarity", "score", "verb",
              "agency", "power")


def read_targets(path: str | Path, *, max_chars: int = MAX_CHARS) -> list[tuple[object, "Target"]]:
    """(id, Target) per line of a targets JSON Lines file; a bad line raises CorpusError naming it.

    Each text gets the checks every input path applies (:func:`analysis.corpus.check_body`), and each
    target is encoded once here, so every error names its line before the model runs."""
    from .minilm import base_tokenizer
    from .targets import Target, encode

    tok = base_tokenizer()

    source, rows = _input_rows(path, ("id", "text", "start", "end"))
    out = []
    for n, obj in rows:
        if any(isinstance(obj[k], bool) or not isinstance(obj[k], int) for k in ("start", "end")):
            raise CorpusError(source, n, "fields 'start' and 'end' must be integers (character offsets)")
        check_body(obj["text"], source, n, max_chars=max_chars)
        others = obj.get("others", [])
        if not isinstance(others, list) or not all(
                isinstance(o, list) and len(o) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in o)
                and 0 <= o[0] < o[1] <= len(obj["text"]) for o in others):
            raise CorpusError(source, n, "field 'others' must be a list of [start, end] pairs inside the text")
        target = Target(obj["text"], obj["start"], obj["end"], tuple(tuple(o) for o in others))
        try:
            encode(tok, target)  # offsets outside the text, a blank target, a target on no word piece
        except ValueError as exc:
            raise CorpusError(source, n, str(exc)) from None
        out.append((obj["id"], target))
    return out


def cmd_targets(args: argparse.Namespace) -> None:
    from .targets import label_and_score, target_model

    rows = read_targets(args.jsonl, max_chars=args.max_chars or MAX_CHARS)
    if not rows:
        raise CorpusError(args.jsonl, None, "no input lines")
    if args.fp32 and args.int8:
        raise CorpusError("<arguments>", None, "--fp32 and --int8 exclude each other")
    model = target_model(args.model_dir, quantize=True if args.int8 else (False if args.fp32 else None))
    probs = model.probabilities([t for _, t in rows])
    _write(dict(zip(TARGET_KEYS, (i, *label_and_score(p)))) for (i, _), p in zip(rows, probs))


def cmd_actors(args: argparse.Namespace) -> None:
    from .actors import corpus_actor_names, read_aliases

    if args.aliases:
        read_aliases(args.aliases)  # a bad alias row fails here, before any work
    if args.agency_power:
        from .connotation import read_frames

        read_frames(args.agency_power)  # a path given and missing (or a bad row) is an error, not empty columns
    store, articles = _store(args, ("actors",), aliases=args.aliases, agency_power=args.agency_power)
    table = store.table("actors")
    names = corpus_actor_names(table)
    table = table.assign(actor=table.actor.map(dict(zip(names.actor, names.corpus_actor))))
    _write(_records(table, ACTOR_KEYS, articles))


def cmd_train_targets(args: argparse.Namespace) -> None:
    from .train import TargetConfig, train_targets

    overrides = {k: v for k, v in (("seed", args.seed), ("epochs", args.epochs), ("lr", args.lr)) if v is not None}
    rec = train_targets(args.data, out_dir=args.out, config=TargetConfig(**overrides), log=lambda m: print(m, file=sys.stderr))
    print(json.dumps({"dev": rec["dev_metrics"], "test": rec["test_metrics"]}))


def cmd_train_models(args: argparse.Namespace) -> None:
    from .train import JointConfig, train_joint

    overrides = {k: v for k, v in (("seed", args.seed), ("epochs", args.epochs), ("lr", args.lr), ("layers", args.layers))
                 if v is not None}
    rec = train_joint(args.sentiment_data, args.loaded_data, out_dir=args.out, config=JointConfig(**overrides),
                      targets_dir=getattr(args, "targets_data", None), log=lambda m: print(m, file=sys.stderr))
    print(json.dumps({**rec["test_metrics"], **({"targets": rec["target_metrics"]} if "target_metrics" in rec else {})}))


def cmd_train_attribution(args: argparse.Namespace) -> None:
    from .attribution import AttributionConfig, choose_combination, train_from_gold

    log = lambda m: print(m, file=sys.stderr)  # noqa: E731
    overrides = {k: v for k, v in (("seed", args.seed), ("epochs", args.epochs), ("layers", args.layers)) if v is not None}
    if args.evaluate_only:
        rec = choose_combination(args.gold, out_dir=args.out, log=log)
    else:
        rec = train_from_gold(args.gold, out_dir=args.out, config=AttributionConfig(**overrides), log=log)
    print(json.dumps({"dev": rec["dev_metrics"], "combinations": rec["combinations"]}))


def cmd_validate_sentiment(args: argparse.Namespace) -> None:
    from .evaluation import validate_scorers
    from .sentiment import get_scorer

    scorers = [get_scorer("vader"), get_scorer("minilm")]
    if args.fp32:
        scorers.append(get_scorer("minilm", fp32=True))
    if args.model:
        scorers.append(get_scorer("transformer", model=args.model))
    table = validate_scorers(args.data, scorers)
    sys.stdout.write(table.to_csv(index=False, lineterminator="\n", float_format="%.4f"))


def cmd_calibrate_loaded(args: argparse.Namespace) -> None:
    from . import paths
    from .evaluation import calibrate_loaded
    from .store import open_store

    reference = open_store(args.reference, stages=("parse", "sentences"), progress=False)
    record = calibrate_loaded(args.data, reference, log=lambda m: print(m, file=sys.stderr))
    target = Path(args.out) if args.out else paths.JOINT_MODEL / "calibration.json"
    target.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: record[k] for k in ("threshold", "threshold_f1", "threshold_reference", "base_rate_per_1000")}))


def cmd_validate_loaded(args: argparse.Namespace) -> None:
    from .detector import LoadedWordDetector
    from .evaluation import validate_loaded

    frames = [validate_loaded(args.data)]
    if args.fp32:
        frames.append(validate_loaded(args.data, detector=LoadedWordDetector(fp32=True)).iloc[[3]])
        frames[-1]["detector"] = frames[-1]["detector"] + " fp32"
    table = pd.concat(frames, ignore_index=True)
    sys.stdout.write(table.to_csv(index=False, lineterminator="\n", float_format="%.4f"))


def _source_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=SOURCE_PRESETS,
                   help=f"source layout: {', '.join(SOURCE_PRESETS)} (default: detected from JSON records)")
    p.add_argument("--fields", help="which column or JSON key fills an article field, FIELD=COLUMN,... (fields: body, "
                                    "id, title, outlet, date, url, language, notes; e.g. body=story,date=day); the "
                                    "others are found by name or alias (content/body/article, source/publisher, "
                                    "publish_date/published, ...)")
    p.add_argument("--date-format", help="how to read numeric dates whose day and month could be either way round: "
                                         "dmy or mdy, or a strptime format such as %%d/%%m/%%Y (default: refuse them, "
                                         "naming each)")


def source_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`analysis.importers.load_source` given by ``--preset``, ``--fields`` and
    ``--date-format`` (only those set). Raises ValueError for a bad mapping or date format."""
    from .corpus import check_date_format
    from .importers import parse_fields

    options = {"preset": args.preset, "fields": parse_fields(args.fields) or None, "date_format": args.date_format}
    check_date_format(options["date_format"])
    return {k: v for k, v in options.items() if v is not None}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Media-framing analysis suite.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("annotate", help="build or update the annotation store of a corpus")
    p.add_argument("paths", nargs="+", help="a corpus: article files or folders, CSV/JSONL tables, JSON records, HTML pages")
    p.add_argument("--out", help="store folder (default: data/interim/stores/<name>-<hash>)")
    p.add_argument("--processes", type=int, help="worker processes (default: all cores)")
    p.add_argument("--scheduler", help="local:N for a dask LocalCluster, or a dask scheduler address tcp://HOST:PORT")
    from .store import DEFAULT_STAGES, STAGES

    p.add_argument("--stages", nargs="*", help=f"stages to build (default: {' '.join(DEFAULT_STAGES)}; all: {' '.join(STAGES)})")
    p.add_argument("--lexicon", nargs="*", help="extra lexicon CSV files or folders (added to corpus/lexicons)")
    p.add_argument("--model", help="also score with a Hugging Face model (the transformer column)")
    p.add_argument("--no-model", action="store_true", help="no learned loaded-word detector in the terms table")
    _source_options(p)
    _max_chars_option(p)
    p.set_defaults(func=cmd_annotate)
    p = sub.add_parser("import", help="write any supported source as article files (Markdown + front matter)")
    p.add_argument("source", nargs="+", help="CSV/JSONL tables, folders of JSON records, HTML pages, article files")
    p.add_argument("--out", required=True, help="folder for the article files")
    p.add_argument("--overwrite", action="store_true",
                   help="replace existing article files that differ (default: refuse, writing nothing)")
    _source_options(p)
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("tables", help="print the store's table schemas (Markdown)")
    p.set_defaults(func=cmd_tables)
    for name, func, help_ in (
        ("quotes", cmd_quotes, "quotes and labels as JSON Lines"),
        ("voices", cmd_voices, "voice segments (editorial / quote) as JSON Lines"),
    ):
        p = sub.add_parser(name, help=help_)
        _input_options(p)
        p.set_defaults(func=func)
    p = sub.add_parser("coding-sheet", help="export a coding sheet (CSV + XLSX + guide) for a seeded sample of articles")
    _input_options(p)
    p.add_argument("--out", required=True, help="folder for articles.csv, items.csv, guide.md, sheet.xlsx")
    p.add_argument("--n", type=int, default=30, help="articles to sample (default 30)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the sample (default 0)")
    p.add_argument("--shown", action="store_true", help="pre-fill the items with the tool's answers (default: blank)")
    p.add_argument("--kinds", default="direct,partial,indirect,title,label",
                   help="kinds to code, comma-separated (direct,partial,indirect,title,label,loaded), or frames alone "
                        "(a frames sheet of units, docs/frames-codebook.md as the guide)")
    p.set_defaults(func=cmd_coding_sheet)
    p = sub.add_parser("validate-coding", help="tool vs coded sheets: P/R/F1 per kind, speaker accuracy, Krippendorff's alpha")
    _input_options(p)
    p.add_argument("--coder", nargs="+", required=True, help="coded sheets (items.csv or sheet.xlsx; frames: units.csv or "
                   "sheet.xlsx), one per coder")
    p.set_defaults(func=cmd_validate_coding)
    p = sub.add_parser("notebooks", help="execute every notebook headless and write the figures")
    p.add_argument("--corpus", help="a corpus source (default: the shipped corpus)")
    p.add_argument("--out", help="figures folder (default: figures/, or build/figures/NAME for --corpus)")
    p.add_argument("--only", nargs="*", help="notebook names (stems) to run")
    p.add_argument("--jobs", type=int, help="notebooks executed at once (default: the number of cores)")
    p.add_argument("--group-by", help="metadata column or time bin (year, quarter, month) to compare (default: outlet "
                   "when there are several, else year)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a notebook parameter, for every notebook that declares it (repeatable; one argument may "
                        "hold several, 'a=1 b=X;Y'); lists are split on ';', e.g. --param 'focus_actors=Rio Tinto;BHP'. "
                        "Unset parameters follow the corpus (e.g. 07's actors: its most mentioned)")
    _source_options(p)
    p.set_defaults(func=cmd_notebooks)
    from .frame_cli import add_commands as add_frame_commands

    add_frame_commands(sub)
    p = sub.add_parser("drift", help="compare regenerated figures with the reference figures/ (numbers within the "
                                     "stated tolerances, labels by agreement; exit 1 on drift)")
    p.add_argument("figures", help="a folder of regenerated figures (e.g. make figures OUT=build/check)")
    p.add_argument("--reference", help="the reference folder (default: figures/)")
    p.set_defaults(func=cmd_drift)
    p = sub.add_parser("sentiment", help="sentence sentiment: --jsonl texts, or article sentences with voice")
    _input_options(p)
    p.add_argument("--scorer", choices=["vader", "minilm", "transformer"], help="scorer (default for PATH: vader and minilm)")
    p.add_argument("--model", help="Hugging Face model id or local path for --scorer transformer")
    p.add_argument("--level", choices=["sentence", "segment"], default="sentence",
                   help="PATH: one row per sentence (its majority voice), or per voice segment (each quotation's part "
                        "of a sentence and each editorial remainder, scored on its own; vader and minilm, plus "
                        "transformer with --model)")
    p.add_argument("--int8", action="store_true", help=argparse.SUPPRESS)  # accepted; the store's recipe decides (FRAMING_INFERENCE)
    p.set_defaults(func=cmd_sentiment)
    p = sub.add_parser("loaded", help="loaded terms (lexicon, scare quotes, learned detector) with voice and speaker")
    _input_options(p)
    p.add_argument("--lexicon", nargs="*", help="extra lexicon CSV files or folders (added to corpus/lexicons)")
    p.add_argument("--no-model", action="store_true", help="lexicon and scare quotes only, no learned detector")
    p.set_defaults(func=cmd_loaded)
    p = sub.add_parser("train-models", help="train the joint MiniLM model (sentiment + loaded words), reproducibly")
    p.add_argument("--sentiment-data", default=str(_shared("vader_groundtruth")), help="folder with the VADER ground truth")
    p.add_argument("--loaded-data", default=str(_shared("babe_mbic")), help="folder with BABE final_labels_SG2.csv")
    p.add_argument("--out", help="output folder (default: models/minilm-joint)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--layers", type=int, help="transformer layers of MiniLM to keep (default: JointConfig)")
    p.add_argument("--targets-data", help="NewsMTSC folder: also train a target-sentiment head on the same shared pass "
                                          "(issue 19's design comparison; the shipped target model is train-targets')")
    p.set_defaults(func=cmd_train_models)
    p = sub.add_parser("train-attribution", help="train the attribution tagger (source / cue / content) on the coded "
                                                  "Wikinews gold and compare it with the rules on dev, reproducibly")
    p.add_argument("--gold", default=str(_paths.GOLD / "wikinews" / "round2"), help="the coded round (split.csv, coder-*.csv)")
    p.add_argument("--out", help="output folder (default: models/minilm-attribution)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--layers", type=int, help="transformer layers of MiniLM to keep (default: AttributionConfig)")
    p.add_argument("--evaluate-only", action="store_true", help="keep the trained tagger; re-score the combinations "
                                                                "with the current rules on dev and re-choose")
    p.set_defaults(func=cmd_train_attribution)
    for alias, task in (("train-sentiment", "sentiment"), ("train-loaded", "loaded")):
        p = sub.add_parser(alias, help=f"train-models with --data as the {task} data (both heads share one model)")
        p.add_argument("--data", dest=f"{task}_data", required=True, help=f"folder with the {task} training data")
        other = "loaded" if task == "sentiment" else "sentiment"
        p.set_defaults(**{f"{other}_data": str(_shared("babe_mbic" if other == "loaded" else "vader_groundtruth"))})
        p.add_argument("--out", help="output folder (default: models/minilm-joint)")
        for flag, typ in (("--epochs", int), ("--seed", int), ("--lr", float), ("--layers", int)):
            p.add_argument(flag, type=typ)
        p.set_defaults(func=cmd_train_models)
    p = sub.add_parser("train-targets", help="train the target-sentiment model on NewsMTSC, reproducibly")
    p.add_argument("--data", default=str(_shared("newsmtsc")), help="folder with NewsMTSC train.jsonl")
    p.add_argument("--out", help="output folder (default: models/minilm-targets)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--lr", type=float)
    p.set_defaults(func=cmd_train_targets)
    p = sub.add_parser("targets", help="target-dependent sentiment of marked mentions (--jsonl: id, text, start, end)")
    p.add_argument("--jsonl", metavar="FILE", required=True, help="JSON Lines: id, text, start, end ('-' for stdin)")
    p.add_argument("--model-dir", help="a trained target model folder (default: models/minilm-targets)")
    p.add_argument("--fp32", action="store_true", help=argparse.SUPPRESS)  # fp32 is the default now (kept: a stable option)
    p.add_argument("--int8", action="store_true", help="int8 weights (faster on some CPUs; results then depend on the CPU; "
                                                       "default: the recipe, fp32)")
    _max_chars_option(p)
    p.set_defaults(func=cmd_targets)
    p = sub.add_parser("actors", help="actor mentions with role, voice, speaker, target sentiment, agency and power")
    _input_options(p)
    p.add_argument("--aliases", help="alias table CSV (default: corpus/actors/aliases.csv)")
    p.add_argument("--agency-power", help="Sap et al. (2017) agency_power.csv (default: $FRAMING_AGENCY_POWER or "
                   "../shared/data/agency_power_sap2017/agency_power.csv)")
    p.set_defaults(func=cmd_actors)
    p = sub.add_parser("validate-sentiment", help="r and macro-F1 of each scorer on held-out NYT editorials (CSV)")
    p.add_argument("--data", default=str(_shared("vader_groundtruth")), help="folder with the VADER ground-truth files")
    p.add_argument("--model", help="also validate a Hugging Face model (transformer scorer)")
    p.add_argument("--fp32", action="store_true", help="also validate minilm in PyTorch fp32 (no quantisation)")
    p.add_argument("--int8", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_validate_sentiment)
    p = sub.add_parser("calibrate-loaded", help="choose the learned detector's threshold (BABE dev F1, neutral reference)")
    p.add_argument("--data", default=str(_shared("babe_mbic")), help="folder with BABE final_labels_SG2.csv")
    p.add_argument("--reference", help="a neutral reference corpus (default: the shipped corpus)")
    p.add_argument("--out", help="where to write (default: models/minilm-joint/calibration.json)")
    p.set_defaults(func=cmd_calibrate_loaded, out_is_file=True)
    p = sub.add_parser("validate-loaded", help="word-level P/R/F1 of the detectors on held-out BABE sentences (CSV)")
    p.add_argument("--data", default=str(_shared("babe_mbic")), help="folder with BABE final_labels_SG2.csv")
    p.add_argument("--fp32", action="store_true", help="also validate the learned detector in PyTorch fp32")
    p.set_defaults(func=cmd_validate_loaded)
    return parser


def _shared(name: str):
    from . import paths

    return paths.shared_dataset(name)


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="a corpus: article files or folders, tables, JSON records, HTML pages")
    p.add_argument("--jsonl", metavar="FILE", help="JSON Lines input with 'id' and 'text' ('-' for stdin)")
    p.add_argument("--processes", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--store", help="store folder (default: the corpus's store under data/interim/stores)")
    p.add_argument("--cache", action="store_true", help=argparse.SUPPRESS)  # the store is the cache now
    _max_chars_option(p)


def _max_chars_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-chars", type=int, default=None, metavar="N",
                   help=f"refuse article bodies (or --jsonl texts) over N characters (default {MAX_CHARS:,})")


def check_output_options(args: argparse.Namespace) -> None:
    """Refuse, before any work, an ``--out`` or ``--store`` that cannot be written: a folder option naming an
    existing file or a path under one, a file option (``calibrate-loaded --out``) naming a folder."""
    for option in ("out", "store"):
        value = getattr(args, option, None)
        if value is None:
            continue
        path, flag = Path(value), f"--{option}"
        if option == "out" and getattr(args, "out_is_file", False):
            if path.is_dir():
                raise CorpusError(path, None, f"{flag} names a folder; give a file name")
            folder = path.parent
        else:
            if path.exists() and not path.is_dir():
                raise CorpusError(path, None, f"{flag} names a file, not a folder; give a new or existing folder")
            folder = path
        above = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if above is not None and not above.is_dir():
            raise CorpusError(path, None, f"{flag} lies under {above}, which is a file, not a folder")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_output_options(args)
        status = args.func(args)
    except (CorpusError, ValueError, FileNotFoundError, RuntimeError) as exc:  # SheetError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a path that cannot be read or written (permissions, a full disk, ...): no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted (the store keeps every shard completed so far; run the command again to go on)", file=sys.stderr)
        return 130
    return status if isinstance(status, int) else 0
