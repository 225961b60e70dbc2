"""Tone by voice segment (analysis.tone, the ``tone`` stage and ``unit_scores`` table): every quotation's
content and every editorial remainder scored on its own, sentence scores reused exactly where a unit is a
whole sentence, and the statistics, the explorer's quote scores and the ``sentiment`` command at that level."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.corpus import Article
from analysis.frames import units
from analysis.stats import ClusterBootstrap, group_sentiment_gap, group_voice_means, quote_scores, speaker_score_means
from analysis.tone import UNIT_SCORES_SCHEMA, unit_scores

MONITOR = ('Officials met on Monday. She said: "We will monitor the situation closely." '
           'The flooding was a disaster, the mayor said, and "a tragedy for every family." Nothing else happened.')


@pytest.fixture(scope="module")
def monitor_store():
    from analysis.store import annotate_articles

    return annotate_articles([Article(id="m1", body=MONITOR)], stages=("tone",))


def test_the_cue_and_the_quote_are_scored_apart(monitor_store):
    """The new user's case: a sentence that is mostly speech gives an editorial unit and a quote unit, and the
    quote has a score of its own — the one its words get alone."""
    from analysis.minilm import joint_model
    from analysis.sentiment import vader_scores

    u = monitor_store.scored_units()
    quote = u[(u.voice == "quote") & u.text.str.contains("monitor")]
    assert len(quote) == 1 and quote.iloc[0].text == "We will monitor the situation closely."
    cue = u[(u.sentence == quote.iloc[0].sentence) & (u.voice == "editorial")]
    assert cue.text.tolist() == ['She said: "']  # the cue (quotation marks belong to no quotation's words)
    for row in u.itertuples():  # every unit: offsets exact, scores those of its own text
        assert MONITOR[row.start:row.end] == row.text
        assert row.vader == pytest.approx(float(np.round(vader_scores([row.text])[0], 6)), abs=0)
        assert row.minilm == joint_model().run([row.text])[0].score
    # the sentence level gives the whole sentence one voice; the segment level keeps both
    sents = monitor_store.scored_sentences()
    assert len(u) > len(sents) and set(u.voice) == {"editorial", "quote"}


def test_whole_sentence_units_reuse_the_sentence_scores(seed_store):
    u = seed_store.scored_units()
    sents = seed_store.scored_sentences().set_index("sentence")
    whole = u[u.whole_sentence]
    assert len(whole) and (~u.whole_sentence).any()
    for row in whole.itertuples():
        s = sents.loc[row.sentence]
        assert (row.start, row.end, row.text) == (s.start, s.end, s.text)
        assert (row.vader, row.minilm) == (s.vader, s.minilm)
    # units are the frames' units: same keys, same offsets
    frames = seed_store.table("frames")
    assert u[["unit", "start", "end", "voice"]].reset_index(drop=True).equals(
        frames[["unit", "start", "end", "voice"]].reset_index(drop=True))


def test_unit_scores_reuse_any_sentence_text_and_score_the_rest_once(monkeypatch):
    """Only texts that are no sentence are scored, each distinct one once; the table follows its schema."""
    import analysis.minilm as minilm
    import analysis.sentiment as sentiment

    body = 'He said "Good." Fine.\nHe said "Good." Fine.'
    sentences = pd.DataFrame({"article_id": ["a"] * 4, "sentence": [0, 1, 2, 3], "start": [0, 16, 22, 38],
                              "end": [15, 21, 37, 43]})
    sentences["text"] = [body[s:e] for s, e in zip(sentences.start, sentences.end)]
    segments = pd.DataFrame({"article_id": ["a"] * 5, "start": [0, 9, 14, 31, 36], "end": [9, 14, 31, 36, len(body)],
                             "voice": ["editorial", "quote", "editorial", "quote", "editorial"],
                             "kind": [None, "direct", None, "direct", None], "speaker": [None, "He", None, "He", None],
                             "quote_index": [None, 0, None, 1, None]})
    scores = sentences[["article_id", "sentence"]].assign(vader=[0.1, 0.2, 0.3, 0.4], minilm=[0.5, 0.6, 0.7, 0.8])
    calls: list[list[str]] = []

    class Fake:
        def run(self, texts):
            calls.append(list(texts))
            return [type("O", (), {"score": -0.25})() for _ in texts]

    monkeypatch.setattr(minilm, "joint_model", lambda model_dir=None: Fake())
    monkeypatch.setattr(sentiment, "vader_scores", lambda texts: np.full(len(texts), -0.5))
    u = units(sentences[["article_id", "sentence", "start", "end"]], segments, {"a": body})
    out = unit_scores(u, sentences, scores, model_dir="unused")
    assert list(out.columns) == UNIT_SCORES_SCHEMA.names
    assert u.text.tolist() == ['He said "', "Good.", "Fine.", 'He said "', "Good.", "Fine."]
    assert calls == [['He said "', "Good."]]  # "Fine." is a sentence: reused, not scored again
    assert out.whole_sentence.tolist() == [False, False, True, False, False, True]
    assert out.minilm.tolist() == [-0.25, -0.25, 0.6, -0.25, -0.25, 0.8]
    assert out.vader.tolist() == [-0.5, -0.5, 0.2, -0.5, -0.5, 0.4]
    with pytest.raises(KeyError, match="minilm"):
        unit_scores(u, sentences, scores.drop(columns="minilm"), model_dir="unused")


def test_tone_is_a_default_stage_and_incremental(tmp_path):
    from analysis.corpus import Corpus, skipped_frame
    from analysis.store import DEFAULT_STAGES, Store, annotate_articles, build

    assert "tone" in DEFAULT_STAGES

    def corpus():
        return Corpus(articles=[Article(id="m1", body=MONITOR)], skipped=skipped_frame([]), n_inputs=1)

    def counts(report):
        return {name: r.computed for name, r in report.stages.items()}

    build(corpus=corpus(), out=tmp_path / "st", processes=1, stages=("voices", "vader", "minilm"))
    assert not Store(tmp_path / "st").has("tone")
    second = counts(build(corpus=corpus(), out=tmp_path / "st", processes=1, stages=("tone",)))
    assert second["tone"] == 1 and second["minilm"] == 0 and second["parse"] == 0  # the scores are read, not redone
    third = counts(build(corpus=corpus(), out=tmp_path / "st", processes=1, stages=("tone",)))
    assert sum(third.values()) == 0
    assert Store(tmp_path / "st").table("unit_scores").equals(
        annotate_articles([Article(id="m1", body=MONITOR)], stages=("tone",)).table("unit_scores"))


def _frame(rows):
    return pd.DataFrame(rows, columns=["article_id", "unit", "voice", "speaker", "s"])


def test_statistics_name_their_level():
    rows = [(f"a{i}", k, v, "X" if v == "quote" else None, (0.5 if v == "quote" else -0.5) + 0.01 * i)
            for i in range(6) for k, v in enumerate(["editorial", "quote", "editorial"])]
    units_ = _frame(rows).assign(quoted_speakers=lambda d: [[s] if s else [] for s in d.speaker])
    arts = pd.DataFrame({"article_id": [f"a{i}" for i in range(6)], "outlet": ["o"] * 6})
    groups = pd.Series("all", index=arts.article_id)
    boot = ClusterBootstrap(arts, n_boot=200)
    m = group_voice_means(units_, "s", groups, boot).set_index("voice")
    assert set(m.level) == {"segment"} and m.loc["editorial", "n_units"] == 12 and m.loc["quote", "n_units"] == 6
    gap = group_sentiment_gap(units_, "s", groups, boot).iloc[0]
    assert gap.level == "segment" and gap.gap == pytest.approx(1.0) and gap.n_quote == 6
    names = pd.DataFrame({"speaker": ["X"], "corpus_speaker": ["X"]})
    spk = speaker_score_means(units_, "s", names, boot).iloc[0]
    assert spk.level == "segment" and spk.n_units == 6
    sents = units_.drop(columns="unit").assign(sentence=units_.unit)
    assert set(group_voice_means(sents, "s", groups, boot).level) == {"sentence"}


def test_quote_scores_are_the_words_weighted_mean_of_the_quotes_own_units():
    quotes = pd.DataFrame({"article_id": ["a", "a", "a"], "quote_index": [0, 1, 2], "kind": ["direct", "partial", "label"],
                           "speaker": ["X", "Y", None]})
    units_ = pd.DataFrame({"article_id": ["a"] * 4, "voice": ["quote", "quote", "editorial", "quote"],
                           "quote_index": pd.array([0, 0, pd.NA, 1], dtype="Int32"), "words": [3, 1, 5, 2],
                           "vader": [0.4, -0.4, 0.9, 0.1], "minilm": [0.2, 0.2, 0.9, -0.3]})
    q = quote_scores(quotes, units_, ["vader", "minilm"])
    assert q.quote_index.tolist() == [0, 1]  # labels are not speech
    assert q.n_units.tolist() == [2, 1]
    assert q.vader.tolist() == pytest.approx([(3 * 0.4 - 0.4) / 4, 0.1]) and q.minilm.tolist() == pytest.approx([0.2, -0.3])


def test_cli_sentiment_segment_level(tmp_path):
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": 7, "text": MONITOR}) + "\n")
    out = subprocess.run([sys.executable, "-m", "analysis", "sentiment", "--level", "segment", "--jsonl", str(src)],
                         capture_output=True, text=True, timeout=600, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [list(r) for r in rows[:1]] == [["id", "unit", "sentence", "start", "end", "voice", "kind", "speaker",
                                            "whole_sentence", "vader", "minilm"]]
    assert [r["unit"] for r in rows] == list(range(len(rows))) and {r["id"] for r in rows} == {7}
    quote = [r for r in rows if r["voice"] == "quote"]
    assert MONITOR[quote[0]["start"]:quote[0]["end"]] == "We will monitor the situation closely."
    one = subprocess.run([sys.executable, "-m", "analysis", "sentiment", "--level", "segment", "--scorer", "vader",
                          "--jsonl", str(src)], capture_output=True, text=True, timeout=600, check=True)
    first = json.loads(one.stdout.splitlines()[0])
    assert "vader" in first and "minilm" not in first
