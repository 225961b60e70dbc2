"""Groups (metadata columns, time bins), the cluster bootstrap, models of nested data, speakers across articles."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.groups import OTHERS, article_groups, cap_groups, default_group_by, group_sizes, ordered_groups
from analysis.speakers import corpus_speaker_names
from analysis.stats import ClusterBootstrap, gap_model, group_sentiment_gap, group_voice_means

ARTICLES = pd.DataFrame({
    "article_id": ["a", "b", "c", "d", "e"],
    "outlet": ["X", "X", "Y", None, "Y"],
    "date": [pd.Timestamp("2019-01-05"), pd.Timestamp("2019-04-01"), pd.Timestamp("2020-12-31"), pd.NaT, pd.Timestamp("2020-02-02")],
    "bias_text": ["left", "left", "right", None, "right"],
})


def test_time_bins_and_metadata_columns():
    assert article_groups(ARTICLES, "year").tolist() == ["2019", "2019", "2020", "(no date)", "2020"]
    assert article_groups(ARTICLES, "quarter").tolist() == ["2019-Q1", "2019-Q2", "2020-Q4", "(no date)", "2020-Q1"]
    assert article_groups(ARTICLES, "month").tolist()[:3] == ["2019-01", "2019-04", "2020-12"]
    side = article_groups(ARTICLES, "bias_text")
    assert side.name == "bias_text" and side.tolist() == ["left", "left", "right", "(unknown)", "right"]
    assert list(side.index) == ["a", "b", "c", "d", "e"]
    assert default_group_by(ARTICLES) == "outlet" and default_group_by(ARTICLES.assign(outlet="X")) == "year"
    with pytest.raises(ValueError, match="cannot group by 'colour'.*bias_text"):
        article_groups(ARTICLES, "colour")


def test_sizes_order_and_caps():
    g = pd.Series(["b"] * 6 + ["a"] * 6 + ["c"] * 2 + [f"z{i}" for i in range(10)], name="outlet")
    sizes = group_sizes(g)
    assert sizes.group.tolist()[:3] == ["a", "b", "c"] and sizes.set_index("group").small.to_dict()["c"]
    capped = cap_groups(g, top=3)
    assert set(capped) == {"a", "b", "c", OTHERS} and ordered_groups(capped)[-1] == OTHERS
    years = pd.Series(["2020", "2019", "(no date)", "2021"], name="year")
    assert ordered_groups(years) == ["2019", "2020", "2021", "(no date)"] and cap_groups(years, top=1).equals(years)


def test_cluster_bootstrap_resamples_outlets_then_articles():
    arts = pd.DataFrame({"article_id": [f"a{i}" for i in range(40)], "outlet": [f"o{i // 4}" for i in range(40)]})
    boot = ClusterBootstrap(arts, n_boot=300, seed=1)
    assert boot.outlets_resampled and boot.weights.shape == (300, 40)
    assert (boot.weights.sum(axis=1) == 40).all()  # 10 outlets of 4 articles drawn: always 40 articles in all
    per_outlet = boot.weights.reshape(300, 10, 4).sum(axis=2)
    assert set(np.unique(per_outlet)) <= {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40} and (per_outlet == 0).any()
    few = ClusterBootstrap(arts.assign(outlet=["p", "q"] * 20), n_boot=200, seed=1)
    assert not few.outlets_resampled and (few.weights[:, ::2].sum(axis=1) == 20).all()  # strata kept whole
    again = ClusterBootstrap(arts, n_boot=300, seed=1)
    assert (again.weights == boot.weights).all()


def test_clustered_interval_is_wider_than_sentences_as_independent():
    rng = np.random.default_rng(0)
    rows = []
    for a in range(30):
        level = rng.normal(0, 0.4)  # articles differ: sentences within one are alike
        for s in range(20):
            rows.append({"article_id": f"a{a}", "voice": "editorial", "s": level + rng.normal(0, 0.05)})
    sents = pd.DataFrame(rows)
    arts = pd.DataFrame({"article_id": [f"a{a}" for a in range(30)], "outlet": "X"})
    boot = ClusterBootstrap(arts, n_boot=1000, seed=3)
    groups = pd.Series("all", index=arts.article_id, name="g")
    m = group_voice_means(sents, "s", groups, boot).iloc[0]
    naive_half_width = 1.96 * sents.s.std() / np.sqrt(len(sents))
    assert m["mean"] == pytest.approx(sents.s.mean()) and (m.ci_high - m.ci_low) / 2 > 3 * naive_half_width
    assert m.n_units == 600 and m.n_articles == 30 and m.level == "sentence"


def test_sentiment_gap_and_model():
    rng = np.random.default_rng(5)
    rows = []
    arts = []
    for a in range(60):
        group = "left" if a < 30 else "right"
        arts.append({"article_id": f"a{a}", "outlet": f"o{a % 12}", "group": group})
        shift = 0.3 if group == "left" else 0.0
        for s in range(6):
            rows.append({"article_id": f"a{a}", "voice": "quote", "s": shift + rng.normal(0, 0.1)})
            rows.append({"article_id": f"a{a}", "voice": "editorial", "s": rng.normal(0, 0.1)})
    sents, arts = pd.DataFrame(rows), pd.DataFrame(arts)
    groups = pd.Series(arts.group.to_numpy(), index=arts.article_id, name="side")
    boot = ClusterBootstrap(arts, n_boot=500, seed=2)
    gap = group_sentiment_gap(sents, "s", groups, boot).set_index("group")
    assert gap.loc["left", "ci_low"] > 0.2 and gap.loc["right", "ci_low"] < 0 < gap.loc["right", "ci_high"]
    model = gap_model(sents, "s", groups, arts).set_index("group")
    assert model.loc["left", "model"].startswith("MixedLM") and model.loc["left", "ci_low"] > 0.2
    assert model.loc["right", "p_value"] > 0.01 and model.loc["left", "n_articles"] == 30


def test_gap_model_with_one_outlet_reports_a_real_error_and_none_for_one_article():
    rng = np.random.default_rng(7)
    rows, arts = [], []
    for a in range(41):
        group = "2019" if a < 20 else ("2020" if a < 40 else "2022")
        arts.append({"article_id": f"a{a}", "outlet": "Wikinews", "group": group})
        for s in range(4):
            rows.append({"article_id": f"a{a}", "voice": "quote", "s": 0.1 + rng.normal(0, 0.2)})
            rows.append({"article_id": f"a{a}", "voice": "editorial", "s": rng.normal(0, 0.2)})
    sents, arts = pd.DataFrame(rows), pd.DataFrame(arts)
    groups = pd.Series(arts.group.to_numpy(), index=arts.article_id)
    model = gap_model(sents, "s", groups, arts).set_index("group")
    # one outlet: a cluster-robust SE would be 0 up to rounding; articles carry the error instead
    assert model.loc["2019", "model"].startswith("OLS, HC1") and 0.02 < model.loc["2019", "se"] < 0.2
    assert model.loc["2019", "ci_low"] < model.loc["2019", "gap"] < model.loc["2019", "ci_high"]
    one = model.loc["2022"]
    assert one.n_articles == 1 and np.isfinite(one.gap) and np.isnan(one.se) and np.isnan(one.p_value) and np.isnan(one.ci_low)


def test_speakers_unified_across_articles():
    pairs = pd.DataFrame({"speaker": ["Xi", "Xi Jinping", "President Xi Jinping", "Putin", "Vladimir Putin", "Biden",
                                      "Joe Biden", "Hunter Biden", "critics", "Critics"],
                          "n": [3, 10, 2, 4, 20, 5, 50, 3, 2, 1]})
    names = dict(corpus_speaker_names(pairs).values)
    assert names["Xi"] == names["President Xi Jinping"] == "Xi Jinping"
    assert names["Putin"] == "Vladimir Putin" and names["Biden"] == "Joe Biden" and names["Hunter Biden"] == "Hunter Biden"
    assert names["Critics"] == names["critics"] == "critics"
    even = pd.DataFrame({"speaker": ["Biden", "Joe Biden", "Hunter Biden"], "n": [5, 10, 10]})
    assert dict(corpus_speaker_names(even).values)["Biden"] == "Biden"  # ambiguous: left alone
    variants = pd.DataFrame({"speaker": ["Donald Trump", "Donald J. Trump", "Trump Donald", "Trump", "Ivanka Trump",
                                         "George H. W. Bush", "George W. Bush", "George Bush"],
                             "n": [40, 6, 2, 30, 4, 3, 5, 2]})
    names = dict(corpus_speaker_names(variants).values)
    assert names["Donald J. Trump"] == names["Trump Donald"] == names["Trump"] == "Donald Trump"
    assert names["Ivanka Trump"] == "Ivanka Trump"
    assert len({names["George H. W. Bush"], names["George W. Bush"]}) == 2  # two initialled forms: two people
    fuller = pd.DataFrame({"speaker": ["Hillary Clinton", "Hillary Rodham Clinton", "Clinton", "Bill Clinton",
                                       "Lindsey Graham", "Lindsey Graham Lindsey Olin"], "n": [60, 12, 50, 8, 40, 3]})
    names = dict(corpus_speaker_names(fuller).values)
    assert names["Clinton"] == names["Hillary Clinton"] == "Hillary Clinton" and names["Bill Clinton"] == "Bill Clinton"
    assert names["Lindsey Graham"] == "Lindsey Graham"  # not absorbed by a rarer, longer (garbled) name
