from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from analysis import paths
from analysis.evaluation import cached_scores
from conftest import SEED_ID


def test_seed_sentence_voices(seed_store):
    sents = seed_store.table("sentences")

    def row(prefix):
        (match,) = [r for r in sents.itertuples() if r.text.startswith(prefix)]
        return match

    assert row("“I have known President Xi").voice == "quote"
    assert row("“I have known President Xi").speaker == "Vladimir Putin"
    assert row("Defending the real spirit").speaker == "Xi Jinping"
    assert row("The latest meeting").voice == "editorial"
    assert row("#PhotoOfTheDay").kind == "embedded_post"
    assert sents.quote_share.between(0, 1).all()


class Counting:
    name = "counting"
    provenance = {"scorer": "counting", "v": 1}

    def __init__(self):
        self.calls = 0

    def score(self, texts):
        self.calls += len(texts)
        return np.array([len(t) / 100 for t in texts])


def test_evaluation_score_cache_by_text_hash():
    sc = Counting()
    first = cached_scores(sc, ["a", "bb", "a"])
    assert first.tolist() == [0.01, 0.02, 0.01] and sc.calls == 2
    again = cached_scores(sc, ["bb", "ccc"])
    assert again.tolist() == [0.02, 0.03] and sc.calls == 3


def test_scored_sentences_has_each_scorer(seed_store):
    sents = seed_store.scored_sentences()
    assert {"vader", "minilm"} <= set(sents.columns) and len(sents) == 25
    assert sents[["vader", "minilm"]].abs().le(1).all().all() and sents.minilm.notna().all()


def test_minilm_scores_do_not_depend_on_neighbours(seed_store):
    """ONNX runs one sentence at a time: a sentence scored alone equals its score in the store."""
    from analysis.sentiment import get_scorer

    sents = seed_store.scored_sentences()
    alone = get_scorer("minilm").score(sents.text.tolist()[::-1])[::-1]
    assert alone.tolist() == sents.minilm.tolist()


def test_store_runs_what_was_trained(seed_store):
    """The store's recipe (ONNX fp32, one sentence per run) equals PyTorch fp32 (batched, padded) within float
    noise: the thresholds chosen on PyTorch outputs hold as deployed. int8 only tracks it."""
    from analysis.minilm import JointModel
    from analysis.sentiment import get_scorer

    sents = seed_store.scored_sentences()
    fp32 = get_scorer("minilm", fp32=True).score(sents.text.tolist())
    assert np.abs(fp32 - sents.minilm).max() < 1e-4
    int8 = np.array([o.score for o in JointModel(quantize=True).run(sents.text.tolist())])
    assert np.corrcoef(fp32, int8)[0, 1] > 0.95 and np.abs(fp32 - int8).max() < 0.2


def test_cli_sentiment_jsonl_keeps_input_order(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in
                             [(3, "Terrible, awful news."), ("x", "Great, wonderful news!"), (1, "The table.")]) + "\n")
    res = subprocess.run([sys.executable, "-m", "analysis", "sentiment", "--scorer", "vader", "--jsonl", str(src)],
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    assert [r["id"] for r in rows] == [3, "x", 1] and set(rows[0]) == {"id", "score"}
    assert rows[0]["score"] < 0 < rows[1]["score"] and rows[2]["score"] == 0.0


def test_cli_sentiment_on_articles():
    res = subprocess.run([sys.executable, "-m", "analysis", "sentiment", str(paths.ARTICLES / f"{SEED_ID}.md")],
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    assert len(rows) == 25 and set(rows[0]) == {"id", "sentence", "start", "end", "voice", "kind", "speaker", "vader", "minilm"}
    assert rows[0]["id"] == SEED_ID and rows[0]["start"] == 0


def test_cli_transformer_needs_model():
    res = subprocess.run([sys.executable, "-m", "analysis", "sentiment", "--scorer", "transformer", "--jsonl", "-"],
                         input="", capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 2 and "--model" in res.stderr
