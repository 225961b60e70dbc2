"""The annotation store: schemas checked on write, incremental stages, shards, processes and dask give one result."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from analysis import paths
from analysis.corpus import Article, Corpus, CorpusError, skipped_frame, write_articles
from analysis.store import SCHEMAS, SchemaError, Store, annotate_articles, build, normalise

BODIES = [
    "“We will not give up,” said Jane Smith, the mayor. Critics slammed the plan as a “land grab”.",
    "The minister said that talks had failed. “It is over,” he added.\n\nOfficials denied any plans to invade.",
    "Markets rose on Monday. Analysts expect more gains, according to Reuters.",
    "“Peace is possible,” Foreign Minister Ana Lee told reporters. She accused rivals of sabre-rattling.",
    "A quiet day. Nothing was said by anyone.",
]


def corpus_of(bodies, prefix="a"):
    arts = [Article(id=f"{prefix}{i}", body=b) for i, b in enumerate(bodies)]
    return Corpus(articles=arts, skipped=skipped_frame([]), n_inputs=len(arts))


def counts(report):
    return {name: (r.computed, r.cached) for name, r in report.stages.items()}


def test_schema_is_checked_on_write():
    good = pd.DataFrame({"article_id": ["a"], "offset": [3], "mark": ["“"], "issue": ["stray"]})
    assert normalise("mark_issues", good).num_rows == 1
    with pytest.raises(SchemaError, match="table mark_issues: unknown column.*extra"):
        normalise("mark_issues", good.assign(extra=1))
    with pytest.raises(SchemaError, match="table mark_issues: missing column.*issue"):
        normalise("mark_issues", good.drop(columns="issue"))
    with pytest.raises(SchemaError, match="table mark_issues, column offset"):
        normalise("mark_issues", good.assign(offset=["x"]))
    with pytest.raises(SchemaError, match="column issue: 1 null"):
        normalise("mark_issues", good.assign(issue=[None]))
    for schema in SCHEMAS.values():
        assert all(c.meaning for c in schema.columns), schema.name


def test_build_reads_with_pandas_and_reruns_nothing(tmp_path):
    report = build(corpus=corpus_of(BODIES), out=tmp_path / "st", processes=1)
    assert counts(report)["parse"] == (5, 0) and report.articles == 5
    root = tmp_path / "st"
    quotes = pd.read_parquet(root / "quotes")
    assert {"article_id", "id", "start", "end", "text", "kind", "speaker", "speaker_mention", "cue"} - {"id"} <= set(quotes)
    assert {"article_id", "title", "outlet", "date", "words"} <= set(pd.read_parquet(root / "articles"))
    assert {"article_id", "start", "end", "voice", "speaker"} <= set(pd.read_parquet(root / "sentences"))
    assert {"article_id", "start", "end", "vader", "minilm"} <= set(pd.read_parquet(root / "scores"))
    assert {"article_id", "start", "end", "text", "category", "voice", "speaker", "detector"} <= set(pd.read_parquet(root / "terms"))
    st = Store(root)
    bodies = st.bodies()
    for table in ("sentences", "quotes", "terms", "tokens", "entities"):
        frame = st.table(table)
        assert all(bodies[a][s:e] == t for a, s, e, t in zip(frame.article_id, frame.start, frame.end, frame.text)), table
    segs = st.table("segments")
    for aid, g in segs.groupby("article_id"):
        assert g.start.iloc[0] == 0 and g.end.iloc[-1] == len(bodies[aid]) and (g.start.iloc[1:].values == g.end.iloc[:-1].values).all()
    again = build(corpus=corpus_of(BODIES), out=root, processes=1)
    assert all(c == 0 for c, _ in counts(again).values()) and again.computed_shards == 0
    assert "parse 0.0 s (0 computed, 5 cached)" in again.summary()


def test_new_edited_and_removed_articles(tmp_path):
    root = tmp_path / "st"
    build(corpus=corpus_of(BODIES[:3]), out=root, processes=1, stages=("terms",), learned=False)
    first = Store(root).table("quotes")
    grown = corpus_of(BODIES)  # a3, a4 are new
    report = build(corpus=grown, out=root, processes=1, stages=("terms",), learned=False)
    assert counts(report)["parse"] == (2, 3) and counts(report)["terms"] == (2, 3)
    st = Store(root)
    assert len(st.shards) == 2
    pd.testing.assert_frame_equal(st.table("quotes")[st.table("quotes").article_id.isin(["a0", "a1", "a2"])], first)
    edited = list(BODIES)
    edited[1] = "Nothing to quote now."
    report = build(corpus=Corpus([Article(id=f"a{i}", body=b) for i, b in enumerate(edited) if i != 2],
                                 skipped_frame([]), 4), out=root, processes=1, stages=("terms",), learned=False)
    assert counts(report)["parse"] == (1, 3)
    st = Store(root)
    assert sorted(st.bodies()) == ["a0", "a1", "a3", "a4"] and "a2" not in set(st.table("tokens").article_id)
    assert st.table("quotes").query("article_id == 'a1'").empty and st.bodies()["a1"] == edited[1]
    assert list(st.table("articles").article_id) == ["a0", "a1", "a3", "a4"]


def test_edited_lexicon_recomputes_only_terms(tmp_path):
    lex = tmp_path / "extra.csv"
    lex.write_text("term,match,category,notes,source\nland grab,phrase,euphemism,,test\n", encoding="utf-8")
    root = tmp_path / "st"
    build(corpus=corpus_of(BODIES), out=root, processes=1, lexicon_files=[lex])
    before = Store(root)
    scores_before, terms_before = before.table("scores"), before.table("terms")
    lex.write_text("term,match,category,notes,source\nquiet day,phrase,euphemism,,test\n", encoding="utf-8")
    report = build(corpus=corpus_of(BODIES), out=root, processes=1, lexicon_files=[lex])
    assert counts(report) == {"parse": (0, 5), "sentences": (0, 5), "voices": (0, 5), "vader": (0, 5), "minilm": (0, 5),
                              "actors": (0, 5), "frames": (0, 5), "tone": (0, 5), "terms": (5, 0)}
    after = Store(root)
    pd.testing.assert_frame_equal(after.table("scores"), scores_before)
    assert "quiet day" in set(after.table("terms").term) and "quiet day" not in set(terms_before.term)


def test_new_scorer_computes_only_its_column(tmp_path):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from analysis.minilm import base_model_path

    model_dir = tmp_path / "tiny"
    tok = BertTokenizerFast.from_pretrained(base_model_path())
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, num_labels=3, id2label={0: "negative", 1: "neutral", 2: "positive"},
                     label2id={"negative": 0, "neutral": 1, "positive": 2})
    import torch

    torch.manual_seed(0)
    BertForSequenceClassification(cfg).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    root = tmp_path / "st"
    build(corpus=corpus_of(BODIES), out=root, processes=1, stages=("vader",))
    before = Store(root).table("scores")
    report = build(corpus=corpus_of(BODIES), out=root, processes=1, stages=("vader",), transformer_model=str(model_dir))
    assert counts(report) == {"sentences": (0, 5), "vader": (0, 5), "transformer": (5, 0)}
    after = Store(root).table("scores")
    pd.testing.assert_series_equal(after.vader, before.vader)
    assert after.transformer.between(-1, 1).all() and after.transformer.notna().all()


def test_vectorised_token_tables_equal_token_by_token_reading():
    """token_tables reads one array per Doc; every cell equals reading the tokens one by one (t.lemma_, t.head.i, ...),
    including an empty article, an all-space one and entities across tokens."""
    from analysis.nlp import load_pipeline
    from analysis.stages import _token_tables_by_token, token_tables

    nlp = load_pipeline()
    from analysis.corpus import load_corpus

    texts = {"a": load_corpus(paths.ARTICLES).articles[0].body, "b": "", "c": "   ",
             "d": "The U.N. said: \"We're monitoring it.\" New York's mayor didn't agree.\n\nNASA's Artemis II flew."}
    docs = {k: nlp(v) for k, v in texts.items()}
    new, new_ents = token_tables(docs)
    old, old_ents = _token_tables_by_token(docs)
    assert list(new.columns) == list(SCHEMAS["tokens"].names) and len(new) == len(old) > 20
    for col in new.columns:
        assert new[col].tolist() == old[col].tolist(), col
    assert new_ents.equals(old_ents)
    assert token_tables({})[0].empty


def test_rebuilt_docs_give_the_same_voices(tmp_path):
    """A voices stage that reads the tokens table (no parse) writes what the freshly parsed run wrote."""
    root = tmp_path / "st"
    build(corpus=corpus_of(BODIES), out=root, processes=1, stages=("terms",), learned=False)
    st = Store(root)
    before = {t: st.content_hash(t) for t in ("quotes", "segments", "sentences", "terms", "mark_issues")}
    manifest = json.loads((root / "manifest.json").read_text())
    for shard in manifest["shards"].values():
        shard["stages"]["voices"] = "an older splitter"
    (root / "manifest.json").write_text(json.dumps(manifest))
    report = build(corpus=corpus_of(BODIES), out=root, processes=1, stages=("terms",), learned=False)
    assert counts(report)["parse"] == (0, 5) and counts(report)["voices"] == (5, 0) and counts(report)["terms"] == (5, 0)
    st = Store(root)
    assert {t: st.content_hash(t) for t in before} == before


def test_processes_and_dask_give_identical_tables(tmp_path):
    pytest.importorskip("distributed", reason='the dask extra is not installed (pip install -e ".[dask]")')
    big = corpus_of(BODIES * 4, prefix="x")
    kw = {"shard_articles": 4}
    one = build(corpus=big, out=tmp_path / "one", processes=1, **kw)
    two = build(corpus=big, out=tmp_path / "two", processes=2, **kw)
    dask = build(corpus=big, out=tmp_path / "dask", scheduler="local:2", **kw)
    assert one.shards == two.shards == dask.shards == 5
    stores = [Store(tmp_path / n) for n in ("one", "two", "dask")]
    from analysis.store import STAGES, DEFAULT_STAGES

    not_built = {s for s in STAGES if s not in DEFAULT_STAGES}  # optional stages (transformer)
    for table in [t for t in SCHEMAS if SCHEMAS[t].stage not in not_built]:
        hashes = {s.content_hash(table) for s in stores}
        assert len(hashes) == 1, table


def test_annotate_defaults_are_what_its_help_says():
    """Every registered stage but the transformer column (it needs --model) is a default, actors and frames
    included, and annotate --help lists exactly the defaults."""
    from analysis.cli import build_parser
    from analysis.store import DEFAULT_STAGES, STAGES

    assert set(STAGES) - set(DEFAULT_STAGES) == {"transformer"} and {"actors", "frames"} <= set(DEFAULT_STAGES)
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    stages_help = next(a.help for a in sub.choices["annotate"]._actions if a.dest == "stages")
    assert f"(default: {' '.join(DEFAULT_STAGES)};" in stages_help


def test_source_without_articles_names_what_it_found(tmp_path):
    (tmp_path / "notes.bin").write_bytes(b"hello")
    (tmp_path / "table.csv").write_text("headline,summary\nA,B\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        build(tmp_path, out=tmp_path / "st")
    assert "no text column" in str(err.value) and "(columns: headline, summary)" in str(err.value)
    (tmp_path / "table.csv").unlink()
    with pytest.raises(CorpusError, match=r"no articles found .*1 \.bin"):
        build(tmp_path, out=tmp_path / "st")


def run(*args, cwd=paths.ROOT):
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_annotate_summary_and_rerun(tmp_path):
    folder = tmp_path / "corpus"
    write_articles(corpus_of(BODIES[:2]).articles, folder)
    res = run("annotate", str(folder), "--out", str(tmp_path / "st"), "--processes", "1")
    assert res.returncode == 0, res.stderr
    lines = [l for l in res.stderr.splitlines() if l.startswith("annotate:")]
    assert len(lines) == 1 and res.stdout == ""
    assert res.stderr.startswith("read: 2 input(s): 2 article(s), 0 skipped")  # the import summary comes first
    for stage in ("actors", "frames", "tone"):  # the defaults are what --help and the README say, actors included
        assert f" {stage} " in lines[0], lines[0]
    assert lines[0].startswith("annotate: 2 articles, ") and "parse " in lines[0] and "(2 computed, 0 cached)" in lines[0]
    again = run("annotate", str(folder), "--out", str(tmp_path / "st"))
    line = [l for l in again.stderr.splitlines() if l.startswith("annotate:")][0]
    for stage in ("parse", "sentences", "voices", "vader", "minilm", "terms"):
        assert f"{stage} 0.0 s (0 computed, 2 cached)" in line, line
    assert pd.read_parquet(tmp_path / "st" / "quotes").article_id.nunique() == 2


def test_annotate_articles_is_temporary_and_complete():
    st = annotate_articles([Article(id="t", body="“Yes,” she said.")])
    assert st.path.exists() and st.has("terms") and st.table("quotes").speaker_mention.tolist() == ["she"]
