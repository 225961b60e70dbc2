"""Frames: the codebook's names, the coded corpus (schema, counts, alpha from the shipped sheets), a tiny frames
model trained here, the ``frames`` command's contract and the ``frames`` store stage (cached, incremental, exact)."""
from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.corpus import Article, Corpus, skipped_frame
from analysis.frames import DIMENSIONS, NONE

README = paths.FRAMES_CORPUS / "README.md"


# ----------------------------------------------------------------------------- codebook and coded corpus


def test_codebook_names_are_the_dimensions_in_order():
    text = (paths.DOCS / "frames-codebook.md").read_text(encoding="utf-8")
    names = re.findall(r"^### 3\.(\d+) `([a-z_]+)`", text, flags=re.M)
    assert [int(n) for n, _ in names] == list(range(1, 16))
    assert tuple(name for _, name in names) == DIMENSIONS


@pytest.fixture(scope="module")
def corpus():
    from analysis.frame_coding import corpus_bodies, read_corpus

    bodies = corpus_bodies()
    return read_corpus(bodies=bodies), bodies


def test_corpus_sheets_match_the_bodies(corpus):
    """Every shipped sheet row's offsets give its text; every gold code is well formed."""
    c, bodies = corpus
    sheets = [paths.FRAMES_CORPUS / f for f in ("coder1.csv", "coder2.csv", "adjudication.csv")]
    sheets += sorted((paths.FRAMES_CORPUS / "round2").glob("*.csv"))
    assert len(sheets) >= 9
    for f in sheets:
        raw = pd.read_csv(f, dtype=str, keep_default_na=False)
        for r in raw.itertuples():
            assert bodies[r.article_id][int(r.start):int(r.end)] == r.text, (f.name, r.unit_id)
            assert r.unit_id == f"{r.article_id}:{r.start}-{r.end}"
    gold = c["gold"]
    assert gold.unit_id.is_unique and set(gold.split) == {"train", "dev", "test"}
    known = set(DIMENSIONS)
    for r in gold.itertuples():
        assert set(r.frames) <= known
        assert r.primary in set(r.frames) | {NONE}
        assert (r.primary == NONE) == (len(r.frames) == 0)
        assert [getattr(r, d) for d in DIMENSIONS] == [int(d in r.frames) for d in DIMENSIONS]
        for d, s, e in r.evidence:
            assert d in r.frames and r.start <= s < e <= r.end
    # the sample covers every coded article, in the round it was drawn in; round 2 is all train
    sample = c["sample"].set_index("article_id")
    assert set(gold.article_id) <= set(sample.index)
    assert (gold["round"].to_numpy() == sample.loc[gold.article_id, "round"].to_numpy()).all()
    assert set(gold.split[gold["round"] == 2]) == {"train"}
    assert set(gold.source[gold.split == "test"]) <= {"agreed", "adjudicated"}
    per_article = gold.groupby("article_id").size()
    assert (per_article == sample.loc[per_article.index, "units"]).all()


def _card_table(name: str) -> pd.DataFrame:
    """A Markdown table of the data card under the heading that starts with ``name``."""
    text = README.read_text(encoding="utf-8")
    block = text.split(f"## {name}", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.splitlines()
            if line.startswith("|") and not set(line) <= set("|-: ")]
    return pd.DataFrame(rows[1:], columns=rows[0]).set_index(rows[0][0])


def test_data_card_counts_are_the_gold_counts(corpus):
    from analysis.frame_coding import gold_counts

    card = _card_table("Gold counts").astype(int)
    counts = gold_counts(corpus[0]["gold"])
    assert list(card.index) == list(counts.index)
    assert (card[["train", "dev", "test", "all"]].to_numpy() == counts[["train", "dev", "test", "all"]].to_numpy()).all()


def test_alpha_recomputed_from_the_shipped_sheets_is_the_data_cards(corpus):
    from analysis.frame_coding import corpus_agreement

    shipped = json.loads((paths.FRAMES_CORPUS / "agreement.json").read_text(encoding="utf-8"))
    again = corpus_agreement(corpus[0], n_boot=shipped["n_boot"], seed=shipped["seed"])
    assert again == shipped
    card = _card_table("Agreement")
    for rnd, rows in shipped["rounds"].items():
        for r in rows:
            want = "–" if r["alpha"] is None else f"{r['alpha']:.2f}"
            assert card.loc[r["dimension"], f"α {rnd}"].split(" ")[0] == want, (rnd, r["dimension"])


# ----------------------------------------------------------------------------- a tiny model trained here


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A tiny random BERT (MiniLM's vocabulary) as the base, trained through train_frames on a few units."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    from analysis.frame_model import FrameConfig, train_frames
    from analysis.minilm import base_model_path

    root = tmp_path_factory.mktemp("frames")
    base = root / "tiny-bert"
    tok = BertTokenizerFast.from_pretrained(base_model_path())
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=128)).save_pretrained(base)
    tok.save_pretrained(base)
    cfg = FrameConfig(base=str(base), layers=1, epochs=1, batch_size=8, limit=48, eval_limit=40, max_length=32,
                      lora_r=4, lora_alpha=8, gvfc=False)
    out = root / "model"
    rec = train_frames(out_dir=out, config=cfg, log=lambda m: None)
    return out, rec, cfg


def test_tiny_model_trains_and_runs(tiny_model):
    from analysis.frame_model import PRIMARY_LABELS, FrameModel, frame_model

    out, rec, _ = tiny_model
    assert {p.name for p in out.iterdir()} == {"adapter_model.safetensors", "adapter_config.json", "heads.safetensors",
                                               "training.json", "calibration.json", "evaluation.json", "README.md"}
    assert rec["config"]["layers"] == 1 and rec["data"]["train"] == 48 and rec["data"]["test"] == 40
    cal = json.loads((out / "calibration.json").read_text())
    assert cal == rec["calibration"] and set(cal["thresholds"]) == set(DIMENSIONS)
    assert {"per_dimension", "macro_f1", "primary_accuracy"} <= set(rec["test_metrics"])
    # cross-fitted (the default): epoch and rules from out-of-fold predictions over train + dev, then one model on both
    assert rec["data"]["fitted_on"] == 48 + 40 and "folds by article" in rec["selection"]
    assert rec["dev_metrics"]["units"] == 48 + 40 and len(rec["history"]) == rec["config"]["epochs"]
    assert set(rec["evaluation"]) == {"path", "recipe", "test"}  # dev was trained on: only the test split is scored
    assert cal["consistent"] in ("primary", "frames")
    card = (out / "README.md").read_text()
    assert "language-model agents" in card and "| legality |" in card
    texts = ["The court ruled the new law unconstitutional, the minister said.", "x", "Prices rose by 4 per cent."]
    preds = FrameModel(out).run(texts)
    assert frame_model(out) is frame_model(str(out))
    assert len(preds) == 3
    for text, p in zip(texts, preds):
        assert list(p.probabilities) == list(DIMENSIONS)
        assert all(0.0 <= v <= 1.0 for v in p.probabilities.values())
        assert p.primary in PRIMARY_LABELS and set(p.frames) <= set(DIMENSIONS)
        above = [d for d in DIMENSIONS if p.probabilities[d] >= cal["thresholds"][d]]
        assert (p.primary == NONE) == (not p.frames)  # the codebook's rules: primary among the frames, none = no frame
        assert p.primary == NONE or p.primary in p.frames
        assert set(p.frames) <= set(above) | {p.primary}
        for d, s, e in p.evidence:
            assert d in p.frames and 0 <= s < e <= len(text) and text[s:e].strip() == text[s:e]
        assert {d for d, _, _ in p.evidence} == set(p.frames)
    model = FrameModel(out)
    assert model.run(texts) == preds  # one text at a time: the same outputs every time
    for text in texts + ["", "word " * 200]:  # the fast tokenizer path = the tokenizer's own call, truncation included
        enc = model._tok(text, truncation=True, max_length=model.max_length, return_offsets_mapping=True)
        fast = model._fast.encode(text)
        assert fast.ids == enc["input_ids"] and [tuple(o) for o in fast.offsets] == [tuple(o) for o in enc["offset_mapping"]]


def test_tiny_model_training_is_reproducible(tiny_model, tmp_path):
    """Trained again with its runs (4 fold models and the final one) side by side in 2 worker processes: the
    same bytes as one process gave (every run seeds itself)."""
    from analysis.frame_model import train_frames

    out, rec, cfg = tiny_model
    again = train_frames(out_dir=tmp_path / "again", config=cfg, processes=2, log=lambda m: None)
    assert (tmp_path / "again" / "heads.safetensors").read_bytes() == (out / "heads.safetensors").read_bytes()
    assert (tmp_path / "again" / "adapter_model.safetensors").read_bytes() == (out / "adapter_model.safetensors").read_bytes()
    assert again["calibration"] == rec["calibration"]


def test_dev_calibrated_training_path(tiny_model, tmp_path):
    """calibration_folds=0: trained on train only, epoch and rules chosen on dev, both splits scored."""
    from dataclasses import replace

    from analysis.frame_model import train_frames

    _, _, cfg = tiny_model
    rec = train_frames(out_dir=tmp_path / "dev", config=replace(cfg, calibration_folds=0), log=lambda m: None)
    assert rec["data"]["fitted_on"] == 48 and rec["selection"].startswith("the dev split")
    assert rec["dev_metrics"]["units"] == 40 and set(rec["evaluation"]) == {"path", "recipe", "dev", "test"}


def test_article_folds_keep_articles_whole_and_balanced():
    from analysis.frame_model import article_folds

    gold = pd.DataFrame({"article_id": [f"a{i % 13}" for i in range(200)]})
    fold = article_folds(gold, 4, seed=3)
    assert set(fold) == {0, 1, 2, 3}
    assert (gold.assign(f=fold).groupby("article_id").f.nunique() == 1).all()
    sizes = np.bincount(fold)
    assert sizes.max() - sizes.min() <= 16  # greedy: within one article's size
    assert (article_folds(gold, 4, seed=3) == fold).all()


def test_decide_reconciles_primary_and_frames():
    from analysis.frame_model import decide

    cal = {"thresholds": {d: 0.5 for d in DIMENSIONS}, "none_bias": 0.0}
    probs = np.zeros((3, 15))
    probs[0, 4] = probs[0, 5] = 0.9   # frames legality + policy, primary head says none
    probs[1, 4] = 0.9                 # frame legality, primary head says crime_punishment
    pprobs = np.full((3, 16), 0.01)
    pprobs[0, 15], pprobs[0, 5], pprobs[0, 4] = 0.8, 0.1, 0.05
    pprobs[1, 6] = 0.8
    pprobs[2, 15] = 0.9               # nothing above threshold, none
    f, p = decide(probs, pprobs, {**cal, "consistent": False})
    assert list(p) == [15, 6, 15] and f[0, 4] and not f[1, 6]
    f, p = decide(probs, pprobs, {**cal, "consistent": "primary"})
    assert list(p) == [15, 6, 15] and not f[0].any() and f[1, 4] and f[1, 6] and not f[2].any()
    f, p = decide(probs, pprobs, {**cal, "consistent": "frames"})
    assert list(p) == [5, 6, 15] and f[0, 4] and f[0, 5] and f[1, 6] and not f[2].any()


def test_evidence_spans_are_whole_words_merged():
    from analysis.frame_model import evidence_spans

    text = "Fire killed two people, officials said."
    offsets = [(0, 0), (0, 4), (5, 11), (12, 15), (16, 22), (22, 23), (24, 33), (34, 38), (38, 39), (0, 0)]
    p = np.array([0, 0.1, 0.9, 0.8, 0.7, 0.6, 0.1, 0.9, 0.2, 0])
    assert evidence_spans(text, offsets, p, 0.5) == [(5, 22), (34, 38)]
    assert evidence_spans(text, offsets, np.zeros(10) + np.eye(10)[1] * 0.3, 0.5) == [(0, 4)]  # none above: the best piece
    assert evidence_spans("", [(0, 0), (0, 0)], np.zeros(2), 0.5) == []


# ----------------------------------------------------------------------------- the frames command


def _jsonl(path, lines):
    path.write_text("".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines), encoding="utf-8")
    return path


def test_frames_jsonl_contract(tiny_model, tmp_path, capsys):
    from analysis.frame_cli import main

    out, _, _ = tiny_model
    rows = [{"id": "u2", "text": "Taxes on fuel will rise, the minister said."}, {"id": 7, "text": "He won the vote."},
            {"id": "u1", "text": "Police arrested two men.", "extra": "ignored"}]
    assert main(["frames", "--jsonl", str(_jsonl(tmp_path / "in.jsonl", rows)), "--model-dir", str(out)]) == 0
    got = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [g["id"] for g in got] == ["u2", 7, "u1"]
    for g in got:
        assert set(g) == {"id", "primary", "frames"} and list(g["frames"]) == list(DIMENSIONS)
        assert g["primary"] in (*DIMENSIONS, NONE) and all(0 <= v <= 1 for v in g["frames"].values())
    bad = {"not json": "{nope", "missing field 'text'": {"id": "a"}, "missing field 'id'": {"text": "a"},
           "field 'text' must be a string": {"id": "a", "text": 3}, "empty body": {"id": "a", "text": "  "}}
    for message, line in bad.items():
        f = _jsonl(tmp_path / "bad.jsonl", [rows[0], line])
        assert main(["frames", "--jsonl", str(f), "--model-dir", str(out)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""  # nothing printed before the error
        assert f"{f}:2:" in captured.err and (message in captured.err or message == "not json"), captured.err


def test_frames_jsonl_recipes(tiny_model, tmp_path, capsys):
    """The default recipe is fp32 (what --fp32 asks for: the same output); --int8 runs the quantised graph; both at once
    is an argument error; --int8 on a corpus PATH is refused (the store runs the recipe)."""
    from analysis.frame_cli import main

    out, _, _ = tiny_model
    f = _jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Taxes on fuel will rise."}, {"id": "b", "text": "He won."}])
    runs = {}
    for flags in ((), ("--fp32",), ("--int8",)):
        assert main(["frames", "--jsonl", str(f), "--model-dir", str(out), *flags]) == 0
        runs[flags] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert runs[()] == runs[("--fp32",)]
    assert [r["id"] for r in runs[("--int8",)]] == ["a", "b"]
    assert main(["frames", "--jsonl", str(f), "--model-dir", str(out), "--fp32", "--int8"]) == 2
    assert "exclude each other" in capsys.readouterr().err
    assert main(["frames", str(f), "--int8"]) == 2
    assert "--int8 applies to --jsonl input only" in capsys.readouterr().err


def test_evaluate_frames_rewrites_the_evaluation_and_card(tiny_model, tmp_path, capsys):
    import shutil

    from analysis.frame_cli import main

    out, _, _ = tiny_model
    folder = tmp_path / "model"
    shutil.copytree(out, folder)
    (folder / "evaluation.json").unlink()
    assert main(["evaluate-frames", "--model-dir", str(folder)]) == 0
    printed = json.loads(capsys.readouterr().out)
    ev = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
    assert printed["recipe"] == ev["recipe"] == "fp32" and ev["test"]["units"] == printed["test"]["units"] > 0
    assert "dev" not in ev  # cross-fitted: dev was trained on
    assert "ONNX Runtime (fp32)" in (folder / "README.md").read_text(encoding="utf-8")


def test_inference_recipe_is_checked_and_versions_the_stages():
    import subprocess
    import sys

    from analysis import minilm
    from analysis.registry import _actors_version, _minilm_version

    assert minilm.quantisation() == "fp32" and minilm.quantised() is False and minilm.quantised(True) is True
    env = {**__import__("os").environ, "FRAMING_INFERENCE": "int4"}
    bad = subprocess.run([sys.executable, "-c", "import analysis.minilm"], env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "FRAMING_INFERENCE='int4': expected fp32, int8 or int8-rr" in bad.stderr
    from analysis.stages import Settings

    settings = Settings()
    assert "-fp32-" in _minilm_version(settings) and "-fp32-" in _actors_version(settings)


def test_frames_command_is_wired_into_the_suite():
    """Once analysis.cli calls frame_cli.add_commands, `python -m analysis frames` is the same command."""
    from analysis.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    if "frames" not in sub.choices:
        pytest.skip("analysis.cli does not add the frames commands yet (frame_cli.add_commands)")
    from analysis.frame_cli import cmd_frames, cmd_train_frames

    assert sub.choices["frames"].get_default("func") is cmd_frames
    assert sub.choices["train-frames"].get_default("func") is cmd_train_frames


# ----------------------------------------------------------------------------- the frames store stage

BODIES = [
    "“We will cut taxes for every family,” said Jane Smith, the mayor. Critics called the plan illegal.",
    "The minister said that talks with Kesh had failed. “It is over,” he added.\n\nTroops massed at the border.",
    "A fire killed two people on Monday. Residents were left without power, according to officials.",
]


def _corpus(bodies):
    arts = [Article(id=f"f{i}", body=b) for i, b in enumerate(bodies)]
    return Corpus(articles=arts, skipped=skipped_frame([]), n_inputs=len(arts))


def test_frames_stage_cached_incremental_and_exact(tiny_model, tmp_path):
    from analysis.store import Store, build

    out, _, _ = tiny_model
    root = tmp_path / "st"

    def run(bodies):
        report = build(corpus=_corpus(bodies), out=root, processes=1, stages=("frames",), progress=False,
                       frame_model_dir=out)
        return {n: (r.computed, r.cached) for n, r in report.stages.items()}

    assert run(BODIES)["frames"] == (3, 0)
    first = Store(root).table("frames")
    assert run(BODIES)["frames"] == (0, 3)
    assert run(BODIES + ["Voters backed the referendum, a poll found."])["frames"] == (1, 3)
    st = Store(root)
    table, bodies = st.table("frames"), st.bodies()
    pd.testing.assert_frame_equal(table[table.article_id != "f3"].reset_index(drop=True), first.reset_index(drop=True))
    assert set(table.article_id) == {"f0", "f1", "f2", "f3"} and (table.voice == "quote").any()
    for r in table.itertuples():
        assert bodies[r.article_id][r.start:r.end] == r.text
        assert r.primary in (*DIMENSIONS, NONE) and set(r.frames) <= set(DIMENSIONS)
        assert len(r.evidence_frame) == len(r.evidence_start) == len(r.evidence_end)
        for d, s, e in zip(r.evidence_frame, r.evidence_start, r.evidence_end):
            assert d in set(r.frames) and r.start <= s < e <= r.end
    assert table[list(DIMENSIONS)].to_numpy().min() >= 0 and table[list(DIMENSIONS)].to_numpy().max() <= 1


def test_frames_paths_command_reads_the_store(tiny_model, tmp_path, capsys):
    from analysis.corpus import write_articles
    from analysis.frame_cli import main

    out, _, _ = tiny_model
    folder = tmp_path / "corpus"
    write_articles(_corpus(BODIES[:2]), folder)
    assert main(["frames", str(folder), "--model-dir", str(out), "--store", str(tmp_path / "st"), "--processes", "1"]) == 0
    got = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert got and all(set(g) == {"id", "start", "end", "voice", "speaker", "primary", "frames"} for g in got)
    assert all(list(g["frames"]) == list(DIMENSIONS) for g in got)
    assert {g["voice"] for g in got} == {"editorial", "quote"}


def test_frames_coding_sheet_and_validation_through_the_cli(tmp_path, capsys):
    """coding-sheet --kinds frames (blind, and --shown with the shipped model), then validate-coding with two
    coders: per-dimension P/R/F1 and primary accuracy against each coder, and alpha between them."""
    import shutil

    from analysis import cli
    from analysis.corpus import write_articles
    from analysis.importers import load_source

    arts = [a for a in load_source(paths.ARTICLES).articles if a.id == "000_98b569404c0edd86"]
    folder = tmp_path / "corpus"
    write_articles(Corpus(articles=arts, skipped=skipped_frame([]), n_inputs=1), folder)
    store = ["--store", str(tmp_path / "st"), "--processes", "1"]
    assert cli.main(["coding-sheet", str(folder), "--kinds", "frames", "--out", str(tmp_path / "blind"), "--n", "1", *store]) == 0
    blind = pd.read_csv(tmp_path / "blind" / "units.csv", keep_default_na=False)
    assert len(blind) > 10 and (blind.frames == "").all() and (blind.primary == "").all()
    assert "frames coding sheet" in (tmp_path / "blind" / "guide.md").read_text(encoding="utf-8")
    assert cli.main(["coding-sheet", str(folder), "--kinds", "frames", "--out", str(tmp_path / "a"), "--n", "1", "--shown",
                     *store]) == 0
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    capsys.readouterr()
    assert cli.main(["validate-coding", str(folder), "--coder", str(tmp_path / "a" / "units.csv"),
                     str(tmp_path / "b" / "units.csv"), *store]) == 0
    out = capsys.readouterr().out
    scores = pd.read_csv(io.StringIO(out.split("\n\n")[0]))
    assert set(scores.coder) == {"a", "b"} and set(DIMENSIONS) <= set(scores.dimension)
    # the coders wrote the model's own codes (made coherent: the primary is one of the frames), so agreement is high
    assert float(scores[(scores.coder == "a") & (scores.dimension == "primary")].f1.iloc[0]) >= 0.9
    assert "a vs b" in out
    assert cli.main(["coding-sheet", str(folder), "--kinds", "frames,direct", "--out", str(tmp_path / "x"), *store]) == 2
