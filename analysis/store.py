"""The annotation store: each article parsed once, offset-keyed Parquet tables every analysis reads.

A store is a folder (default :func:`analysis.paths.store_dir`, under ``data/interim/``)::

    manifest.json            shards, their articles (id + content key) and each stage's version
    articles/<shard>.parquet one Parquet dataset per table, one file per shard of articles
    tokens/<shard>.parquet
    ...
    skipped/skipped.parquet  inputs refused when the corpus was loaded, with reasons

``pandas.read_parquet(store / "quotes")`` reads a table directly; :class:`Store` reads
it in corpus order with its documented dtypes. Every table's schema (column, dtype,
meaning, unit) is :data:`analysis.tables.SCHEMAS`, written once and checked on every write.

**Stages** (:data:`STAGES`): parse (spaCy: tokens, entities), sentences (Punkt:
paragraphs and sentences), voices (the splitter: quotes, segments, mark issues, the
voice of each sentence),
vader, minilm (one forward pass of the joint model: the ``minilm`` score column and
``learned_terms``), transformer (optional), terms (lexicon matched on the tokens table,
scare labels, learned terms; voice by interval join), actors (actor mentions with role,
voice, agency/power and target sentiment: :mod:`analysis.actors`). A stage's version is a hash of
its own code, settings and model weights plus the versions of the stages it reads,
so an edited lexicon recomputes only terms, a new scorer only its column, and new
articles are the only ones annotated.

**Shards**: articles are grouped in corpus order into shards of at most
``shard_articles`` articles and ``shard_words`` words; every table has one file per
shard. An article is keyed by a hash of its id and body: an edited or removed
article leaves its shard (its rows are filtered out, nothing is recomputed) and an
edited one is annotated again in a new shard.

**Where it runs**: shards are annotated by :func:`analysis.stages.annotate_partition`,
in this process, in a process pool (``processes``), or on a dask.distributed cluster
(``scheduler="local:N"`` or ``"tcp://host:port"``; the optional ``dask`` extra). Models
load once per worker process; shards reach the workers through ``dask.dataframe.read_parquet``
and ``map_partitions``; the client writes every file, so tables do not depend on where
they were computed.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths
from .corpus import Article, Corpus, CorpusError
from .stages import Plan, Settings
from .tables import SCHEMAS, SCORERS, SchemaError, empty_frame, normalise, schema_markdown, to_parquet_bytes  # noqa: F401

FORMAT = 1
MANIFEST = "manifest.json"


#: Stages in the order they run; each writes the tables whose schema names it.
STAGES: tuple[str, ...] = ("parse", "sentences", "voices", "vader", "minilm", "transformer", "terms", "actors")
DEFAULT_STAGES: tuple[str, ...] = ("parse", "sentences", "voices", "vader", "minilm", "terms", "actors")
#: Tables each stage writes whole (score stages write one column of ``scores`` each).
OWNS: dict[str, tuple[str, ...]] = {
    "parse": ("tokens", "entities"), "sentences": ("paragraphs", "sentences"), "voices": ("quotes", "segments", "mark_issues"),
    "minilm": ("learned_terms",), "terms": ("terms",), "actors": ("actors",),
}
#: What each stage reads.
REQUIRES: dict[str, tuple[str, ...]] = {
    "parse": (), "sentences": (), "voices": ("parse", "sentences"), "vader": ("sentences",), "minilm": ("sentences",),
    "transformer": ("sentences",), "terms": ("parse", "voices"), "actors": ("parse", "sentences", "voices"),
}


# ----------------------------------------------------------------------------- versions


def _code_hash(*modules: str) -> str:
    h = hashlib.sha256()
    here = Path(__file__).parent
    for m in modules:
        h.update((here / f"{m}.py").read_bytes())
    return h.hexdigest()[:12]


def _deps(stage: str, settings: Settings) -> tuple[str, ...]:
    return REQUIRES[stage] + (("minilm",) if stage == "terms" and settings.learned else ())


def stage_versions(settings: Settings, stages: Sequence[str]) -> dict[str, str]:
    """The version of each stage of a closure (see :func:`closure`): a hash of its own code,
    settings and weights and of the versions of the stages it reads."""
    from importlib.metadata import version

    from .nlp import pipeline_version

    def own(stage: str) -> str:
        if stage == "parse":
            import inspect

            from .stages import docs_from_tokens, token_tables

            code = inspect.getsource(token_tables) + inspect.getsource(docs_from_tokens) + repr(SCHEMAS["tokens"])
            return f"parse-{hashlib.sha256(code.encode()).hexdigest()[:12]}|{pipeline_version()}"
        if stage == "sentences":
            return f"sentences-{_code_hash('sentences')}"
        if stage == "voices":
            verbs = hashlib.sha256(paths.SPEECH_VERBS.read_bytes()).hexdigest()[:12]
            return f"voices-{_code_hash('marks', 'quotes', 'speakers', 'verbs', 'sentences')}|verbs-{verbs}"
        if stage == "vader":
            return f"vaderSentiment-{version('vaderSentiment')}"
        if stage == "minilm":
            from .minilm import weights_hash

            return f"minilm-joint-{weights_hash(settings.model_dir)}-int8-len128"
        if stage == "transformer":
            return f"transformer-{settings.transformer_model}"
        if stage == "actors":
            from .actors import aliases_version
            from .connotation import frames_version
            from .minilm import weights_hash

            import inspect

            from .stages import _actors

            code = hashlib.sha256(inspect.getsource(_actors).encode()).hexdigest()[:12]
            return (f"actors-{_code_hash('actors', 'connotation', 'targets', 'speakers')}-{code}"
                    f"|aliases-{aliases_version(settings.aliases)}"
                    f"|frames-{frames_version(settings.agency_power)}|targets-{weights_hash(settings.target_model_dir)}-int8-len128")
        from .lexicon import lexicon_files, lexicon_hash

        cal = Path(settings.model_dir) / "calibration.json"
        cal_hash = hashlib.sha256(cal.read_bytes()).hexdigest()[:12] if cal.exists() else "none"
        return (f"terms-{_code_hash('lexicon')}|lexicon-{lexicon_hash(lexicon_files(settings.lexicon_files))}"
                f"|learned-{settings.learned}|calibration-{cal_hash}")

    full: dict[str, str] = {}
    for stage in STAGES:
        if stage in stages:
            parts = [own(stage)] + [full[d] for d in _deps(stage, settings)]
            full[stage] = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return full


def downstream(stage: str, settings: Settings) -> set[str]:
    """Stages whose results depend on ``stage`` (transitively)."""
    out: set[str] = set()
    for s in STAGES:
        if stage in _deps(s, settings) or out & set(_deps(s, settings)):
            out.add(s)
    return out


def closure(stages: Iterable[str], settings: Settings) -> list[str]:
    """The stages needed to build ``stages`` (their requirements included), in run order."""
    out: set[str] = set()

    def add(s: str) -> None:
        if s not in STAGES:
            raise ValueError(f"unknown stage {s!r} (stages: {', '.join(STAGES)})")
        if s in out:
            return
        out.add(s)
        for d in _deps(s, settings):
            add(d)

    for s in stages:
        add(s)
    if "transformer" in out and not settings.transformer_model:
        raise ValueError("the transformer stage needs a model id or path (transformer_model / --model)")
    return [s for s in STAGES if s in out]


# ----------------------------------------------------------------------------- manifest


def article_key(article: Article) -> str:
    """Content key of an article: hash of its id and body."""
    return hashlib.sha256(article.id.encode("utf-8") + b"\0" + article.body.encode("utf-8")).hexdigest()[:32]


def _read_manifest(root: Path) -> dict:
    path = root / MANIFEST
    if not path.exists():
        return {"format": FORMAT, "next_shard": 0, "shards": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise CorpusError(path, None, f"store format {data.get('format')} is not {FORMAT}: delete the folder and annotate again")
    return data


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(path)


def _save_manifest(root: Path, manifest: dict) -> None:
    _write_atomic(root / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())


@contextlib.contextmanager
def _locked(root: Path):
    """One build at a time per store (a second one waits)."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ----------------------------------------------------------------------------- build


@dataclass
class StageReport:
    seconds: float = 0.0
    computed: int = 0
    cached: int = 0


@dataclass
class BuildReport:
    """What a build did: articles, words, wall seconds, and per stage seconds (summed over workers) and counts."""

    store: Path
    articles: int
    words: int
    skipped: int
    seconds: float
    stages: dict[str, StageReport] = field(default_factory=dict)
    shards: int = 0
    computed_shards: int = 0

    def summary(self) -> str:
        parts = [f"annotate: {self.articles:,} articles, {self.words:,} words, {self.seconds:.1f} s"
                 + (f", {self.skipped:,} skipped" if self.skipped else "")]
        for name, r in self.stages.items():
            parts.append(f"{name} {r.seconds:.1f} s ({r.computed:,} computed, {r.cached:,} cached)")
        return " | ".join(parts)


def _shard_name(n: int) -> str:
    return f"s{n:05d}"


def _chunks(items: list[tuple[Article, str]], max_articles: int, max_words: int) -> list[list[tuple[Article, str]]]:
    out: list[list[tuple[Article, str]]] = []
    cur: list[tuple[Article, str]] = []
    words = 0
    for item in items:
        n = item[0].n_words
        if cur and (len(cur) >= max_articles or words + n > max_words):
            out.append(cur)
            cur, words = [], 0
        cur.append(item)
        words += n
    if cur:
        out.append(cur)
    return out


def articles_rows(articles: Sequence[Article], positions: Sequence[int], shard: str) -> pd.DataFrame:
    """The articles-table rows of some articles (metadata, size, hash, body)."""
    from .corpus import KNOWN_FIELDS

    rows = []
    for a, pos in zip(articles, positions):
        extra = {k: v for k, v in a.extra.items() if k not in KNOWN_FIELDS and k != "input_id"}
        rows.append({
            "article_id": a.id, "position": pos, "shard": shard, "title": a.title, "outlet": a.outlet, "date": a.date,
            "url": a.url, "language": a.language, "notes": a.notes, "words": a.n_words, "chars": len(a.body),
            "sha256": a.sha256, "source": paths.display_path(a.source) if a.source else None,
            "meta": json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str) if extra else None, "body": a.body,
        })
    return pd.DataFrame(rows, columns=SCHEMAS["articles"].names)


def build(
    source: str | Path | Sequence[str | Path] | None = None,
    *,
    corpus: Corpus | None = None,
    out: str | Path | None = None,
    stages: Sequence[str] = DEFAULT_STAGES,
    processes: int | None = None,
    scheduler: str | None = None,
    lexicon_files: Sequence[str | Path] = (),
    transformer_model: str | None = None,
    learned: bool = True,
    shard_articles: int = 250,
    shard_words: int = 100_000,
    progress: bool | None = None,
    max_chars: int | None = None,
    aliases: str | Path | None = None,
    agency_power: str | Path | None = None,
) -> BuildReport:
    """Build or update the store of a corpus; return what was done.

    ``source``: anything :func:`analysis.importers.load_source` reads (default: the shipped
    corpus), or pass a loaded ``corpus``. ``out``: the store folder (default
    :func:`analysis.paths.store_dir` of the source). ``stages``: what to build (their
    requirements are added). ``processes``: worker processes (default: all cores; 1 runs
    here). ``scheduler``: ``"local:N"`` (a dask LocalCluster of N workers) or a
    dask.distributed scheduler address (``tcp://host:port``), instead of the pool.
    ``lexicon_files``: lexicons added to ``corpus/lexicons``. ``learned``: run the learned
    loaded-word detector (needs the minilm stage). ``max_chars``: the size cap of one article body
    (default :data:`analysis.corpus.MAX_CHARS`; larger bodies are refused). ``aliases``: the actors' alias
    table (default ``corpus/actors/aliases.csv``); ``agency_power``: the Sap et al. (2017) verb lexicon
    (default ``paths.AGENCY_POWER``; absent: the agency and power columns stay empty). Errors: CorpusError when the source
    yields no article (naming what was found); SchemaError when a stage writes a bad table.
    """
    from .importers import load_source

    t0 = time.perf_counter()
    if corpus is None:
        corpus = load_source(source if source is not None else paths.ARTICLES,
                             **({"max_chars": max_chars} if max_chars is not None else {}))
    if not len(corpus):
        raise CorpusError(str(source), None, "no articles to annotate")
    root = Path(out) if out is not None else paths.store_dir(source)
    settings = Settings(lexicon_files=tuple(str(Path(f).resolve()) for f in lexicon_files),
                        transformer_model=transformer_model, learned=learned,
                        aliases=str(Path(aliases or paths.ACTOR_ALIASES).resolve()),
                        agency_power=str(Path(agency_power or paths.AGENCY_POWER).resolve()))
    wanted = closure(list(stages) + (["transformer"] if transformer_model else []), settings)
    versions = stage_versions(settings, wanted)
    with _locked(root):
        manifest = _read_manifest(root)
        shards = _reconcile(root, manifest, corpus, shard_articles=shard_articles, shard_words=shard_words)
        todo: dict[str, list[str]] = {}
        for name, info in shards.items():
            need: list[str] = []
            for s in wanted:  # in run order: a stage whose input is recomputed is recomputed too
                if info["stages"].get(s) != versions[s] or set(_deps(s, settings)) & set(need):
                    need.append(s)
            if need:
                todo[name] = need
        lexicon = None
        if "terms" in wanted and any("terms" in v for v in todo.values()):
            from .lexicon import lexicon_files as _files, load_lexicon

            lexicon = load_lexicon(_files(settings.lexicon_files))
        if any("minilm" in v for v in todo.values()) and not scheduler:
            from .minilm import onnx_path

            onnx_path(settings.model_dir)  # export once here, not in every worker
        if any("actors" in v for v in todo.values()) and not scheduler:
            from .targets import HEAD_PREFIXES, _export
            from .minilm import onnx_path

            onnx_path(settings.target_model_dir, export=_export, head_prefixes=HEAD_PREFIXES)
        cal_path = Path(settings.model_dir) / "calibration.json"
        calibration = json.loads(cal_path.read_text(encoding="utf-8")) if cal_path.exists() else None
        plan = Plan(store=str(root.resolve()), stages=todo, versions=versions, settings=settings, lexicon=lexicon,
                    calibration=calibration)
        report = BuildReport(store=root, articles=len(corpus), words=sum(a.n_words for a in corpus.articles),
                             skipped=len(corpus.skipped), seconds=0.0, shards=len(shards), computed_shards=len(todo))
        report.stages = {s: StageReport() for s in wanted}
        counts = {n: len(info["articles"]) for n, info in shards.items()}
        for s in wanted:
            report.stages[s].cached = sum(c for n, c in counts.items() if s not in todo.get(n, ()))
        order = sorted(todo, key=lambda n: (-shards[n]["words"], n))  # largest first: less idle time at the end
        bars = _Bars(wanted, {s: sum(counts[n] for n in order if s in todo[n]) for s in wanted}, progress)
        try:
            for result in _run(plan, order, processes=processes, scheduler=scheduler):
                for table, data in result.files.items():
                    target = root / table / f"{result.shard}.parquet"
                    if data is None:
                        target.unlink(missing_ok=True)
                    else:
                        _write_atomic(target, data)
                info = manifest["shards"][result.shard]
                stale = set().union(*(downstream(s, settings) for s in result.stages)) - set(result.stages)
                for stage in stale:
                    if info["stages"].pop(stage, None) is not None:
                        for table in OWNS.get(stage, ()):
                            (root / table / f"{result.shard}.parquet").unlink(missing_ok=True)
                for stage in result.stages:
                    info["stages"][stage] = versions[stage]
                    report.stages[stage].seconds += result.seconds.get(stage, 0.0)
                    report.stages[stage].computed += counts[result.shard]
                    bars.update(stage, counts[result.shard])
                _save_manifest(root, manifest)
        finally:
            bars.close()
        skipped = corpus.skipped.copy()
        _write_atomic(root / "skipped" / "skipped.parquet", to_parquet_bytes("skipped", skipped))
        manifest["corpus"] = {"articles": len(corpus), "skipped": len(corpus.skipped), "inputs": corpus.n_inputs,
                              "sha256": corpus.sha256}
        manifest["built"] = {**manifest.get("built", {}), **{s: versions[s] for s in wanted}}
        _save_manifest(root, manifest)
    report.seconds = time.perf_counter() - t0
    return report


def _reconcile(root: Path, manifest: dict, corpus: Corpus, *, shard_articles: int, shard_words: int) -> dict:
    """Match the corpus to the manifest's shards: drop departed articles, shard new ones, refresh articles files.

    Returns the manifest's shard records (updated in place, saved).
    """
    keyed = [(a, article_key(a)) for a in corpus.articles]
    position = {key: i for i, (_, key) in enumerate(keyed)}
    by_key = {key: a for a, key in keyed}
    shards: dict = manifest["shards"]
    placed: set[str] = set()
    for name in sorted(shards):
        info = shards[name]
        keep = [[aid, key] for aid, key in info["articles"] if key in position and key not in placed]
        if len(keep) < len(info["articles"]):
            gone = {aid for aid, key in info["articles"]} - {aid for aid, _ in keep}
            _filter_shard(root, name, keep_ids={aid for aid, _ in keep}, n_gone=len(gone))
        if not keep:
            del shards[name]
            continue
        info["articles"] = sorted(keep, key=lambda r: position[r[1]])
        placed.update(key for _, key in keep)
    new = [(a, key) for a, key in keyed if key not in placed]
    for chunk in _chunks(new, shard_articles, shard_words):
        name = _shard_name(manifest["next_shard"])
        manifest["next_shard"] += 1
        shards[name] = {"articles": [[a.id, key] for a, key in chunk], "stages": {}}
    for name, info in shards.items():
        arts = [by_key[key] for _, key in info["articles"]]
        frame = articles_rows(arts, [position[key] for _, key in info["articles"]], name)
        data = to_parquet_bytes("articles", frame)
        digest = hashlib.sha256(data).hexdigest()[:16]
        info["words"] = int(frame.words.sum())
        if info.get("articles_hash") != digest or not (root / "articles" / f"{name}.parquet").exists():
            _write_atomic(root / "articles" / f"{name}.parquet", data)
            info["articles_hash"] = digest
    for table in SCHEMAS:
        folder = root / table
        if folder.is_dir() and table != "skipped":
            for f in folder.glob("*.parquet"):
                if f.stem not in shards:
                    f.unlink()
    _save_manifest(root, manifest)
    return shards


def _filter_shard(root: Path, shard: str, *, keep_ids: set[str], n_gone: int) -> None:
    """Rewrite every table file of a shard without the rows of departed articles (no recomputation)."""
    for table in SCHEMAS:
        path = root / table / f"{shard}.parquet"
        if table in ("articles", "skipped") or not path.exists():
            continue
        frame = pd.read_parquet(path)
        if not keep_ids:
            path.unlink()
            continue
        kept = frame[frame.article_id.isin(keep_ids)].reset_index(drop=True)
        extra = [c for c in kept.columns if c not in SCHEMAS[table].names]
        _write_atomic(path, to_parquet_bytes(table, kept[SCHEMAS[table].names + extra]))


class _Bars:
    """One tqdm bar per stage (articles computed), with rate and ETA (:mod:`analysis.progress`)."""

    def __init__(self, stages: Sequence[str], totals: dict[str, int], force: bool | None) -> None:
        from .progress import bar, enabled

        self.bars = {}
        if enabled(force):
            for i, s in enumerate(st for st in stages if totals[st]):
                self.bars[s] = bar(total=totals[s], desc=f"{s:<11}", unit="art", position=i, force=True)

    def update(self, stage: str, n: int) -> None:
        if stage in self.bars:
            self.bars[stage].update(n)

    def close(self) -> None:
        for b in self.bars.values():
            b.close()


def _run(plan: Plan, order: list[str], *, processes: int | None, scheduler: str | None):
    """Yield each shard's result as it completes: here, in a process pool, or on dask."""
    from .stages import run_shard

    if not order:
        return
    if scheduler:
        yield from _run_dask(plan, order, scheduler)
        return
    n = processes if processes is not None else (os.cpu_count() or 1)
    n = max(1, min(n, len(order)))
    if n == 1:
        for shard in order:
            yield run_shard(shard, plan)
        return
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from .stages import init_worker

    with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"), initializer=init_worker) as pool:
        pending = {pool.submit(run_shard, shard, plan) for shard in order}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: f.result().shard):
                yield fut.result()


def _run_dask(plan: Plan, order: list[str], scheduler: str):
    """Shards through dask: read_parquet over the shards' articles files, map_partitions, results as they complete."""
    try:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RuntimeError('--scheduler needs the dask extra: pip install -e ".[dask]"') from None
    from .stages import RESULT_META, annotate_partition, init_worker

    cluster = None
    if scheduler.startswith("local:"):
        n = int(scheduler.split(":", 1)[1] or 1)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=40)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        client.run(init_worker)
        files = [str(Path(plan.store) / "articles" / f"{shard}.parquet") for shard in order]
        frame = dd.read_parquet(files, split_row_groups=False, blocksize=None)
        if frame.npartitions != len(files):
            raise RuntimeError(f"dask read {frame.npartitions} partitions from {len(files)} shard files")
        results = frame.map_partitions(annotate_partition, plan, meta=RESULT_META)
        futures = client.compute(results.to_delayed())
        for fut in as_completed(futures):
            part = fut.result()
            for res in part["result"]:
                yield res
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ----------------------------------------------------------------------------- reading


class Store:
    """An annotation store on disk: tables in corpus order with their documented dtypes.

    ``Store(path)`` opens a built store; :func:`open_store` builds (or updates) one first.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / MANIFEST).exists():
            raise CorpusError(self.path, None, "not an annotation store (no manifest.json): run python -m analysis annotate")
        self.manifest = _read_manifest(self.path)
        self._cache: dict[str, pd.DataFrame] = {}

    @property
    def shards(self) -> list[str]:
        return sorted(self.manifest["shards"])

    def has(self, stage: str) -> bool:
        """Whether every shard has ``stage`` at the version last built."""
        want = self.manifest.get("built", {}).get(stage)
        return want is not None and all(i["stages"].get(stage) == want for i in self.manifest["shards"].values())

    def table(self, name: str, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A whole table, rows in corpus order (article position, then offsets)."""
        if name not in SCHEMAS:
            raise KeyError(f"unknown table {name!r} (tables: {', '.join(SCHEMAS)})")
        key = f"{name}:{','.join(columns) if columns else ''}"
        if key in self._cache:
            return self._cache[key]
        schema = SCHEMAS[name]
        if name == "skipped":
            path = self.path / "skipped" / "skipped.parquet"
            frame = pd.read_parquet(path) if path.exists() else empty_frame("skipped")
            return frame
        stage = schema.stage
        if stage not in ("articles", "scores") and not self.has(stage):
            raise CorpusError(self.path, None, f"table {name} is not built (stage {stage}): run python -m analysis annotate")
        files = [self.path / name / f"{s}.parquet" for s in self.shards]
        files = [f for f in files if f.exists()]
        cols = list(columns) if columns else None
        if cols:
            cols = list(dict.fromkeys(["article_id", *(["position"] if name == "articles" else []), *cols]))
        frames = [pd.read_parquet(f, columns=cols) for f in files]
        frame = pd.concat(frames, ignore_index=True) if frames else empty_frame(name)[cols or slice(None)]
        if name != "articles":
            order = self.positions()
            sort = [k for k in schema.key if k in frame.columns and k != "article_id"]
            frame = frame.assign(_pos=frame.article_id.map(order)).sort_values(["_pos", *sort], kind="stable")
            frame = frame.drop(columns="_pos").reset_index(drop=True)
        else:
            frame = frame.sort_values("position", kind="stable").reset_index(drop=True)
        self._cache[key] = frame
        return frame

    def positions(self) -> dict[str, int]:
        if "_positions" not in self._cache:
            arts = self.table("articles", columns=["article_id", "position"])
            self._cache["_positions"] = dict(zip(arts.article_id, arts.position))
        return self._cache["_positions"]  # type: ignore[return-value]

    def articles(self) -> pd.DataFrame:
        """The articles table without bodies, metadata extras expanded into columns."""
        arts = self.table("articles").drop(columns="body")
        extras = [json.loads(m) if isinstance(m, str) else {} for m in arts.meta]
        keys = sorted({k for e in extras for k in e})
        for k in keys:
            if k not in arts.columns:
                arts[k] = [e.get(k) for e in extras]
        return arts

    def bodies(self) -> dict[str, str]:
        """{article_id: body}."""
        arts = self.table("articles", columns=["article_id", "body"])
        return dict(zip(arts.article_id, arts.body))

    def corpus(self) -> list[Article]:
        """The articles as :class:`Article` objects (for the HTML pages and the explorer)."""
        arts = self.table("articles")
        out = []
        for r in arts.itertuples():
            extra = json.loads(r.meta) if isinstance(r.meta, str) else {}
            date = r.date if not pd.isna(r.date) else None
            if date is not None and hasattr(date, "date"):
                date = date.date()
            out.append(Article(id=r.article_id, body=r.body, title=_s(r.title), outlet=_s(r.outlet), date=date,
                               url=_s(r.url), language=_s(r.language) or "en", notes=_s(r.notes), source=_s(r.source) or "",
                               extra=extra))
        return out

    def skipped(self) -> pd.DataFrame:
        """Inputs refused when the corpus was loaded: file, line, reason."""
        return self.table("skipped")

    def scored_sentences(self) -> pd.DataFrame:
        """The sentences table with one score column per scorer built (vader, minilm, transformer)."""
        sents = self.table("sentences")
        scores = self.table("scores")
        cols = [c for c in SCORERS if c in scores.columns]
        return sents.merge(scores[["article_id", "sentence", *cols]], on=["article_id", "sentence"], how="left")

    def doc(self, article_id: str):
        """The spaCy Doc of one article, rebuilt from the tokens table (no parsing)."""
        from .stages import docs_from_tokens

        tokens = self.table("tokens")
        return docs_from_tokens(tokens[tokens.article_id == article_id])[article_id]

    def content_hash(self, name: str) -> str:
        """SHA-256 of a table's content in canonical order (independent of shard layout and of where it was built)."""
        frame = self.table(name)
        if name == "articles":
            frame = frame.drop(columns=["shard"])
        cols = sorted(frame.columns)
        frame = frame[cols].sort_values([c for c in SCHEMAS[name].key if c in cols] or cols, kind="stable")
        return hashlib.sha256(frame.to_csv(index=False, lineterminator="\n").encode()).hexdigest()


def _s(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v)


def open_store(
    source: str | Path | Sequence[str | Path] | None = None,
    *,
    out: str | Path | None = None,
    stages: Sequence[str] = DEFAULT_STAGES,
    build_missing: bool = True,
    **kwargs: Any,
) -> Store:
    """The store of a corpus source, built or updated first (only what is missing is computed).

    A notebook's first cell: ``store = open_store(corpus_path)``. ``source`` None is the
    shipped corpus. Keyword arguments go to :func:`build`.
    """
    root = Path(out) if out is not None else paths.store_dir(source)
    if build_missing:
        report = build(source, out=root, stages=stages, **kwargs)
        if report.computed_shards:
            print(report.summary(), file=sys.stderr)
    return Store(root)


_TEMPORARY: list[str] = []


def annotate_articles(articles: Sequence[Article], *, stages: Sequence[str] = DEFAULT_STAGES,
                      out: str | Path | None = None, **kwargs: Any) -> Store:
    """A store for articles that are not a corpus on disk (JSON Lines input, tests, short texts).

    Built in ``out`` or in a temporary folder removed when the process exits; one process,
    no progress bars unless asked. Keyword arguments go to :func:`build`.
    """
    import atexit
    import shutil
    import tempfile

    from .corpus import skipped_frame

    if out is None:
        out = tempfile.mkdtemp(prefix="framing-store-")
        if not _TEMPORARY:
            atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _TEMPORARY])
        _TEMPORARY.append(out)
    kwargs.setdefault("processes", 1)
    kwargs.setdefault("progress", False)
    arts = list(articles)
    if not arts:
        raise CorpusError("<input>", None, "no articles to annotate")
    build(corpus=Corpus(articles=arts, skipped=skipped_frame([]), n_inputs=len(arts)), out=out, stages=stages, **kwargs)
    return Store(out)
