"""The drift check: exact where no learned model writes a cell, tolerances where one does, optional inputs
never drift, and a machine without an optional input never writes over a reference figure."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import drift, lexicon, paths, plots, provenance

RULE = drift.Rule("x", rows=("scorer", ("minilm",)))


def table(changes=None):
    frame = pd.DataFrame({"group": [f"{2019 + i // 2}" for i in range(40)],
                          "scorer": ["vader", "minilm"] * 20,
                          "n": list(range(40)),
                          "mean": [0.1 * i for i in range(40)]})
    for (row, col), value in (changes or {}).items():
        frame.loc[row, col] = value
    return frame


@pytest.mark.parametrize("changes, status", [
    ({}, "same"),
    ({(1, "mean"): 0.1 + 0.0015}, "within tolerance"),          # learned row, inside 0.002 + 0.1 %
    ({(1, "mean"): 0.1 + 0.01}, "within tolerance"),            # one learned cell of 40 beyond: 2.5 % <= 5 %
    ({(i, "mean"): 9.0 for i in (1, 3)}, "within tolerance"),   # 2 of 40 learned cells: 5 %
    ({(i, "mean"): 9.0 for i in (1, 3, 5)}, "drifted"),         # 3 of 40: 7.5 %
    ({(0, "mean"): 0.0 + 1e-9}, "drifted"),                     # a VADER (exact) cell moved at all
    ({(2, "n"): 3}, "drifted"),                                 # an exact count
])
def test_cells(changes, status):
    result = drift.compare_tables(table(), table(changes), name="x", rule=RULE)
    assert result.status == status, result
    if status == "drifted":
        assert result.differences and "→" in " ".join(result.differences)  # names the cell and both values


def test_a_drifted_cell_is_named_with_its_row_column_and_size():
    result = drift.compare_tables(table(), table({(2, "n"): 7}), name="x", rule=RULE)
    assert result.status == "drifted"
    assert any("2020 | vader · n: 2 → 7 (Δ 5)" in d for d in result.differences), result.differences


@pytest.mark.parametrize("drop, status", [
    ([1], "within tolerance"),       # one learned row (of 20) on one side only: 95 % agree
    ([1, 3], "drifted"),             # two: 90 %
    ([0], "drifted"),                # an exact row missing
])
def test_rows_on_one_side(drop, status):
    new = table().drop(index=drop).reset_index(drop=True)
    assert drift.compare_tables(table(), new, name="x", rule=RULE).status == status


def test_learned_text_columns_agree_by_rate():
    rule = drift.Rule("x", columns=("polarity",))
    ref = pd.DataFrame({"mention": list("abcdefghijklmnopqrst"), "polarity": ["negative"] * 20})
    one = ref.assign(polarity=["positive"] + ["negative"] * 19)
    three = ref.assign(polarity=["positive"] * 2 + ["negative"] * 18)  # 90 % agree < 95 %
    assert drift.compare_tables(ref, one, name="x", rule=rule).status == "within tolerance"
    assert drift.compare_tables(ref, three, name="x", rule=rule).status == "drifted"
    assert drift.compare_tables(ref, ref.assign(mention=list("abcdefghijklmnopqrsz")), name="x", rule=rule).status == "drifted"


def test_columns_and_figures_without_a_rule_are_exact():
    assert drift.compare_tables(table(), table().rename(columns={"n": "count"}), name="x").status == "drifted"
    assert drift.compare_tables(table(), table({(1, "mean"): 0.11}), name="no-rule-figure").status == "drifted"


def test_every_rule_names_a_committed_figure():
    committed = {p.stem for p in paths.FIGURES.glob("*.csv")}
    import fnmatch
    for r in drift.RULES:
        assert any(fnmatch.fnmatchcase(n, r.pattern) for n in committed), r.pattern
        assert r.why


def _write(folder, name, frame, record):
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n", float_format="%.6g")
    (folder / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")


def test_compare_figures_optional_inputs_and_missing(tmp_path):
    ref, new = tmp_path / "ref", tmp_path / "new"
    _write(ref, "07-portrayal", table(), {"parameters": {}, "optional_inputs": {"agency_power_lexicon": "sha256:1"}})
    _write(new, "07-portrayal", table({(0, "n"): 99}), {"parameters": {}, "optional_inputs": {"agency_power_lexicon": False}})
    _write(ref, "01-a", table(), {"parameters": {}})
    _write(new, "01-a", table(), {"parameters": {}})
    _write(ref, "02-validation", table(), {"parameters": {}})
    _write(new, "99-new", table(), {"parameters": {}})
    got = {c.name: c for c in drift.compare_figures(ref, new)}
    assert got["07-portrayal"].status == "not compared" and "absent here" in got["07-portrayal"].reason
    assert got["01-a"].status == "same"
    assert got["02-validation"].status == "not regenerated" and got["02-validation"].ok
    assert got["99-new"].status == "missing" and not got["99-new"].ok
    assert "99-new: missing" in drift.report(list(got.values()))


def test_a_machine_without_an_optional_input_never_writes_over_the_reference(tmp_path, monkeypatch, capsys):
    figures, build = tmp_path / "figures", tmp_path / "build"
    monkeypatch.setattr(paths, "FIGURES", figures)
    monkeypatch.setattr(paths, "BUILD", build)
    with_it = {"parameters": {}, "optional_inputs": {"agency_power_lexicon": "sha256:1"}}
    plots.save_table(table(), "07-portrayal", out_dir=figures, provenance=with_it)
    before = (figures / "07-portrayal.csv").read_bytes()
    without = {"parameters": {}, "optional_inputs": {"agency_power_lexicon": False}}
    plots.save_table(table({(0, "n"): 99}), "07-portrayal", out_dir=figures, provenance=without)
    assert (figures / "07-portrayal.csv").read_bytes() == before
    variant = build / "figures" / "variants" / "without-agency_power_lexicon" / "07-portrayal.csv"
    assert variant.exists() and variant.read_bytes() != before
    assert "the reference left as it is" in capsys.readouterr().out
    # the same inputs again: the reference is rewritten in place
    plots.save_table(table({(0, "n"): 98}), "07-portrayal", out_dir=figures, provenance=with_it)
    assert (figures / "07-portrayal.csv").read_bytes() != before
    # another folder than the reference is never redirected
    plots.save_table(table(), "07-portrayal", out_dir=tmp_path / "mine", provenance=without)
    assert (tmp_path / "mine" / "07-portrayal.csv").exists()


def test_provenance_keeps_the_optional_lexicon_out_of_every_figure(tmp_path):
    """With and without the GPL lexicon the actors stage has other versions (the store rebuilds when it
    appears), but every figure records the same store versions; the figures that read it record it."""
    from analysis.corpus import Article, Corpus, skipped_frame
    from analysis.store import Store, build

    corpus = Corpus(articles=[Article(id="a", body='Putin praised Xi. "We agree," Xi said.')], skipped=skipped_frame([]),
                    n_inputs=1)
    lexicon = tmp_path / "agency_power.csv"
    lexicon.write_text("verb,agency,power\npraise,agency_pos,power_agent\n", encoding="utf-8")
    stages = ("parse", "sentences", "voices", "actors")
    build(corpus=corpus, out=tmp_path / "with", stages=stages, processes=1, progress=False, agency_power=lexicon)
    build(corpus=corpus, out=tmp_path / "without", stages=stages, processes=1, progress=False,
          agency_power=tmp_path / "absent.csv")
    a, b = Store(tmp_path / "with").manifest, Store(tmp_path / "without").manifest
    assert a["built"]["actors"] != b["built"]["actors"]
    assert provenance._store_stages(a) == provenance._store_stages(b)
    rec = provenance.with_inputs({"parameters": {}}, "agency_power_lexicon")
    assert set(rec["optional_inputs"]) == {"agency_power_lexicon"}
    assert provenance.optional_inputs_of(rec) == {"agency_power_lexicon": paths.AGENCY_POWER.exists()}
    with pytest.raises(KeyError):
        provenance.with_inputs({}, "no such input")


@pytest.mark.parametrize("detector, family", [
    ("lexicon", "lexicon"), ("lexicon+minilm-loaded", "lexicon"), ("scare quote", "scare quote"),
    ("scare quote+minilm-loaded", "scare quote"), ("minilm-loaded", "learned"),
])
def test_detector_family_does_not_depend_on_the_learned_model(detector, family):
    # a scare-quoted label the learned detector confirms stays a scare quote (it used to move to the
    # lexicon family, so lexicon intervals moved between machines with equal counts)
    assert lexicon.detector_family(detector) == family


def test_missing_values_match_missing_values_only():
    ref = table({(1, "mean"): float("nan"), (0, "mean"): float("nan")})
    assert drift.compare_tables(ref, ref.copy(), name="x", rule=RULE).status == "same"
    assert drift.compare_tables(ref, table({(1, "mean"): float("nan")}), name="x", rule=RULE).status == "drifted"  # exact NaN -> 0


def test_count_lists_agree_by_occurrences():
    rule = drift.Rule("x", rows=("family", ("learned",)), weight="n")
    ref = pd.DataFrame({"family": ["learned"] * 4 + ["lexicon"], "term": ["a", "b", "c", "d", "e"], "n": [50, 30, 1, 1, 7]})
    rare_gone = ref[ref.term != "d"].reset_index(drop=True)   # a term seen once crosses the threshold: 81/82 agree
    assert drift.compare_tables(ref, rare_gone, name="x", rule=rule).status == "within tolerance"
    common_gone = ref[ref.term != "a"].reset_index(drop=True)  # the most frequent learned term vanishes: 32/82
    assert drift.compare_tables(ref, common_gone, name="x", rule=rule).status == "drifted"
    lexicon_gone = ref[ref.term != "e"].reset_index(drop=True)  # a lexicon row is exact
    assert drift.compare_tables(ref, lexicon_gone, name="x", rule=rule).status == "drifted"


def test_missing_key_cells_are_keys_too():
    """A key column with a missing value (a speaker-less row) still keys its row (pandas 3 keeps NaN in astype(str))."""
    ref = pd.DataFrame({"group": ["2019", None, "2020"], "speaker": [None, "Xi", "Putin"], "n": [1, 2, 3]})
    assert drift.compare_tables(ref, ref.copy(), name="x").status == "same"
    moved = ref.assign(n=[1, 2, 4])
    assert drift.compare_tables(ref, moved, name="x").status == "drifted"
