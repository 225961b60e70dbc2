"""A learned attribution tagger: source, cue and content spans of reported speech (issue 20).

The rules in :mod:`analysis.quotes` are exact where quotation marks delimit the content; reported
speech without marks is where rules written from one development set stop generalising. This module
tags, in each sentence that holds a possible cue, the three roles of the PARC scheme (Pareti 2016;
PARC 3.0 and PolNeAR, Newell et al. 2018): the **source** (who), the **cue** (the word of saying)
and the **content** (what was said), as BIO labels over word pieces of the packaged MiniLM with a
LoRA adapter and a linear head, trained on the coded Wikinews gold (``tests/gold/wikinews``).

* :func:`candidate_sentences` — sentences of a parsed article with a possible cue (a reporting verb,
  a speech noun or "according"): the only ones the tagger reads.
* :func:`sentence_examples` — training examples from coded items (content, cue and source spans).
* :func:`train_attribution` — the reproducible training (``python -m analysis train-attribution``).
* :class:`AttributionTagger` — the trained tagger: ``spans(texts)`` → per text the (role, start, end)
  spans, each sentence scored alone (fp32; no batch neighbours).
* :func:`tagged_quotes` — reported-speech quotes from the tagger's spans for the sentences the rules
  left without any quote, with the speaker resolved from the tagged source (the combination the
  voices stage deploys; :data:`COMBINATIONS` names the ones compared on dev).

Example table (:func:`sentence_examples`): one row per candidate sentence, columns ``article_id``,
``start``, ``end`` (the sentence's offsets in the body), ``text``, ``spans`` (list of (role, start,
end), offsets relative to ``text``).
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths

#: The roles, in label order after "O": each gets a B- and an I- label.
ROLES: tuple[str, ...] = ("source", "cue", "content")
LABELS: tuple[str, ...] = ("O",) + tuple(f"{p}-{r}" for r in ROLES for p in ("B", "I"))
#: How the tagger's reported speech joins the rules' quotes (compared on dev by ``train-attribution``):
#: ``rules`` the rules alone; ``fill`` the rules plus the tagger's content in sentences where the rules
#: found no quote at all; ``tagger`` the rules' marked quotes plus the tagger's reported speech only.
COMBINATIONS: tuple[str, ...] = ("rules", "fill", "tagger")
#: Extra lemmas that make a sentence a candidate besides the reporting verbs and speech nouns.
EXTRA_CUES: frozenset[str] = frozenset({"according"})


def _cue_lemmas() -> frozenset[str]:
    from .quotes import INDIRECT_LEMMAS, SPEECH_LEMMAS, SPEECH_NOUNS

    return frozenset(INDIRECT_LEMMAS | SPEECH_LEMMAS | SPEECH_NOUNS | EXTRA_CUES)


def candidate_sentences(doc, sentences: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentence spans (of ``sentences``, body offsets) that contain a token whose lemma is a possible cue
    (:data:`analysis.quotes.INDIRECT_LEMMAS`, the speech verbs, the speech nouns, "according")."""
    lemmas = _cue_lemmas()
    starts = [t.idx for t in doc if t.lemma_.lower() in lemmas or t.lower_ in lemmas]
    out, k = [], 0
    for s, e in sentences:
        while k < len(starts) and starts[k] < s:
            k += 1
        if k < len(starts) and starts[k] < e:
            out.append((s, e))
    return out


def sentence_examples(body: str, article_id: str, items: pd.DataFrame, candidates: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """Training examples of one coded article: every candidate sentence, and every sentence holding a coded
    span, with the coded speech items' content (``start``/``end``), cue and source spans clipped to it.

    ``items``: the article's rows of :func:`analysis.coding.read_sheet` (speech kinds only are read; a
    ``cue_start``/``source_start`` of NA gives no span). Returns the example table (module docstring)."""
    from .coding import SPEECH_KINDS
    from .sentences import sentence_spans

    speech = items[items.kind.isin(SPEECH_KINDS)]
    spans = []
    for r in speech.itertuples():
        spans.append(("content", int(r.start), int(r.end)))
        for role in ("cue", "source"):
            a, b = getattr(r, f"{role}_start", None), getattr(r, f"{role}_end", None)
            if a is not None and not pd.isna(a):
                spans.append((role, int(a), int(b)))
    cands = set(candidates)
    rows = []
    for s, e in sentence_spans(body):
        inside = [(role, max(a, s) - s, min(b, e) - s) for role, a, b in spans if a < e and b > s]
        if (s, e) in cands or inside:
            rows.append({"article_id": article_id, "start": s, "end": e, "text": body[s:e], "spans": sorted(inside, key=lambda x: x[1])})
    return pd.DataFrame(rows, columns=["article_id", "start", "end", "text", "spans"])


def piece_labels(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[str, int, int]]) -> list[int]:
    """A label id (:data:`LABELS`) per word piece: a piece takes the role of the span its first character lies
    in (content over cue over source where coded spans overlap), B- on a span's first piece; special pieces
    (empty offsets) get -100 (ignored by the loss)."""
    rank = {"content": 0, "cue": 1, "source": 2}
    out, prev = [], None
    for a, b in offsets:
        if b <= a:
            out.append(-100)
            prev = None
            continue
        hit = sorted((rank[r], r, s, e) for r, s, e in spans if s <= a < e)
        if not hit:
            out.append(0)
            prev = None
            continue
        _, role, s, e = hit[0]
        key = (role, s, e)
        out.append(LABELS.index(("I-" if prev == key else "B-") + role))
        prev = key
    return out


def decode(offsets: Sequence[tuple[int, int]], labels: Sequence[int]) -> list[tuple[str, int, int]]:
    """(role, start, end) character spans from one text's piece labels (BIO; an I- without its B- opens a span)."""
    out: list[list] = []
    cur = None
    for (a, b), lab in zip(offsets, labels):
        if b <= a:
            continue
        name = LABELS[lab]
        if name == "O":
            cur = None
            continue
        prefix, role = name.split("-", 1)
        if prefix == "B" or cur is None or cur[0] != role:
            cur = [role, a, b]
            out.append(cur)
        else:
            cur[2] = b
    return [tuple(x) for x in out]


# ----------------------------------------------------------------------------- training


@dataclass
class AttributionConfig:
    """LoRA on the first ``layers`` layers of MiniLM plus a linear BIO head; AdamW, deterministic CPU training."""

    seed: int = 13
    epochs: int = 6
    batch_size: int = 16
    lr: float = 1e-3
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.1
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")
    layers: int = 3
    max_length: int = 128
    threads: int = 2
    #: weight of the O label in the loss (the roles are rare)
    o_weight: float = 0.5


def _split_examples(examples: pd.DataFrame, split: pd.DataFrame, name: str) -> pd.DataFrame:
    ids = set(split.loc[split.split == name, "article_id"])
    return examples[examples.article_id.isin(ids)].reset_index(drop=True)


def _piece_inputs(tok, texts: Sequence[str], *, max_length: int):
    enc = tok(list(texts), truncation=True, max_length=max_length, return_offsets_mapping=True)
    return enc["input_ids"], [[tuple(o) for o in offs] for offs in enc["offset_mapping"]]


def _predict(tok, model, head, texts: Sequence[str], *, max_length: int) -> list[list[tuple[str, int, int]]]:
    """Spans per text, each text its own pass (fp32): a text's labels never depend on another text."""
    import torch

    model.eval()
    out = []
    ids, offsets = _piece_inputs(tok, texts, max_length=max_length)
    with torch.inference_mode():
        for i, offs in zip(ids, offsets):
            t = torch.tensor([i])
            hidden = model(input_ids=t, attention_mask=torch.ones_like(t)).last_hidden_state
            out.append(decode(offs, head(hidden)[0].argmax(-1).tolist()))
    return out


def span_scores(pred: Sequence[Sequence[tuple[str, int, int]]], gold: Sequence[Sequence[tuple[str, int, int]]]) -> dict:
    """Per role: precision, recall and F1 of predicted spans against gold spans of the same texts; a predicted
    span matches a gold span of its role when they overlap by at least half of the shorter (one-to-one,
    greedy by overlap, as :func:`analysis.coding.match` matches items)."""
    out = {}
    for role in ROLES:
        tp = n_pred = n_gold = 0
        for p, g in zip(pred, gold):
            ps = [(a, b) for r, a, b in p if r == role]
            gs = [(a, b) for r, a, b in g if r == role]
            n_pred += len(ps)
            n_gold += len(gs)
            pairs = sorted(((min(b, d) - max(a, c), i, j) for i, (a, b) in enumerate(ps) for j, (c, d) in enumerate(gs)
                            if min(b, d) - max(a, c) >= 0.5 * min(b - a, d - c) > 0), reverse=True)
            used_p, used_g = set(), set()
            for _, i, j in pairs:
                if i not in used_p and j not in used_g:
                    used_p.add(i)
                    used_g.add(j)
            tp += len(used_p)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        out[role] = {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
                     "tp": tp, "predicted": n_pred, "gold": n_gold}
    return out


def train_attribution(examples: pd.DataFrame, split: pd.DataFrame, *, out_dir: str | Path | None = None,
                      config: AttributionConfig | None = None, sources: dict | None = None, log=print) -> dict:
    """Train the attribution tagger on the examples of the ``train`` articles of ``split``.

    ``examples``: :func:`sentence_examples` rows of every coded article; ``split``: article_id, split
    (train / dev / test, drawn by article before coding: ``tests/gold/wikinews/round2/split.csv``). Cross-entropy
    over piece labels (:func:`piece_labels`; O weighted ``o_weight``); the epoch with the best dev content-span F1
    is kept; test examples are never read here. Writes ``out_dir`` (default ``paths.ATTRIBUTION_MODEL``): adapter,
    ``heads.safetensors`` (``tagger.*``), ``training.json``, the model card. Returns the training record.
    Raises ValueError when the split leaves no training or no dev example.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import get_linear_schedule_with_warmup

    from .minilm import BASE_ID, load_base, quiet
    from .progress import bar
    from .train import _save_joint, _seed_everything, _versions

    cfg = config or AttributionConfig()
    out = Path(out_dir) if out_dir else paths.ATTRIBUTION_MODEL
    _seed_everything(cfg.seed, cfg.threads)
    train, dev = _split_examples(examples, split, "train"), _split_examples(examples, split, "dev")
    if train.empty or dev.empty:
        raise ValueError(f"the split gives {len(train)} training and {len(dev)} dev sentences: both must be > 0")
    log(f"attribution tagger: {len(train)} training sentences ({train.article_id.nunique()} articles), "
        f"{len(dev)} dev ({dev.article_id.nunique()}); layers {cfg.layers}")
    tok, encoder = load_base(layers=cfg.layers)
    with quiet():
        model = get_peft_model(encoder, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                                                   target_modules=list(cfg.target_modules), bias="none"))
    head = torch.nn.Linear(encoder.config.hidden_size, len(LABELS))
    ids, offsets = _piece_inputs(tok, train.text.tolist(), max_length=cfg.max_length)
    labels = [piece_labels(o, s) for o, s in zip(offsets, train.spans)]
    weight = torch.ones(len(LABELS))
    weight[0] = cfg.o_weight
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight, ignore_index=-100)
    opt = torch.optim.AdamW([{"params": [p for p in model.parameters() if p.requires_grad], "lr": cfg.lr},
                             {"params": list(head.parameters()), "lr": cfg.head_lr}], weight_decay=cfg.weight_decay)
    steps = (len(ids) + cfg.batch_size - 1) // cfg.batch_size
    sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup * steps * cfg.epochs), steps * cfg.epochs)
    gen = torch.Generator().manual_seed(cfg.seed)
    best: dict = {"f1": -1.0}
    history = []
    t0 = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        head.train()
        order = torch.randperm(len(ids), generator=gen).tolist()
        progress = bar(total=steps, desc=f"epoch {epoch}", unit="batch")
        for i in range(0, len(order), cfg.batch_size):
            progress.update(1)
            idx = order[i:i + cfg.batch_size]
            width = max(len(ids[j]) for j in idx)
            x = torch.tensor([ids[j] + [0] * (width - len(ids[j])) for j in idx])
            m = torch.tensor([[1] * len(ids[j]) + [0] * (width - len(ids[j])) for j in idx])
            y = torch.tensor([labels[j] + [-100] * (width - len(labels[j])) for j in idx])
            logits = head(model(input_ids=x, attention_mask=m).last_hidden_state)
            loss = loss_fn(logits.reshape(-1, len(LABELS)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        progress.close()
        scores = span_scores(_predict(tok, model, head, dev.text.tolist(), max_length=cfg.max_length), dev.spans.tolist())
        history.append({"epoch": epoch, "dev": {r: round(v["f1"], 4) for r, v in scores.items()},
                        "seconds": round(time.perf_counter() - t0, 1)})
        log(f"epoch {epoch}: dev F1 " + ", ".join(f"{r} {v['f1']:.3f}" for r, v in scores.items())
            + f" ({time.perf_counter() - t0:.0f}s)")
        if scores["content"]["f1"] > best["f1"]:
            best = {"f1": scores["content"]["f1"], "epoch": epoch, "dev": scores,
                    "state": {k: v.detach().clone() for k, v in model.state_dict().items() if "lora_" in k},
                    "head": {f"tagger.{k}": v.detach().clone() for k, v in head.state_dict().items()}}
    record = {
        "base": BASE_ID, "task": "attribution tagging: source / cue / content (BIO over word pieces)",
        "labels": list(LABELS), "config": asdict(cfg), "seed": cfg.seed, "history": history, "best_epoch": best["epoch"],
        "dev_metrics": best["dev"],
        "data": {"sentences": {"train": len(train), "dev": len(dev)},
                 "articles": {"train": int(train.article_id.nunique()), "dev": int(dev.article_id.nunique())},
                 "examples_sha256": hashlib.sha256(json.dumps(
                     [[r.article_id, int(r.start), int(r.end), [list(s) for s in r.spans]] for r in examples.itertuples()]
                 ).encode()).hexdigest(),
                 **(sources or {})},
        "versions": _versions(),
    }
    model.load_state_dict(best["state"], strict=False)
    _save_joint(model, best["head"], out, record, card=model_card)
    return record


def model_card(rec: dict) -> str:
    """The model card (README.md) of an attribution-tagger folder, from its training record."""
    c, d = rec["config"], rec["data"]
    hist = "; ".join(f"epoch {h['epoch']}: dev content F1 {h['dev']['content']:.3f}" for h in rec["history"])
    dev = ", ".join(f"{r} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}" for r, v in rec["dev_metrics"].items())
    return (f"# Attribution tagger (source / cue / content)\n\nBase: `{rec['base']}`, first {c['layers']} layers, LoRA r={c['lora_r']} "
            f"on {', '.join(c['target_modules'])}, a linear head over {len(rec['labels'])} BIO labels. Trained by "
            f"`python -m analysis train-attribution` (seed {c['seed']}, {c['epochs']} epochs; best epoch {rec['best_epoch']}).\n\n"
            f"Data: the coded Wikinews gold (tests/gold/wikinews), candidate sentences of the training articles "
            f"({d['sentences']['train']} sentences in {d['articles']['train']} articles); dev {d['sentences']['dev']} sentences in "
            f"{d['articles']['dev']} articles. The coders were helper sessions (language-model agents) following "
            f"docs/coding-guide.md, blind to the tool.\n\nDev span scores (overlap ≥ half of the shorter span): {dev}.\n\n"
            f"History: {hist}.\n\nLicence: MIT (this adapter and head); the base model is Apache-2.0.\n")


# ----------------------------------------------------------------------------- inference


class AttributionTagger:
    """A trained tagger folder (default ``paths.ATTRIBUTION_MODEL``) in PyTorch fp32, one sentence per pass."""

    def __init__(self, model_dir: str | Path | None = None) -> None:
        import torch

        from .minilm import load_adapted

        self.model_dir = Path(model_dir) if model_dir else paths.ATTRIBUTION_MODEL
        torch.set_num_threads(1)
        self.tok, self.encoder, heads = load_adapted(self.model_dir, command="train-attribution")
        self.head = heads["tagger"]
        self.max_length = int(json.loads((self.model_dir / "training.json").read_text())["config"]["max_length"])

    def spans(self, texts: Sequence[str]) -> list[list[tuple[str, int, int]]]:
        """Per text, its (role, start, end) spans, offsets into that text."""
        return _predict(self.tok, self.encoder, self.head, texts, max_length=self.max_length)


def tagger_version(model_dir: str | Path | None = None) -> str:
    """What the voices stage versions on for the tagger: its weights' hash and deployed combination, or "absent"."""
    from .minilm import weights_hash

    d = Path(model_dir) if model_dir else paths.ATTRIBUTION_MODEL
    if not (d / "heads.safetensors").exists():
        return "absent"
    combination = json.loads((d / "training.json").read_text(encoding="utf-8")).get("combination", "rules")
    return f"{weights_hash(d)}-{combination}"


def _trim_content(doc, a: int, b: int) -> tuple[int, int] | None:
    """The tagged content as whole tokens, without a leading "that"/"whether"/"if" and edge punctuation."""
    toks = [t for t in doc if t.idx < b and t.idx + len(t.text) > a and not t.is_space]
    while toks and (toks[0].is_punct or toks[0].lower_ in ("that", "whether", "if")):
        toks = toks[1:]
    while toks and toks[-1].is_punct and toks[-1].text not in ("”", "’", '"', "'"):
        toks = toks[:-1]
    if len([t for t in toks if not t.is_punct]) < 3:
        return None
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)


def _span_head(doc, a: int, b: int):
    """The token of doc[a:b] (characters) whose syntactic head lies outside it (the phrase's head)."""
    toks = [t for t in doc if t.idx < b and t.idx + len(t.text) > a and not t.is_space and not t.is_punct]
    if not toks:
        return None
    inside = {t.i for t in toks}
    heads = [t for t in toks if t.head.i not in inside or t.head.i == t.i]
    return heads[0] if heads else toks[-1]


def tagged_quotes(article, doc, sentences: Sequence[tuple[int, int]], found: Sequence, speakers, tagger,
                  *, combination: str = "fill") -> list:
    """Reported-speech quotes (:class:`analysis.quotes.Quote`, kind ``indirect``, method ``"tagger"``) from the
    tagger's spans, per ``combination`` (:data:`COMBINATIONS`): ``fill`` reads only candidate sentences where no
    quote of ``found`` (the rules' quotes) lies; ``tagger`` every candidate sentence outside marked quotes.

    A quote needs a tagged content of three or more words, a tagged cue in its sentence and a tagged source
    there that ``speakers`` (:class:`analysis.speakers.SpeakerIndex`) resolves: its speaker. Offsets are exact
    offsets into the body."""
    from .quotes import Quote

    if combination not in COMBINATIONS:
        raise ValueError(f"unknown combination {combination!r} (one of {', '.join(COMBINATIONS)})")
    if combination == "rules" or tagger is None:
        return []
    body = article.body
    marked = [(q.start, q.end) for q in found if q.kind != "indirect"]
    blocked = marked if combination == "tagger" else [(q.start, q.end) for q in found]
    cands = [(s, e) for s, e in candidate_sentences(doc, sentences)
             if not any(a < e and b > s for a, b in blocked)]
    if not cands:
        return []
    out = []
    for (s, e), spans in zip(cands, tagger.spans([body[s:e] for s, e in cands])):
        cues = [(a + s, b + s) for r, a, b in spans if r == "cue"]
        if not cues:
            continue
        sources = [(a + s, b + s) for r, a, b in spans if r == "source"]
        for r, a, b in spans:
            if r != "content":
                continue
            piece = _trim_content(doc, a + s, b + s)
            if piece is None or any(x < piece[1] and y > piece[0] for x, y in marked):
                continue
            ca, cb = min(cues, key=lambda c: min(abs(c[0] - piece[1]), abs(piece[0] - c[1])))
            speaker = mention = None
            if sources:
                sa, sb = min(sources, key=lambda c: min(abs(c[0] - ca), abs(ca - c[1])))
                head = _span_head(doc, sa, sb)
                if head is not None:
                    speaker, mention = speakers.resolve_token(head), body[sa:sb]
            if speaker is None:
                continue  # no tagged source the speaker index resolves: chosen on dev (precision 0.865 -> 0.885)
            out.append(Quote(article.id, "indirect", piece[0], piece[1], body[piece[0]:piece[1]], speaker=speaker,
                             speaker_mention=mention, cue=body[ca:cb], cue_start=ca, cue_end=cb, method="tagger",
                             parts=[piece]))
    return out


def combine(rule_quotes: Sequence, tagged: Sequence, *, combination: str = "fill") -> list:
    """The rules' quotes joined with the tagger's (``tagged_quotes``): ``tagger`` drops the rules' reported speech
    first. Sorted by start, as the splitter returns them."""
    keep = [q for q in rule_quotes if combination != "tagger" or q.kind != "indirect"]
    return sorted([*keep, *tagged], key=lambda q: (q.start, q.end))


def editorial_share(segments: pd.DataFrame, gold: pd.DataFrame, bodies: dict[str, str]) -> dict:
    """The share of the gold's attributed speech left in the editorial voice: of the non-space characters that
    a gold ``direct``/``partial``/``indirect`` item covers, those the tool's voice segments (:func:`analysis.quotes.
    voice_segments` rows of the same articles) give the editorial voice. Returns {"share", "characters"}."""
    from .coding import SPEECH_KINDS

    speech = gold[gold.kind.isin(SPEECH_KINDS)]
    total = editorial = 0
    for aid, g in speech.groupby("article_id"):
        body = bodies[aid]
        covered = np.zeros(len(body), dtype=bool)
        for a, b in zip(g.start, g.end):
            covered[a:b] = True
        covered &= np.array([not c.isspace() for c in body], dtype=bool)
        ed = np.zeros(len(body), dtype=bool)
        for a, b in zip(*[segments.loc[(segments.article_id == aid) & (segments.voice == "editorial"), c] for c in ("start", "end")]):
            ed[a:b] = True
        total += int(covered.sum())
        editorial += int((covered & ed).sum())
    return {"share": editorial / total if total else float("nan"), "characters": total}


def evaluate_combinations(articles, docs: dict, sentences: dict, gold: pd.DataFrame, tagger, *,
                          combinations: Sequence[str] = COMBINATIONS) -> pd.DataFrame:
    """Tool-vs-gold scores (:func:`analysis.coding.compare`) of each combination on the coded ``articles``.

    ``docs``/``sentences``: {article_id: parsed Doc / sentence spans}; ``gold``: coded items of those articles.
    Returns :func:`analysis.coding.compare`'s table with a ``combination`` column and, per combination, a row of
    kind ``editorial share`` whose ``recall`` column holds :func:`editorial_share` (``n_human``: its characters)."""
    from .coding import compare, tool_items
    from .quotes import quotes_frame, split_voices, voice_segments

    bodies = {a.id: a.body for a in articles}
    rows = []
    for name in combinations:
        frames, segs = [], []
        for a in articles:
            split = split_voices(a, doc=docs[a.id], sentences=sentences[a.id], tagger=tagger, combination=name)
            frames.append(quotes_frame(split.quotes, doc=docs[a.id]))
            segs.append(voice_segments(a, split.quotes))
        tool = tool_items(pd.concat(frames, ignore_index=True))
        share = editorial_share(pd.concat(segs, ignore_index=True), gold, bodies)
        table = compare(tool, gold)
        extra = pd.DataFrame([{"kind": "editorial share", "n_human": share["characters"], "recall": share["share"]}])
        rows.append(pd.concat([table, extra], ignore_index=True).assign(combination=name))
    return pd.concat(rows, ignore_index=True)


@lru_cache(maxsize=2)
def deployed(model_dir: str | None = None) -> tuple[AttributionTagger | None, str]:
    """(tagger, combination) the voices stage runs, loaded once per process: the tagger folder's (default
    ``paths.ATTRIBUTION_MODEL``) ``combination`` as chosen on dev by ``train-attribution``; (None, "rules") when
    the folder holds no tagger or the rules won on dev."""
    d = Path(model_dir) if model_dir else paths.ATTRIBUTION_MODEL
    if not (d / "heads.safetensors").exists():
        return None, "rules"
    combination = json.loads((d / "training.json").read_text(encoding="utf-8")).get("combination", "rules")
    return (AttributionTagger(d), combination) if combination != "rules" else (None, "rules")


__all__ = ["ROLES", "LABELS", "COMBINATIONS", "AttributionConfig", "AttributionTagger", "candidate_sentences",
           "sentence_examples", "piece_labels", "decode", "span_scores", "train_attribution", "tagged_quotes", "combine",
           "evaluate_combinations", "editorial_share", "tagger_version", "deployed", "gold_round", "train_from_gold"]


# ----------------------------------------------------------------------------- the gold round


#: Where the coded round lives: ``split.csv`` (drawn before coding) and one ``coder-*.csv`` per coder.
GOLD_ROUND: Path = paths.GOLD / "wikinews" / "round2"


def gold_round(folder: str | Path = GOLD_ROUND, *, corpus: str | Path = paths.ARTICLES):
    """The coded round: (articles of the split, {article_id: body}, split table, {coder: items}).

    The primary coding is ``coder-a.csv``; other ``coder-*.csv`` files are second codings of a share of the
    articles (for α, never for training). Raises FileNotFoundError naming what is missing."""
    from .coding import read_sheet
    from .corpus import load_corpus

    folder = Path(folder)
    split_file = folder / "split.csv"
    if not split_file.exists():
        raise FileNotFoundError(f"{split_file}: no split of the gold round")
    split = pd.read_csv(split_file, dtype={"article_id": str})
    wanted = set(split.article_id)
    articles = [a for a in load_corpus(corpus) if a.id in wanted]
    missing = wanted - {a.id for a in articles}
    if missing:
        raise FileNotFoundError(f"{len(missing)} articles of {split_file} are not in {corpus}: {sorted(missing)[:3]} …")
    bodies = {a.id: a.body for a in articles}
    sheets = sorted(folder.glob("coder-*.csv"))
    if not sheets:
        raise FileNotFoundError(f"{folder}: no coded sheet (coder-*.csv)")
    codings = {p.stem: read_sheet(p, bodies) for p in sheets}
    return articles, bodies, split, codings


def train_from_gold(folder: str | Path = GOLD_ROUND, *, out_dir: str | Path | None = None,
                    config: AttributionConfig | None = None, log=print) -> dict:
    """``train-attribution``: parse the round's articles, build the examples from ``coder-a.csv``, train the tagger
    on the train articles (dev for the epoch), then score each of :data:`COMBINATIONS` on the dev articles against
    the gold and add the table to the record (``combinations``) and ``training.json``. Test articles are not read."""
    from .nlp import load_pipeline
    from .sentences import sentence_spans

    articles, bodies, split, codings = gold_round(folder)
    gold = codings["coder-a"]
    nlp = load_pipeline()
    docs = {a.id: doc for a, doc in zip(articles, nlp.pipe([a.body for a in articles], batch_size=8))}
    sentences = {a.id: sentence_spans(a.body) for a in articles}
    frames = [sentence_examples(a.body, a.id, gold[gold.article_id == a.id], candidate_sentences(docs[a.id], sentences[a.id]))
              for a in articles if split.set_index("article_id").split[a.id] != "test"]
    examples = pd.concat(frames, ignore_index=True)
    sha = hashlib.sha256((Path(folder) / "coder-a.csv").read_bytes()).hexdigest()
    rec = train_attribution(examples, split, out_dir=out_dir, config=config, log=log,
                            sources={"gold": "tests/gold/wikinews/round2/coder-a.csv", "gold_sha256": sha})
    return choose_combination(folder, out_dir=out_dir, parsed=(articles, docs, sentences, split, gold), log=log)


def choose_combination(folder: str | Path = GOLD_ROUND, *, out_dir: str | Path | None = None, parsed=None, log=print) -> dict:
    """Score each of :data:`COMBINATIONS` with the tagger in ``out_dir`` and the current rules on the round's
    **dev** articles, keep the best by all-speech F1 as the folder's ``combination`` and write the table
    (``combinations``) into its ``training.json`` (``train-attribution --evaluate-only`` runs this alone, after a
    rule changes). Returns the updated record. Test articles are not read."""
    from .nlp import load_pipeline
    from .sentences import sentence_spans

    if parsed is None:
        articles, _, split, codings = gold_round(folder)
        gold = codings["coder-a"]
        dev_ids = set(split.loc[split.split == "dev", "article_id"])
        articles = [a for a in articles if a.id in dev_ids]
        docs = {a.id: d for a, d in zip(articles, load_pipeline().pipe([a.body for a in articles], batch_size=8))}
        sentences = {a.id: sentence_spans(a.body) for a in articles}
    else:
        articles, docs, sentences, split, gold = parsed
    out = Path(out_dir) if out_dir else paths.ATTRIBUTION_MODEL
    rec = json.loads((out / "training.json").read_text(encoding="utf-8"))
    dev_ids = set(split.loc[split.split == "dev", "article_id"])
    dev_articles = [a for a in articles if a.id in dev_ids]
    table = evaluate_combinations(dev_articles, docs, sentences, gold[gold.article_id.isin(dev_ids)], AttributionTagger(out))
    rec["combinations"] = json.loads(table.to_json(orient="records"))
    speech = table[table.kind == "all speech"].set_index("combination")
    rec["combination"] = str(speech.f1.astype(float).idxmax())  # chosen on dev; "rules" leaves the tagger unused
    log("dev, all speech F1: " + ", ".join(f"{c} {speech.f1[c]:.3f}" for c in speech.index) + f" -> {rec['combination']}")
    (out / "training.json").write_text(json.dumps(rec, indent=2) + "\n", encoding="utf-8")
    return rec
