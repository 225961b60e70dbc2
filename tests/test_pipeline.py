from __future__ import annotations

import pandas as pd
import pytest

from analysis import pipeline
from analysis.corpus import Article


ARTICLES = [
    Article(id=f"a{i}", body=f"“Statement number {i},” said Jane Smith{i}. The minister said that talks failed.")
    for i in range(5)
]


def test_cache_hit_skips_parsing(tmp_path, monkeypatch):
    first = pipeline.voice_tables(ARTICLES, cache=True, cache_dir=tmp_path, batch_size=2)
    assert len(list(tmp_path.glob("*.parquet"))) == 3 * len(ARTICLES)

    def boom(*a, **k):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(pipeline, "_process_batch", boom)
    second = pipeline.voice_tables(ARTICLES, cache=True, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(first.quotes, second.quotes)
    pd.testing.assert_frame_equal(first.segments, second.segments)


def test_changed_article_is_recomputed(tmp_path):
    pipeline.voice_tables(ARTICLES[:1], cache=True, cache_dir=tmp_path)
    changed = [Article(id="a0", body="“Different,” said Bob Lee.")]
    out = pipeline.voice_tables(changed, cache=True, cache_dir=tmp_path)
    assert out.quotes.speaker.tolist() == ["Bob Lee"]


def test_two_processes_give_identical_tables():
    one = pipeline.voice_tables(ARTICLES, cache=False, n_process=1, batch_size=2)
    two = pipeline.voice_tables(ARTICLES, cache=False, n_process=2, batch_size=2)
    pd.testing.assert_frame_equal(one.quotes, two.quotes)
    pd.testing.assert_frame_equal(one.segments, two.segments)
    assert one.quotes.article_id.tolist()[0] == "a0" and len(one.quotes) == 10


def test_code_version_is_stable():
    assert pipeline.code_version() == pipeline.code_version() and len(pipeline.code_version()) == 16


@pytest.mark.parametrize("n", [0])
def test_empty_corpus(n, tmp_path):
    out = pipeline.voice_tables([], cache=True, cache_dir=tmp_path)
    assert out.quotes.empty and out.segments.empty
