"""The annotation store survives faults: damaged files, killed builds, a full disk, a read-only
folder, a held lock, a script without a ``__main__`` guard, folders that are not stores, subset
builds, and a build process killed under its worker pool.

Every store here is built on five small shipped articles with the cheap stages only (parse,
sentences, voices), two articles per shard, so three shards: ``s00000`` .. ``s00002``. One
reference store is built per module; each test damages a copy of it.

Read-only stores: the tests run as root, whom file modes do not stop, so a reader that cannot
write is made two ways: in this process, by patching the file-system calls that write (open for
writing, mkdir, replace, unlink) to fail with EROFS for paths in the store; and, where the
kernel lets us (``unshare -m``), a real read-only bind mount of the store in a private mount
namespace, with the reader in a subprocess.
"""
from __future__ import annotations

import builtins
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import analysis.store as store
from analysis.corpus import Corpus, CorpusError, load_corpus
from analysis.store import Store, StoreFault, build, open_store, verify_file

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "corpus" / "articles"
#: Five small shipped articles, with quotes in every shard (in corpus order: s00000 = 2019-03-02 and
#: 2019-05-21, s00001 = 2019-08-22 and 2020-01-18, s00002 = 2020-01-28).
CORPUS_FILES = [
    "wn-2019-03-02-Nine_jailed_over_sexual_abuse_in_Bradford__England_children.md",
    "wn-2019-05-21-Nickey_Iyambo__former_vice-president_of_Namibia__dies_aged.md",
    "wn-2019-08-22-South_African__27Lion_Man_27_killed_by_his_lions.md",
    "wn-2020-01-18-Ukrainian_president_rejects_prime_minister_27s_resignation.md",
    "wn-2020-01-28-German_authorities_confirm_first_case_of_novel_coronavirus.md",
]
NEW_FILE = "wn-2019-02-11-Bishop_Emeritus_Dinualdo_Gutierrez_of_Marbel__Philippines.md"
#: Five more, for the pool build of ten articles.
MORE_FILES = [
    "wn-2019-12-28-Typhoon_Phanfone_strikes_Philippines.md",
    "wn-2020-01-15-U.S._House_to_decide_on_submitting_articles_of_impeachment.md",
    "wn-2020-09-30-South_London_police_officer_Matt_Ratana_shot_in_custody.md",
    "wn-2020-03-12-British_mathematician_Richard_K._Guy_dies_at_103.md",
    "wn-2020-01-13-Iran_admits_downing_Ukrainian_jet__cites__27human_error_27.md",
]
STAGES = ("voices",)  # parse, sentences, voices: no model beyond spaCy's small pipeline
BUILD = {"stages": STAGES, "processes": 1, "shard_articles": 2, "progress": False}
TABLES = ("articles", "tokens", "entities", "paragraphs", "sentences", "quotes", "segments", "mark_issues", "skipped")
SHARD = "s00001"  # the shard every test damages


def copy_articles(folder: Path, names) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(ARTICLES / name, folder / name)
    return folder


def tables(root: Path, only=None, keys=None) -> dict[str, pd.DataFrame]:
    st = Store(root, only=only, **({"keys": keys} if keys is not None else {}))
    return {t: st.table(t) for t in TABLES}


def assert_same_tables(got: dict, want: dict) -> None:
    for t in want:
        pd.testing.assert_frame_equal(got[t], want[t], obj=t)


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under a folder: (mtime_ns, bytes)."""
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()}


def temporary_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*.tmp*"))


def script_env() -> dict[str, str]:
    return {**os.environ, "FRAMING_PROGRESS": "0", "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    return copy_articles(tmp_path_factory.mktemp("corpus") / "articles", CORPUS_FILES)


@pytest.fixture(scope="module")
def reference(corpus_dir, tmp_path_factory):
    """(store folder, its tables): the untouched store every damaged copy is compared with."""
    root = tmp_path_factory.mktemp("reference") / "store"
    report = build(corpus_dir, out=root, **BUILD)
    assert report.shards == 3 and report.computed_shards == 3
    frames = tables(root)
    quotes = frames["quotes"]
    shard_ids = set(frames["articles"].article_id[frames["articles"].shard == SHARD])
    assert quotes.article_id.isin(shard_ids).any(), "the damaged shard must hold quotes"
    return root, frames


@pytest.fixture
def st(reference, tmp_path) -> Path:
    """A fresh copy of the reference store."""
    root = tmp_path / "store"
    shutil.copytree(reference[0], root)
    return root


def ids_in(frames, shards) -> set[str]:
    arts = frames["articles"]
    return set(arts.article_id[arts.shard.isin(shards)])


# ----------------------------------------------------------------------------- 1. damaged files


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "flipped":
        mid = len(data) // 2
        path.write_bytes(data[:mid] + bytes(b ^ 0xFF for b in data[mid:mid + 16]) + data[mid + 16:])
    elif how == "truncated":
        path.write_bytes(data[: len(data) * 2 // 3])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "deleted":
        path.unlink()
    else:  # pragma: no cover
        raise ValueError(how)


DAMAGES = ("flipped", "truncated", "empty", "deleted")
DAMAGED_TABLES = ("tokens", "sentences", "quotes", "articles", "skipped")


def table_file(root: Path, table: str) -> Path:
    return root / table / ("skipped.parquet" if table == "skipped" else f"{SHARD}.parquet")


@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("table", DAMAGED_TABLES)
def test_damaged_file_is_a_store_fault_then_rebuilt_alone(st, reference, corpus_dir, table, how, capsys):
    ref_root, ref = reference
    path = table_file(st, table)
    damage(path, how)
    # reading: a StoreFault naming the file, never an Arrow error, never fewer rows
    with pytest.raises(StoreFault) as info:
        Store(st).table(table)
    assert str(path) in str(info.value) and "annotate" in str(info.value)
    if table not in ("articles", "skipped"):
        # the other shards' articles still read, and are what they were
        others = ids_in(ref, ["s00000", "s00002"])
        got = Store(st, only=others).table(table)
        pd.testing.assert_frame_equal(got, ref[table][ref[table].article_id.isin(others)].reset_index(drop=True))
    before = snapshot(st)
    report = build(corpus_dir, out=st, **BUILD)
    # the build reports the fault and rebuilds that shard only
    assert report.faults == ([("skipped", "skipped")] if table == "skipped" else [(SHARD, table)])
    assert report.computed_shards == (0 if table in ("articles", "skipped") else 1)
    assert table in capsys.readouterr().err
    after = snapshot(st)
    changed = {f for f in set(before) | set(after) if before.get(f) != after.get(f)}
    allowed = {f"{t}/{SHARD}.parquet" for t in TABLES} | {"manifest.json", "skipped/skipped.parquet", ".lock"}
    assert changed <= allowed, sorted(changed - allowed)
    assert_same_tables(tables(st), ref)
    manifest = json.loads((st / "manifest.json").read_text())
    assert all(verify_file(st, manifest, rel) is None for rel in manifest["files"])


def test_unreadable_manifest_is_a_store_fault(st):
    (st / "manifest.json").write_bytes(b'{"format": 1, "shards": {')
    with pytest.raises(StoreFault, match="manifest.json: unreadable store manifest"):
        Store(st)


# ----------------------------------------------------------------------------- 2. killed builds


@pytest.mark.parametrize("name", [f"tokens/.{SHARD}.parquet.tmp4242", ".manifest.json.tmp4242",
                                  "skipped/.skipped.parquet.tmp4242"])
@pytest.mark.parametrize("needs_build", [False, True], ids=["current", "needs-build"])
def test_temporary_files_of_a_killed_build_are_removed(st, reference, corpus_dir, name, needs_build):
    tmp = st / name
    tmp.write_bytes(b"PAR1 half a file")
    mine = st / "tokens" / f".{SHARD}.parquet.tmp-notes"  # not the store's pattern: never touched
    mine.write_bytes(b"a user's file")
    if needs_build:
        (st / "quotes" / f"{SHARD}.parquet").unlink()
    report = build(corpus_dir, out=st, **BUILD)
    assert report.cleaned == 1 and not tmp.exists() and mine.read_bytes() == b"a user's file"
    assert temporary_files(st) == [f"tokens/.{SHARD}.parquet.tmp-notes"]
    assert_same_tables(tables(st), reference[1])


def test_temporary_files_stay_while_a_build_holds_the_store(st, corpus_dir):
    """A store that needs no build is cleaned only when no build holds it: a running build's temporary files are its own."""
    tmp = st / "tokens" / f".{SHARD}.parquet.tmp4242"
    tmp.write_bytes(b"being written")
    with store._locked(st, timeout=0):
        assert build(corpus_dir, out=st, **BUILD).cleaned == 0
    assert tmp.exists()


KILLER = textwrap.dedent('''
    """Build a store and SIGKILL this process in the middle of writing a chosen file (its temporary file half-written)."""
    import os, signal, sys
    import analysis.store as store

    source, out, target, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    real, seen = store._write_atomic, [0]

    def dying(path, data, *args, **kwargs):
        if path.relative_to(out).as_posix() == target:
            seen[0] += 1
            if seen[0] == nth:
                tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_bytes(data[: len(data) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
        return real(path, data, *args, **kwargs)

    if __name__ == "__main__":
        store._write_atomic = dying
        store.build(source, out=out, stages=("voices",), processes=1, shard_articles=2, progress=False)
        sys.exit("not killed")
''')


@pytest.mark.slow
@pytest.mark.parametrize("target,nth", [
    ("manifest.json", 1),               # the first write of a new store: only the lock and a temporary manifest
    ("articles/s00001.parquet", 1),     # while the shards are laid out
    ("quotes/s00001.parquet", 1),       # in the middle of the shards' results
    ("skipped/skipped.parquet", 1),     # every shard done, the last files being written
], ids=["first-manifest", "articles", "quotes", "skipped"])
def test_build_killed_while_writing_is_completed_by_the_next(tmp_path, reference, corpus_dir, target, nth):
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    root = tmp_path / "store"
    proc = subprocess.run([sys.executable, str(script), str(corpus_dir), str(root), target, str(nth)],
                          env=script_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert len(temporary_files(root)) == 1, temporary_files(root)
    report = build(corpus_dir, out=root, **BUILD)
    assert report.cleaned == 1 and temporary_files(root) == []
    assert_same_tables(tables(root), reference[1])
    again = build(corpus_dir, out=root, **BUILD)
    assert again.computed_shards == 0 and again.faults == []


# ----------------------------------------------------------------------------- 3. full disk


class _FullFile:
    """A file whose write stores half the data, then fails as a full disk does."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, data):
        self.fh.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()
        return False


def fill_disk(monkeypatch, where: str, at: int) -> None:
    """The ``at``-th file the store writes fails with ENOSPC: at open, at write (half written) or at fsync."""
    real_open, real_fsync = builtins.open, os.fsync
    state = {"n": 0, "fsync": False}

    def fake_open(file, mode="r", *args, **kwargs):
        if "w" in mode and "b" in mode:
            state["n"] += 1
            if state["n"] == at:
                if where == "open":
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
                fh = real_open(file, mode, *args, **kwargs)
                if where == "write":
                    return _FullFile(fh)
                state["fsync"] = True
                return fh
        return real_open(file, mode, *args, **kwargs)

    def fake_fsync(fd):
        if state["fsync"]:
            state["fsync"] = False
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(store, "open", fake_open, raising=False)
    monkeypatch.setattr(os, "fsync", fake_fsync)


@pytest.mark.parametrize("where", ["open", "write", "fsync"])
@pytest.mark.parametrize("at", [1, 2, 3], ids=["new-articles-file", "manifest", "first-result"])
def test_full_disk_is_a_clear_error_and_keeps_the_store(st, reference, tmp_path, monkeypatch, where, at):
    """Another folder's new article annotated into the store (a subset build: its writes are the new shard's
    articles file, the manifest, then the shard's results); the ``at``-th write finds the disk full."""
    ref_root, ref = reference
    other = copy_articles(tmp_path / "other", [CORPUS_FILES[0], NEW_FILE])
    manifest_before = (st / "manifest.json").read_bytes()
    fill_disk(monkeypatch, where, at)
    with pytest.raises(CorpusError) as info:
        build(other, out=st, **BUILD)
    message = str(info.value)
    assert "the disk is full" in message and f"annotation store {st}" in message, message
    monkeypatch.undo()
    assert temporary_files(st) == []
    manifest = json.loads((st / "manifest.json").read_text())
    if at <= 2:  # nothing recorded yet: the manifest is the one before
        assert (st / "manifest.json").read_bytes() == manifest_before
        assert_same_tables(tables(st), ref)
    else:  # the new shard is recorded, not yet annotated: every recorded file is whole
        assert all(verify_file(st, manifest, rel) is None for rel in manifest["files"])
        old = set(ref["articles"].article_id)
        assert_same_tables(tables(st, only=old), ref)
        with pytest.raises(CorpusError, match="not built"):
            Store(st).table("quotes")
    # with space again, the same build completes
    report = build(other, out=st, **BUILD)
    assert report.computed_shards == 1
    assert_same_tables(tables(st, only=set(ref["articles"].article_id)), ref)
    assert len(Store(st).table("articles")) == len(ref["articles"]) + 1


# ----------------------------------------------------------------------------- 4. read-only store


def forbid_writes(monkeypatch, root: Path) -> list:
    """Make every write under ``root`` fail as on a read-only file system; return the attempts."""
    root = str(root.resolve())
    attempts: list = []

    def inside(path) -> bool:
        try:
            return str(Path(os.fsdecode(path)).resolve()).startswith(root)
        except (TypeError, ValueError):
            return False

    def refuse(what, path):
        attempts.append((what, str(path)))
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    real_open, real_os_open = builtins.open, os.open

    def fake_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and inside(file):
            refuse(f"open {mode}", file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND) and inside(path):
            refuse("os.open", path)
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(store, "open", fake_open, raising=False)
    monkeypatch.setattr(os, "open", fake_os_open)
    for name in ("mkdir", "replace", "rename", "unlink", "remove", "rmdir"):
        real = getattr(os, name)

        def fake(path, *args, _real=real, _name=name, **kwargs):
            if inside(path):
                refuse(_name, path)
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, fake)
    return attempts


READONLY_READER = textwrap.dedent('''
    import json, sys
    from analysis.corpus import CorpusError
    from analysis.store import Store, build, open_store

    source, root, other = sys.argv[1:4]
    out = {"rows": {t: len(Store(root).table(t)) for t in sys.argv[4:]}}
    st = open_store(source, out=root, stages=("voices",), processes=1, shard_articles=2, progress=False)
    out["open_store"] = len(st.table("quotes"))
    try:
        build(other, out=root, stages=("voices",), processes=1, shard_articles=2, progress=False)
        out["annotate"] = "no error"
    except CorpusError as exc:
        out["annotate"] = str(exc)
    print("RESULT " + json.dumps(out))
''')


def _ro_mount_works(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    cmd = 'mount --bind -o ro "$1" "$1" && ! touch "$1/x" 2>/dev/null'
    try:
        return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", cmd, "sh", str(probe)],
                              capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.parametrize("how", ["patched", "read-only-mount"])
def test_read_only_store_reads_and_refuses_annotate_clearly(st, reference, corpus_dir, tmp_path, monkeypatch, how):
    ref = reference[1]
    other = copy_articles(tmp_path / "other", [NEW_FILE])
    before = snapshot(st)
    if how == "patched":
        attempts = forbid_writes(monkeypatch, st)
        assert_same_tables(tables(st), ref)
        assert len(open_store(corpus_dir, out=st, **BUILD).table("quotes")) == len(ref["quotes"])
        assert attempts == []  # reading opened nothing for writing: no lock file either
        with pytest.raises(CorpusError) as info:
            build(other, out=st, **BUILD)
        message = str(info.value)
        monkeypatch.undo()
    else:
        if not _ro_mount_works(tmp_path):
            pytest.skip("no private mount namespace here (unshare -m)")
        script = tmp_path / "reader.py"
        script.write_text(READONLY_READER)
        cmd = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
        proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", cmd, "sh", str(st),
                               sys.executable, str(script), str(corpus_dir), str(st), str(other), *TABLES],
                              env=script_env(), capture_output=True, text=True, timeout=120)
        line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        assert proc.returncode == 0 and line, proc.stderr[-3000:]
        result = json.loads(line[0][7:])
        assert result["rows"] == {t: len(ref[t]) for t in TABLES}
        assert result["open_store"] == len(ref["quotes"])
        message = result["annotate"]
    assert "cannot write the annotation store" in message and str(st) in message, message
    assert snapshot(st) == before


# ----------------------------------------------------------------------------- 5. a held lock


LOCK_HOLDER = textwrap.dedent('''
    import fcntl, json, sys, time
    from pathlib import Path

    kind, root = sys.argv[1], Path(sys.argv[2])
    if kind == "build":
        from analysis.store import _locked
        with _locked(root):
            print("held", flush=True)
            time.sleep(120)
    else:
        fh = open(root / ".lock", "a+")
        fcntl.flock(fh, fcntl.LOCK_EX)
        if kind == "stale-record":
            fh.write(json.dumps({"pid": 999999, "command": "a build long gone"}))
            fh.flush()
        print("held", flush=True)
        time.sleep(120)
''')


@pytest.mark.parametrize("holder", ["build", "plain-flock", "stale-record"])
def test_held_lock_times_out_naming_the_holder(st, corpus_dir, tmp_path, monkeypatch, holder):
    (st / "quotes" / f"{SHARD}.parquet").unlink()  # so the build needs the lock
    script = tmp_path / "lock_holder.py"
    script.write_text(LOCK_HOLDER)
    with subprocess.Popen([sys.executable, str(script), holder, str(st)], env=script_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().strip() == "held", proc.stderr.read()
            monkeypatch.setenv("FRAMING_LOCK_TIMEOUT", "1")
            t0 = time.monotonic()
            with pytest.raises(CorpusError) as info:
                build(corpus_dir, out=st, **BUILD)
            elapsed = time.monotonic() - t0
        finally:
            proc.kill()
    message = str(info.value)
    assert elapsed < 10, elapsed
    assert f"process {proc.pid}" in message and "Waited 1 s (FRAMING_LOCK_TIMEOUT)" in message, message
    if holder == "build":
        assert "lock_holder.py" in message and "since" in message
    assert "long gone" not in message
    assert not (st / "quotes" / f"{SHARD}.parquet").exists()  # nothing was done
    assert build(corpus_dir, out=st, **BUILD).faults == [(SHARD, "quotes")]  # the holder gone, it builds


def test_bad_lock_timeout_is_a_clear_error(st, corpus_dir, monkeypatch):
    (st / "quotes" / f"{SHARD}.parquet").unlink()
    monkeypatch.setenv("FRAMING_LOCK_TIMEOUT", "soon")
    with pytest.raises(CorpusError, match="FRAMING_LOCK_TIMEOUT: 'soon' is not a number of seconds"):
        build(corpus_dir, out=st, **BUILD)


# ----------------------------------------------------------------------------- 6. no __main__ guard


UNGUARDED = {
    "build": "from analysis.store import build\nbuild({src!r}, out={out!r}, stages=('voices',), processes=2, "
             "shard_articles=1, progress=False)\n",
    "open_store": "from analysis.store import open_store\nopen_store({src!r}, out={out!r}, stages=('voices',), "
                  "processes=2, shard_articles=1, progress=False)\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("call", sorted(UNGUARDED))
def test_script_without_main_guard_fails_fast_saying_so(corpus_dir, tmp_path, call):
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED[call].format(src=str(corpus_dir), out=str(tmp_path / "store")) + "print('finished')\n")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, str(script)], env=script_env(), capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode != 0 and "finished" not in proc.stdout
    assert "RuntimeError" in proc.stderr and 'if __name__ == "__main__":' in proc.stderr, proc.stderr[-3000:]
    assert time.monotonic() - t0 < 120


# ----------------------------------------------------------------------------- 7. folders that are not stores


NOT_STORES = {
    "user-parquet": {"articles/my_articles_2020.parquet": b"PAR1 a user's table PAR1"},
    "shard-like-name": {"tokens/s00000.parquet": b"PAR1 a user's file that looks like a shard PAR1"},
    "notes": {"notes.txt": b"my notes", "articles/keep.md": b"# draft"},
    "other-manifest": {"manifest.json": b'{"name": "my web app", "files": {"a.js": "x"}}',
                       "articles/my_articles_2020.parquet": b"PAR1 data PAR1"},
}


@pytest.mark.parametrize("case", sorted(NOT_STORES))
def test_folder_that_is_not_a_store_is_refused_untouched(corpus_dir, tmp_path, case):
    root = tmp_path / "mine"
    for rel, data in NOT_STORES[case].items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    before = snapshot(root)
    with pytest.raises(CorpusError, match="not an annotation store"):
        build(corpus_dir, out=root, **BUILD)
    with pytest.raises(CorpusError, match="not an annotation store"):
        open_store(corpus_dir, out=root, **BUILD)
    with pytest.raises(CorpusError):
        Store(root)
    assert snapshot(root) == before and not (root / ".lock").exists()


def test_pruning_removes_only_the_store_shard_files(st, reference, corpus_dir):
    """A corpus with articles removed prunes their shards; the user's files in the store folder stay."""
    ref = reference[1]
    mine = {"articles/my_articles_2020.parquet": b"PAR1 mine", "tokens/notes.txt": b"notes",
            "quotes/s1.parquet": b"not a shard name", "extra/s00002.parquet": b"not a table folder"}
    for rel, data in mine.items():
        (st / rel).parent.mkdir(parents=True, exist_ok=True)
        (st / rel).write_bytes(data)
    before = set(snapshot(st))
    full = load_corpus(corpus_dir)
    kept = [a for a in full.articles if a.id in ids_in(ref, ["s00000", "s00001"])]
    report = build(corpus=Corpus(articles=kept, skipped=full.skipped, n_inputs=len(kept)), out=st, **BUILD)
    assert report.shards == 2
    removed = before - set(snapshot(st))
    assert removed and all(store._SHARD_FILE.match(Path(f).name) and f.split("/")[0] in store.SCHEMAS for f in removed)
    assert removed == {f"{t}/s00002.parquet" for t in TABLES if t != "skipped"}
    assert all((st / rel).read_bytes() == data for rel, data in mine.items())


SUBSETS = {
    "other-folder": [CORPUS_FILES[0], CORPUS_FILES[3]],
    "other-folder-with-a-new-article": [CORPUS_FILES[3], NEW_FILE],
    "other-folder-with-an-edited-article": [CORPUS_FILES[0], CORPUS_FILES[2]],  # the second one edited
}


def store_keys(root: Path) -> set[str]:
    manifest = json.loads((root / "manifest.json").read_text())
    return {key for info in manifest["shards"].values() for _, key in info["articles"]}


@pytest.mark.parametrize("how", ["build", "open_store"])
@pytest.mark.parametrize("case", sorted(SUBSETS))
def test_subset_build_never_prunes_other_articles(st, reference, tmp_path, case, how):
    """Another folder annotated into the store (a subset build, then ``Store(path, only=ids, keys=...)``, which
    open_store returns) adds its new or edited articles and removes or rewrites nothing of the others."""
    names = SUBSETS[case]
    ref = reference[1]
    other = copy_articles(tmp_path / "other", names)
    edited = other / CORPUS_FILES[2]
    if "edited" in case:
        edited.write_text(edited.read_text(encoding="utf-8") + "\nAn added sentence.\n", encoding="utf-8")
    before, keys_before = snapshot(st), store_keys(st)
    if how == "build":
        report = build(other, out=st, **BUILD)
        view = Store(st, only=report.subset, keys=report.subset_keys)
    else:
        view = open_store(other, out=st, **BUILD)
    corpus = load_corpus(other)
    ids = {a.id for a in corpus.articles}
    assert view.only == ids
    after = snapshot(st)
    assert set(before) <= set(after)  # no file removed ...
    grown = sorted(set(after) - set(before))
    added = case != "other-folder"
    assert all(f.endswith("s00003.parquet") for f in grown) and bool(grown) == added
    for f in before:  # ... and no other shard's file rewritten
        if f.split("/")[0] in TABLES and f.split("/")[0] != "skipped":
            assert after[f] == before[f], f
    # the store's articles read as before, every row of them
    old = set(ref["articles"].article_id)
    assert_same_tables(tables(st, only=old, keys=keys_before), ref)
    assert len(Store(st).table("articles")) == len(ref["articles"]) + added
    # the subset reads one version of each of its articles: its own
    arts = view.table("articles")
    assert sorted(arts.article_id) == sorted(ids)
    assert dict(zip(arts.article_id, arts.body)) == {a.id: a.body for a in corpus.articles}
    plain = Store(st, only=ids).table("articles")  # ids alone: the version annotated last
    assert dict(zip(plain.article_id, plain.body)) == {a.id: a.body for a in corpus.articles}
    for t in TABLES[1:-1]:
        assert set(view.table(t).article_id) <= ids
    quotes = view.table("quotes")
    assert not quotes.duplicated(["article_id", "start", "end"]).any()
    # reading a subset removes nothing either
    assert snapshot(st) == after


# ----------------------------------------------------------------------------- 8. workers end with their parent


POOL_BUILD = textwrap.dedent('''
    import sys
    from analysis.store import build

    if __name__ == "__main__":
        build(sys.argv[1], out=sys.argv[2], stages=("voices",), processes=2, shard_articles=1, progress=False)
''')


@pytest.mark.slow
@pytest.mark.parametrize("when", ["workers-started", "shards-done"])
def test_pool_workers_end_when_the_build_is_killed(tmp_path, when):
    psutil = pytest.importorskip("psutil")
    src = copy_articles(tmp_path / "articles", CORPUS_FILES + MORE_FILES)
    root = tmp_path / "store"
    script = tmp_path / "pool_build.py"
    script.write_text(POOL_BUILD)
    log = tmp_path / "pool_build.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(script), str(src), str(root)], env=script_env(),
                                stdout=out, stderr=subprocess.STDOUT)
    parent = psutil.Process(proc.pid)
    family: list = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            kids = parent.children(recursive=True)
            workers = [k for k in kids if "spawn_main" in " ".join(_cmdline(k))]
            done = len(list((root / "quotes").glob("s*.parquet"))) if (root / "quotes").is_dir() else 0
            if len(workers) >= 2 and (when == "workers-started" or done >= 1):
                family = kids
                break
            time.sleep(0.2)
        assert family and proc.poll() is None, f"the pool build did not start its workers in time: {log.read_text()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        gone, alive = psutil.wait_procs(family, timeout=20)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], \
            f"worker processes outlived the killed build: {[(p.pid, _cmdline(p)) for p in alive]}"
    finally:
        for p in family:
            if p.is_running():
                p.kill()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if when != "shards-done":
        return
    # the store the killed build left is completed by the next build (in this process)
    report = build(src, out=root, **BUILD)
    assert temporary_files(root) == [] and report.articles == 10
    assert len(Store(root).table("articles")) == 10


def _cmdline(p) -> list[str]:
    try:
        return p.cmdline()
    except Exception:  # noqa: BLE001 - gone, or a zombie
        return []
