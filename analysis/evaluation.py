"""Evaluation data in ../shared/data (never copied into the project): readers, splits, and
the validations that run the suite's models and splitter on it.

Run-time metrics (neutral bands, F1) live in :mod:`analysis.stats`. ``peer_quote_cases`` runs the English cases of the textacy/sayswho quote test
suite (``textacy_quote_tests/cases.jsonl``) through the voice splitter and
compares, as that suite's SOURCE.md advises, on the number of quotes, the
content (quote marks normalised) and the speaker's words, not on token lists.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd

from .corpus import Article
from .lexicon import CONTENT_POS
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


# ----------------------------------------------------------------------------- VADER human ratings


def read_vader_groundtruth(folder: str | Path, domain: str = "nytEditorialSnippets") -> pd.DataFrame:
    """One VADER ground-truth file: id, doc (the editorial/review id), human mean (-4..4), target (-1..1), text."""
    path = Path(folder) / f"{domain}_GroundTruth.txt"
    raw = path.read_bytes().decode("utf-8-sig", errors="replace")
    rows = []
    for n, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t", 2)
        if len(parts) != 3:
            raise ValueError(f"{path}:{n}: expected ID<TAB>MEAN<TAB>TEXT")
        rid, mean, text = parts
        rows.append({"id": rid, "doc": rid.split("_")[0], "mean": float(mean), "text": text.strip()})
    df = pd.DataFrame(rows)
    df["target"] = df["mean"] / 4.0
    return df


def document_split(docs: pd.Series, *, seed: int = 13, test_tenths: int = 2, dev_tenths: int = 1) -> pd.Series:
    """'train' / 'dev' / 'test' per row, by a seeded hash of the document id (never by sentence).

    ``test_tenths``/10 of documents are test (default 20%), ``dev_tenths``/10 dev (10%), the
    rest train; the rule does not depend on row order.
    """
    def bucket(doc: str) -> str:
        h = int(hashlib.sha256(f"{seed}:{doc}".encode()).hexdigest(), 16) % 10
        return "test" if h < test_tenths else ("dev" if h < test_tenths + dev_tenths else "train")

    return docs.map(bucket)


# ----------------------------------------------------------------------------- NewsMTSC targets

NEWSMTSC_POLARITY = {2.0: 0, 4.0: 1, 6.0: 2}  # negative, neutral, positive (analysis.targets.LABELS)


def read_newsmtsc(path: str | Path) -> pd.DataFrame:
    """One row per target of a NewsMTSC JSON Lines file (Hamborg & Donnay 2021).

    Columns: sentence_id (``primary_gid``), text (``sentence_normalized``), start, end
    (character offsets of the mention in text), mention, others (list of (start, end) of
    the target's ``further_mentions``, automatically found and noisy), label (0 negative,
    1 neutral, 2 positive; from polarity 2.0 / 4.0 / 6.0). A line that is not JSON, or a
    target whose offsets do not give its mention, raises ValueError naming file and line.
    """
    path = Path(path)
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text = obj["sentence_normalized"]
            for t in obj["targets"]:
                start, end = int(t["from"]), int(t["to"])
                if not 0 <= start < end <= len(text) or text[start:end] != t["mention"]:
                    raise ValueError(f"offsets {start}-{end} do not give the mention {t['mention']!r}")
                rows.append({"sentence_id": obj["primary_gid"], "text": text, "start": start, "end": end,
                             "mention": t["mention"],
                             "others": [(int(m["from"]), int(m["to"])) for m in t.get("further_mentions") or []],
                             "label": NEWSMTSC_POLARITY[float(t["polarity"])]})
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: {exc}") from None
    return pd.DataFrame(rows, columns=["sentence_id", "text", "start", "end", "mention", "others", "label"])


# ----------------------------------------------------------------------------- BABE word labels

_BABE_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")


def read_babe(folder: str | Path, *, file: str = "final_labels_SG2.csv") -> pd.DataFrame:
    """BABE sentences with their word-level labels: text, outlet, news_link, biased (list of lower-cased words)."""
    import ast

    path = Path(folder) / file
    df = pd.read_csv(path, sep=";", encoding="utf-8-sig")
    df = df[df["text"].notna()].reset_index(drop=True)

    def parse(v):
        if not isinstance(v, str) or not v.strip():
            return []
        try:
            items = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            return []
        out = []
        for item in items:
            out.extend(w.lower().replace("’", "'") for w in _BABE_WORD.findall(str(item)))
        return out

    df["biased"] = df["biased_words"].map(parse)
    return df


def word_labels(text: str, biased: list[str]) -> list[int]:
    """0/1 per word of ``text`` (:func:`analysis.minilm.words`): 1 when experts listed it as biased."""
    from .minilm import words

    gold = set(biased)
    return [int(text[s:e].lower().replace("’", "'") in gold) for s, e in words(text)]


def link_split(links: pd.Series, *, seed: int = 13) -> pd.Series:
    """'train'/'dev'/'test' by a seeded hash of the article link (sentences of one article stay together)."""
    def bucket(link: str) -> str:
        h = int(hashlib.sha256(f"{seed}:{link}".encode()).hexdigest(), 16) % 10
        return "test" if h < 2 else ("dev" if h == 2 else "train")

    return links.fillna("").map(bucket)


# ----------------------------------------------------------------------------- validations


def cached_scores(scorer, texts: list[str]):
    """Scores of evaluation texts by ``scorer``, cached in ``paths.EVAL_CACHE`` by text hash and scorer version."""
    import json
    import os

    import numpy as np

    from . import paths

    key = hashlib.sha256(json.dumps(scorer.provenance, sort_keys=True, default=str).encode()).hexdigest()[:16]
    target = paths.EVAL_CACHE / f"scores-{scorer.name}-{key}.parquet"
    hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest()[:24] for t in texts]
    known: dict[str, float] = {}
    if target.exists():
        old = pd.read_parquet(target)
        known = dict(zip(old.text_hash, old.score))
    missing = sorted({h: t for h, t in zip(hashes, texts) if h not in known}.items())
    if missing:
        new = np.round(scorer.score([t for _, t in missing]), 6)
        known.update({h: float(s) for (h, _), s in zip(missing, new)})
        target.parent.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame({"text_hash": list(known), "score": list(known.values())}).sort_values("text_hash")
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        frame.to_parquet(tmp, index=False)
        tmp.replace(target)
    return np.array([known[h] for h in hashes], dtype=float)


def validate_scorers(data_dir: str | Path, scorers, *, seed: int = 13) -> pd.DataFrame:
    """r and 3-class macro-F1 of each scorer on the held-out NYT editorials (split by editorial).

    Each scorer's neutral band is chosen on the training editorials; VADER is also
    reported at its authors' documented band (±0.05).
    """
    df = read_vader_groundtruth(data_dir, "nytEditorialSnippets")
    df["split"] = document_split(df["doc"], seed=seed)
    train, test = df[df.split == "train"], df[df.split == "test"]
    from .stats import HUMAN_NEUTRAL_BAND, best_threshold, three_class, validation_metrics

    gold_train = three_class(train["mean"], HUMAN_NEUTRAL_BAND)
    rows = []
    for scorer in scorers:
        s_train = cached_scores(scorer, train.text.tolist())
        s_test = cached_scores(scorer, test.text.tolist())
        band = best_threshold(s_train, gold_train)
        rows.append({"scorer": scorer.name, **validation_metrics(s_test, test.target, threshold=band),
                     "band_from": "train split"})
        if scorer.name == "vader":
            rows.append({"scorer": "vader", **validation_metrics(s_test, test.target, threshold=0.05),
                         "band_from": "VADER authors (±0.05)"})
    out = pd.DataFrame(rows)
    out["test_editorials"] = int(test.doc.nunique())
    return out


def validate_loaded(data_dir: str | Path, *, seed: int = 13, detector=None, processes: int | None = 1) -> pd.DataFrame:
    """Word-level P/R/F1 on the held-out BABE SG2 split (by article link) for each detector.

    The held-out sentences are annotated as a corpus of their own, in a store under
    ``paths.EVAL_CACHE``, so every detector is scored exactly as the store's ``terms`` table
    applies it: the lexicon with scare quotes; the learned detector as deployed (content
    words, calibrated threshold: ``models/minilm-joint/calibration.json``); their union; and,
    for comparison, the raw learned detector (every word at the training threshold).
    """
    from . import paths
    from .corpus import Corpus, skipped_frame
    from .detector import LoadedWordDetector
    from .minilm import words
    from .stats import score_words
    from .store import Store, build

    df = read_babe(data_dir)
    df = df[link_split(df["news_link"], seed=seed) == "test"].reset_index(drop=True)
    gold = [word_labels(t, b) for t, b in zip(df.text, df.biased)]
    arts = [Article(id=f"babe{i}", body=t) for i, t in enumerate(df.text)]
    root = paths.EVAL_CACHE / f"babe-test-{seed}"
    build(corpus=Corpus(articles=arts, skipped=skipped_frame([]), n_inputs=len(arts)), out=root,
          stages=("terms",), processes=processes, progress=False)
    m = Store(root).table("terms")

    def predict(rows: pd.DataFrame) -> list[list[int]]:
        spans: dict[str, list[tuple[int, int]]] = {}
        for r in rows.itertuples():
            spans.setdefault(r.article_id, []).append((r.start, r.end))
        return [[int(any(s < b and a < e for a, b in spans.get(f"babe{i}", []))) for s, e in words(t)]
                for i, t in enumerate(df.text)]

    lexical = m[~m.detector.eq("minilm-loaded")]
    lexical = lexical[lexical.detector.str.startswith(("lexicon", "scare"))]
    learned = m[m.detector.str.endswith("minilm-loaded")]
    det = detector or LoadedWordDetector()
    raw = [[int(p >= det.threshold) for p in ps] for ps in _cached_word_probs(det, df.text.tolist())]
    cal = json.loads((Path(det.model_dir) / "calibration.json").read_text()) if (Path(det.model_dir) / "calibration.json").exists() else {}
    rows = []
    for name, pred in (("lexicon + scare quotes", predict(lexical)),
                       (f"{det.name}, content words, threshold {cal.get('threshold', det.threshold)} (as the store applies it)",
                        predict(learned)),
                       ("union (the terms table)", predict(m)),
                       (f"{det.name}, every word, threshold {det.threshold} (raw model)", raw)):
        rows.append({"detector": name, **score_words(pred, gold)})
    out = pd.DataFrame(rows)
    out["test_sentences"] = len(df)
    out["test_words"] = sum(map(len, gold))
    return out


def _cached_word_probs(det, texts: list[str]) -> list[list[float]]:
    """The detector's probability for every word of each text, cached under ``paths.EVAL_CACHE``
    (keyed by the model's weights hash, its runtime and the texts: a re-run reads the cache)."""
    from . import paths

    key = hashlib.sha256(json.dumps([det.provenance.get("model"), det.provenance.get("runtime"), texts]).encode()).hexdigest()[:16]
    path = paths.EVAL_CACHE / f"word-probs-{key}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    probs = [[float(p) for _, _, p in ws] for ws in det.word_scores(texts)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(probs), encoding="utf-8")
    tmp.replace(path)
    return probs


# ----------------------------------------------------------------------------- the learned detector's calibration


def _pos_of_words(tokens: pd.DataFrame, items: list[tuple[str, int, str]]) -> list[list[str]]:
    """For each (article_id, offset, text): the POS of the token each word of ``text`` starts in
    (words at ``offset`` + their position; :func:`analysis.minilm.words`)."""
    import numpy as np

    from .minilm import words

    by_art = {a: (g.start.to_numpy(), g.end.to_numpy(), g.pos.to_numpy()) for a, g in tokens.groupby("article_id", sort=False)}
    out = []
    for aid, offset, text in items:
        starts, ends, pos = by_art.get(aid, (np.zeros(0), np.zeros(0), np.zeros(0)))
        row = []
        for s, _ in words(text):
            j = int(np.searchsorted(starts, offset + s, side="right")) - 1
            row.append(str(pos[j]) if j >= 0 and ends[j] > offset + s else "X")
        out.append(row)
    return out


def word_pos(texts: list[str], *, store_dir: str | Path) -> list[list[str]]:
    """The part of speech of every word (:func:`analysis.minilm.words`) of ``texts``: the POS of the spaCy
    token the word starts in, from a store of those texts built in ``store_dir`` (parse stage only)."""
    from .corpus import Corpus, skipped_frame
    from .store import Store, build

    arts = [Article(id=f"t{i}", body=t) for i, t in enumerate(texts)]
    build(corpus=Corpus(articles=arts, skipped=skipped_frame([]), n_inputs=len(arts)), out=store_dir, stages=("parse",),
          processes=1, progress=False)
    return _pos_of_words(Store(store_dir).table("tokens"), [(f"t{i}", 0, t) for i, t in enumerate(texts)])


def calibrate_loaded(babe_dir: str | Path, reference, *, seed: int = 13, detector=None, log=print) -> dict:
    """Choose the learned detector's threshold for content words, and record how it was chosen.

    * ``threshold_f1``: the threshold that maximises word-level F1 on BABE's dev split when only
      content words (:data:`CONTENT_POS`) may be flagged;
    * ``base_rate``: how many words per 1,000 BABE's experts mark in sentences they rate
      non-biased: the rate at which even neutral news contains "loaded" words;
    * ``threshold_reference``: the lowest threshold at which the detector flags the neutral
      reference corpus (``reference``: a :class:`analysis.store.Store`, e.g. the shipped
      Wikinews corpus) at no more than that base rate;
    * ``threshold`` = the larger of the two, so a neutral corpus is not read as loaded.

    Dev and test F1 at the chosen threshold are reported (test never chooses anything).
    """
    import numpy as np

    from . import paths
    from .detector import LoadedWordDetector
    from .stats import best_f1_threshold, score_words

    det = detector or LoadedWordDetector()
    df = read_babe(babe_dir)
    df["split"] = link_split(df["news_link"], seed=seed)
    content = set(CONTENT_POS)
    cache = paths.EVAL_CACHE / f"babe-pos-{seed}"
    pos = word_pos(df.text.tolist(), store_dir=cache)
    probs = [[p for _, _, p in ws] for ws in det.word_scores(df.text.tolist())]
    gold = [word_labels(t, b) for t, b in zip(df.text, df.biased)]
    masked = [[p if tag in content else 0.0 for p, tag in zip(ps, tags)] for ps, tags in zip(probs, pos)]
    dev = np.flatnonzero(df.split == "dev")
    t_f1 = best_f1_threshold([masked[i] for i in dev], [gold[i] for i in dev])
    neutral = df.label_bias == "Non-biased"
    n_words = sum(len(g) for g, keep in zip(gold, neutral) if keep)
    base_rate = 1000.0 * sum(sum(g) for g, keep in zip(gold, neutral) if keep) / n_words
    log(f"F1-optimal threshold on BABE dev (content words): {t_f1}; experts' base rate in neutral sentences: "
        f"{base_rate:.2f} per 1,000 words")
    sents = reference.table("sentences")
    det_words = det.word_scores(sents.text.tolist())
    ref_words = sum(len(w) for w in det_words)
    ref_pos = _pos_of_words(reference.table("tokens"), list(zip(sents.article_id, sents.start, sents.text)))
    ref_probs = np.array(sorted(p for ws, tags in zip(det_words, ref_pos) for (_, _, p), tag in zip(ws, tags) if tag in content))
    grid = np.round(np.arange(0.05, 1.0, 0.01), 2)
    rates = {float(t): 1000.0 * (len(ref_probs) - np.searchsorted(ref_probs, t, side="left")) / ref_words for t in grid}
    t_ref = next((t for t in grid if rates[float(t)] <= base_rate), float(grid[-1]))
    threshold = float(max(t_f1, t_ref))

    def f1_at(idx, t):
        pred = [[int(p >= t) for p in masked[i]] for i in idx]
        return score_words(pred, [gold[i] for i in idx])

    test = np.flatnonzero(df.split == "test")
    record = {
        "threshold": threshold, "threshold_f1": float(t_f1), "threshold_reference": float(t_ref),
        "content_pos": list(CONTENT_POS), "base_rate_per_1000": round(base_rate, 3),
        "reference": {"store": reference.path.name, "corpus_sha256": reference.manifest.get("corpus", {}).get("sha256"),
                      "words": int(ref_words), "rate_per_1000_at_threshold": round(rates[round(threshold, 2)], 3),
                      "rate_per_1000_at_threshold_f1": round(rates[round(float(t_f1), 2)], 3)},
        "dev": f1_at(dev, threshold), "dev_at_threshold_f1": f1_at(dev, t_f1),
        "test": f1_at(test, threshold), "test_at_threshold_f1": f1_at(test, t_f1),
        "seed": seed, "model": det.provenance.get("model"), "runtime": det.provenance.get("runtime"),
        "babe_sha256": hashlib.sha256((Path(babe_dir) / "final_labels_SG2.csv").read_bytes()).hexdigest(),
    }
    log(f"reference corpus: {record['reference']['rate_per_1000_at_threshold_f1']} per 1,000 words at {t_f1}, "
        f"{record['reference']['rate_per_1000_at_threshold']} at {threshold}; test F1 {record['test']['f1']:.3f} "
        f"(at the F1-optimal threshold {record['test_at_threshold_f1']['f1']:.3f})")
    return record
