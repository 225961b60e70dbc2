"""Time linear in input size: a pathological input (one sentence of 300k characters) never reaches a
quadratic code path. Checked by what is called, not by timing."""
from __future__ import annotations

import pytest

from analysis import sentiment


@pytest.mark.parametrize("text", ["", "short", "a " * 3000, "x" * 12001, ("Good news. " * 2000).strip()])
def test_windows_cover_the_text_and_are_bounded(text):
    pieces = sentiment._windows(text, 5000)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= 5000 for p in pieces)


def test_vader_compound_is_vader_on_a_sentence_and_bounded_on_a_huge_one(monkeypatch):
    analyser = sentiment._vader()
    sentence = "The plan is good, but the outcome was terrible!"
    assert sentiment.vader_compound(sentence) == analyser.polarity_scores(sentence)["compound"]
    seen = []
    real = analyser.polarity_scores
    monkeypatch.setattr(analyser, "polarity_scores", lambda t: (seen.append(len(t)), real(t))[1])
    huge = " ".join(["The minister praised the excellent, wonderful plan."] * 6000)  # ~300k characters
    score = sentiment.vader_compound(huge)
    assert seen and max(seen) <= sentiment.VADER_WINDOW_CHARS and sum(seen) == len(huge)
    assert 0.99 <= score <= 1.0
    negative = " ".join(["A terrible, horrible, deadly disaster."] * 6000)
    assert sentiment.vader_compound(negative) <= -0.99
