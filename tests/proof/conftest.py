"""Proof tests run on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL; with a ledger key."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import inspect, text

from tests.conftest import make_url

# A fixed test key (never used outside tests): base64 of 32 raw bytes.
SIGNING_KEY = base64.b64encode(hashlib.sha256(b"optin-gateway test ledger key").digest()).decode()
OTHER_KEY = base64.b64encode(hashlib.sha256(b"somebody else's key").digest()).decode()

PHONE = "+819012345678"
NATIONAL = "090-1234-5678"

# One opt-in per channel that exists in this branch (JSON API with a channel parameter).
CHANNEL_CAPTURES: dict[str, dict[str, Any]] = {
    "api": {"topics": ["offers"], "evidence": {"crm_id": "C-77"}},
    "checkout": {"topics": ["order_updates"], "channel": "checkout",
                 "evidence": {"order_id": "A-1001", "pre_ticked": False}},
    "web_form": {"topics": ["newsletter"], "channel": "web_form", "method": "checkbox",
                 "evidence": {"page_url": "https://sakura.example/join", "ip": "203.0.113.7",
                              "user_agent": "Mozilla/5.0", "pre_ticked": False}},
    "paper": {"topics": ["product_recommendations"], "channel": "paper", "method": "signature",
              "evidence": {"form_ref": "PAPER-2026-0042", "staff": "tanaka",
                           "store": "Shibuya"}},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "LEDGER_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_ALLOW_PRIVATE": "1"}


def opt_in(client: FlaskClient, auth: dict[str, str], channel: str = "api",
           phone: str = PHONE, **extra: Any) -> dict[str, Any]:
    """Record one opt-in through the API as ``channel`` would; the event JSON."""
    body = {"phone": phone, **CHANNEL_CAPTURES[channel], **extra}
    res = client.post("/api/v1/consents", json=body, headers=auth)
    assert res.status_code in (200, 201), res.get_json()
    return dict(res.get_json())


def dump_text(gw: Any) -> str:
    """Every row of every table as text: iterdump on SQLite, row casts on PostgreSQL."""
    if gw.db.dialect == "sqlite":
        import sqlite3

        path = gw.db.url.split("///", 1)[1]
        conn = sqlite3.connect(path)
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()
    lines = []
    with gw.db.writing() as s:
        for table in inspect(s.connection()).get_table_names():
            lines += [str(row[0]) for row in s.execute(text(f'SELECT t::text FROM "{table}" t'))]
    return "\n".join(lines)


def break_append_only(gw: Any) -> None:
    """Disable the ledger's UPDATE/DELETE triggers, as an attacker with DB access would."""
    with gw.db.writing() as s:
        if gw.db.dialect == "postgresql":
            s.execute(text("ALTER TABLE consent_events DISABLE TRIGGER consent_events_no_change"))
        else:
            s.execute(text("DROP TRIGGER consent_events_no_update"))
            s.execute(text("DROP TRIGGER consent_events_no_delete"))
