"""Shared fixtures: the seed article, its annotation store, and access to ../shared/data for evaluations.

The whole session writes interim data (annotation stores, exported models) to a temporary
folder (``FRAMING_INTERIM``), so tests never touch the repository's ``data/interim``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("FRAMING_INTERIM", tempfile.mkdtemp(prefix="framing-test-interim-"))
os.environ.setdefault("FRAMING_PROGRESS", "0")

import pytest  # noqa: E402

from analysis import paths  # noqa: E402
from analysis.corpus import Article, load_corpus  # noqa: E402

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


@pytest.fixture(scope="session")
def seed_store(seed):
    """The seed article annotated with every default stage (parse … terms), in a temporary store."""
    from analysis.store import annotate_articles

    return annotate_articles([seed])
