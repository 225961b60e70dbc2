"""Quotation marks: which characters open and close quotes, and which are apostrophes.

A pure-Python scanner over the body (no model): curly, straight, single and
angled marks; apostrophes (``China’s``, ``horses’``, ``’90s``) are not quotes;
odd counts and unclosed marks never raise, they are reported as issues. A quote
left open at a paragraph end continues when the next paragraph opens with a
mark (the news convention for multi-paragraph quotes); otherwise it ends at the
paragraph end and is flagged ``unclosed``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

DOUBLE_MARKS = {'"': "either", "“": "open", "”": "close", "„": "open", "‟": "open", "«": "open", "»": "close"}
SINGLE_MARKS = {"'": "either", "‘": "open", "’": "close", "‚": "open", "‹": "open", "›": "close"}
ALL_MARKS = {**DOUBLE_MARKS, **SINGLE_MARKS}
_OPEN_CONTEXT = set("([{—–-/\u00a0\u2003\u2002") | set(ALL_MARKS)
_CLOSE_CONTEXT = set(".,;:!?)]}—–-/…") | set(ALL_MARKS)


@dataclass
class MarkSpan:
    """A quoted span: marks at ``open``/``close`` (close is exclusive end incl. the mark)."""

    open: int
    close: int
    style: str  # "double" or "single"
    parts: list[tuple[int, int]] = field(default_factory=list)  # content pieces, marks excluded
    unclosed: bool = False
    nested: list["MarkSpan"] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.parts[0][0]

    @property
    def end(self) -> int:
        return self.parts[-1][1]


@dataclass(frozen=True)
class MarkIssue:
    """A mark that could not be paired (reported, never raised)."""

    offset: int
    mark: str
    issue: str  # "stray closing mark" | "unclosed at paragraph end" | ...


#: Invisible characters that count as space next to a mark (a zero-width space before an opening
#: mark must not turn it into a closing one).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _space(c: str) -> bool:
    return c.isspace() or c in ZERO_WIDTH


def _flanks(text: str, i: int) -> tuple[bool, bool]:
    prev = text[i - 1] if i > 0 else "\n"
    nxt = text[i + 1] if i + 1 < len(text) else "\n"
    left = (_space(prev) or prev in _OPEN_CONTEXT) and not _space(nxt)
    right = (not _space(prev)) and (_space(nxt) or nxt in _CLOSE_CONTEXT)
    return left, right


def _is_apostrophe(text: str, i: int, open_single: bool) -> bool:
    ch = text[i]
    if ch not in ("'", "’", "‘"):
        return False
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if prev.isalnum() and nxt.isalnum():
        return True  # China’s, don't, rock’n’roll
    if ch in ("'", "’") and nxt.isdigit() and not prev.isalnum():
        return True  # ’90s
    if prev in "sSzZ" and not nxt.isalnum():
        if not open_single:
            return True  # horses’ carrots, Jesus’ words
        # inside a single-quoted span: a plural possessive when a word follows and the quote can
        # still close later in the paragraph (‘a blow to the farmers’ income’)
        j = i + 1
        while j < len(text) and text[j] in " \t":
            j += 1
        if j < len(text) and text[j].isalpha() and text[j].islower() and _closes_later(text, j, ch):
            return True
    return False


def _closes_later(text: str, start: int, ch: str) -> bool:
    """Whether a closing single mark like ``ch`` follows in the same paragraph."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    glyphs = ("’",) if ch == "’" else ("'", "’")
    for g in glyphs:
        k = text.find(g, start, end)
        while k >= 0:
            prev = text[k - 1]
            nxt = text[k + 1] if k + 1 < len(text) else "\n"
            if not _space(prev) and not (prev.isalnum() and nxt.isalnum()) and (_space(nxt) or nxt in _CLOSE_CONTEXT):
                return True
            k = text.find(g, k + 1, end)
    return False


def _next_paragraph_opens(text: str, nl: int) -> int | None:
    """Offset of an opening double mark that starts the paragraph after ``nl``, if any."""
    j = nl
    while j < len(text) and text[j].isspace():
        j += 1
    if j < len(text) and text[j] in DOUBLE_MARKS and DOUBLE_MARKS[text[j]] in ("open", "either"):
        left, _ = _flanks(text, j)
        if left:
            return j
    return None


def scan_marks(text: str, *, exclude: list[tuple[int, int]] | None = None) -> tuple[list[MarkSpan], list[MarkIssue]]:
    """Pair the quotation marks in ``text``; return top-level spans and issues.

    ``exclude`` ranges (e.g. embedded posts) are skipped. Nested spans are kept on
    their parent. Never raises on any input.
    """
    exclude = sorted(exclude or [])
    spans: list[MarkSpan] = []
    issues: list[MarkIssue] = []
    # stack entries: [offset, style, piece_start, parts, children]
    stack: list[list] = []
    continuation_marks: set[int] = set()
    ex_i = 0
    n = len(text)
    i = 0

    def close_top(end_mark: int, end_excl: int, unclosed: bool) -> None:
        off, style, piece_start, parts, children = stack.pop()
        parts = parts + [(piece_start, end_mark)]
        parts = [(s, e) for s, e in parts if e > s]
        if not any(text[s:e].strip().strip(ZERO_WIDTH) for s, e in parts):
            issues.append(MarkIssue(off, text[off], "empty quotation"))
            return
        span = MarkSpan(open=off, close=end_excl, style=style, parts=parts, unclosed=unclosed, nested=children)
        if stack:
            stack[-1][4].append(span)
        else:
            spans.append(span)

    while i < n:
        while ex_i < len(exclude) and exclude[ex_i][1] <= i:
            ex_i += 1
        if ex_i < len(exclude) and exclude[ex_i][0] <= i < exclude[ex_i][1]:
            i = exclude[ex_i][1]
            continue
        ch = text[i]
        if ch == "\n":
            # paragraph end: decide the fate of every open mark
            if stack:
                cont = _next_paragraph_opens(text, i)
                bottom_double = stack[0][1] == "double"
                # drop everything but the bottom double quote
                while len(stack) > 1:
                    top = stack.pop()
                    issues.append(MarkIssue(top[0], text[top[0]], "unclosed at paragraph end"))
                if bottom_double and cont is not None:
                    # multi-paragraph quote: keep it open, skip the continuation mark
                    end = i
                    while end > stack[0][2] and text[end - 1].isspace():
                        end -= 1
                    stack[0][3].append((stack[0][2], end))
                    stack[0][2] = cont + 1
                    continuation_marks.add(cont)
                    i = cont + 1
                    continue
                top = stack[0]
                if top[1] == "double":
                    end = i
                    while end > top[2] and text[end - 1].isspace():
                        end -= 1
                    issues.append(MarkIssue(top[0], text[top[0]], "unclosed at paragraph end"))
                    close_top(end, end, unclosed=True)
                else:
                    stack.pop()
                    issues.append(MarkIssue(top[0], text[top[0]], "unclosed at paragraph end"))
            i += 1
            continue
        if ch not in ALL_MARKS or i in continuation_marks:
            i += 1
            continue
        style = "double" if ch in DOUBLE_MARKS else "single"
        pref = ALL_MARKS[ch]
        open_single = any(e[1] == "single" for e in stack)
        if style == "single" and _is_apostrophe(text, i, open_single):
            i += 1
            continue
        left, right = _flanks(text, i)
        open_double = any(e[1] == "double" for e in stack)
        if left and not right:
            role = "open"
        elif right and not left:
            role = "close"
        elif left and right:
            role = pref if pref != "either" else ("close" if (open_double if style == "double" else open_single) else "open")
        else:  # surrounded by spaces: trust the glyph, straight marks toggle
            if pref == "either":
                role = "close" if (open_double if style == "double" else open_single) else "open"
            else:
                role = pref
        if role == "open":
            stack.append([i, style, i + 1, [], []])
        else:
            idx = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][1] == style), None)
            if idx is None:
                if style == "double" or ch != "’":
                    issues.append(MarkIssue(i, ch, "stray closing mark"))
            else:
                while len(stack) - 1 > idx:
                    top = stack.pop()
                    issues.append(MarkIssue(top[0], text[top[0]], "unclosed inside another quote"))
                close_top(i, i + 1, unclosed=False)
        i += 1
    # end of text behaves as a paragraph end without continuation
    while len(stack) > 1:
        top = stack.pop()
        issues.append(MarkIssue(top[0], text[top[0]], "unclosed at end of text"))
    if stack:
        top = stack[0]
        issues.append(MarkIssue(top[0], text[top[0]], "unclosed at end of text"))
        if top[1] == "double":
            end = n
            while end > top[2] and text[end - 1].isspace():
                end -= 1
            close_top(end, end, unclosed=True)
        else:
            stack.pop()
    spans.sort(key=lambda s: s.open)
    return spans, issues
