from __future__ import annotations

import pytest

from analysis.sentences import sentence_spans, sentences_frame


def sents(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Sen. Elizabeth Warren met Gen. Mark Milley on Feb. 3 in the U.S. Capitol. Mr. Smith agreed.",
            ["Sen. Elizabeth Warren met Gen. Mark Milley on Feb. 3 in the U.S. Capitol.", "Mr. Smith agreed."],
        ),
        (
            "Lt. Col. Jones and Sgt. Diaz of the U.S. Army arrived. Rep. Lee and Gov. Hochul did not.",
            ["Lt. Col. Jones and Sgt. Diaz of the U.S. Army arrived.", "Rep. Lee and Gov. Hochul did not."],
        ),
        (
            "The vote ends at 5 p.m. E.S.T. on Monday. Results follow.",
            ["The vote ends at 5 p.m. E.S.T. on Monday.", "Results follow."],
        ),
        (
            "He said: “We are done. Nothing more.” She left.",
            ["He said: “We are done.", "Nothing more.”", "She left."],
        ),
        (
            "The event is dubbed the “Genocide Games.” “I have known him,” Putin said.",
            ["The event is dubbed the “Genocide Games.”", "“I have known him,” Putin said."],
        ),
        (
            "He approached. “Where are the carrots?” he asked. Nobody answered.",
            ["He approached.", "“Where are the carrots?” he asked.", "Nobody answered."],
        ),
    ],
)
def test_news_sentences(text, expected):
    assert sents(text) == expected


def test_sentences_never_cross_paragraphs():
    text = "First line without a period\nSecond line. Third sentence."
    assert sents(text) == ["First line without a period", "Second line.", "Third sentence."]


def test_seed_sentences_exact(seed):
    frame = sentences_frame([seed])
    assert len(frame) == 25
    for row in frame.itertuples():
        assert seed.body[row.start : row.end] == row.text
    # the multi-sentence quote keeps its closing mark with its sentence
    assert "“Genocide Games.”" in frame.text.iloc[6]
    assert frame.text.iloc[7].startswith("“I have known")
