from __future__ import annotations

from analysis.stats import kind_counts, speaker_summary, voice_shares


def test_seed_voice_shares_sum_to_one(seed_store):
    shares = voice_shares(seed_store.table("segments"), seed_store.bodies())
    assert abs(shares.share.sum() - 1) < 1e-9
    assert set(shares.voice_kind) >= {"editorial", "editorial (scare)", "direct", "partial", "indirect", "embedded_post"}
    # the scare label's words are editorial
    assert shares.loc[shares.voice_kind == "editorial (scare)", "voice"].item() == "editorial"


def test_speaker_summary_counts_words_once(seed_store):
    quotes, segments, bodies = seed_store.table("quotes"), seed_store.table("segments"), seed_store.bodies()
    speakers = speaker_summary(quotes, segments, bodies).set_index("speaker")
    assert speakers.loc["Vladimir Putin", "n_direct"] == 3 and speakers.loc["Vladimir Putin", "n_partial"] == 1
    assert speakers.loc["Wang Yi", "n_partial"] == 2 and speakers.loc["Wang Yi", "n_indirect"] == 1
    shares = voice_shares(segments, bodies)
    quoted = shares.loc[shares.voice == "quote", "n_words"].sum()
    assert speakers.quoted_words.sum() == quoted
    kinds = kind_counts(quotes).set_index("kind").n.to_dict()
    assert kinds == {"direct": 4, "embedded_post": 1, "indirect": 4, "partial": 3, "scare": 1}


# ----------------------------------------------------------------------------- bootstrap and agreement

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.stats import agreement, bootstrap_diff_ci, bootstrap_mean_ci, corpus_voice_means, voice_means  # noqa: E402


def test_bootstrap_interval_covers_mean_and_is_seeded():
    rng = np.random.default_rng(1)
    x = rng.normal(0.3, 0.2, size=200)
    m, lo, hi = bootstrap_mean_ci(x)
    assert lo < m < hi and m == pytest.approx(x.mean())
    # close to the normal-theory interval
    se = x.std(ddof=1) / np.sqrt(len(x))
    assert hi - lo == pytest.approx(2 * 1.96 * se, rel=0.15)
    assert bootstrap_mean_ci(x) == (m, lo, hi)
    assert np.isnan(bootstrap_mean_ci([0.5])[1]) and np.isnan(bootstrap_mean_ci([])[0])


def test_bootstrap_difference_detects_a_shift():
    a = np.full(50, 0.5) + np.linspace(-0.05, 0.05, 50)
    b = np.full(60, -0.2) + np.linspace(-0.05, 0.05, 60)
    d, lo, hi = bootstrap_diff_ci(a, b)
    assert d == pytest.approx(0.7) and lo > 0.6 and hi < 0.8


def test_voice_means_and_cluster_bootstrap():
    sents = pd.DataFrame({
        "article_id": ["a"] * 4 + ["b"] * 4,
        "voice": ["quote", "quote", "editorial", "editorial"] * 2,
        "s": [0.5, 0.7, -0.1, -0.3, 0.1, 0.3, -0.5, -0.7],
    })
    vm = voice_means(sents, "s").set_index(["article_id", "voice"])
    assert vm.loc[("a", "quote"), "mean"] == pytest.approx(0.6) and vm.loc[("b", "editorial"), "n_sentences"] == 2
    cm = corpus_voice_means(sents, "s", n_boot=500).set_index("voice")
    assert cm.loc["quote", "mean"] == pytest.approx(0.4) and cm.loc["quote", "ci_low"] <= 0.4 <= cm.loc["quote", "ci_high"]
    assert cm.loc["editorial", "n_articles"] == 2


def test_agreement_statistics():
    a = np.array([-0.9, -0.5, 0.0, 0.02, 0.4, 0.8])
    st = agreement(a, a * 0.5, band_a=0.05, band_b=0.025)
    assert st["pearson"] == pytest.approx(1.0) and st["spearman"] == pytest.approx(1.0) and st["kappa"] == pytest.approx(1.0)
    st = agreement(a, -a, band_a=0.05, band_b=0.05)
    assert st["pearson"] == pytest.approx(-1.0) and st["kappa"] <= 0
