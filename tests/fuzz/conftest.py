"""Fuzzing runs on PostgreSQL when TEST_DATABASE_URL is set (the stricter store: it refuses
NUL bytes and over-long values SQLite would keep), else on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_URL, make_url


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield from make_url("postgresql" if PG_URL else "sqlite", tmp_path)
