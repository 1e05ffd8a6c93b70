"""The demo data: every channel, realistic evidence, one clear outlier, idempotent; and the
README's demo command followed by a first sign-in."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gateway.admin import stats
from gateway.admin.demo_data import seed_demo
from gateway.core.consent import Business

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)  # "yesterday", any hour
CHANNELS = {"web_form", "widget", "checkout", "sms", "ivr", "whatsapp", "qr", "link", "ad",
            "paper", "api"}


def test_seed_demo_covers_every_channel_with_an_outlier(gw: Any, business: Business) -> None:
    created = seed_demo(gw, business, now=NOW)
    assert created["opt_ins"] == 430 and 15 <= created["opt_outs"] <= 60
    events = gw.admin_store.events_since(business, NOW - timedelta(days=31))
    assert len(events) == created["opt_ins"] + created["opt_outs"]
    opt_ins = [e for e in events if e.action == "opt_in"]
    assert {e.channel for e in opt_ins} == CHANNELS
    assert all(NOW - timedelta(days=31) <= e.occurred_at < NOW for e in events)
    days = Counter(e.occurred_at.date() for e in opt_ins)
    assert len(days) >= 28  # spread over the month
    # the evidence each channel records
    shapes = {e.channel: set(e.evidence) for e in opt_ins}
    assert {"MessageSid", "Body"} <= shapes["sms"] and {"CallSid", "Digits"} <= shapes["ivr"]
    assert {"placement_code", "placement_kind", "scanned_at"} <= shapes["qr"]
    assert {"placement_code", "clicked_at", "referral"} <= shapes["ad"]
    assert {"form_ref", "staff"} <= shapes["paper"] and "order_id" in shapes["checkout"]
    assert {"submission_id", "page_url", "user_agent"} <= shapes["web_form"]
    # R10: the autumn ad, its placement and its wording stand out; nothing else does
    flagged = {kind: [g.key for g in stats.opt_out_rates(
        events, fn, start=NOW - timedelta(days=30), end=NOW).flagged]
        for kind, fn in stats.GROUPINGS.items()}
    assert flagged == {"channel": ["ad"], "placement": ["AUTM6H2W"],
                       "wording": ["demo-whatsapp-ja-v2"]}
    # rerun: nothing new, even on another day
    assert seed_demo(gw, business, now=NOW + timedelta(hours=23)) == {
        "opt_ins": 0, "opt_outs": 0}
    assert gw.store.count_events(business.id) == len(events)
    assert [w.version for w in gw.store.list_wordings(business.id)
            if (w.kind, w.language) == ("whatsapp", "ja")] == [1, 2, 3]
    assert gw.store.verify("demo").ok


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: Any) -> Path:
    """A clean environment like a new user's: only the instance folder is set."""
    for name in ("DATABASE_URL", "SECRET_KEY", "SUBJECT_KEY", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path


def test_demo_command_then_first_sign_in(demo_env: Path) -> None:
    from gateway.app import create_app
    from gateway.cli import main

    first = CliRunner().invoke(main, ["demo"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "430 opt-ins" in first.output
    password = re.search(r"user admin\s+password (\S+)", first.output).group(1)
    again = CliRunner().invoke(main, ["demo"], catch_exceptions=False)
    assert "0 opt-ins and 0 opt-outs added" in again.output

    app = create_app({"WTF_CSRF_ENABLED": False})
    try:
        client = app.test_client()
        assert client.post("/admin/login", data={"username": "admin", "password": password}
                           ).status_code == 302
        html = client.get("/admin/").get_data(as_text=True)
        assert "Sakura Coffee" in html and 'data-kpi="contacts">430<' in html
        assert "AUTM6H2W" in html or "Click-to-WhatsApp ad" in html  # the R10 flag
        sources = client.get("/admin/api/sources").json
        assert {g["key"] for g in sources["rates"]["channel"]} == CHANNELS
    finally:
        app.extensions["gateway"].db.dispose()
