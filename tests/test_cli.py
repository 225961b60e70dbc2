from __future__ import annotations

import json
import subprocess
import sys

from analysis import paths
from conftest import SEED_ID


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], input=stdin, capture_output=True, text=True, cwd=paths.ROOT
    )


def test_quotes_on_corpus_folder():
    res = run("quotes", str(paths.ARTICLES))
    assert res.returncode == 0, res.stderr
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    assert all(set(r) == {"id", "start", "end", "text", "kind", "speaker", "speaker_mention", "cue"} for r in rows)
    seed = [r for r in rows if r["id"] == SEED_ID]
    assert {r["kind"] for r in seed} == {"direct", "partial", "indirect", "scare", "embedded_post"}
    scare = [r for r in seed if r["kind"] == "scare"]
    assert scare[0]["text"] == "Genocide Games." and scare[0]["speaker"] is None


def test_jsonl_input_keeps_ids_and_offsets(tmp_path):
    lines = [{"id": 7, "text": '"I love cats," he said.', "extra": 1}, {"id": "b", "text": "No quotes here."}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(l) for l in lines) + "\n", encoding="utf-8")
    res = run("quotes", "--jsonl", str(src))
    assert res.returncode == 0, res.stderr
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    assert rows == [
        {"id": 7, "start": 1, "end": 13, "text": "I love cats,", "kind": "direct", "speaker": "he",
         "speaker_mention": "he", "cue": "said"}
    ]
    res = run("voices", "--jsonl", str(src))
    segs = [json.loads(l) for l in res.stdout.splitlines()]
    assert [(s["id"], s["start"], s["end"], s["voice"]) for s in segs] == [
        (7, 0, 1, "editorial"), (7, 1, 13, "quote"), (7, 13, 23, "editorial"), ("b", 0, 15, "editorial")
    ]
    assert set(segs[1]) == {"id", "start", "end", "voice", "kind", "speaker"}


def test_voices_partition_the_seed():
    res = run("voices", str(paths.ARTICLES / f"{SEED_ID}.md"))
    segs = [json.loads(l) for l in res.stdout.splitlines()]
    body_len = len((paths.ARTICLES / f"{SEED_ID}.md").read_text(encoding="utf-8").split("---\n", 2)[2])
    assert segs[0]["start"] == 0 and segs[-1]["end"] == body_len
    assert all(a["end"] == b["start"] for a, b in zip(segs, segs[1:]))


def test_errors_go_to_stderr_with_nonzero_exit(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{"id": 2}\n', encoding="utf-8")
    res = run("quotes", "--jsonl", str(bad))
    assert res.returncode == 2 and res.stdout == ""
    assert f"{bad}:2: missing field 'text'" in res.stderr
    res = run("quotes", str(tmp_path / "missing"))
    assert res.returncode == 2 and res.stdout == "" and "no such file" in res.stderr
    res = run("quotes", "--jsonl", "-", stdin="not json\n")
    assert res.returncode == 2 and "<stdin>:1: invalid JSON" in res.stderr
