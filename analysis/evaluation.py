"""Evaluations against public data in ../shared/data (never copied into the project).

``peer_quote_cases`` runs the English cases of the textacy/sayswho quote test
suite (``textacy_quote_tests/cases.jsonl``) through the voice splitter and
compares, as that suite's SOURCE.md advises, on the number of quotes, the
content (quote marks normalised) and the speaker's words, not on token lists.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from .corpus import Article
from .quotes import split_voices

_MARKS = "\"'“”‘’«»"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(_MARKS).strip())


def _words(text: str | None) -> list[str]:
    return [w.lower() for w in re.findall(r"[\w.]+", text or "")]


def judge_case(case: dict) -> tuple[bool, str, list[dict]]:
    """Run one peer case; return (passed, detail, our quotes)."""
    split = split_voices(Article(id=str(case["id"]), body=case["text"]))
    ours = [q for q in split.quotes if q.kind in ("direct", "partial")]
    got = [{"text": q.text, "speaker_mention": q.speaker_mention, "speaker": q.speaker, "cue": q.cue} for q in ours]
    if "expected_speaker_tokens" in case:
        want = [t.lower() for t in case["expected_speaker_tokens"]]
        # textacy's speaker tokens leave out determiners ("the clown" -> clown)
        have = [w for q in ours for w in _words(q.speaker_mention) if w not in ("the", "a", "an")]
        ok = have == want
        return ok, f"speaker tokens {have} vs expected {want}", got
    expected = case["expected"]
    if len(expected) != len(ours):
        return False, f"{len(ours)} quotes found, {len(expected)} expected", got
    for exp, q in zip(expected, ours):
        if _norm(exp["content"]) != _norm(q.text):
            return False, f"content {q.text!r} vs expected {exp['content']!r}", got
        head = exp["speaker"][-1].lower()
        if head not in _words(q.speaker_mention):
            return False, f"speaker {q.speaker_mention!r} vs expected {' '.join(exp['speaker'])!r}", got
        if " ".join(exp["cue"]).lower() != (q.cue or "").lower():
            return False, f"cue {q.cue!r} vs expected {' '.join(exp['cue'])!r}", got
    return True, "match", got


def peer_quote_cases(path: str | Path, *, language: str = "en") -> pd.DataFrame:
    """One row per peer case of ``language``: whether the splitter agrees, and why not."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        if case.get("lang") != language:
            continue
        ok, detail, got = judge_case(case)
        rows.append({"id": case["id"], "passed": ok, "detail": detail, "found": json.dumps(got, ensure_ascii=False)})
    return pd.DataFrame(rows, columns=["id", "passed", "detail", "found"])
