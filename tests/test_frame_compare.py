"""Frame comparisons by voice, group and speaker: shares are ratios of article sums, intervals from the
cluster bootstrap, the gap uses the same replicates for both voices."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import frame_compare, plots
from analysis.frames import DIMENSIONS, NONE
from analysis.stats import ClusterBootstrap


def corpus(n_articles=40, seed=3):
    rng = np.random.default_rng(seed)
    rows, arts = [], []
    for a in range(n_articles):
        aid = f"a{a:02d}"
        arts.append({"article_id": aid, "outlet": f"o{a % 4}", "year": "2019" if a < n_articles // 2 else "2020"})
        for u in range(10):
            voice = "quote" if u % 3 == 0 else "editorial"
            # quotes make 'political' salient far more often than the journalist does
            p_pol = 0.7 if voice == "quote" else 0.2
            frames = [d for d, p in (("political", p_pol), ("economic", 0.3)) if rng.random() < p]
            rows.append({"article_id": aid, "unit": u, "voice": voice, "speaker": ("Putin" if u % 2 else "Xi") if voice == "quote" else None,
                         "frames": frames, "primary": frames[0] if frames else NONE})
    arts = pd.DataFrame(arts)
    return pd.DataFrame(rows), arts, pd.Series(arts.year.to_numpy(), index=arts.article_id)


def test_shares_are_ratios_of_article_sums_with_intervals():
    frames, arts, groups = corpus()
    boot = ClusterBootstrap(arts, n_boot=400, seed=1)
    shares = frame_compare.frame_shares(frames, groups, boot)
    assert list(shares.columns) == frame_compare.SHARE_COLUMNS
    assert len(shares) == 2 * 2 * (len(DIMENSIONS) + 1)
    row = shares.set_index(["group", "voice", "frame"]).loc[("2019", "quote", "political")]
    sub = frames[(frames.voice == "quote") & frames.article_id.isin(arts.article_id[arts.year == "2019"])]
    assert row.n_units == len(sub) and row.n_framed == sum("political" in f for f in sub.frames)
    assert row.share == pytest.approx(row.n_framed / row.n_units)
    assert row.ci_low < row.share < row.ci_high
    none = shares.set_index(["group", "voice", "frame"]).loc[("2019", "quote", NONE)]
    assert none.n_framed == sum(len(f) == 0 for f in sub.frames)
    assert shares.loc[shares.frame == "morality", "share"].eq(0).all()


def test_gap_is_quoted_minus_editorial_and_detects_the_planted_difference():
    frames, arts, groups = corpus()
    gaps = frame_compare.frame_gaps(frames, groups, ClusterBootstrap(arts, n_boot=400, seed=1)).set_index(["group", "frame"])
    for g in ("2019", "2020"):
        pol = gaps.loc[(g, "political")]
        assert pol.gap == pytest.approx(pol.share_quote - pol.share_editorial)
        assert pol.ci_low > 0.2  # planted: 0.7 vs 0.2
        eco = gaps.loc[(g, "economic")]
        assert eco.ci_low < 0 < eco.ci_high  # planted: equal


def test_speakers_and_one_article():
    frames, arts, groups = corpus()
    boot = ClusterBootstrap(arts, n_boot=200, seed=1)
    sp = frame_compare.speaker_frames(frames, boot, names={"Putin": "Vladimir Putin"}, top=2)
    assert set(sp.speaker) == {"(editorial)", "Vladimir Putin", "Xi"}
    assert list(sp.columns) == frame_compare.SPEAKER_COLUMNS
    one = frame_compare.article_frames(frames, "a00")
    assert set(one.who) <= {"journalist", "Xi", "Putin"} and (one.share <= 1).all()
    with pytest.raises(KeyError):
        frame_compare.article_frames(frames, "nope")
    with pytest.raises(ValueError, match="not a frames table"):
        frame_compare.frame_shares(frames.drop(columns="frames"), groups, boot)


@pytest.mark.parametrize("n_groups", [1, 3, 12])
def test_frame_panels_stay_legible(n_groups, tmp_path):
    frames, arts, _ = corpus(n_articles=4 * n_groups)
    groups = pd.Series([f"group {i % n_groups}" for i in range(len(arts))], index=arts.article_id)
    shares = frame_compare.frame_shares(frames, groups, ClusterBootstrap(arts, n_boot=50, seed=1))
    fig = plots.frame_panels(shares, title="Frames by voice")
    written = plots.save_figure(fig, "frames", out_dir=tmp_path)
    from PIL import Image

    with Image.open(written["png"]) as im:
        w, h = im.size
    assert w <= 3000 and h <= 3000
