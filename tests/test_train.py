"""The joint model's training runs end to end on tiny synthetic data, writes loadable safetensors, and repeats exactly."""
from __future__ import annotations

import random

import numpy as np

from analysis.detector import LoadedWordDetector
from analysis.minilm import JointModel, first_pieces, words
from analysis.sentiment import MiniLMScorer
from analysis.train import JointConfig, train_joint

GOOD = ["a wonderful success", "great and generous", "a happy result", "lovely, kind people", "a fine victory"]
BAD = ["a terrible failure", "cruel and brutal", "an awful mess", "a horrible attack", "a shameful lie"]


def fake_vader(folder):
    rng = random.Random(0)
    lines = []
    for doc in range(30):
        for k in range(3):
            good = rng.random() < 0.5
            text = rng.choice(GOOD if good else BAD)
            lines.append(f"{doc}_{k}\t{(2.5 if good else -2.5) + rng.uniform(-0.5, 0.5):.2f}\tIt was {text}.")
    (folder / "nytEditorialSnippets_GroundTruth.txt").write_text("\r\n".join(lines), encoding="utf-8")


def fake_babe(folder):
    rows = ["text;news_link;outlet;topic;type;label_bias;label_opinion;biased_words"]
    for i in range(60):
        rows.append(f'"The radical senator slammed the plan number {i}.";http://x/{i % 20};X;t;left;Biased;x;"[\'radical\', \'slammed\']"')
    (folder / "final_labels_SG2.csv").write_text("\n".join(rows), encoding="utf-8")


def test_first_pieces_maps_words_to_their_first_word_piece():
    offsets = [(0, 0), (0, 3), (4, 9), (9, 11), (12, 13), (0, 0)]  # [CLS] The radic ##al x [SEP]
    assert first_pieces(offsets, words("The radical x")) == [1, 2, 4]
    assert first_pieces([(0, 0), (0, 3), (0, 0)], words("The end")) == [1, None]


def test_train_joint_is_deterministic_and_loadable(tmp_path):
    fake_vader(tmp_path)
    fake_babe(tmp_path)
    cfg = JointConfig(epochs=1, layers=2)
    rec = train_joint(tmp_path, tmp_path, out_dir=tmp_path / "m1", config=cfg, log=lambda m: None)
    train_joint(tmp_path, tmp_path, out_dir=tmp_path / "m2", config=cfg, log=lambda m: None)
    for name in ("adapter_model.safetensors", "heads.safetensors"):
        assert (tmp_path / "m1" / name).read_bytes() == (tmp_path / "m2" / name).read_bytes()
    d = rec["data"]["sentiment"]
    assert d["train"] + d["dev"] + d["test"] == 90 and 0 < rec["threshold"] < 1
    assert set(rec["test_metrics"]) == {"sentiment", "loaded"} and "Held-out test" in (tmp_path / "m1" / "README.md").read_text()
    texts = ["It was a wonderful success.", "The radical senator slammed it."]
    fp32 = MiniLMScorer(model_dir=tmp_path / "m1", fp32=True).score(texts)
    exported = JointModel(tmp_path / "m1", quantize=False).run(texts)  # the ONNX export computes what PyTorch does
    assert np.allclose([o.score for o in exported], fp32, atol=1e-4) and abs(fp32).max() <= 1
    words_fp32 = LoadedWordDetector(model_dir=tmp_path / "m1", fp32=True).word_scores(texts[1:])[0]
    assert np.allclose([p for _, _, p in exported[1].words], [p for _, _, p in words_fp32], atol=1e-4)
    assert [o.score for o in JointModel(tmp_path / "m1").run(texts)] == [o.score for o in exported]  # default: fp32
    int8 = JointModel(tmp_path / "m1", quantize=True).run(texts)
    assert [(s, e) for s, e, _ in words_fp32] == [(s, e) for s, e, _ in int8[1].words] == words(texts[1])


def test_train_joint_with_targets_adds_a_shared_pass_target_head(tmp_path):
    """Issue 19's one fully shared pass: with NewsMTSC the joint model gains a target head read from the same
    unmarked pass, its split is train-targets' (by sentence), it repeats exactly and its probabilities are the
    same whether a sentence is scored alone or in a padded batch."""
    import pandas as pd

    from analysis.minilm import load_adapted
    from analysis.train import _joint_target_predict
    from test_targets import fake_newsmtsc

    fake_vader(tmp_path)
    fake_babe(tmp_path)
    fake_newsmtsc(tmp_path)
    cfg = JointConfig(epochs=1, layers=2, target_batch=4, target_test_tenths=2, target_dev_tenths=2)
    rec = train_joint(tmp_path, tmp_path, out_dir=tmp_path / "m1", config=cfg, targets_dir=tmp_path, log=lambda m: None)
    train_joint(tmp_path, tmp_path, out_dir=tmp_path / "m2", config=cfg, targets_dir=tmp_path, log=lambda m: None)
    assert (tmp_path / "m1" / "heads.safetensors").read_bytes() == (tmp_path / "m2" / "heads.safetensors").read_bytes()
    d = rec["target_data"]
    assert d["train"] + d["dev"] + d["test"] == 90 and d["dev"] > 0 and d["test"] > 0
    assert "dev_target_macro_f1" in rec["history"][0] and set(rec["target_metrics"]) == {"dev", "test"}
    tok, encoder, heads = load_adapted(tmp_path / "m1")
    assert heads["target"].weight.shape == (3, 2 * encoder.config.hidden_size)
    text = "Critics praised Anna Berg and Tom Reyes today, a long sentence."
    df = pd.DataFrame({"text": [text, text, "Tom Reyes met them."], "start": [16, 30, 0], "end": [25, 39, 9]})
    together = _joint_target_predict(tok, encoder, heads["target"], df, max_length=128)
    alone = np.concatenate([_joint_target_predict(tok, encoder, heads["target"], df.iloc[[i]], max_length=128)
                            for i in range(3)])
    assert together.shape == (3, 3) and np.allclose(together.sum(1), 1, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)
    assert not np.array_equal(together[0], together[1])  # each target its own pooling
