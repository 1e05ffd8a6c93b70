"""Placements & QR pages of the dashboard: SQLite and, with TEST_DATABASE_URL, PostgreSQL.

Reuses the admin fixtures (staff users, signed-in client, CSRF off unless a test turns it on)
and the placements helpers (scans through /l/<code>, attributed chats, opt-ins).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.admin.conftest import boss, csrf_app, staff  # noqa: F401 - fixtures shared with tests/admin
from tests.conftest import make_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": False}
