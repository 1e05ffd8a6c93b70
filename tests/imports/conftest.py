"""Imports tests: store-level ones run on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path)


@pytest.fixture
def second_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database of the same kind (round trips, chain comparisons)."""
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    other = tmp_path / "second"
    other.mkdir()
    yield from make_url(kind, other)
