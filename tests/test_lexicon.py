from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pytest

from analysis.corpus import Article
from analysis.lexicon import (
    CATEGORIES,
    LexiconError,
    collocations,
    fightin_words,
    inflections,
    kwic,
    load_lexicon,
    loaded_density,
    reporting_verb_profile,
    voice_pieces,
)

HEADER = "term,match,category,notes,source\n"


def match_lexicon(articles, *, lexicon=None, scare_quotes=True):
    """Lexicon and scare-quote matches with voice for a few articles (annotated in a temporary store)."""
    from analysis.lexicon import attach_voices, match_terms
    from analysis.store import annotate_articles

    st = annotate_articles(list(articles), stages=("voices",))
    found = match_terms(st.bodies(), st.table("tokens"), st.table("quotes"), lexicon, scare_quotes=scare_quotes)
    return attach_voices(found, st.table("segments"))


def lex_file(tmp_path, rows: str, name="lex.csv"):
    p = tmp_path / name
    p.write_text(HEADER + rows, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "rows, row, fragment",
    [
        ("x,phrase,atrocity_label,,src\n(unclosed,regex,atrocity_label,,src\n", 3, "bad regex"),
        ("x,phrase,atrocity_label,,src\nX,phrase,euphemism,,src\n", 3, "duplicate term 'X'"),
        ("x,phrase,nonsense,,src\n", 2, "unknown category 'nonsense'"),
        ("x,fuzzy,euphemism,,src\n", 2, "unknown match type"),
        ("x,phrase,euphemism,,\n", 2, "empty source"),
    ],
)
def test_lexicon_validation_names_the_row(tmp_path, rows, row, fragment):
    p = lex_file(tmp_path, rows)
    with pytest.raises(LexiconError) as err:
        load_lexicon([p])
    assert err.value.row == row and fragment in err.value.reason and str(p) in str(err.value)


def test_duplicate_across_files_and_missing_column(tmp_path):
    a = lex_file(tmp_path, "slam,lemma,evaluative_reporting_verb,,src\n", "a.csv")
    b = lex_file(tmp_path, "Slam,lemma,evaluative_reporting_verb,,src\n", "b.csv")
    with pytest.raises(LexiconError, match="first in .*a.csv:2"):
        load_lexicon([a, b])
    bad = tmp_path / "c.csv"
    bad.write_text("term,category\nx,euphemism\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="missing column"):
        load_lexicon([bad])


def test_shipped_lexicon_is_valid_and_covers_categories():
    lex = load_lexicon()
    assert len(lex) >= 60
    assert set(lex.category) == set(CATEGORIES) - {"scare_quote_label"}


def test_inflections():
    assert {"slams", "slammed", "slamming"} <= inflections("slam")
    assert {"extolled", "extols"} <= inflections("extol")
    assert "denied" in inflections("deny")


def test_inflection_multiword_hyphen_and_quote_variants(tmp_path):
    lex = load_lexicon([lex_file(tmp_path,
        "slam,lemma,evaluative_reporting_verb,,src\n"
        "turn a blind eye,lemma,dismissive_idiom,,src\n"
        "sabre-rattling,phrase,conflict_escalation,,src\n"
        "people's republic,phrase,euphemism,,src\n")])
    text = ("She slammed it; he slams it; they were slamming it. Moscow turning a blind eye, "
            "sabre rattling and Sabre-Rattling, the People’s Republic.")
    art = Article(id="t", body=text)
    m = match_lexicon([art], lexicon=lex)
    assert m.text.tolist() == ["slammed", "slams", "slamming", "turning a blind eye", "sabre rattling",
                               "Sabre-Rattling", "People’s Republic"]
    assert all(text[r.start:r.end] == r.text for r in m.itertuples())


def test_matches_carry_voice_and_speaker(tmp_path):
    lex = load_lexicon([lex_file(tmp_path, "invasion,lemma,conflict_escalation,,src\n")])
    text = "The invasion began. “The invasion is a lie,” said Jane Smith."
    art = Article(id="t", body=text)
    m = match_lexicon([art], lexicon=lex)
    assert [(r.voice, None if pd.isna(r.speaker) else r.speaker) for r in m.itertuples()] == [
        ("editorial", None), ("quote", "Jane Smith")]


def test_seed_editorial_loaded_language(seed):
    m = match_lexicon([seed])
    found = {r.text: (r.voice, r.category) for r in m.itertuples()}
    for term in ("Genocide Games", "authoritarian", "provocations", "turning a blind eye", "slammed", "extolled"):
        assert found[term][0] == "editorial", term
    assert found["Genocide Games"][1] == "atrocity_label"
    # the scare-quoted label is flagged as such in the voice segments too
    assert m.loc[m.text == "Genocide Games", "kind"].item() == "scare"


def test_scare_quotes_are_loaded_terms_by_default():
    art = Article(id="t", body="The plan, a “peace dividend” scheme, failed.")
    m = match_lexicon([art], lexicon=load_lexicon())
    assert ("peace dividend", "scare_quote_label", "scare quote") in set(zip(m.text, m.category, m.detector))
    assert match_lexicon([art], lexicon=load_lexicon(), scare_quotes=False).empty


def test_fightin_words_against_hand_computation():
    a, b = ["war war peace"], ["peace peace war calm"]
    out = fightin_words(a, b, alpha0=10).set_index("word")
    # pooled prior: war 3/7, peace 3/7, calm 1/7; alpha0 = 10; n_a = 3, n_b = 4
    aw = 10 * 3 / 7
    delta = math.log((2 + aw) / (3 + 10 - 2 - aw)) - math.log((1 + aw) / (4 + 10 - 1 - aw))
    z = delta / math.sqrt(1 / (2 + aw) + 1 / (1 + aw))
    assert out.loc["war", "delta"] == pytest.approx(delta) and out.loc["war", "z"] == pytest.approx(z)
    assert out.loc["calm", "z"] < 0 < out.loc["war", "z"]
    custom = fightin_words(a, b, prior=Counter({"war": 1, "peace": 1, "calm": 1}), alpha0=3).set_index("word")
    aw = 1.0
    assert custom.loc["war", "delta"] == pytest.approx(math.log(3 / 3) - math.log(2 / 5))


def test_kwic_offsets_and_no_cap(seed, seed_store):
    k = kwic(seed_store.bodies(), "Genocide Games", segments=seed_store.table("segments"))
    assert len(k) == 1 and seed.body[k.start[0]:k.end[0]] == "Genocide Games"
    assert k.right[0].startswith(".”") and k.voice[0] == "editorial"
    assert len(kwic({"m": " ".join(["Russia"] * 60)}, "russia")) == 60


def test_collocations():
    out = collocations(["blind eye and blind eye", "a blind eye"], min_freq=2)
    assert out.bigram.iloc[0] == "blind eye" and out["count"].iloc[0] == 3


def test_reporting_verb_profile(seed_store):
    prof = reporting_verb_profile(seed_store.table("quotes"))
    classes = dict(zip(prof.cue_lemma, prof.verb_class))
    assert classes["say"] == "neutral" and classes["accuse"] == "charged" and classes["deny"] == "guilt-implying"


def test_density_with_intervals(seed_store):
    st = seed_store
    pieces = voice_pieces(st.bodies(), st.table("sentences"), st.table("segments"))
    assert pieces.n_words.sum() > 450
    m = st.table("terms")
    d = loaded_density(pieces, m, n_boot=300).set_index(["voice", "category"])
    ed = d.loc[("editorial", "(all)")]
    assert ed.n_matches == (m.voice == "editorial").sum()
    assert ed.ci_low <= ed.per_1000_words <= ed.ci_high
    assert ed.per_1000_words == pytest.approx(1000 * ed.n_matches / ed.n_words)


def test_cli_loaded_contract(tmp_path):
    import json
    import subprocess
    import sys

    from analysis import paths

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 5, "text": "Officials slammed the “peace dividend” plan. “It is an invasion,” said Jane Smith."}) + "\n")
    res = subprocess.run([sys.executable, "-m", "analysis", "loaded", "--jsonl", str(src), "--no-model"],
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    assert [(r["id"], r["text"], r["category"], r["voice"], r["speaker"], r["detector"]) for r in rows] == [
        (5, "slammed", "evaluative_reporting_verb", "editorial", None, "lexicon"),
        (5, "peace dividend", "scare_quote_label", "editorial", None, "scare quote"),
        (5, "invasion", "conflict_escalation", "quote", "Jane Smith", "lexicon"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "x,phrase,nope,,src\n")
    res = subprocess.run([sys.executable, "-m", "analysis", "loaded", "--jsonl", str(src), "--no-model", "--lexicon", str(bad)],
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 2 and "bad.csv:2: unknown category" in res.stderr and res.stdout == ""


def test_learned_detector_files_and_behaviour(seed_store):
    import json

    from safetensors.torch import load_file

    from analysis import paths
    from analysis.detector import LoadedWordDetector

    heads = load_file(str(paths.JOINT_MODEL / "heads.safetensors"))
    assert heads["token.weight"].shape == (1, 384) and heads["sentence.weight"].shape == (1, 384)
    record = json.loads((paths.JOINT_MODEL / "training.json").read_text())
    assert 0 < record["threshold"] < 1 and record["test_metrics"]["loaded"]["f1"] > 0.4
    sentence = "Sadly, attempts by a number of countries to politicise sports for their selfish interests have recently intensified."
    for det in (LoadedWordDetector(), LoadedWordDetector(fp32=True)):
        flagged = {sentence[s:e].lower() for s, e, _ in det.detect([sentence])[0]}
        assert "selfish" in flagged, det.provenance
    m = seed_store.table("terms")
    assert {"lexicon", "minilm-loaded"} <= set(m.detector)
    assert m.loc[m.text == "slammed", "detector"].item() == "lexicon+minilm-loaded"
    learned = seed_store.table("learned_terms")
    assert (learned.probability >= record["threshold"]).all() and "selfish" in set(learned.text)


def test_lemma_join_stays_inside_an_article():
    from analysis.lexicon import _lemma_spans

    tokens = pd.DataFrame({"article_id": ["a", "a", "b", "b"], "text": ["turn", "a", "blind", "eye"],
                           "lemma": ["turn", "a", "blind", "eye"], "start": [0, 5, 0, 6], "end": [4, 6, 5, 9]})
    assert _lemma_spans(tokens, [("turn", "a", "blind", "eye"), ("blind", "eye")]) == [[], [("b", 0, 9)]]


# ----------------------------------------------------------------------------- parts of speech and idioms


def _terms_of(text: str):
    from analysis.lexicon import match_terms
    from analysis.nlp import load_pipeline
    from analysis.stages import token_tables

    tokens, _entities = token_tables({"t": load_pipeline()(text)})
    return match_terms({"t": text}, tokens, None)


@pytest.mark.parametrize("text, hit", [
    ("A gas blast destroyed two homes.", False),
    ("The senator blasted the plan as reckless.", True),
    ("Critics slammed the decision.", True),
    ("The door slam woke everyone.", False),
])
def test_reporting_verbs_match_verbs_only(text, hit):
    found = _terms_of(text)
    assert (found.category == "evaluative_reporting_verb").any() == hit


def test_idiom_matches_as_one_unit():
    found = _terms_of("Officials turned a blind eye to the abuse.")
    assert list(found.text) == ["turned a blind eye"] and list(found.category) == ["dismissive_idiom"]


def test_pos_column_is_validated(tmp_path):
    from analysis.lexicon import LexiconError, load_lexicon

    p = tmp_path / "x.csv"
    p.write_text("term,match,pos,category,notes,source\nblast,lemma,VERBISH,evaluative_reporting_verb,,test\n")
    with pytest.raises(LexiconError, match="x.csv:2: unknown part of speech"):
        load_lexicon([p])
