"""Actors: the alias table, mention finding (metonyms, roles, voices), agency/power frames, the store's actors
table, portrayal estimates and the `actors` command-line contract."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.actors import alias_key, corpus_actor_names, find_mentions, read_aliases
from analysis.connotation import frame_for, read_frames
from analysis.corpus import Article
from analysis.nlp import load_pipeline
from analysis.portrayal import portrayal
from analysis.stats import ClusterBootstrap
from analysis.store import annotate_articles

from conftest import shared_path

TEXT = ("Moscow condemned the sanctions. Vladimir Putin said the West was weak. “Putin is a liar,” said Joe Biden. "
        "In Beijing, Xi Jinping met the delegates. China’s support was praised by Washington. "
        "George Washington was the first president.")


@pytest.fixture(scope="module")
def aliases():
    return read_aliases()


def mentions_of(text, aliases, **kw):
    doc = load_pipeline()(text)
    return {(m.mention, m.start): m for m in find_mentions(doc, aliases=aliases, **kw)}


def test_shipped_alias_table_reads_and_has_a_source_per_row(aliases):
    assert aliases["Kremlin"].actor == "Russia" and aliases["Beijing"].context == "state"
    assert all(a.source for a in aliases.values()) and alias_key("the Kremlin’s") == "Kremlin"


@pytest.mark.parametrize("row,message", [
    ("Kremlin,Russia,nation,any,x", ":3: unknown type 'nation'"),
    ("Kremlin,Russia,country,sometimes,x", ":3: unknown context"),
    ("Kremlin,China,country,any,x", ":3: 'Kremlin' is already an alias of 'Russia' (line 2)"),
    ("Kremlin,,country,any,x", ":3: missing actor"),
])
def test_bad_alias_rows_name_file_and_line(tmp_path, row, message):
    f = tmp_path / "aliases.csv"
    f.write_text("alias,actor,type,context,source\nKremlin,Russia,country,any,seat of government\n" + row + "\n")
    with pytest.raises(ValueError, match=re.escape(message)):
        read_aliases(f)


def test_metonyms_resolve_only_where_they_name_the_state(aliases):
    m = mentions_of(TEXT, aliases)
    assert m[("Moscow", 0)].actor == "Russia" and m[("Moscow", 0)].role == "subject" and m[("Moscow", 0)].verb == "condemn"
    beijing = next(v for (t, _), v in m.items() if t == "Beijing")
    assert beijing.actor == "Beijing" and beijing.type == "place"  # "in Beijing" is a place
    wash = [v for (t, _), v in m.items() if "Washington" in t]
    assert {(w.actor, w.role) for w in wash} == {("United States", "subject"), ("George Washington", "subject")}
    assert m[("China", TEXT.index("China"))].actor == "China"
    west = next(v for (t, _), v in m.items() if "West" in t)
    assert west.actor == "the West" and west.type == "group"


def test_names_take_the_canonical_form_and_roles_follow_the_clause(aliases):
    m = mentions_of("Russian troops shelled Kharkiv. Putin was criticised by Olaf Scholz, who then met him.", aliases)
    assert ("Russian", 0) not in m  # a nationality adjective is not an actor mention
    putin = m[("Putin", 32)]
    assert putin.actor == "Vladimir Putin" and putin.role == "object" and putin.verb == "criticise"  # passive subject
    scholz = next(v for (t, _), v in m.items() if t == "Olaf Scholz")
    assert scholz.role == "subject" and scholz.verb == "criticise"  # the by-agent of a passive


def test_pronouns_and_quote_speakers_become_mentions(aliases):
    text = "Lena Vossberg is the finance minister. She rejected the plan. “It is wrong,” the minister said."
    cue = text.index("said")
    m = mentions_of(text, aliases, speakers=[(cue, "Lena Vossberg", "the minister")])
    she = m[("She", text.index("She"))]
    assert she.actor == "Lena Vossberg" and she.source == "pronoun" and she.role == "subject"
    minister = m[("the minister", text.index("the minister said"))]
    assert minister.actor == "Lena Vossberg" and minister.source == "speaker"


def test_frames_merge_split_rows_and_map_roles(tmp_path):
    f = tmp_path / "ap.csv"
    f.write_bytes(b"verb,agency,power\r\nattack,agency_pos,power_agent\r\necho,,power_theme\r\necho,agency_equal,\r\nobey,agency_neg,power_theme")
    frames = read_frames(f)
    assert frames["echo"].agency == "equal" and frames["echo"].power == "theme"
    assert frame_for(frames, "attack", "subject") == ("positive", "higher")
    assert frame_for(frames, "attack", "object") == (None, "lower")
    assert frame_for(frames, "obey", "subject") == ("negative", "lower")
    assert frame_for(frames, "attack", "other") == (None, None) and frame_for(frames, "walk", "subject") == (None, None)
    f.write_text("verb,agency,power\nattack,agency_high,power_agent\n")
    with pytest.raises(ValueError, match=r"ap.csv:2: unknown label 'agency_high'"):
        read_frames(f)
    with pytest.raises(FileNotFoundError, match="riveter-nlp"):
        read_frames(tmp_path / "missing.csv")


def test_sap_lexicon_from_shared_data():
    path = shared_path("agency_power_sap2017", "agency_power.csv")
    frames = read_frames(path)
    assert len(frames) == 2148  # 2,150 rows, echo and go split over two rows (SOURCE.md)
    assert frames["echo"] == frames["echo"].__class__("equal", "theme")


@pytest.fixture(scope="module")
def actor_store(tmp_path_factory):
    arts = [Article(id="a1", body=TEXT), Article(id="a2", body="Putin attacked Ukraine. “Russia will win,” said Dmitry Peskov.")]
    return annotate_articles(arts, stages=["actors"], out=tmp_path_factory.mktemp("store"))


def test_actors_table_is_offset_exact_and_carries_voice_sentiment_and_frames(actor_store):
    a = actor_store.table("actors")
    bodies = actor_store.bodies()
    assert all(bodies[r.article_id][r.start:r.end] == r.mention for r in a.itertuples())
    assert set(a.polarity) <= {"negative", "neutral", "positive"}
    assert np.allclose(a[["p_negative", "p_neutral", "p_positive"]].sum(axis=1), 1, atol=1e-4)
    assert np.allclose(a.score, a.p_positive - a.p_negative, atol=1e-6)
    quoted_putin = a[(a.article_id == "a1") & (a.mention == "Putin")].iloc[0]
    assert quoted_putin.voice == "quote" and quoted_putin.speaker == "Joe Biden"
    russia = a[(a.article_id == "a2") & (a.actor == "Russia")].iloc[0]
    assert russia.voice == "quote" and russia.speaker == "Dmitry Peskov"
    if paths.AGENCY_POWER.exists():
        attack = a[(a.article_id == "a2") & (a.mention == "Putin")].iloc[0]
        assert (attack.role, attack.verb, attack.agency, attack.power) == ("subject", "attack", "positive", "higher")


def test_actors_stage_is_cached_and_follows_the_alias_table(actor_store, tmp_path):
    again = annotate_articles([Article(id="a1", body=TEXT), Article(id="a2", body="Putin attacked Ukraine. “Russia will win,” said Dmitry Peskov.")],
                              stages=["actors"], out=actor_store.path)
    assert again.content_hash("actors") == actor_store.content_hash("actors")
    custom = tmp_path / "aliases.csv"
    custom.write_text(paths.ACTOR_ALIASES.read_text() + "Peskov,Kremlin spokesperson,person,any,test row\n"
                      "Dmitry Peskov,Kremlin spokesperson,person,any,test row\n")
    other = annotate_articles([Article(id="a2", body="Putin attacked Ukraine. “Russia will win,” said Dmitry Peskov.")],
                              stages=["actors"], aliases=custom)
    assert "Kremlin spokesperson" in set(other.table("actors").actor)


def test_corpus_unification_joins_surnames_to_the_dominant_full_name():
    t = pd.DataFrame({"actor": ["Vladimir Putin"] * 5 + ["Putin", "Russia"], "type": ["person"] * 6 + ["country"]})
    names = dict(zip(*corpus_actor_names(t)[["actor", "corpus_actor"]].T.values))
    assert names == {"Vladimir Putin": "Vladimir Putin", "Putin": "Vladimir Putin", "Russia": "Russia"}


def test_portrayal_shares_reconcile_with_counts():
    rng = np.random.default_rng(0)
    n = 200
    arts = pd.DataFrame({"article_id": [f"a{i}" for i in range(20)], "outlet": [f"o{i % 4}" for i in range(20)]})
    actors = pd.DataFrame({
        "article_id": rng.choice(arts.article_id, n), "actor": rng.choice(["Russia", "China"], n),
        "voice": rng.choice(["editorial", "quote"], n), "speaker": rng.choice(["Joe Biden", None], n),
        "polarity": rng.choice(["negative", "neutral", "positive"], n), "score": rng.uniform(-1, 1, n),
        "agency": rng.choice(["positive", "negative", None], n), "power": rng.choice(["higher", "lower", None], n),
        "role": rng.choice(["subject", "object", "other"], n)})
    groups = pd.Series({a: ("left" if i < 10 else "right") for i, a in enumerate(arts.article_id)})
    t = portrayal(actors, ClusterBootstrap(arts, n_boot=200), groups=groups, focus=["Russia", "China", "Ukraine"])
    cell = t[(t.actor == "Russia") & (t.voice == "journalist") & (t.group == "left") & (t.measure == "negative")].iloc[0]
    sub = actors[(actors.actor == "Russia") & (actors.voice == "editorial") & actors.article_id.map(groups).eq("left")]
    assert cell.mentions == len(sub) and cell.value == pytest.approx((sub.polarity == "negative").mean())
    assert cell.ci_low <= cell.value <= cell.ci_high
    total = t[(t.actor == "Russia") & (t.group == "all") & (t.measure == "negative") & t.voice.isin(["journalist", "quoted"])]
    assert total.mentions.sum() == (actors.actor == "Russia").sum()
    assert (t[t.actor == "Ukraine"].mentions == 0).all()
    assert any(v.startswith("quoted: Joe Biden") for v in t.voice)


def test_actors_command_contract():
    res = subprocess.run([sys.executable, "-m", "analysis", "actors", "--jsonl", "-", "--processes", "1"],
                         input=json.dumps({"id": 3, "text": "Putin attacked Ukraine. “Russia will win,” said Dmitry Peskov."}) + "\n",
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(x) for x in res.stdout.splitlines()]
    keys = ["id", "start", "end", "mention", "actor", "type", "role", "voice", "speaker", "polarity", "score", "verb",
            "agency", "power"]
    assert rows and all(list(r) == keys for r in rows) and all(r["id"] == 3 for r in rows)
    assert {r["actor"] for r in rows} >= {"Vladimir Putin", "Ukraine", "Russia", "Dmitry Peskov"}


@pytest.mark.parametrize("text,mention,actor,role", [
    ("Israel Katz, the defence minister, spoke. Israel launched new strikes overnight.", "Israel", "Israel", "subject"),
    ("Tensions between Washington and Beijing rose again.", "Beijing", "China", "other"),
    ("The Beijing government rejected the report.", "Beijing", "China", "other"),
    ("U.S. President Joe Biden accused China of theft.", "U.S.", "United States", "other"),
    ("The Washington Post reported that Washington state will sue.", "Washington", "Washington", "other"),
    ("Russia's Foreign Ministry and Ukraine's Defence Ministry disagreed.", "Defence Ministry", "Defence Ministry", "subject"),
])
def test_names_metonyms_and_roles_on_hard_cases(aliases, text, mention, actor, role):
    found = [m for (t, _), m in mentions_of(text, aliases).items() if t == mention]
    assert found, f"no mention {mention!r} in {[k for k in mentions_of(text, aliases)]}"
    m = found[-1]
    assert (m.actor, m.role) == (actor, role)


def test_aliases_do_not_fire_inside_other_names_and_abbreviations_keep_their_case(aliases):
    m = mentions_of("She won the Kremlin Cup in October. Us too, said the coach.", aliases)
    assert not any(v.actor in ("Russia", "United States") for v in m.values())
    m = mentions_of("Xi Jinping visited Moscow on Monday.", aliases)
    assert any(v.mention == "Xi Jinping" and v.actor == "Xi Jinping" for v in m.values())


def test_an_object_pronoun_never_binds_to_its_own_subject(aliases):
    m = mentions_of("Joe Biden met Vladimir Putin in Geneva. He warned him about cyberattacks.", aliases)
    him = [v for (t, _), v in m.items() if t == "him"]
    he = [v for (t, _), v in m.items() if t == "He"]
    assert he and not any(h.actor == he[0].actor for h in him)


def test_a_quote_speaker_mention_is_the_phrase_before_its_cue(aliases):
    text = "Apple Inc. declined to comment on Friday. “We are proud,” the company said, and the company’s rival disagreed."
    cue = text.index("said")
    m = mentions_of(text, aliases, speakers=[(cue, "Apple Inc.", "the company")])
    company = [v for v in m.values() if v.source == "speaker"]
    assert [(c.start, c.type) for c in company] == [(text.index("the company said"), "organisation")]


def test_british_spellings_find_their_frame(tmp_path):
    f = tmp_path / "ap.csv"
    f.write_text("verb,agency,power\ncriticize,agency_pos,power_agent\n")
    assert frame_for(read_frames(f), "criticise", "subject") == ("positive", "higher")
