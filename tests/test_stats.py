from __future__ import annotations

from analysis.pipeline import voice_tables
from analysis.stats import kind_counts, speaker_summary, voice_shares


def test_seed_voice_shares_sum_to_one(seed):
    tables = voice_tables([seed], cache=False)
    shares = voice_shares(tables.segments, [seed])
    assert abs(shares.share.sum() - 1) < 1e-9
    assert set(shares.voice_kind) >= {"editorial", "editorial (scare)", "direct", "partial", "indirect", "embedded_post"}
    # the scare label's words are editorial
    assert shares.loc[shares.voice_kind == "editorial (scare)", "voice"].item() == "editorial"


def test_speaker_summary_counts_words_once(seed):
    tables = voice_tables([seed], cache=False)
    speakers = speaker_summary(tables.quotes, tables.segments, [seed]).set_index("speaker")
    assert speakers.loc["Vladimir Putin", "n_direct"] == 3 and speakers.loc["Vladimir Putin", "n_partial"] == 1
    assert speakers.loc["Wang Yi", "n_partial"] == 2 and speakers.loc["Wang Yi", "n_indirect"] == 1
    shares = voice_shares(tables.segments, [seed])
    quoted = shares.loc[shares.voice == "quote", "n_words"].sum()
    assert speakers.quoted_words.sum() == quoted
    kinds = kind_counts(tables.quotes).set_index("kind").n.to_dict()
    assert kinds == {"direct": 4, "embedded_post": 1, "indirect": 4, "partial": 3, "scare": 1}
