"""Issue 19, item 1, for the target-sentiment head: three designs compared on accuracy and cost.

(a) **separate passes** (today): the shipped target model, one marked encoder pass per target
    (``analysis.targets``), after the sentence pass of the joint model.
(b) **one fully shared pass**: the joint model's sentence pass (the one the sentence-sentiment and
    loaded-word heads read) also gives each target's representation — [mean over the sentence's
    pieces; mean over the target's pieces], as TD-BERT pools the target (Gao et al. 2019) — and a
    multinomial logistic-regression head reads it (C chosen on dev).
(c) **shared lower layers, task-specific top**: the joint model's first 4 layers shared; a copy of its
    layers 5–6 fine-tuned for targets (same pooling, no markers), with a linear head.

Data: NewsMTSC ``train.jsonl`` (../shared/data/newsmtsc) split exactly as ``train-targets`` splits it
(by sentence, seed and tenths from models/minilm-targets/training.json); designs are fitted on train and
compared on **dev**; the test split is not read. Cost: PyTorch fp32 on 2 threads, one sentence at a time
with all its targets, on the first ``--cost-sentences`` dev sentences; seconds per 100 targets, including
the sentence pass every design shares. Results: bench/results/target-designs.json.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import paths  # noqa: E402
from analysis.evaluation import document_split, read_newsmtsc  # noqa: E402
from analysis.minilm import load_adapted, mean_pool  # noqa: E402
from analysis.train import _targets_of, target_metrics  # noqa: E402


def sentence_inputs(tok, text: str, spans, max_length: int = 128):
    """Piece ids (with [CLS]/[SEP], cut at ``max_length``) and one 0/1 mask per span over them."""
    enc = tok(text, truncation=True, max_length=max_length, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    masks = []
    for s, e in spans:
        m = [int(a < e and b > s and b > a) for a, b in offsets]
        if not any(m):  # a target cut off by the window: pool the last real piece
            m[len(m) - 2] = 1
        masks.append(m)
    return enc["input_ids"], masks


def features(tok, encoder, frame, *, layer: int):
    """One pass per sentence gives both: per target, [mean over the sentence; mean over the target] of the
    last layer (design b); per sentence, the hidden states after ``layer`` layers with the targets' masks and
    rows (design c's shared part)."""
    import torch

    out_feat = np.zeros((len(frame), 2 * encoder.config.hidden_size), dtype=np.float32)
    cached = {}
    with torch.inference_mode():
        for text, rows in frame.groupby("text", sort=False).groups.items():
            rows = list(rows)
            ids, masks = sentence_inputs(tok, text, [(frame.start[r], frame.end[r]) for r in rows])
            ids_t = torch.tensor([ids])
            att = torch.ones_like(ids_t)
            res = encoder(input_ids=ids_t, attention_mask=att, output_hidden_states=True)
            cached[text] = (res.hidden_states[layer][0].clone(), masks, rows)
            h = res.last_hidden_state
            sent = mean_pool(h, att)[0]
            for r, m in zip(rows, masks):
                tm = torch.tensor([m])
                out_feat[r] = torch.cat([sent, mean_pool(h, tm)[0]]).numpy()
    return out_feat, cached


def design_b(xtr, xdv, train, dev, log):
    from sklearn.linear_model import LogisticRegression

    best = None
    for c in (0.1, 0.3, 1.0, 3.0, 10.0):
        clf = LogisticRegression(C=c, max_iter=3000, random_state=0).fit(xtr, train.label)
        m = target_metrics(clf.predict_proba(xdv), dev.label)
        log(f"(b) C={c}: dev macro-F1 {m['macro_f1']:.3f}")
        if best is None or m["macro_f1"] > best[1]["macro_f1"]:
            best = (c, m, clf)
    return {"C": best[0], "dev": best[1]}, best[2]


class TopLayers:
    """Layers ``lo``.. of ``encoder`` copied (trainable) with a Linear(2·hidden, 3) head over the pooling."""

    def __init__(self, encoder, lo: int, seed: int):
        import torch

        torch.manual_seed(seed)
        self.layers = torch.nn.ModuleList(copy.deepcopy(encoder.encoder.layer[lo:]))
        self.head = torch.nn.Linear(2 * encoder.config.hidden_size, 3)

    def parameters(self):
        return list(self.layers.parameters()) + list(self.head.parameters())

    def train(self, on: bool = True):
        self.layers.train(on)
        self.head.train(on)

    def __call__(self, hidden, target_masks):
        """hidden: 1 × n × d after the shared layers; target_masks: k × n → logits k × 3."""
        import torch

        h = hidden
        for layer in self.layers:
            out = layer(h)
            h = out[0] if isinstance(out, tuple) else out
        sent = h.mean(1)
        tm = target_masks.unsqueeze(-1).float()
        tgt = (h * tm).sum(1) / tm.sum(1).clamp(min=1)
        return self.head(torch.cat([sent.expand(len(tgt), -1), tgt], -1))


def design_c(ctr, cdv, joint, train, dev, *, lower: int, epochs: int, seed: int, log):
    import torch

    t = time.perf_counter()
    top = TopLayers(joint, lower, seed)
    opt = torch.optim.AdamW([{"params": list(top.layers.parameters()), "lr": 5e-5},
                             {"params": list(top.head.parameters()), "lr": 1e-3}], weight_decay=0.01)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    labels = torch.tensor(train.label.to_numpy())
    gen = torch.Generator().manual_seed(seed)
    keys = list(ctr)
    best = None

    def evaluate():
        top.train(False)
        probs = np.zeros((len(dev), 3), dtype=np.float32)
        with torch.inference_mode():
            for h, masks, rows in cdv.values():
                probs[rows] = torch.softmax(top(h.unsqueeze(0), torch.tensor(masks)), -1).numpy()
        return target_metrics(probs, dev.label)

    for epoch in range(1, epochs + 1):
        top.train(True)
        order = torch.randperm(len(keys), generator=gen).tolist()
        for i in range(0, len(order), 8):  # 8 sentences (all their targets) per step
            loss = 0
            for j in order[i:i + 8]:
                h, masks, rows = ctr[keys[j]]
                loss = loss + loss_fn(top(h.unsqueeze(0), torch.tensor(masks)), labels[rows]) * len(rows)
            n = sum(len(ctr[keys[j]][2]) for j in order[i:i + 8])
            opt.zero_grad()
            (loss / n).backward()
            opt.step()
        m = evaluate()
        log(f"(c) epoch {epoch}: dev macro-F1 {m['macro_f1']:.3f} ({time.perf_counter() - t:.0f} s)")
        if best is None or m["macro_f1"] > best[1]["macro_f1"]:
            best = (epoch, m, copy.deepcopy(top))
    return {"lower_layers_shared": lower, "epochs": epochs, "best_epoch": best[0], "dev": best[1]}, best[2]


def cost(tok, joint, heads, target_model, clf, top, dev, *, lower: int, sentences: int):
    """Seconds per 100 targets of each design, one sentence at a time (fp32, PyTorch)."""
    import torch

    from analysis.targets import _Pieces, collate, encode, pooled

    t_tok, t_enc, t_head = target_model
    groups = list(dev.groupby("text", sort=False).groups.items())[:sentences]
    n_targets = sum(len(r) for _, r in groups)
    pieces = _Pieces(t_tok)
    times = {}
    with torch.inference_mode():
        for name in ("a", "b", "c"):
            t = time.perf_counter()
            for text, rows in groups:
                rows = list(rows)
                ids, masks = sentence_inputs(tok, text, [(dev.start[r], dev.end[r]) for r in rows])
                ids_t = torch.tensor([ids])
                att = torch.ones_like(ids_t)
                res = joint(input_ids=ids_t, attention_mask=att, output_hidden_states=name == "c")
                h = res.last_hidden_state
                heads["sentence"](mean_pool(h, att))  # the sentence head every design runs
                if name == "a":
                    for tg in _targets_of(dev.loc[rows], mark_others=True):
                        i2, m2, tm2 = collate([encode(t_tok, tg, pieces=pieces(tg.text))])
                        t_head(pooled(t_enc(input_ids=i2, attention_mask=m2).last_hidden_state, m2, tm2))
                elif name == "b":
                    sent = mean_pool(h, att)
                    feats = torch.cat([sent.expand(len(masks), -1), mean_pool(h.expand(len(masks), -1, -1),
                                                                              torch.tensor(masks))], -1)
                    clf.predict_proba(feats.numpy())
                else:
                    top(res.hidden_states[lower], torch.tensor(masks))
            times[name] = time.perf_counter() - t
    return {k: round(100 * v / n_targets, 3) for k, v in times.items()}, n_targets, len(groups)


def main(argv=None) -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(paths.shared_dataset("newsmtsc")))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lower", type=int, default=4, help="layers shared in design c (default 4 of 6)")
    ap.add_argument("--cost-sentences", type=int, default=200)
    ap.add_argument("--out", default=str(paths.BENCH_RESULTS / "target-designs.json"))
    ap.add_argument("--limit", type=int, default=0, help="first N train and dev targets only (a smoke run)")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    log = lambda m: print(m, flush=True)  # noqa: E731
    rec = json.loads((paths.TARGET_MODEL / "training.json").read_text(encoding="utf-8"))
    cfg = rec["config"]
    data = read_newsmtsc(Path(args.data) / "train.jsonl")
    data["split"] = document_split(data["text"], seed=cfg["seed"], test_tenths=cfg["test_tenths"],
                                   dev_tenths=cfg["dev_tenths"])
    train, dev = (data[data.split == s].reset_index(drop=True) for s in ("train", "dev"))
    if args.limit:
        train, dev = train.head(args.limit), dev.head(args.limit)
    log(f"NewsMTSC: train {len(train)}, dev {len(dev)} targets (the test split is not read)")
    tok, joint, heads = load_adapted(paths.JOINT_MODEL)
    from analysis.targets import load_torch, predict_torch

    target_model = load_torch()
    a_dev = target_metrics(predict_torch(*target_model, _targets_of(dev, mark_others=True)), dev.label)
    log(f"(a) shipped model, dev macro-F1 {a_dev['macro_f1']:.3f}")
    t = time.perf_counter()
    (xtr, ctr), (xdv, cdv) = features(tok, joint, train, layer=args.lower), features(tok, joint, dev, layer=args.lower)
    log(f"one joint pass per train and dev sentence: {time.perf_counter() - t:.0f} s")
    b, clf = design_b(xtr, xdv, train, dev, log)
    c, top = design_c(ctr, cdv, joint, train, dev, lower=args.lower, epochs=args.epochs, seed=cfg["seed"], log=log)
    top.train(False)
    per100, n_t, n_s = cost(tok, joint, heads, target_model, clf, top, dev, lower=args.lower,
                            sentences=args.cost_sentences)
    out = {
        "task": "target-dependent sentiment, NewsMTSC train.jsonl, split as train-targets (by sentence)",
        "train_targets": len(train), "dev_targets": len(dev),
        "designs": {
            "a_separate_passes": {"dev": a_dev, "seconds_per_100_targets": per100["a"]},
            "b_one_shared_pass": {**b, "seconds_per_100_targets": per100["b"]},
            "c_shared_lower_layers": {**c, "seconds_per_100_targets": per100["c"]},
        },
        "cost": f"PyTorch fp32, 2 threads, one sentence at a time with all its targets, the first {n_s} dev sentences "
                f"({n_t} targets), the joint model's sentence pass and head included in every design",
        "command": "python bench/compare_target_designs.py",
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    for k, v in out["designs"].items():
        log(f"{k}: dev macro-F1 {v['dev']['macro_f1']:.3f}, accuracy {v['dev']['accuracy']:.3f}, "
            f"{v['seconds_per_100_targets']:.2f} s per 100 targets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
