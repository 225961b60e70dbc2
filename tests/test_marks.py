from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.marks import scan_marks


def contents(text: str) -> list[str]:
    spans, _ = scan_marks(text)
    return [text[s.start : s.end] for s in spans]


def test_apostrophes_are_not_quotes():
    assert contents("China’s leader met Russia’s. The horses’ carrots and ’90s rock don't count.") == []


def test_curly_straight_single_and_angled():
    assert contents('He said “yes” and "no".') == ["yes", "no"]
    assert contents("‘We will,’ she said, 'really'.") == ["We will,", "really"]
    assert contents("«Nous gagnerons», a dit Macron.") == ["Nous gagnerons"]


def test_nested_quote_stays_inside_parent():
    text = "He told everyone, “This ‘hamburger’ is good.”"
    spans, issues = scan_marks(text)
    assert len(spans) == 1 and not issues
    assert text[spans[0].start : spans[0].end] == "This ‘hamburger’ is good."
    assert [text[n.start : n.end] for n in spans[0].nested] == ["hamburger"]


def test_multi_paragraph_quote_is_one_quote():
    text = "Smith said: “First part.\n“Second part,” she added."
    spans, issues = scan_marks(text)
    assert len(spans) == 1 and not issues
    span = spans[0]
    assert [text[s:e] for s, e in span.parts] == ["First part.", "Second part,"]
    assert not span.unclosed


def test_unclosed_quote_ends_at_paragraph_and_is_reported():
    text = "He said “this never closes.\nNext paragraph is plain."
    spans, issues = scan_marks(text)
    assert [text[s.start : s.end] for s in spans] == ["this never closes."]
    assert spans[0].unclosed and issues[0].issue == "unclosed at paragraph end"


def test_stray_closing_mark_is_reported_not_fatal():
    text = "'uneasy' on Gilmer street\"\nPolice said more."
    spans, issues = scan_marks(text)
    assert [text[s.start : s.end] for s in spans] == ["uneasy"]
    assert [i.issue for i in issues] == ["stray closing mark"]


MARKS = st.sampled_from(list("\"'“”‘’«»‹›„‚ \n.,a") + ["’s", "s’", " “", "” "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(MARKS, st.text(max_size=4)), max_size=40).map("".join))
def test_scanner_never_raises_and_spans_are_ordered(text):
    spans, _ = scan_marks(text)
    last = -1
    for span in spans:
        assert 0 <= span.open < span.close <= len(text) or span.unclosed
        for s, e in span.parts:
            assert 0 <= s <= e <= len(text)
        assert span.open > last
        last = span.open
