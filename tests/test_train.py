"""The training commands run end to end on tiny synthetic data, write loadable safetensors, and repeat exactly."""
from __future__ import annotations

import random

from analysis.detector import LoadedWordDetector
from analysis.sentiment import MiniLMScorer
from analysis.train import LoadedConfig, TrainConfig, train_loaded, train_sentiment

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


def test_train_sentiment_is_deterministic_and_loadable(tmp_path):
    fake_vader(tmp_path)
    cfg = TrainConfig(epochs=1)
    rec = train_sentiment(tmp_path, out_dir=tmp_path / "m1", config=cfg, log=lambda m: None)
    train_sentiment(tmp_path, out_dir=tmp_path / "m2", config=cfg, log=lambda m: None)
    for name in ("adapter_model.safetensors", "head.safetensors"):
        assert (tmp_path / "m1" / name).read_bytes() == (tmp_path / "m2" / name).read_bytes()
    assert rec["data"]["train"] + rec["data"]["dev"] + rec["data"]["test"] == 90
    scores = MiniLMScorer(model_dir=tmp_path / "m1").score(["It was a wonderful success.", "It was a horrible attack."])
    assert scores.shape == (2,) and abs(scores).max() <= 1
    assert "Held-out test" in (tmp_path / "m1" / "README.md").read_text()


def test_train_loaded_writes_a_working_detector(tmp_path):
    fake_babe(tmp_path)
    rec = train_loaded(tmp_path, out_dir=tmp_path / "d", config=LoadedConfig(epochs=1), log=lambda m: None)
    assert 0 < rec["threshold"] < 1 and set(rec["test_metrics"]) >= {"precision", "recall", "f1"}
    det = LoadedWordDetector(model_dir=tmp_path / "d")
    scores = det.word_scores(["The radical senator slammed it."])[0]
    assert [round(p, 6) >= 0 for _, _, p in scores] == [True] * 5
