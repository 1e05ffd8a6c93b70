"""The gateway's clock: aware UTC now. Services take a clock, so tests can set the time."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
