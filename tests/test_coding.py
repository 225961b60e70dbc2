"""Validation by hand coding: sheets out, coded sheets in, tool-vs-human scores and Krippendorff's alpha,
and the splitter measured on the hand-coded Wikinews gold (tests/gold/wikinews)."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis import coding, paths
from analysis.corpus import Article, load_corpus

GOLD = paths.GOLD / "wikinews"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def bodies(corpus):
    return {a.id: a.body for a in corpus}


def test_sample_is_seeded_and_in_corpus_order():
    ids = [f"a{i:03d}" for i in range(100)]
    a = coding.sample_articles(ids, 10, seed=3)
    assert a == coding.sample_articles(ids, 10, seed=3) and a == sorted(a) and len(set(a)) == 10
    assert a != coding.sample_articles(ids, 10, seed=4)
    with pytest.raises(ValueError, match="cannot sample 101 of 100"):
        coding.sample_articles(ids, 101)


def _seed_items(seed_store):
    return coding.store_items(seed_store)


def test_export_blank_and_shown(tmp_path, seed, seed_store):
    blank = coding.export_sheet([seed], tmp_path / "blank", seed=1)
    assert set(blank) == {"articles", "items", "guide", "xlsx"}
    assert pd.read_csv(blank["items"]).empty
    arts = pd.read_csv(blank["articles"])
    assert arts.text[0] == seed.body  # the body exactly as the tool reads it
    guide = blank["guide"].read_text()
    assert guide.startswith("kinds: direct, partial, indirect, title, label") and "## Speakers" in guide
    xl = pd.read_excel(blank["xlsx"], sheet_name=None)
    assert set(xl) == {"guide", "articles", "items"} and list(xl["items"].columns) == coding.ITEM_COLUMNS
    shown = coding.export_sheet([seed], tmp_path / "shown", shown=True, items=_seed_items(seed_store))
    rows = pd.read_csv(shown["items"])
    assert {"tool_kind", "tool_speaker"} <= set(rows.columns) and len(rows) > 5
    assert (rows.kind == rows.tool_kind).all()


def test_long_articles_split_over_xlsx_rows(tmp_path):
    body = ("A paragraph of news. " * 200 + "\n\n") * 20  # ~84,000 characters
    art = Article(id="long", body=body)
    files = coding.export_sheet([art], tmp_path)
    parts = pd.read_excel(files["xlsx"], sheet_name="articles")
    assert len(parts) >= 3 and (parts.text.str.len() <= coding.XLSX_CELL_CHARS).all()
    assert "".join(parts.sort_values("part").text) == body


def test_round_trip_shown_sheet_scores_itself_perfectly(tmp_path, seed, seed_store):
    items = _seed_items(seed_store)
    files = coding.export_sheet([seed], tmp_path, shown=True, items=items)
    back = coding.read_sheet(files["items"], {seed.id: seed.body})
    assert len(back) == len(items[items.kind.isin(coding.DEFAULT_KINDS)])
    scores = coding.compare(items, back).set_index("kind")
    assert (scores.loc[["direct", "partial", "indirect"], ["precision", "recall", "f1"]] == 1.0).all().all()
    assert scores.loc["direct", "speaker_accuracy"] == 1.0
    # a coder deletes one direct quote and corrects a speaker: recall and speaker accuracy say so
    coded = pd.read_csv(files["items"], dtype=object, keep_default_na=False)
    direct = coded.index[coded.kind == "direct"]
    coded = coded.drop(index=direct[0])
    coded.loc[direct[1], "speaker"] = "Somebody Else"
    coded.to_csv(tmp_path / "coded.csv", index=False)
    back = coding.read_sheet(tmp_path / "coded.csv", {seed.id: seed.body})
    s = coding.compare(items, back).set_index("kind")
    n = int(s.loc["direct", "n_human"])
    assert s.loc["direct", "recall"] == 1.0 and s.loc["direct", "precision"] == pytest.approx(n / (n + 1))
    assert s.loc["direct", "speaker_accuracy"] == pytest.approx((n - 1) / n)
    # the same sheet as XLSX reads back the same
    with pd.ExcelWriter(tmp_path / "coded.xlsx") as xl:
        coded.to_excel(xl, sheet_name="items", index=False)
    assert coding.read_sheet(tmp_path / "coded.xlsx", {seed.id: seed.body}).drop(columns="row").equals(back.drop(columns="row"))


@pytest.mark.parametrize("row, message", [
    ({"article_id": "nope", "kind": "direct", "text": "x"}, "row 2: unknown article_id 'nope'"),
    ({"article_id": "A", "kind": "quote", "text": "x"}, "row 2: unknown kind 'quote'"),
    ({"article_id": "A", "kind": "direct", "text": "not in the text"}, "row 2: text not found in article A"),
    ({"article_id": "A", "kind": "label", "text": "Hello", "speaker": "Ana"}, "row 2: a label has no speaker"),
    ({"article_id": "A", "kind": "direct", "text": "Hello", "occurrence": "two"}, "row 2: occurrence must be"),
    ({"article_id": "A", "kind": "direct", "text": "Hello", "occurrence": "3"}, "row 2: text not found in article A .occurrence 3."),
])
def test_read_sheet_errors_name_the_row(tmp_path, row, message):
    p = tmp_path / "items.csv"
    pd.DataFrame([row]).to_csv(p, index=False)
    with pytest.raises(coding.SheetError, match=message):
        coding.read_sheet(p, {"A": "“Hello,” said Ana. “Hello again.”"})


def test_locate_tolerates_marks_and_spaces():
    body = "He said “we will\n  stay” and left. We will stay."
    assert coding.locate(body, 'we will stay"') == (9, 24)
    assert coding.locate(body, "We will stay", 1) == (35, 47)
    assert coding.locate(body, "We will stay", 2) is None


def test_alpha_between_coders():
    bodies = {"A": "One two three four five six seven eight nine ten."}
    a = pd.DataFrame({"article_id": ["A"], "kind": ["direct"], "start": [4], "end": [13], "text": ["two three"], "speaker": [None]})
    same = coding.agreement([a, a.copy()], bodies).set_index("kind")
    assert same.loc["direct", "alpha"] == pytest.approx(1.0)
    b = a.assign(start=[18], end=[27])
    diff = coding.agreement([a, b], bodies).set_index("kind")
    assert diff.loc["direct", "alpha"] < 0.2
    import krippendorff
    import numpy as np

    # the same figure as the package on the character matrix built by hand
    mask = np.array([not c.isspace() for c in bodies["A"]])
    va, vb = np.zeros(len(bodies["A"])), np.zeros(len(bodies["A"]))
    va[4:13], vb[18:27] = 1, 1
    ref = krippendorff.alpha(reliability_data=np.vstack([va[mask], vb[mask]]), level_of_measurement="nominal")
    assert diff.loc["direct", "alpha"] == pytest.approx(ref)


def test_cli_coding_sheet_and_validation(tmp_path, capsys):
    from analysis.cli import main

    folder = tmp_path / "corpus"
    folder.mkdir()
    for i, text in enumerate(["“We will stay,” said Ana Ruiz. Officials said the bridge was safe.",
                              "Tom Brandt warned that prices would rise. “It is bad,” he said."]):
        (folder / f"a{i}.md").write_text(f"---\nid: a{i}\ntitle: T{i}\ndate: 2020-01-0{i + 1}\nlanguage: en\n---\n{text}\n")
    store = tmp_path / "store"
    assert main([f"coding-sheet", str(folder), "--store", str(store), "--out", str(tmp_path / "sheet"), "--n", "2",
                 "--shown", "--processes", "1"]) == 0
    items = pd.read_csv(tmp_path / "sheet" / "items.csv", dtype=object, keep_default_na=False)
    assert {"direct", "indirect"} <= set(items.kind)
    items.to_csv(tmp_path / "coder1.csv", index=False)
    items.iloc[:-1].to_csv(tmp_path / "coder2.csv", index=False)
    capsys.readouterr()
    assert main(["validate-coding", str(folder), "--store", str(store), "--coder", str(tmp_path / "coder1.csv"),
                 str(tmp_path / "coder2.csv"), "--processes", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("coder,kind,n_human,n_tool,tp,precision,recall,f1") and "alpha" in out


# ----------------------------------------------------------------------------- the Wikinews gold


@pytest.fixture(scope="module")
def gold(bodies):
    return coding.read_sheet(GOLD / "coder1.csv", bodies)


def test_gold_is_thirty_wikinews_articles_double_coded(gold, bodies):
    assert gold.article_id.nunique() == 30 and gold.article_id.str.startswith("wn-").all()
    second = coding.read_sheet(GOLD / "coder2.csv", bodies)
    assert second.article_id.nunique() == 10 and set(second.article_id) <= set(gold.article_id)
    alpha = coding.agreement([gold[gold.article_id.isin(set(second.article_id))], second], bodies).set_index("kind")
    assert alpha.loc["any", "alpha"] > 0.8  # the guide is usable: two coders agree


def test_splitter_on_the_wikinews_gold(gold, corpus):
    """The splitter against the hand-coded gold (the development set: issue 10's goals)."""
    from analysis.quotes import quotes_frame, split_voices

    quotes = []
    for aid in dict.fromkeys(gold.article_id):
        quotes.extend(split_voices(corpus.get(aid)).quotes)
    s = coding.compare(coding.tool_items(quotes_frame(quotes)), gold).set_index("kind")
    assert s.loc["direct", "f1"] >= 0.95
    assert s.loc["indirect", "recall"] >= 0.80
    assert s.loc["direct", "speaker_accuracy"] >= 0.95


def test_every_bad_row_is_reported_at_once(tmp_path):
    p = tmp_path / "items.csv"
    pd.DataFrame([{"article_id": "A", "kind": "direct", "text": "Hello"},
                  {"article_id": "A", "kind": "direct", "text": "missing one"},
                  {"article_id": "B", "kind": "direct", "text": "x"},
                  {"article_id": "A", "kind": "quote", "text": "Hello"}]).to_csv(p, index=False)
    with pytest.raises(coding.SheetError) as err:
        coding.read_sheet(p, {"A": "“Hello,” said Ana."})
    msg = str(err.value)
    assert "row 3: text not found" in msg and "row 4: unknown article_id 'B'" in msg and "row 5: unknown kind 'quote'" in msg


def test_an_article_coded_as_empty_counts_against_the_tool(tmp_path):
    bodies = {"A": "“Hello,” said Ana.", "B": "“Bye,” said Tom."}
    tool = pd.DataFrame({"article_id": ["A", "B"], "kind": ["direct", "direct"], "start": [1, 1], "end": [7, 5],
                         "text": ["Hello,", "Bye,"], "speaker": ["Ana", "Tom"]})
    p = tmp_path / "items.csv"
    pd.DataFrame([{"article_id": "A", "kind": "direct", "text": "Hello,", "speaker": "Ana"}]).to_csv(p, index=False)
    only_a = coding.compare(tool, coding.read_sheet(p, bodies)).set_index("kind")
    assert only_a.loc["direct", "precision"] == 1.0  # B was not coded: left out
    pd.DataFrame([{"article_id": "A", "kind": "direct", "text": "Hello,", "speaker": "Ana"},
                  {"article_id": "B", "kind": "none", "text": ""}]).to_csv(p, index=False)
    both = coding.compare(tool, coding.read_sheet(p, bodies)).set_index("kind")
    assert both.loc["direct", "precision"] == 0.5 and both.loc["direct", "recall"] == 1.0


def test_cue_and_source_are_read_as_spans_nearest_the_item(tmp_path):
    body = "The minister spoke first. “No ward will close,” the minister told staff. Then he said the rest would wait."
    p = tmp_path / "coded.csv"
    pd.DataFrame([
        {"article_id": "A", "kind": "direct", "text": "No ward will close,", "speaker": "Lena Vossberg", "cue": "told",
         "source": "the minister"},
        {"article_id": "A", "kind": "indirect", "text": "the rest would wait", "speaker": "Lena Vossberg", "cue": "said",
         "source": "he"},
        {"article_id": "A", "kind": "label", "text": "ward"},
    ]).to_csv(p, index=False)
    items = coding.read_sheet(p, {"A": body})
    d, i = items.iloc[0], items.iloc[1]
    assert body[d.cue_start:d.cue_end] == "told" and body[d.source_start:d.source_end] == "the minister"
    assert d.source_start == body.index("the minister told")  # the nearer of two mentions
    assert body[i.source_start:i.source_end] == "he" and i.source_start == body.index(" he said") + 1  # not "the"
    assert items.cue_start.isna().iloc[2] and str(items.cue_start.dtype) == "Int64"


@pytest.mark.parametrize("row, message", [
    ({"kind": "direct", "text": "No ward will close,", "cue": "shouted"}, "cue 'shouted' not found"),
    ({"kind": "direct", "text": "No ward will close,", "source": "the mayor"}, "source 'the mayor' not found"),
    ({"kind": "label", "text": "ward", "cue": "told"}, "a label has no cue or source"),
])
def test_bad_cue_or_source_names_the_row(tmp_path, row, message):
    p = tmp_path / "coded.csv"
    pd.DataFrame([{"article_id": "A", **row}]).to_csv(p, index=False)
    with pytest.raises(coding.SheetError, match=f"row 2: {message}"):
        coding.read_sheet(p, {"A": "“No ward will close,” the minister told staff. A ward."})


def test_sheets_without_cue_columns_still_read(tmp_path):
    p = tmp_path / "old.csv"
    pd.DataFrame([{"article_id": "A", "kind": "direct", "text": "Hello,", "speaker": "Ana"}]).to_csv(p, index=False)
    items = coding.read_sheet(p, {"A": "“Hello,” said Ana."})
    assert items.cue_start.isna().all() and items.source_end.isna().all() and items.iloc[0].start == 1


def test_draw_round_splits_by_article_before_coding():
    ids = [f"a{i:03d}" for i in range(100)]
    sizes = {a: (i * 37) % 500 + 10 for i, a in enumerate(ids)}
    r = coding.draw_round(ids, exclude=ids[:10], n=50, seed=3, batches=4, sizes=sizes)
    again = coding.draw_round(ids, exclude=ids[:10], n=50, seed=3, batches=4, sizes=sizes)
    assert r.equals(again) and not r.equals(coding.draw_round(ids, exclude=ids[:10], n=50, seed=4, batches=4, sizes=sizes))
    assert not set(r.article_id) & set(ids[:10]) and r.article_id.is_unique and list(r.article_id) == sorted(r.article_id)
    assert r.split.value_counts().to_dict() == {"train": 30, "dev": 10, "test": 10}
    assert r.groupby("split").double_coded.sum().to_dict() == {"dev": 2, "test": 2, "train": 6}
    load = r.assign(w=r.article_id.map(sizes)).groupby("batch").w.sum()
    assert set(load.index) == {1, 2, 3, 4} and load.max() - load.min() <= max(sizes.values())
    with pytest.raises(ValueError, match="50 articles asked for, 40 not yet coded"):
        coding.draw_round(ids, exclude=ids[:60], n=50, seed=3)
