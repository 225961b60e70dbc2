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
import re
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


def _registry():
    from .registry import stages

    return stages()


#: Stages in the order they run, their default set, the tables each writes whole and the stages each
#: reads: all from the registry (analysis.registry), where each stage is declared once.
STAGES: tuple[str, ...] = tuple(_registry())
DEFAULT_STAGES: tuple[str, ...] = tuple(n for n, s in _registry().items() if s.default)
OWNS: dict[str, tuple[str, ...]] = {n: s.writes for n, s in _registry().items() if s.writes}
REQUIRES: dict[str, tuple[str, ...]] = {n: s.reads for n, s in _registry().items()}
EXTRA_STAGES = {n: s for n, s in _registry().items() if s.compute is not None}


# ----------------------------------------------------------------------------- versions


def _code_hash(*modules: str) -> str:
    from .registry import code_hash

    return code_hash(*modules)


def _deps(stage: str, settings: Settings) -> tuple[str, ...]:
    st = _registry()[stage]
    return st.reads + tuple(st.extra_reads(settings))


def stage_versions(settings: Settings, stages: Sequence[str]) -> dict[str, str]:
    """The version of each stage of a closure (see :func:`closure`): a hash of its own code,
    settings and weights (the registry's ``version``) and of the versions of the stages it reads."""
    full: dict[str, str] = {}
    for stage in STAGES:
        if stage in stages:
            parts = [_registry()[stage].version(settings)] + [full[d] for d in _deps(stage, settings)]
            full[stage] = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return full


def versions_without_optional(settings: Settings, stages: Sequence[str]) -> dict[str, str]:
    """:func:`stage_versions` as if every optional input were absent (the GPL agency/power lexicon): what a
    figure's provenance records, so that a machine without the input changes only the records of the
    figures that read it (they record the input themselves: :func:`analysis.provenance.with_inputs`)."""
    import dataclasses

    return stage_versions(dataclasses.replace(settings, agency_power="<optional input: absent>"), stages)


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
        return {"format": FORMAT, "next_shard": 0, "shards": {}, "files": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreFault(path, None, f"unreadable store manifest ({exc}): delete the folder and annotate again") from None
    if not _is_store_manifest(data):
        raise CorpusError(path, None, "this manifest.json is not an annotation store's (no format and shards): the folder "
                                      "is not a store; refusing to use it: choose another --out")
    if data.get("format") != FORMAT:
        raise CorpusError(path, None, f"store format {data.get('format')} is not {FORMAT}: delete the folder and annotate again")
    data.setdefault("files", {})
    return data


def _is_store_manifest(data: object) -> bool:
    """Whether parsed JSON looks like a store manifest (another program's manifest.json does not)."""
    return isinstance(data, dict) and "format" in data and isinstance(data.get("shards"), dict)


class StoreFault(CorpusError):
    """A store file that is missing, truncated or corrupted (its checksum differs from the manifest's)."""


#: Shard file names the store writes (``s00000.parquet``); nothing else in a table folder is ever touched.
_SHARD_FILE = re.compile(r"^s\d{5}\.parquet$")
#: Temporary files the store writes before renaming them into place (left behind by a killed build).
_TMP_FILE = re.compile(r"^\.(?:s\d{5}\.parquet|skipped\.parquet|manifest\.json)\.tmp\d+$")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes, store: Path | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place (readers never see half a
    file); a full disk or a read-only folder is a CorpusError naming the file and the store folder
    (``store``, default the file's folder), and the temporary file is removed."""
    import errno

    store = path.parent if store is None else store
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            full = "quota exceeded" if exc.errno == errno.EDQUOT else "the disk is full"
            raise CorpusError(path, None, f"{full} while writing the annotation store {store}: free some space and run "
                                          "annotate again (files written so far are complete and recorded; nothing "
                                          "half-written is kept)") from None
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise CorpusError(path, None, f"cannot write the annotation store {store} ({exc.strerror}): "
                                          "choose another --out") from None
        raise


def _save_manifest(root: Path, manifest: dict) -> None:
    _write_atomic(root / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode(), root)


def _write_table(root: Path, manifest: dict, table: str, shard: str, data: bytes) -> None:
    """Write one table file and record its checksum in the manifest (saved by the caller)."""
    _write_atomic(root / table / f"{shard}.parquet", data, root)
    manifest["files"][f"{table}/{shard}.parquet"] = _digest(data)


def _remove_table(root: Path, manifest: dict, table: str, shard: str) -> None:
    (root / table / f"{shard}.parquet").unlink(missing_ok=True)
    manifest["files"].pop(f"{table}/{shard}.parquet", None)


def verify_file(root: Path, manifest: dict, rel: str) -> str | None:
    """Why a recorded store file cannot be used (``"missing"``, ``"corrupted"``), or None when its
    content matches the manifest's checksum. Files the manifest has no checksum for (stores written
    before checksums) are only checked to exist."""
    path = root / rel
    if not path.exists():
        return "missing"
    want = manifest.get("files", {}).get(rel)
    if want is None:
        return None
    try:
        return None if _digest(path.read_bytes()) == want else "corrupted"
    except OSError:
        return "unreadable"


def _clean_temporary(root: Path) -> int:
    """Remove temporary files a killed or failed build left behind (only the store's own patterns).
    Call it holding the store's lock: a running build's temporary files are its own."""
    n = 0
    for f in _temporary_files(root):
        with contextlib.suppress(OSError):
            f.unlink()
            n += 1
    return n


def _temporary_files(root: Path) -> list[Path]:
    """Temporary files of the store's own patterns in its folder and table folders."""
    out = []
    for folder in [root, *[root / t for t in SCHEMAS]]:
        with contextlib.suppress(OSError):
            out.extend(f for f in folder.iterdir() if _TMP_FILE.match(f.name))
    return out


def _clean_idle(root: Path) -> int:
    """Remove an interrupted build's temporary files from a store that needs no build, when no build
    holds it (never blocks; a read-only store, or one without temporary files, is not touched)."""
    if not _temporary_files(root):
        return 0
    import fcntl

    try:
        fh = open(root / ".lock", "a+")
    except OSError:
        return 0
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0  # a build is running: its temporary files are its own
        try:
            return _clean_temporary(root)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


#: Seconds a build waits for another build of the same store before giving up; the environment
#: variable FRAMING_LOCK_TIMEOUT, read when a build starts, overrides it.
LOCK_TIMEOUT: float = 3600.0


def _lock_timeout() -> float:
    raw = os.environ.get("FRAMING_LOCK_TIMEOUT", "").strip()
    if not raw:
        return LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise CorpusError("FRAMING_LOCK_TIMEOUT", None, f"{raw!r} is not a number of seconds (0 or more)")
    return value


def _lock_record() -> str:
    """What a build writes into the lock file it holds: who it is, for a build that waits on it."""
    import socket

    return json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S"),
                       "command": " ".join([Path(sys.executable).name, *sys.argv])[:300]}) + "\n"


def _flock_pid(fh) -> int | None:
    """The process holding an exclusive flock on an open file, from /proc/locks (Linux; None elsewhere)."""
    try:
        st = os.fstat(fh.fileno())
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    dev = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:
        parts = line.split()
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[3] == "WRITE" and parts[5] == dev:
            with contextlib.suppress(ValueError):
                return int(parts[4])
    return None


def _process_command(pid: int) -> str | None:
    with contextlib.suppress(OSError):
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return " ".join(a.decode("utf-8", "replace") for a in raw.split(b"\0") if a)[:300] or None
    return None


def _lock_holder(fh) -> tuple[int | None, str]:
    """(pid, description) of whoever holds the store's lock: the record the holding build wrote, checked
    against the kernel's lock table where there is one."""
    record: dict = {}
    with contextlib.suppress(OSError, ValueError):
        fh.seek(0)
        record = json.loads(fh.read() or "{}")
    if not isinstance(record, dict):
        record = {}
    pid = _flock_pid(fh)
    if pid is not None and record.get("pid") not in (None, pid):
        record = {}  # a stale record: the kernel names another holder
    pid = pid if pid is not None else record.get("pid") if isinstance(record.get("pid"), int) else None
    if pid is None:
        return None, "another process (it left no record of itself)"
    command = record.get("command") or _process_command(pid)
    where = f" on {record['host']}" if record.get("host") else ""
    since = f", since {record['since']}" if record.get("since") else ""
    return pid, f"process {pid}{where}" + (f" ({command})" if command else "") + since


@contextlib.contextmanager
def _locked(root: Path, *, timeout: float | None = None):
    """One build at a time per store: a second one waits, at most ``timeout`` seconds (default
    FRAMING_LOCK_TIMEOUT or :data:`LOCK_TIMEOUT`), then raises CorpusError naming the process that
    holds the store. The holder records itself (pid, host, command, start) in the lock file."""
    import fcntl

    timeout = _lock_timeout() if timeout is None else timeout
    try:
        root.mkdir(parents=True, exist_ok=True)
        fh = open(root / ".lock", "a+")
    except OSError as exc:
        raise CorpusError(root, None, f"cannot write the annotation store {root} ({exc.strerror}): "
                                      "choose another --out") from None
    with fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    _, who = _lock_holder(fh)
                    raise CorpusError(root, None, f"the store is locked by another build: {who}. Waited {timeout:g} s "
                                                  f"(FRAMING_LOCK_TIMEOUT) for it to release {root / '.lock'}: wait "
                                                  "for it to finish, or stop it") from None
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        with contextlib.suppress(OSError):
            fh.seek(0)
            fh.truncate()
            fh.write(_lock_record())
            fh.flush()
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                fh.seek(0)
                fh.truncate()
                fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_owned(root: Path) -> None:
    """Refuse to build in a folder that holds files but is not an annotation store (no manifest, or a
    manifest.json that is not a store's), before anything is written there."""
    if root.exists() and not root.is_dir():
        raise CorpusError(root, None, "the store location is a file, not a folder: choose another --out")
    manifest = root / MANIFEST
    if manifest.is_file():
        try:
            foreign = not _is_store_manifest(json.loads(manifest.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            foreign = False  # unreadable: the build's own reading says so (StoreFault)
        if foreign:
            raise CorpusError(root, None, f"this folder is not an annotation store (its {MANIFEST} is another "
                                          "program's): refusing to write into it; choose an empty or new folder")
    elif manifest.exists():
        raise CorpusError(root, None, f"this folder is not an annotation store ({MANIFEST} is not a file): "
                                      "refusing to write into it; choose an empty or new folder")
    if root.is_dir() and not manifest.exists():
        # the lock and an interrupted first build's temporary manifest are the store's own
        others = [p.name for p in root.iterdir() if p.name != ".lock" and not _TMP_FILE.match(p.name)]
        if others:
            raise CorpusError(root, None, f"this folder is not an annotation store (no {MANIFEST}) and is not empty "
                                          f"({len(others)} entries, e.g. {sorted(others)[0]!r}): refusing to write into it; "
                                          "choose an empty or new folder")


def _importing_main() -> bool:
    """True while the ``__mp_main__`` module (a spawned child's copy of the parent's script) is still executing."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_globals.get("__name__") == "__mp_main__":
            return True
        frame = frame.f_back
    return False


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
    #: Article ids of the corpus when it was a subset of the store's (another source): readers filter to them.
    subset: set[str] | None = None
    #: Their content keys (:func:`article_key`): ``Store(path, only=report.subset, keys=report.subset_keys)``
    #: reads this corpus's version of an article the store also holds in another version.
    subset_keys: set[str] | None = None
    #: (shard, table) of files found missing or corrupted, and rebuilt.
    faults: list[tuple[str, str]] = field(default_factory=list)
    #: Temporary files of an earlier, interrupted build that were removed.
    cleaned: int = 0

    def summary(self) -> str:
        parts = [f"annotate: {self.articles:,} articles, {self.words:,} words, {self.seconds:.1f} s"
                 + (f", {self.skipped:,} skipped" if self.skipped else "")]
        for name, r in self.stages.items():
            parts.append(f"{name} {r.seconds:.1f} s ({r.computed:,} computed, {r.cached:,} cached)")
        if self.faults:
            parts.append(f"rebuilt {len(self.faults)} missing or corrupted file(s)")
        if self.cleaned:
            parts.append(f"removed {self.cleaned} temporary file(s) of an interrupted build")
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
    frame_model_dir: str | Path | None = None,
    source_options: dict[str, Any] | None = None,
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
    (default ``paths.AGENCY_POWER``; absent: the agency and power columns stay empty); ``frame_model_dir``: the
    frames model folder (default ``paths.FRAME_MODEL``). ``source_options``: how the source is read
    (:func:`~analysis.importers.load_source`'s ``preset``, ``fields``, ``date_format``), recorded in the
    manifest; None reads it as the store last recorded (so a notebook opening a store built by ``make
    figures CORPUS=... FIELDS=...`` sees the same corpus), ``{}`` with the defaults. The manifest's
    ``corpus.read_as`` keeps the import summary (:attr:`analysis.corpus.Corpus.read_as`) of the
    last full build. Errors: CorpusError when the source
    yields no article (naming what was found); SchemaError when a stage writes a bad table.
    """
    from .importers import load_source

    t0 = time.perf_counter()
    _refuse_unguarded_start()
    # a corpus loaded from a named source (annotate, the notebooks command) keeps that source's key
    source_key = _source_key(source) if corpus is None or source is not None else None
    root = Path(out) if out is not None else paths.store_dir(source)
    if source_options is None:
        source_options = recorded_source_options(root)
    if corpus is None:
        corpus = load_source(source if source is not None else paths.ARTICLES, **source_options,
                             **({"max_chars": max_chars} if max_chars is not None else {}))
    if not len(corpus):
        raise CorpusError(str(source), None, "no articles to annotate")
    _check_owned(root)
    settings = Settings(lexicon_files=tuple(str(Path(f).resolve()) for f in lexicon_files),
                        transformer_model=transformer_model, learned=learned,
                        aliases=str(Path(aliases or paths.ACTOR_ALIASES).resolve()),
                        agency_power=str(Path(agency_power or paths.AGENCY_POWER).resolve()),
                        frame_model_dir=str(Path(frame_model_dir or paths.FRAME_MODEL).resolve()))
    wanted = closure(list(stages) + (["transformer"] if transformer_model else []), settings)
    versions = stage_versions(settings, wanted)
    report = BuildReport(store=root, articles=len(corpus), words=sum(a.n_words for a in corpus.articles),
                         skipped=len(corpus.skipped), seconds=0.0)
    current = _current(root, corpus, wanted, versions, source_key)
    if current is not None:  # nothing to do: no lock, no write (a read-only store is readable)
        report.shards, report.subset = current
        report.subset_keys = {article_key(a) for a in corpus.articles} if report.subset is not None else None
        report.cleaned = _clean_idle(root)
        report.stages = {s: StageReport(cached=len(corpus)) for s in wanted}
        report.seconds = time.perf_counter() - t0
        return report
    with _locked(root):
        manifest = _read_manifest(root)
        report.cleaned = _clean_temporary(root)
        if not (root / MANIFEST).exists():
            _save_manifest(root, manifest)  # first: a folder this build writes into is known as a store if it is killed
        subset = _is_subset(manifest, source_key)
        # articles files are rewritten from the corpus by _reconcile; a damaged one is reported as a fault too
        damaged = [name for name in sorted(manifest["shards"]) if verify_file(root, manifest, f"articles/{name}.parquet")]
        shards = _reconcile(root, manifest, corpus, shard_articles=shard_articles, shard_words=shard_words, prune=not subset)
        if not subset:
            manifest["source"] = source_key
        # a subset build rewrites no other shard's articles file: such a shard cannot be annotated by it
        unusable = {n for n in damaged if n in shards and verify_file(root, manifest, f"articles/{n}.parquet")}
        faults = [(name, "articles") for name in damaged if name in shards and name not in unusable]
        for name, _ in faults:
            print(f"annotate: articles/{name}.parquet was missing or corrupted: rebuilt it", file=sys.stderr)
        for name in sorted(unusable):
            print(f"annotate: articles/{name}.parquet is missing or corrupted and this corpus does not hold its "
                  "articles: annotate the store's own source to rebuild it", file=sys.stderr)
        faults += _verify_shards(root, manifest, {n: i for n, i in shards.items() if n not in unusable})
        if not subset and "skipped/skipped.parquet" in manifest["files"] and verify_file(root, manifest, "skipped/skipped.parquet"):
            faults.append(("skipped", "skipped"))  # rewritten below, as every full build does
            print("annotate: skipped/skipped.parquet is missing or corrupted: rebuilding it", file=sys.stderr)
        report.faults = faults
        todo: dict[str, list[str]] = {}
        for name, info in shards.items():
            if name in unusable:
                continue
            bad_tables = {t for (sh, t) in faults if sh == name}
            need: list[str] = []
            for s in wanted:  # in run order: a stage whose input is recomputed is recomputed too
                if (info["stages"].get(s) != versions[s] or set(_deps(s, settings)) & set(need)
                        or bad_tables & set(_writes(s))):
                    need.append(s)
            if need:
                todo[name] = need
        lexicon = None
        if "terms" in wanted and any("terms" in v for v in todo.values()):
            from .lexicon import lexicon_files as _files, load_lexicon

            lexicon = load_lexicon(_files(settings.lexicon_files))
        _prepare(todo, settings, scheduler)  # model exports: once here, not in every worker
        cal_path = Path(settings.model_dir) / "calibration.json"
        calibration = json.loads(cal_path.read_text(encoding="utf-8")) if cal_path.exists() else None
        plan = Plan(store=str(root.resolve()), stages=todo, versions=versions, settings=settings, lexicon=lexicon,
                    calibration=calibration)
        report.shards, report.computed_shards = len(shards), len(todo)
        report.stages = {s: StageReport() for s in wanted}
        counts = {n: len(info["articles"]) for n, info in shards.items()}
        ids = {a.id for a in corpus.articles}
        report.subset = ids if subset else None
        report.subset_keys = {article_key(a) for a in corpus.articles} if subset else None
        for s in wanted:
            report.stages[s].cached = sum(c for n, c in counts.items() if s not in todo.get(n, ()))
        order = sorted(todo, key=lambda n: (-shards[n]["words"], n))  # largest first: less idle time at the end
        bars = _Bars(wanted, {s: sum(counts[n] for n in order if s in todo[n]) for s in wanted}, progress)
        try:
            for result in _run(plan, order, processes=processes, scheduler=scheduler):
                for table, data in result.files.items():
                    if data is None:
                        _remove_table(root, manifest, table, result.shard)
                    else:
                        _write_table(root, manifest, table, result.shard, data)
                info = manifest["shards"][result.shard]
                stale = set().union(*(downstream(s, settings) for s in result.stages)) - set(result.stages)
                for stage in stale:
                    if info["stages"].pop(stage, None) is not None:
                        for table in OWNS.get(stage, ()):
                            _remove_table(root, manifest, table, result.shard)
                for stage in result.stages:
                    info["stages"][stage] = versions[stage]
                    report.stages[stage].seconds += result.seconds.get(stage, 0.0)
                    report.stages[stage].computed += counts[result.shard]
                    bars.update(stage, counts[result.shard])
                _save_manifest(root, manifest)
        finally:
            bars.close()
        if not subset:
            skipped = corpus.skipped.copy()
            _write_table(root, manifest, "skipped", "skipped", to_parquet_bytes("skipped", skipped))
            read_as = [{k: (None if pd.isna(v) else int(v) if k == "records" else str(v)) for k, v in row.items()}
                       for row in corpus.read_as.to_dict("records")]
            manifest["corpus"] = {"articles": len(corpus), "skipped": len(corpus.skipped), "inputs": corpus.n_inputs,
                                  "sha256": corpus.sha256, "options": source_options,
                                  "read_as": read_as}
        manifest["built"] = {**manifest.get("built", {}), **{s: versions[s] for s in wanted}}
        manifest["built_without_optional"] = {**manifest.get("built_without_optional", {}),
                                              **{s: v for s, v in versions_without_optional(settings, wanted).items()}}
        _save_manifest(root, manifest)
    report.seconds = time.perf_counter() - t0
    return report


def _prepare(todo: dict, settings: Settings, scheduler: str | None) -> None:
    """Each stage's ``prepare`` (a model export) once here, before workers start."""
    for name, stage in _registry().items():
        if stage.prepare is not None and any(name in v for v in todo.values()) and not scheduler:
            stage.prepare(settings)


_GUARD_MESSAGE = ("analysis.store.build was called while a worker process was starting: the script that "
                  "calls it needs an `if __name__ == \"__main__\":` guard (Python's multiprocessing re-imports "
                  "the script in every worker), or pass processes=1")


def _starting_worker() -> bool:
    """True in a spawned multiprocessing child that is still importing its parent's main script.

    A spawned child runs the parent's script as ``__mp_main__`` *before* its bootstrap sets
    ``multiprocessing.parent_process()``; meanwhile ``current_process()._inheriting`` is set (the flag
    multiprocessing's own bootstrapping check reads). Where that flag does not exist, a known parent
    stands in for it."""
    import multiprocessing as mp

    inheriting = getattr(mp.current_process(), "_inheriting", None)
    starting = bool(inheriting) if inheriting is not None else mp.parent_process() is not None
    return starting and _importing_main()


def _refuse_unguarded_start() -> None:
    """A spawned worker re-imports the parent's script; a script that builds a store at import time
    (no ``if __name__ == "__main__":`` guard) would build again in every worker and wait on the parent's
    lock forever. Raise instead, saying what to do."""
    if _starting_worker():
        raise RuntimeError(_GUARD_MESSAGE)


def recorded_source_options(root: str | Path) -> dict[str, Any]:
    """The ``source_options`` a store's last full build read its source with ({} when none or no store)."""
    try:
        manifest = _read_manifest(Path(root))
    except CorpusError:
        return {}
    return dict(manifest.get("corpus", {}).get("options") or {})


def _source_key(source) -> list[str] | None:
    """The resolved source path(s) a store was built from (recorded in the manifest)."""
    sources = [paths.ARTICLES] if source is None else ([source] if isinstance(source, (str, Path)) else list(source))
    return [str(Path(p).resolve()) for p in sources]


def _is_subset(manifest: dict, source_key: list[str] | None) -> bool:
    """Whether this build reads another corpus than the one the store was built from (then it adds what is
    missing but never prunes the store's other articles)."""
    recorded = manifest.get("source")
    return bool(manifest["shards"]) and source_key is not None and recorded is not None and recorded != source_key


def _writes(stage: str) -> tuple[str, ...]:
    """Tables a stage writes (score stages: the scores table's column)."""
    return OWNS.get(stage, ()) + (("scores",) if _registry()[stage].column else ())


SCORE_STAGES: tuple[str, ...] = tuple(n for n, s in _registry().items() if s.column)


def _shard_tables(manifest: dict, shard: str) -> list[str]:
    """The table files a shard should have: its articles and every table its built stages write."""
    info = manifest["shards"][shard]
    tables = {"articles"}
    for stage in info["stages"]:
        tables.update(_writes(stage))
    return sorted(t for t in tables if t in SCHEMAS)


def _verify_shards(root: Path, manifest: dict, shards: dict) -> list[tuple[str, str]]:
    """(shard, table) of every file that is missing or whose checksum differs from the manifest's."""
    faults = []
    for name in sorted(shards):
        for table in _shard_tables(manifest, name):
            if table == "articles":
                continue  # rewritten by _reconcile when it does not verify
            if table == "scores" and not any(s in SCORE_STAGES for s in manifest["shards"][name]["stages"]):
                continue
            why = verify_file(root, manifest, f"{table}/{name}.parquet")
            if why is not None:
                faults.append((name, table))
                print(f"annotate: {table}/{name}.parquet is {why}: rebuilding it", file=sys.stderr)
    return faults


def _current(root: Path, corpus: Corpus, wanted: list[str], versions: dict, source_key) -> tuple[int, set | None] | None:
    """(shards, subset ids or None) when the store already holds every article of ``corpus`` with every
    wanted stage at its version and every file verified; else None. Reads only."""
    if not (root / MANIFEST).exists():
        return None
    try:
        manifest = _read_manifest(root)
    except CorpusError:
        return None
    subset = _is_subset(manifest, source_key)
    keys = {article_key(a) for a in corpus.articles}
    where = {key: name for name, info in manifest["shards"].items() for _, key in info["articles"]}
    if not keys <= set(where) or (not subset and set(where) != keys):
        return None
    if not subset and (manifest.get("corpus", {}).get("sha256") != corpus.sha256 or manifest.get("source") != source_key):
        return None
    used = {where[k] for k in keys}
    for name in used:
        info = manifest["shards"][name]
        if any(info["stages"].get(s) != versions[s] for s in wanted):
            return None
        for table in _shard_tables(manifest, name):
            if verify_file(root, manifest, f"{table}/{name}.parquet") is not None:
                return None
    if not subset:
        if "skipped/skipped.parquet" in manifest.get("files", {}) and verify_file(root, manifest, "skipped/skipped.parquet"):
            return None
        position = {article_key(a): i for i, a in enumerate(corpus.articles)}
        by_key = {article_key(a): a for a in corpus.articles}
        for name in used:
            info = manifest["shards"][name]
            frame = articles_rows([by_key[k] for _, k in info["articles"]], [position[k] for _, k in info["articles"]], name)
            if info.get("articles_hash") != hashlib.sha256(to_parquet_bytes("articles", frame)).hexdigest()[:16]:
                return None
    return len(manifest["shards"]), ({a.id for a in corpus.articles} if subset else None)


def _reconcile(root: Path, manifest: dict, corpus: Corpus, *, shard_articles: int, shard_words: int,
               prune: bool = True) -> dict:
    """Match the corpus to the manifest's shards: drop departed articles (``prune``), shard new ones,
    refresh articles files. Only files the store itself names (``s00000.parquet``) are ever removed.

    Returns the manifest's shard records (updated in place, saved).
    """
    keyed = [(a, article_key(a)) for a in corpus.articles]
    position = {key: i for i, (_, key) in enumerate(keyed)}
    by_key = {key: a for a, key in keyed}
    shards: dict = manifest["shards"]
    placed: set[str] = set()
    for name in sorted(shards):
        info = shards[name]
        if not prune:
            placed.update(key for _, key in info["articles"])
            continue
        keep = [[aid, key] for aid, key in info["articles"] if key in position and key not in placed]
        if len(keep) < len(info["articles"]):
            gone = {aid for aid, key in info["articles"]} - {aid for aid, _ in keep}
            _filter_shard(root, manifest, name, keep_ids={aid for aid, _ in keep}, n_gone=len(gone))
        if not keep:
            del shards[name]
            continue
        info["articles"] = sorted(keep, key=lambda r: position[r[1]])
        placed.update(key for _, key in keep)
    new = [(a, key) for a, key in keyed if key not in placed]
    # a subset build appends its new articles after every position the store holds
    offset = 0 if prune else int(manifest.get("positions_end", sum(len(i["articles"]) for i in shards.values())))
    created = set()
    for chunk in _chunks(new, shard_articles, shard_words):
        name = _shard_name(manifest["next_shard"])
        manifest["next_shard"] += 1
        shards[name] = {"articles": [[a.id, key] for a, key in chunk], "stages": {}}
        created.add(name)
    manifest["positions_end"] = (len(keyed) if prune else offset + len(keyed))
    for name, info in shards.items():
        if not prune and name not in created:  # a subset build never rewrites the store's other shards
            continue
        arts = [by_key[key] for _, key in info["articles"]]
        frame = articles_rows(arts, [position[key] + offset for _, key in info["articles"]], name)
        data = to_parquet_bytes("articles", frame)
        digest = hashlib.sha256(data).hexdigest()[:16]
        info["words"] = int(frame.words.sum())
        if info.get("articles_hash") != digest or verify_file(root, manifest, f"articles/{name}.parquet") is not None:
            _write_table(root, manifest, "articles", name, data)
            info["articles_hash"] = digest
    for table in SCHEMAS:
        folder = root / table
        if folder.is_dir() and table != "skipped":
            for f in folder.glob("s*.parquet"):
                if _SHARD_FILE.match(f.name) and f.stem not in shards:
                    f.unlink()
                    manifest["files"].pop(f"{table}/{f.name}", None)
    _save_manifest(root, manifest)
    return shards


def _filter_shard(root: Path, manifest: dict, shard: str, *, keep_ids: set[str], n_gone: int) -> None:
    """Rewrite every table file of a shard without the rows of departed articles (no recomputation)."""
    for table in SCHEMAS:
        path = root / table / f"{shard}.parquet"
        if table in ("articles", "skipped") or not path.exists():
            continue
        if not keep_ids:
            _remove_table(root, manifest, table, shard)
            continue
        if verify_file(root, manifest, f"{table}/{shard}.parquet") is not None:
            _remove_table(root, manifest, table, shard)  # rebuilt by the verification that follows
            continue
        frame = pd.read_parquet(path)
        kept = frame[frame.article_id.isin(keep_ids)].reset_index(drop=True)
        extra = [c for c in kept.columns if c not in SCHEMAS[table].names]
        _write_table(root, manifest, table, shard, to_parquet_bytes(table, kept[SCHEMAS[table].names + extra]))


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
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"), initializer=_init_pool_worker,
                             initargs=(os.getpid(),)) as pool:
        try:
            pending = {pool.submit(run_shard, shard, plan) for shard in order}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: f.result().shard):
                    yield fut.result()
        except BrokenProcessPool as exc:
            raise RuntimeError("a worker process of the annotation pool ended abruptly (killed, out of memory, or it "
                               "failed while starting: see its error above; a script that calls build with processes>1 "
                               "needs an `if __name__ == \"__main__\":` guard); try processes=1") from exc
        except BaseException:
            # an error here (a full disk, Ctrl-C) or the consumer gone: do not compute the shards still queued
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _init_pool_worker(parent_pid: int) -> None:
    """Initializer of the pool's worker processes: one thread each (:func:`analysis.stages.init_worker`),
    and a watch on the build process that started them (:func:`_end_with_parent`)."""
    from .stages import init_worker

    init_worker()
    _end_with_parent(parent_pid)


def _end_with_parent(parent_pid: int, interval: float = 0.5) -> None:
    """End this worker process when the build process that started it is gone.

    A pool's workers wait on a queue whose other end they hold themselves, so a build killed with
    SIGKILL (or by the out-of-memory killer) would leave them running or idle forever. A daemon thread
    checks every ``interval`` seconds: on POSIX that the parent pid is unchanged (an orphan is re-parented),
    elsewhere ``multiprocessing.parent_process().is_alive()``; and calls ``os._exit`` when it is not. A no-op
    where neither can be checked."""
    import threading

    if os.name == "posix":
        if os.getppid() != parent_pid:
            os._exit(70)

        def alive() -> bool:
            return os.getppid() == parent_pid
    else:
        import multiprocessing as mp

        parent = mp.parent_process()
        if parent is None:
            return

        def alive() -> bool:
            return parent.is_alive()

    def watch() -> None:
        while alive():
            time.sleep(interval)
        os._exit(70)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


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

    def __init__(self, path: str | Path, *, only: set[str] | None = None, keys: set[str] | None = None) -> None:
        self.path = Path(path)
        if not (self.path / MANIFEST).exists():
            raise CorpusError(self.path, None, "not an annotation store (no manifest.json): run python -m analysis annotate")
        self.manifest = _read_manifest(self.path)
        #: When set, the store is read as the corpus of these article ids only (a subset of what it holds).
        self.only = set(only) if only is not None else None
        #: With ``only``: the content keys (:func:`article_key`) of those articles, which say which version of
        #: an article to read when the store holds several (an edited article annotated from another source).
        self.keys = set(keys) if keys is not None else None
        self._cache: dict[str, pd.DataFrame] = {}
        self._mine = self._select() if self.only is not None else None

    def _select(self) -> dict[str, set[str]]:
        """{shard: article ids read from it} of a subset: each id from the shard holding its key (``keys``),
        else from the latest shard holding the id (the version annotated last)."""
        out: dict[str, set[str]] = {}
        latest: dict[str, str] = {}
        for name in sorted(self.manifest["shards"]):
            for aid, key in self.manifest["shards"][name]["articles"]:
                if aid not in self.only:
                    continue
                if self.keys is not None:
                    if key in self.keys:
                        out.setdefault(name, set()).add(aid)
                else:
                    latest[aid] = name
        for aid, name in latest.items():
            out.setdefault(name, set()).add(aid)
        return out

    def _read(self, file: Path, columns: list[str] | None) -> pd.DataFrame:
        """One table file, verified against the manifest's checksum first (StoreFault when it fails)."""
        rel = file.relative_to(self.path).as_posix()
        why = verify_file(self.path, self.manifest, rel)
        if why is not None:
            raise StoreFault(file, None, f"store file is {why}: run python -m analysis annotate to rebuild it")
        try:
            return pd.read_parquet(file, columns=columns)
        except Exception as exc:  # noqa: BLE001 - Arrow raises many kinds for a damaged file
            raise StoreFault(file, None, f"store file cannot be read ({type(exc).__name__}: {exc}): "
                                         "run python -m analysis annotate to rebuild it") from None

    @property
    def shards(self) -> list[str]:
        return sorted(self.manifest["shards"])

    def has(self, stage: str) -> bool:
        """Whether every shard has ``stage`` at the version last built."""
        want = self.manifest.get("built", {}).get(stage)
        infos = [i for n, i in self.manifest["shards"].items() if self._mine is None or n in self._mine]
        return want is not None and all(i["stages"].get(stage) == want for i in infos)

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
            recorded = "skipped/skipped.parquet" in self.manifest.get("files", {})
            frame = self._read(path, None) if path.exists() or recorded else empty_frame("skipped")
            return frame
        stage = schema.stage
        if stage not in ("articles", "scores") and not self.has(stage):
            raise CorpusError(self.path, None, f"table {name} is not built (stage {stage}): run python -m analysis annotate")
        shards = self.shards
        if self._mine is not None:
            shards = [n for n in shards if n in self._mine]
        expected = {n for n in shards if name in _shard_tables(self.manifest, n)}
        files = [self.path / name / f"{s}.parquet" for s in shards]
        missing = [f for f in files if not f.exists() and f.stem in expected]
        if missing:
            raise StoreFault(missing[0], None, "store file is missing: run python -m analysis annotate to rebuild it")
        files = [f for f in files if f.exists()]
        cols = list(columns) if columns else None
        if cols:
            cols = list(dict.fromkeys(["article_id", *(["position"] if name == "articles" else []), *cols]))
        frames = [self._read(f, cols) for f in files]
        if self._mine is not None:
            frames = [f[f.article_id.isin(self._mine[file.stem])] for f, file in zip(frames, files)]
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

    def read_as(self) -> pd.DataFrame:
        """The import summary of the last full build: how each column of the source became an article field
        (:func:`analysis.corpus.read_as_frame`: source, column, field, how, records); empty for a store built
        before it was recorded."""
        from .corpus import read_as_frame

        return read_as_frame(self.manifest.get("corpus", {}).get("read_as") or [])

    def scored_sentences(self) -> pd.DataFrame:
        """The sentences table with one score column per scorer built (vader, minilm, transformer)."""
        sents = self.table("sentences")
        scores = self.table("scores")
        cols = [c for c in SCORERS if c in scores.columns]
        return sents.merge(scores[["article_id", "sentence", *cols]], on=["article_id", "sentence"], how="left")

    def scored_units(self) -> pd.DataFrame:
        """The ``unit_scores`` table (the ``tone`` stage: each voice segment unit with one score column per
        scorer built) with ``text`` (the unit's words, ``body[start:end]``) and ``quoted_speakers`` (the
        quotation's speaker as a one-item list, empty for editorial units: the shape of the sentences'
        column, so the same statistics read either level). Raises CorpusError when the store lacks the stage."""
        u = self.table("unit_scores").copy()
        bodies = self.bodies()
        u["text"] = [bodies[a][s:e] for a, s, e in zip(u.article_id, u.start, u.end)]
        u["quoted_speakers"] = [[s] if v == "quote" and isinstance(s, str) else [] for v, s in zip(u.voice, u.speaker)]
        return u

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
        return Store(root, only=report.subset, keys=report.subset_keys)
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
