from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.corpus import Article
from analysis.quotes import find_embedded_posts, split_voices, voice_segments


def split(text: str):
    return split_voices(Article(id="t", body=text))


def found(text: str) -> list[tuple]:
    return [(q.kind, q.text, q.speaker, q.cue) for q in split(text).quotes]


# ----------------------------------------------------------------------------- the seed article


def by_start(split_, fragment):
    body = split_.article.body
    matches = [q for q in split_.quotes if body[q.start : q.end].startswith(fragment)]
    assert matches, f"no quote starting with {fragment!r}"
    return matches[0]


@pytest.mark.parametrize(
    "fragment, kind, speaker, mention, cue",
    [
        ("We are working together", "direct", "Xi Jinping", "Xi", "told"),
        ("I have known President Xi", "direct", "Vladimir Putin", "Putin", "quoted … as saying"),
        ("Foreign policy coordination", "direct", "Vladimir Putin", "Putin", "wrote"),
        ("fundamentally wrong", "partial", "Vladimir Putin", "Putin", "Calling"),
        ("Sadly, attempts", "direct", "Vladimir Putin", "Putin", "wrote"),
        ("legitimate", "partial", "Wang Yi", "Wang", "saying"),
        ("taken seriously and addressed", "partial", "Wang Yi", "Wang", "saying"),
        ("#PhotoOfTheDay", "embedded_post", "MFA Russia", "MFA Russia 🇷🇺 (@mfa_russia)", None),
        ("they should be", "indirect", "Wang Yi", "Wang", "saying"),
        ("Moscow of preparing another invasion", "indirect", "West", "West", "accused"),
        ("any plans to invade Ukraine", "indirect", "Russia", "Russia", "denied"),
        ("it is seeking legal guarantees", "indirect", "Moscow", "Moscow", "said"),
    ],
)
def test_seed_quotes(seed_split, fragment, kind, speaker, mention, cue):
    q = by_start(seed_split, fragment)
    assert (q.kind, q.speaker, q.speaker_mention, q.cue) == (kind, speaker, mention, cue)


def test_seed_complete_and_nothing_spurious(seed_split):
    kinds = [q.kind for q in seed_split.quotes]
    assert kinds.count("direct") == 4 and kinds.count("partial") == 3
    assert kinds.count("embedded_post") == 1 and kinds.count("indirect") == 4 and kinds.count("scare") == 1
    assert not seed_split.issues


def test_seed_genocide_games_is_scare_and_editorial(seed_split):
    q = by_start(seed_split, "Genocide Games")
    assert q.kind == "scare" and q.speaker is None and q.voice == "editorial"
    seg = seed_split.segments()
    row = seg[(seg.start <= q.start) & (seg.end >= q.end)].iloc[0]
    assert row.voice == "editorial" and row.kind == "scare"


def test_seed_quote_offsets_exclude_marks(seed_split):
    body = seed_split.article.body
    for q in seed_split.quotes:
        assert body[q.start : q.end] == q.text
        if q.kind in ("direct", "partial"):
            assert body[q.mark_start] in "“\"" and body[q.mark_end - 1] in "”\""


def test_seed_cue_verbs_stay_editorial(seed_split):
    seg = seed_split.segments()
    for q in seed_split.quotes:
        if q.cue_start is not None:
            row = seg[(seg.start <= q.cue_start) & (seg.end > q.cue_start)].iloc[0]
            assert row.voice == "editorial", q


# ----------------------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    "text, expected",
    [
        ('Burton said, "I love cats!"', [("direct", "I love cats!", "Burton", "said")]),
        ("“We are ready,” Smith told reporters on Monday.", [("direct", "We are ready,", "Smith", "told")]),
        ("“Why now?” asked Jane Smith.", [("direct", "Why now?", "Jane Smith", "asked")]),
        ("“The plan is dead,” according to Sen. John Smith.", [("direct", "The plan is dead,", "John Smith", "according to")]),
        ("In a statement, the ministry said: “We regret the error.”", [("direct", "We regret the error.", "ministry", "said")]),
        ("“We regret it,” the company said in a statement.", [("direct", "We regret it,", "company", "said")]),
        ("Jane Smith: “We will not back down.”", [("direct", "We will not back down.", "Jane Smith", None)]),
        ("“We will not back down.” — Jane Smith, union leader", [("direct", "We will not back down.", "Jane Smith", None)]),
        ("«We will win», said Emmanuel Macron.", [("direct", "We will win", "Emmanuel Macron", "said")]),
        ("‘We will win,’ said Boris Johnson.", [("direct", "We will win,", "Boris Johnson", "said")]),
        ("Smith described the talks as “productive but difficult”.", [("partial", "productive but difficult", "Smith", "described")]),
        ("The minister said that the talks had failed.", [("indirect", "the talks had failed", "minister", "said")]),
        ("She wrote the book “The Art of Peace” last year.", [("scare", "The Art of Peace", None, None)]),
        ("The so-called “peace plan” failed.", [("scare", "peace plan", None, None)]),
        ('Burton thinks that cats are "cuties".', [("scare", "cuties", None, None)]),
        ("He offered: “Jon Stewart leaving.”", [("direct", "Jon Stewart leaving.", "he", "offered")]),
        ("At the rally, the crowd roared, “Lock her up!”", [("direct", "Lock her up!", "crowd", "roared")]),
        ('Fair called it "weird" to see her book, "Fortifying Pakistan," there.',
         [("partial", "weird", "Fair", "called"), ("scare", "Fortifying Pakistan,", None, None)]),
        ("Police said a man was “uneasy”. Listen to the “frantic” call.",
         [("indirect", "a man was “uneasy”", "police", "said"), ("partial", "uneasy", "police", "said"),
          ("scare", "frantic", None, None)]),
    ],
)
def test_attribution_patterns(text, expected):
    assert found(text) == expected


def test_medium_and_speaker_of_quoted_as_saying():
    q = split("“We are friends,” CCTV quoted Vladimir Putin as saying.").quotes[0]
    assert (q.speaker, q.medium) == ("Vladimir Putin", "CCTV")


def test_addressee_of_told():
    q = split("Xi Jinping told Vladimir Putin: “We are working together.”").quotes[0]
    assert (q.speaker, q.addressee, q.cue) == ("Xi Jinping", "Vladimir Putin", "told")


def test_floating_quote_continues_previous_speaker_across_paragraphs():
    qs = split("“A is true,” said Jane Smith.\n“B is also true.”").quotes
    assert [(q.speaker, q.method) for q in qs] == [("Jane Smith", "cue after"), ("Jane Smith", "continues previous speaker")]


def test_floating_quote_after_unrelated_paragraphs_is_unattributed():
    qs = split("“A,” said Jane Smith.\nThe weather was fine.\nThe roads were clear.\n“B is true.”").quotes
    assert qs[-1].speaker is None and qs[-1].method == "unattributed"


def test_pronoun_and_descriptor_resolve_to_canonical_names():
    q = split("Jane Smith arrived late. “Sorry,” she said.").quotes[0]
    assert (q.speaker, q.speaker_mention) == ("Jane Smith", "she")
    text = "Russian President Vladimir Putin met Joe Biden. Later the Russian leader said: “We disagree.”"
    q = split(text).quotes[0]
    assert (q.speaker, q.speaker_mention) == ("Vladimir Putin", "the Russian leader")


def test_names_inside_quotes_are_not_pronoun_antecedents():
    q = split("Jane Smith spoke. “The best man is Phil Bredesen,” he said.").quotes[0]
    assert q.speaker == "Jane Smith"


def test_short_names_map_to_full_name():
    qs = split("Chinese President Xi Jinping spoke first. “We agree,” Xi said.").quotes
    assert (qs[0].speaker, qs[0].speaker_mention) == ("Xi Jinping", "Xi")


def test_multi_paragraph_quote_is_one_direct_quote():
    text = "Jane Smith said: “First part of it.\n“Second part of it,” she added."
    qs = split(text).quotes
    assert len(qs) == 1 and qs[0].kind == "direct" and qs[0].speaker == "Jane Smith"
    first, second = text.index("First"), text.index("Second")
    assert qs[0].parts == [(first, text.index("\n")), (second, text.index("”"))]
    seg = voice_segments(Article(id="t", body=text), qs)
    # the newline and the continuation mark stay editorial
    assert seg[seg.start == text.index("\n")].voice.item() == "editorial"


def test_nested_quote_is_part_of_the_outer_quote():
    qs = split("“He told me ‘never again’ and left,” she said.").quotes
    assert len(qs) == 1 and qs[0].text == "He told me ‘never again’ and left,"


def test_partial_inside_reported_speech_keeps_its_kind():
    text = "Anna Lee, a spokeswoman, said the report was “deeply flawed” and “misleading.”"
    qs = split(text).quotes
    assert [(q.kind, q.speaker) for q in qs] == [("indirect", "Anna Lee"), ("partial", "Anna Lee"), ("partial", "Anna Lee")]
    seg = split(text).segments()
    assert seg[seg.kind == "partial"].shape[0] == 2


def test_embedded_post_block():
    text = "Intro line.\nGreat day at the summit! #G7 pic.twitter.com/abc123\n— Jane Doe (@janedoe) June 5, 2023\nThe summit ended."
    posts = find_embedded_posts(text)
    assert len(posts) == 1
    s, e, name, handle, date = posts[0]
    assert text[s:e].startswith("Great day") and text[s:e].endswith("2023")
    assert (name, handle, date) == ("Jane Doe", "janedoe", "June 5, 2023")
    q = split(text).quotes[0]
    assert (q.kind, q.speaker) == ("embedded_post", "Jane Doe")


def test_odd_and_unclosed_marks_never_crash():
    for text in ['He said “this never closes.\nNext.', '"', "’’’", "“”", "‘", 'a " b " c "', "\n\n“\n”\n"]:
        sp = split(text)
        seg = sp.segments()
        assert seg.end.sum() - seg.start.sum() == len(text)


# ----------------------------------------------------------------------------- property

PIECES = st.sampled_from(
    ["“", "”", '"', "'", "‘", "’", "«", "»", "\n", " ", ". ", ", ", "’s ", "said ", "Smith ", "He ", "we ", "— ", "#tag ", "(@x) "]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=30).map("".join))
def test_segments_partition_any_text(text):
    sp = split(text)
    seg = sp.segments()
    if not text:
        assert seg.empty
        return
    assert seg.start.iloc[0] == 0 and seg.end.iloc[-1] == len(text)
    assert (seg.start.iloc[1:].to_numpy() == seg.end.iloc[:-1].to_numpy()).all()
    assert (seg.end > seg.start).all()
    for q in sp.quotes:
        assert 0 <= q.start <= q.end <= len(text) and text[q.start : q.end] == q.text
