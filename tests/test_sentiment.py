from __future__ import annotations

import json

import numpy as np
import pytest

from analysis import paths
from analysis.sentiment import TransformerScorer, VaderScorer, label_polarities

MODEL = paths.JOINT_MODEL


def test_vader_reference_scores():
    s = VaderScorer().score(["The book was good.", "The book was terrible.", "The book is on the table.", "A"])
    assert s[0] > 0.4 and s[1] < -0.4 and s[2] == 0.0
    assert VaderScorer().provenance["package"].startswith("vaderSentiment==")


@pytest.mark.parametrize(
    "labels, expected",
    [
        ({0: "negative", 1: "neutral", 2: "positive"}, [-1, 0, 1]),
        ({0: "NEG", 1: "NEU", 2: "POS"}, [-1, 0, 1]),
        ({0: "NEG", 1: "POS"}, [-1, 1]),
        ({0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"}, [-1, -0.5, 0, 0.5, 1]),
        ({0: "LABEL_0", 1: "LABEL_1"}, [-1, 1]),
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, [-1, 0, 1]),
        ({0: "Positive", 1: "Negative"}, [1, -1]),
    ],
)
def test_label_mappings(labels, expected):
    assert label_polarities(labels).tolist() == expected


def test_unknown_labels_are_refused():
    with pytest.raises(ValueError, match="cannot map labels"):
        label_polarities({0: "joy", 1: "anger"})
    with pytest.raises(ValueError):
        label_polarities({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2", 3: "LABEL_3"})


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A tiny random BERT classifier saved with save_pretrained: the real loading path runs offline."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "book", "was", "good", "bad", "."]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, num_labels=3, id2label={0: "negative", 1: "neutral", 2: "positive"},
                     label2id={"negative": 0, "neutral": 1, "positive": 2})
    BertForSequenceClassification(cfg).save_pretrained(folder)
    return folder


def test_transformer_scorer_expected_value(tiny_model):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    texts = ["the book was good .", "the book was bad .", "unknown words here"] * 15
    scorer = TransformerScorer(str(tiny_model), batch_size=4)
    scores = scorer.score(texts)
    assert scores.shape == (45,) and np.all(np.abs(scores) <= 1)
    # same as computing the expectation by hand
    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model).eval()
    with torch.inference_mode():
        p = model(**tok(texts[:3], padding=True, return_tensors="pt")).logits.softmax(-1).numpy()
    np.testing.assert_allclose(scores[:3], p @ np.array([-1.0, 0.0, 1.0]), atol=1e-6)
    assert scorer.provenance["labels"] == ["negative", "neutral", "positive"]
    # batching does not change results
    np.testing.assert_allclose(TransformerScorer(str(tiny_model), batch_size=45).score(texts), scores, atol=1e-6)


def test_shipped_minilm_files_and_format():
    from safetensors.torch import load_file

    heads = load_file(str(MODEL / "heads.safetensors"))
    assert heads["sentence.weight"].shape == (1, 384) and heads["sentence.bias"].shape == (1,)
    assert heads["token.weight"].shape == (1, 384) and heads["token.bias"].shape == (1,)
    adapter = load_file(str(MODEL / "adapter_model.safetensors"))
    assert adapter and all("lora_" in k for k in adapter)
    cfg = json.loads((MODEL / "adapter_config.json").read_text())
    assert cfg["base_model_name_or_path"] == "sentence-transformers/all-MiniLM-L6-v2" and cfg["r"] == 16
    assert not list(MODEL.glob("*.bin")) and not list(MODEL.glob("*.pkl")), "no pickles"
    card = (MODEL / "README.md").read_text()
    assert "Held-out test" in card and "Licences" in card


def test_minilm_scorer_orders_clear_cases():
    from analysis.sentiment import MiniLMScorer

    s = MiniLMScorer().score(["This is a wonderful, generous and successful plan.", "The attack was a brutal, horrific massacre."])
    assert s[0] > 0.2 and s[1] < -0.2
