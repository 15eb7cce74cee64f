"""Fixtures for the benchmark data tests: the shared statutes."""
from __future__ import annotations

import pytest

from knowledge.statutes import load_corpus


@pytest.fixture(scope="session")
def corpus(laws_dir):
    return load_corpus(laws_dir)
