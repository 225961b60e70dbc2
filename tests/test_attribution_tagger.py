"""The learned attribution tagger (issue 20): labels, decoding, a tiny model trained here, and how its
reported speech joins the rules' quotes (exact offsets, speakers from the tagged source, marked quotes kept)."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis import attribution as at
from analysis.corpus import Article
from analysis.quotes import split_voices


@pytest.fixture(scope="module")
def nlp():
    from analysis.nlp import load_pipeline

    return load_pipeline()


def test_piece_labels_and_decode_round_trip():
    offsets = [(0, 0), (0, 4), (5, 8), (9, 15), (15, 16), (17, 21), (22, 26), (0, 0)]
    spans = [("content", 0, 8), ("source", 9, 15), ("cue", 17, 21)]
    labels = at.piece_labels(offsets, spans)
    assert labels[0] == labels[-1] == -100
    assert [at.LABELS[x] for x in labels[1:-1]] == ["B-content", "I-content", "B-source", "O", "B-cue", "O"]
    assert at.decode(offsets, [0 if x == -100 else x for x in labels]) == [("content", 0, 8), ("source", 9, 15), ("cue", 17, 21)]
    assert at.decode(offsets, [0, 2, 2, 0, 0, 0, 0, 0]) == [("source", 0, 8)]  # an I- without its B- opens a span


def test_span_scores_match_by_half_overlap():
    gold = [[("content", 0, 20), ("cue", 25, 29)]]
    pred = [[("content", 5, 20), ("cue", 30, 34), ("source", 0, 3)]]
    s = at.span_scores(pred, gold)
    assert s["content"]["f1"] == 1.0 and s["cue"]["tp"] == 0 and s["source"]["precision"] == 0.0


class FixedTagger:
    """Tags every sentence it is given with the spans a rule of thumb finds: content before ", X said."."""

    def __init__(self):
        self.seen = []

    def spans(self, texts):
        out = []
        for t in texts:
            self.seen.append(t)
            k = t.rfind(", ")
            said = t.rfind(" said")
            if k < 0 or said < k:
                out.append([])
                continue
            out.append([("content", 0, k), ("source", k + 2, said), ("cue", said + 1, said + 5)])
        return out


@pytest.mark.parametrize("body, speaker", [
    ("Mayor Ana Lund spoke on Monday. The bridge will close for repairs in May, the mayor said.", "Ana Lund"),
    ("The plant leaked toxic water into the river for weeks, officials said.", "officials"),
    ("Police arrested Tom Reyes. He was carrying a stolen passport and cash, police said.", "police"),
])
def test_tagged_quotes_have_exact_offsets_and_resolved_speakers(body, speaker, nlp):
    from analysis.sentences import sentence_spans
    from analysis.speakers import SpeakerIndex

    art = Article(id="A", body=body)
    doc = nlp(body)
    speakers = SpeakerIndex(doc, quoted=lambda offset: False, extra=[])
    new = at.tagged_quotes(art, doc, sentence_spans(body), [], speakers, FixedTagger(), combination="fill")
    assert len(new) == 1
    q = new[0]
    content = body[: body.rfind(", ")].split(". ")[-1]
    assert body[q.start:q.end] == q.text == content and q.kind == "indirect" and q.method == "tagger"
    assert q.speaker == speaker and body[q.cue_start:q.cue_end] == "said"


class SourcelessTagger(FixedTagger):
    def spans(self, texts):
        return [[x for x in spans if x[0] != "source"] for spans in super().spans(texts)]


def test_tagged_content_without_a_resolved_source_is_dropped(nlp):
    from analysis.sentences import sentence_spans
    from analysis.speakers import SpeakerIndex

    body = "The plant leaked toxic water into the river for weeks, officials said."
    doc = nlp(body)
    speakers = SpeakerIndex(doc, quoted=lambda offset: False, extra=[])
    assert at.tagged_quotes(Article(id="A", body=body), doc, sentence_spans(body), [], speakers, SourcelessTagger()) == []


def test_fill_leaves_sentences_with_rule_quotes_and_marked_quotes_alone(nlp):
    body = "“We will rebuild the bridge quickly,” the mayor said. Repairs start in May, the mayor said on Monday."
    art = Article(id="A", body=body)
    doc = nlp(body)
    tagger = FixedTagger()
    filled = split_voices(art, doc=doc, tagger=tagger, combination="fill")
    assert all("We will rebuild" not in t for t in tagger.seen)  # the direct quote's sentence is not read
    direct = [q for q in filled.quotes if q.kind == "direct"]
    assert len(direct) == 1 and direct[0].text.startswith("We will rebuild")
    assert split_voices(art, doc=doc, tagger=None).quotes == split_voices(art, doc=doc, combination="fill").quotes
    with pytest.raises(ValueError, match="unknown combination 'both'"):
        split_voices(art, doc=doc, tagger=tagger, combination="both")


def test_tagger_combination_replaces_the_rules_reported_speech(nlp):
    body = "The minister said the ward would stay open. Repairs start in May, the minister said."
    art = Article(id="A", body=body)
    doc = nlp(body)
    rules = split_voices(art, doc=doc).quotes
    only = split_voices(art, doc=doc, tagger=FixedTagger(), combination="tagger").quotes
    assert any(q.kind == "indirect" and q.method != "tagger" for q in rules)
    assert all(q.method == "tagger" for q in only if q.kind == "indirect")
    assert all(q.text != "the ward would stay open" for q in only)


def test_examples_and_a_tiny_tagger_train_deterministically(tmp_path, nlp):
    from analysis.sentences import sentence_spans

    bodies, items, split = {}, [], []
    for i in range(24):
        aid = f"a{i}"
        body = (f"Ana Lund visited site {i}. The bridge number {i} will close in May, the mayor said. "
                f"Nothing else happened on day {i}.")
        bodies[aid] = body
        s = body.index("The bridge")
        e = body.index(", the mayor")
        items.append({"article_id": aid, "kind": "indirect", "start": s, "end": e, "text": body[s:e], "speaker": "Ana Lund",
                      "cue_start": body.index("said"), "cue_end": body.index("said") + 4,
                      "source_start": body.index("the mayor"), "source_end": body.index("the mayor") + 9})
        split.append({"article_id": aid, "split": "train" if i < 16 else ("dev" if i < 20 else "test")})
    items = pd.DataFrame(items)
    frames = []
    for aid, body in bodies.items():
        doc = nlp(body)
        cands = at.candidate_sentences(doc, sentence_spans(body))
        assert len(cands) == 1 and body[cands[0][0]:cands[0][1]].endswith("the mayor said.")
        frames.append(at.sentence_examples(body, aid, items[items.article_id == aid], cands))
    ex = pd.concat(frames, ignore_index=True)
    assert len(ex) == 24 and {r for s in ex.spans for r, _, _ in s} == {"content", "cue", "source"}
    cfg = at.AttributionConfig(epochs=2, layers=1, batch_size=4, lr=3e-3, head_lr=1e-2)
    split = pd.DataFrame(split)
    rec = at.train_attribution(ex, split, out_dir=tmp_path / "m1", config=cfg, log=lambda m: None)
    at.train_attribution(ex, split, out_dir=tmp_path / "m2", config=cfg, log=lambda m: None)
    for name in ("adapter_model.safetensors", "heads.safetensors"):
        assert (tmp_path / "m1" / name).read_bytes() == (tmp_path / "m2" / name).read_bytes()
    assert rec["data"]["sentences"] == {"train": 16, "dev": 4} and set(rec["dev_metrics"]) == set(at.ROLES)
    assert "language-model agents" in (tmp_path / "m1" / "README.md").read_text()
    tagger = at.AttributionTagger(tmp_path / "m1")
    texts = ["The bridge will close in May, the mayor said.", "Short."]
    one = tagger.spans(texts)
    assert one == [tagger.spans(texts[:1])[0], tagger.spans(texts[1:])[0]]  # a text's spans never depend on another's
    assert all(0 <= a < b <= len(t) and r in at.ROLES for t, spans in zip(texts, one) for r, a, b in spans)
    assert at.tagger_version(tmp_path / "m1") != "absent" and at.tagger_version(tmp_path / "none") == "absent"
    with pytest.raises(ValueError, match="0 training and"):
        at.train_attribution(ex, split.assign(split="test"), out_dir=tmp_path / "m3", config=cfg, log=lambda m: None)
    # what the voices stage deploys follows the folder's combination chosen on dev, and its version with it
    import json
    import shutil

    rec_file = tmp_path / "m1" / "training.json"
    for combination, deployed_tagger in (("fill", True), ("rules", False)):
        d = tmp_path / f"deploy-{combination}"
        shutil.copytree(tmp_path / "m1", d)
        rec = json.loads(rec_file.read_text())
        (d / "training.json").write_text(json.dumps({**rec, "combination": combination}))
        tagger, how = at.deployed(str(d))
        assert how == combination and (tagger is not None) == deployed_tagger
        assert at.tagger_version(d).endswith(f"-{combination}")
    assert at.deployed(str(tmp_path / "none")) == (None, "rules")


def test_the_voices_stage_versions_on_the_tagger(tmp_path):
    from analysis.registry import stages
    from analysis.stages import Settings

    v = stages()["voices"].version
    assert v(Settings(attribution_model_dir=str(tmp_path))).endswith("attribution-absent")
    assert v(Settings()) != v(Settings(attribution_model_dir=str(tmp_path))) or not (at.paths.ATTRIBUTION_MODEL / "heads.safetensors").exists()


def test_editorial_share_counts_gold_speech_left_editorial():
    body = "Ana said the bridge will close. It rained."
    gold = pd.DataFrame([{"article_id": "A", "kind": "indirect", "start": 9, "end": 30}])
    seg = pd.DataFrame([{"article_id": "A", "start": 0, "end": 20, "voice": "editorial"},
                        {"article_id": "A", "start": 20, "end": 30, "voice": "quote"},
                        {"article_id": "A", "start": 30, "end": len(body), "voice": "editorial"}])
    share = at.editorial_share(seg, gold, {"A": body})
    covered = [c for c in body[9:30] if not c.isspace()]
    assert share["characters"] == len(covered)
    assert share["share"] == pytest.approx(len([c for c in body[9:20] if not c.isspace()]) / len(covered))
