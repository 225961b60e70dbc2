"""Benchmark: words/s of load + segment + voice split, 1 and 2 processes, and the cached re-run.

The corpus (>= 1M words) is assembled here from news text available on this
machine, read from ../shared/data at run time and never stored in the repo:
sentences of NewsMTSC (train), BABE SG2 and the VADER NYT editorial snippets,
shuffled with a fixed seed into ~600-word pseudo-articles (three permutations, so
every article's text is distinct), written as corpus files with front matter,
plus the seed article. Results go to bench/results/voices.json.

    .venv/bin/python bench/bench_voices.py [--words 1000000] [--out bench/results/voices.json]
"""
from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import paths  # noqa: E402
from analysis.corpus import Article, count_words, load_corpus, write_articles  # noqa: E402
from analysis.pipeline import code_version, voice_tables  # noqa: E402
from analysis.segment import sentences_frame  # noqa: E402


def news_sentences() -> list[str]:
    data = paths.SHARED_DATA
    out: list[str] = []
    with open(data / "newsmtsc" / "train.jsonl", encoding="utf-8") as fh:
        out += [json.loads(l)["sentence_normalized"] for l in fh if l.strip()]
    with open(data / "babe_mbic" / "final_labels_SG2.csv", encoding="utf-8") as fh:
        out += [r["text"] for r in csv.DictReader(fh, delimiter=";")]
    with open(data / "vader_groundtruth" / "nytEditorialSnippets_GroundTruth.txt", encoding="latin-1") as fh:
        out += [l.rstrip("\n").split("\t", 2)[2] for l in fh if l.count("\t") >= 2]
    return [s.strip() for s in out if s and s.strip() and "<" not in s]


def assemble(target_words: int, *, seed: int = 20220204) -> list[Article]:
    sentences = news_sentences()
    rng = random.Random(seed)
    articles: list[Article] = [load_corpus().articles[0]]
    total = articles[0].n_words
    perm = 0
    while total < target_words:
        order = sentences[:]
        rng.shuffle(order)
        i = 0
        while i < len(order) and total < target_words:
            paras, words = [], 0
            while i < len(order) and words < 600:
                para = " ".join(order[i : i + 3])
                i += 3
                paras.append(para)
                words += count_words(para)
            body = "\n".join(paras)
            articles.append(Article(id=f"bench_{perm}_{len(articles):05d}", body=body, title="benchmark pseudo-article",
                                    language="en", notes="assembled for bench/bench_voices.py"))
            total += words
        perm += 1
    return articles


def run(folder: Path, *, n_process: int, cache: bool, cache_dir: Path) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    corpus = load_corpus(folder)
    sents = sentences_frame(corpus)
    tables = voice_tables(corpus, n_process=n_process, cache=cache, cache_dir=cache_dir)
    return time.perf_counter() - t0, len(sents), len(tables.quotes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--out", default=str(paths.BENCH / "results" / "voices.json"))
    args = ap.parse_args()
    articles = assemble(args.words)
    n_words = sum(a.n_words for a in articles)
    work = Path(tempfile.mkdtemp(prefix="bench_voices_"))
    try:
        folder = work / "corpus"
        write_articles(articles, folder)
        results = {
            "corpus": {"articles": len(articles), "words": n_words, "how": __doc__.split("\n\n")[1].replace("\n", " ")},
            "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
            "code_version": code_version(),
            "runs": [],
        }
        for n_process in (1, 2):
            secs, n_sent, n_quotes = run(folder, n_process=n_process, cache=False, cache_dir=work / "unused")
            results["runs"].append({"processes": n_process, "cache": "off", "seconds": round(secs, 1),
                                    "words_per_s": round(n_words / secs), "sentences": n_sent, "quotes": n_quotes})
            print(results["runs"][-1], flush=True)
        cache_dir = work / "cache"
        secs, _, _ = run(folder, n_process=2, cache=True, cache_dir=cache_dir)
        results["runs"].append({"processes": 2, "cache": "cold (writes Parquet)", "seconds": round(secs, 1),
                                "words_per_s": round(n_words / secs)})
        print(results["runs"][-1], flush=True)
        secs, _, _ = run(folder, n_process=1, cache=True, cache_dir=cache_dir)
        results["runs"].append({"processes": 1, "cache": "warm (re-run, unchanged corpus)", "seconds": round(secs, 1),
                                "words_per_s": round(n_words / secs)})
        print(results["runs"][-1], flush=True)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
