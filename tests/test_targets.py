"""Target-dependent sentiment: marker encoding, a tiny model trained here (deterministic, loadable, ONNX = PyTorch),
the shipped model, and the `targets` command-line contract."""
from __future__ import annotations

import json
import random
import subprocess
import sys

import numpy as np
import pytest

from analysis import paths
from analysis.evaluation import read_newsmtsc
from analysis.minilm import load_base
from analysis.targets import (OTHER_CLOSE, OTHER_OPEN, TARGET_CLOSE, TARGET_OPEN, Target, TargetModel, encode,
                              label_and_score, load_torch, predict_torch)
from analysis.train import TargetConfig, target_metrics, train_targets


@pytest.fixture(scope="module")
def tok():
    return load_base(layers=1)[0]


def test_markers_surround_the_target_pieces_and_the_pool_covers_them(tok):
    text = "Putin praised Xi Jinping, and Xi thanked him."
    ids, pool = encode(tok, Target(text, 14, 24, ((30, 32),)), max_length=64)
    pieces = tok.convert_ids_to_tokens(ids)
    o, c = ids.index(TARGET_OPEN), ids.index(TARGET_CLOSE)
    assert pieces[o + 1:c] == ["xi", "jin", "##ping"]
    assert [i for i, m in enumerate(pool) if m] == list(range(o, c + 1))  # markers and target pieces
    oo, oc = ids.index(OTHER_OPEN), ids.index(OTHER_CLOSE)
    assert pieces[oo + 1:oc] == ["xi"] and oo > c
    assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id and len(ids) == len(pool)


def test_other_mentions_overlapping_the_target_are_ignored_and_order_does_not_matter(tok):
    text = "Xi met Xi Jinping."
    a = encode(tok, Target(text, 7, 17, ((7, 9), (0, 2))))
    b = encode(tok, Target(text, 7, 17, ((0, 2),)))
    assert a == b and a[0].count(OTHER_OPEN) == 1
    # an other mention sharing a word piece with the target never displaces it
    ids, _ = encode(tok, Target("Russia", 3, 6, ((0, 3),)))
    assert ids.count(TARGET_OPEN) == 1 and OTHER_OPEN not in ids


def test_long_sentences_are_cut_to_a_window_around_the_target(tok):
    text = "word " * 300 + "Putin spoke. " + "word " * 300
    start = text.index("Putin")
    ids, pool = encode(tok, Target(text, start, start + 5), max_length=32)
    assert len(ids) == 32 and TARGET_OPEN in ids and TARGET_CLOSE in ids and sum(pool) == 3
    ids, pool = encode(tok, Target(text, 0, len(text)), max_length=32)  # a target longer than the window
    assert ids[1] == TARGET_OPEN and sum(pool) == 30  # every piece between [CLS] and [SEP]


@pytest.mark.parametrize("start,end,message", [(0, 99, "outside the text"), (5, 6, "empty"), (-1, 3, "outside")])
def test_bad_targets_are_refused(tok, start, end, message):
    with pytest.raises(ValueError, match=message):
        encode(tok, Target("Putin spoke.", start, end))


def test_label_and_score():
    assert label_and_score([0.7, 0.2, 0.1]) == ("negative", -0.6)
    assert label_and_score([0.1, 0.3, 0.6]) == ("positive", 0.5)


def test_metrics_give_macro_and_per_class_f1():
    probs = np.eye(3)[[0, 0, 1, 2, 2, 1]]
    m = target_metrics(probs, [0, 1, 1, 2, 2, 0])
    assert m["accuracy"] == pytest.approx(4 / 6) and m["n"] == 6
    assert m["f1"]["positive"] == 1.0 and m["macro_f1"] == pytest.approx(np.mean(list(m["f1"].values())))


def fake_newsmtsc(folder, n=90):
    rng = random.Random(0)
    names = ["Anna Berg", "Tom Reyes", "the senator", "Lena Vossberg"]
    words = {2.0: "attacked and insulted", 4.0: "met", 6.0: "praised and thanked"}
    lines = []
    for i in range(n):
        name = rng.choice(names)
        pol = rng.choice([2.0, 4.0, 6.0])
        text = f"Critics {words[pol]} {name} on day {i}."
        start = text.index(name)
        lines.append(json.dumps({"primary_gid": f"g{i}", "sentence_normalized": text, "targets": [
            {"Input.gid": f"g{i}", "from": start, "to": start + len(name), "mention": name, "polarity": pol}]}))
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_train_targets_is_deterministic_loadable_and_exported_faithfully(tmp_path):
    fake_newsmtsc(tmp_path)
    cfg = TargetConfig(epochs=1, layers=1, batch_size=8, test_tenths=2, dev_tenths=2)
    rec = train_targets(tmp_path, out_dir=tmp_path / "m1", config=cfg, log=lambda m: None)
    train_targets(tmp_path, out_dir=tmp_path / "m2", config=cfg, log=lambda m: None)
    for name in ("adapter_model.safetensors", "heads.safetensors"):
        assert (tmp_path / "m1" / name).read_bytes() == (tmp_path / "m2" / name).read_bytes()
    d = rec["data"]
    assert d["train"] + d["dev"] + d["test"] == 90 and set(rec["test_metrics"]["f1"]) == {"negative", "neutral", "positive"}
    assert "Held-out test split" in (tmp_path / "m1" / "README.md").read_text()
    targets = [Target("Critics praised Anna Berg today.", 16, 25), Target("Critics attacked Tom Reyes.", 17, 26, ((0, 7),))]
    tok, enc, head = load_torch(tmp_path / "m1")
    fp32 = predict_torch(tok, enc, head, targets)
    exported = TargetModel(tmp_path / "m1", quantize=False).probabilities(targets)
    assert np.allclose(exported, fp32, atol=1e-4) and np.allclose(fp32.sum(1), 1, atol=1e-5)
    assert np.array_equal(TargetModel(tmp_path / "m1").probabilities(targets), exported)  # the recipe's default: fp32
    int8 = TargetModel(tmp_path / "m1", quantize=True).probabilities(targets)
    assert int8.shape == (2, 3) and np.allclose(int8.sum(1), 1, atol=1e-4)


def test_read_newsmtsc_checks_offsets_and_names_the_line(tmp_path):
    good = {"primary_gid": "a", "sentence_normalized": "Biden spoke.", "targets": [
        {"from": 0, "to": 5, "mention": "Biden", "polarity": 4.0, "further_mentions": [{"from": 0, "to": 5, "mention": "Biden"}]}]}
    bad = {**good, "targets": [{"from": 0, "to": 4, "mention": "Biden", "polarity": 4.0}]}
    (tmp_path / "t.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(ValueError, match=r"t.jsonl:2: offsets 0-4"):
        read_newsmtsc(tmp_path / "t.jsonl")
    (tmp_path / "t.jsonl").write_text(json.dumps(good) + "\n")
    df = read_newsmtsc(tmp_path / "t.jsonl")
    assert df.label.tolist() == [1] and df.others.tolist() == [[(0, 5)]]


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "analysis", *args], input=stdin, capture_output=True, text=True,
                          cwd=paths.ROOT)


def test_targets_command_contract(tmp_path):
    lines = [{"id": 7, "text": "Protesters denounced Vladimir Putin as a war criminal.", "start": 21, "end": 35},
             {"id": "b", "text": "Chinese President Xi Jinping met with his Russian counterpart.", "start": 18, "end": 28}]
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    res = run_cli("targets", "--jsonl", str(f))
    assert res.returncode == 0, res.stderr
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert [o["id"] for o in out] == [7, "b"] and all(list(o) == ["id", "polarity", "score"] for o in out)
    assert all(o["polarity"] in ("negative", "neutral", "positive") and -1 <= o["score"] <= 1 for o in out)
    assert out[0]["polarity"] == "negative"  # the shipped model reads the plainest case right
    for bad, message in ((dict(lines[0], end=999), "in.jsonl:2: target offsets 21-999 lie outside"),
                         (dict(lines[0], start=3, end=3), "in.jsonl:2: target offsets 3-3"),
                         ({"id": 1, "text": "x"}, "in.jsonl:2: missing field 'start'"),
                         (dict(lines[0], others=[[0, 999]]), "in.jsonl:2: field 'others'"),
                         (dict(lines[0], text="<b>Putin</b> spoke " + "x" * 30), "in.jsonl:2: HTML"),
                         (dict(lines[0], text="\u200b Putin", start=0, end=1), "in.jsonl:2: target 0-1 covers no word piece")):
        f.write_text(json.dumps(lines[1]) + "\n" + json.dumps(bad) + "\n")
        res = run_cli("targets", "--jsonl", str(f))
        assert res.returncode == 2 and message in res.stderr and res.stdout == ""


def test_shipped_model_card_and_record_agree():
    rec = json.loads((paths.TARGET_MODEL / "training.json").read_text())
    card = (paths.TARGET_MODEL / "README.md").read_text()
    assert f"macro-F1 {rec['test_metrics']['macro_f1']:.3f}" in card and rec["labels"] == ["negative", "neutral", "positive"]
    assert (paths.TARGET_MODEL / "adapter_model.safetensors").stat().st_size < 10_000_000
