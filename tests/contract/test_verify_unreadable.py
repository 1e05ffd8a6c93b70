"""A ledger row rewritten with a value the code cannot read is a bad entry, named by
business and sequence number, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from gateway.cli import main
from gateway.core.consent import Business, Capture


def record(gw: Any, business: Business, phone: str) -> None:
    gw.service.capture(Capture(business="demo", phone=phone, channel="api", method="api",
                               topics=("offers",), wording_kind="web_form"), business)


@pytest.mark.parametrize(("column", "value"), [("action", "'bogus'"), ("status", "'maybe'"),
                                               ("topics", "'null'")])
def test_an_unreadable_row_is_named(gw: Any, business: Business, app_config: dict[str, Any],
                                    monkeypatch: Any, column: str, value: str) -> None:
    for n in range(3):
        record(gw, business, f"090-5555-000{n}")
    with gw.db.writing() as s:  # an intruder with database access: guards off first
        if gw.db.dialect == "postgresql":
            s.execute(text("ALTER TABLE consent_events DISABLE TRIGGER consent_events_no_change"))
        else:
            s.execute(text("DROP TRIGGER consent_events_no_update"))
        s.execute(text(f"UPDATE consent_events SET {column} = {value} WHERE seq = 2"))  # noqa: S608
    result = gw.store.verify("demo")
    assert not result.ok
    assert (result.problem.business, result.problem.seq) == ("demo", 2)
    for key, val in app_config.items():
        if key.isupper() and isinstance(val, str):
            monkeypatch.setenv(key, val)
    res = CliRunner().invoke(main, ["verify-ledger", "demo"])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit)
    assert "BROKEN: business demo, seq 2" in res.output
    assert "Traceback" not in res.output


def test_an_exported_file_with_garbage_lines_is_bad_not_a_crash(tmp_path: Any) -> None:
    from gateway.imports.exports import verify_ledger_file

    result = verify_ledger_file([b'{"format": "ocg-ledger/1", "business": "demo", '
                                 b'"head": {"seq": "x"}}', b"not json"])
    assert not result.ok and "cannot be read" in result.problem.reason
