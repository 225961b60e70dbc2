"""Shared fixtures: the seed article, and access to ../shared/data for evaluations."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis import paths
from analysis.corpus import Article, load_corpus

SEED_ID = "000_98b569404c0edd86"


def shared_path(*parts: str) -> Path:
    """A path under the shared evaluation data; skip (or fail in CI) when it is absent."""
    path = paths.SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"shared evaluation data not found at {path} (set FRAMING_SHARED_DATA)"
        if os.environ.get("FRAMING_REQUIRE_SHARED") == "1":
            pytest.fail(message + "; FRAMING_REQUIRE_SHARED=1 requires it")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def seed() -> Article:
    return load_corpus().get(SEED_ID)


@pytest.fixture(scope="session")
def seed_split(seed):
    from analysis.quotes import split_voices

    return split_voices(seed)
