"""Exports: the ledger JSONL verifies offline (and tampering shows), and the state CSV
imports into an empty store as the same state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from flask import Flask

from gateway.app import create_app
from gateway.cli import main, setup_business
from gateway.core.consent import Business, Capture
from tests.imports.helpers import row, write_csv

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def cli(app_config: dict[str, Any], monkeypatch: Any, *args: str) -> Any:
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def populate(gw: Any, business: Business, tmp_path: Path) -> None:
    """Events from several channels, an erasable name, a pending double opt-in, opt-outs."""
    def cap(phone: str, **kw: Any) -> Capture:
        base: dict[str, Any] = dict(business="demo", phone=phone, channel="web_form",
                                    method="checkbox", topics=("offers", "newsletter"),
                                    wording_kind="web_form", occurred_at=T0)
        base.update(kw)
        return Capture(**base)

    gw.service.capture(cap("090-6000-0001", personal={"name": "鈴木 一郎"}))
    gw.service.capture(cap("090-6000-0001", action="opt_out", topics=("offers",),
                           wording_kind=None, occurred_at=T0 + timedelta(days=1)))
    gw.service.capture(cap("090-6000-0002", pending=True, topics=("order_updates",)))
    gw.service.capture(cap("+1 415-555-2671", country="US", channel="sms", method="keyword",
                           action="opt_out", topics=None, wording_kind=None))
    job = gw.imports.create_job(business, write_csv(tmp_path / "paper.csv", [
        row("090-6000-0003", "product_recommendations offers", name="Emily Clark"),
        row("090-6000-0001", "newsletter", at="2026-08-01T10:00:00+09:00")]),
        source="cli", actor="test")
    assert gw.imports.run(job.id).recorded == 2


def state_of(gw: Any, business: Business) -> set[tuple[str, str, str, datetime]]:
    return {(s.phone, s.topic, s.status, s.since)
            for s in gw.exports.iter_state(business.id)}


def test_ledger_export_verifies_offline_and_shows_tampering(
        gw: Any, business: Business, tmp_path: Path, app_config: dict[str, Any],
        monkeypatch: Any) -> None:
    populate(gw, business, tmp_path)
    out = tmp_path / "ledger.jsonl"
    res = cli(app_config, monkeypatch, "export", "demo", "--what", "ledger", "-o", str(out))
    assert res.exit_code == 0, res.output
    lines = out.read_bytes().splitlines()
    assert len(lines) == 1 + gw.store.count_events(business.id)
    for key in list(app_config):  # an auditor's machine: no database, no secrets
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "auditor"))
    res = CliRunner().invoke(main, ["verify-ledger", "--file", str(out)])
    assert res.exit_code == 0 and "ok: 6 entries in 1 business chain(s)" in res.output

    def verify(content: list[bytes]) -> Any:
        bad = tmp_path / "bad.jsonl"
        bad.write_bytes(b"\n".join(content) + b"\n")
        return CliRunner().invoke(main, ["verify-ledger", "--file", str(bad)])

    entry = orjson.loads(lines[3])
    entry["entry"]["topics"] = ["offers"]
    res = verify([*lines[:3], orjson.dumps(entry), *lines[4:]])
    assert res.exit_code == 1 and "seq 3" in res.output and "hash does not match" in res.output
    res = verify(lines[:-1])  # the last entry cut off
    assert res.exit_code == 1 and "cut off" in res.output
    header = orjson.loads(lines[0])
    header["wordings"]["demo-paper-ja-v1"] = "Sakura Coffee: something else on WhatsApp"
    res = verify([orjson.dumps(header), *lines[1:]])
    assert res.exit_code == 1 and "no longer matches" in res.output


@pytest.fixture
def empty_app(second_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({**app_config, "DATABASE_URL": second_url,
                      "INSTANCE_PATH": str(tmp_path / "second-instance")})
    app.extensions["gateway"].db.upgrade()
    yield app
    app.extensions["gateway"].db.dispose()


def test_state_export_imports_back_into_the_same_state(
        gw: Any, business: Business, tmp_path: Path, app_config: dict[str, Any],
        monkeypatch: Any, empty_app: Flask) -> None:
    populate(gw, business, tmp_path)
    out = tmp_path / "state.csv"
    assert cli(app_config, monkeypatch, "export", "demo", "-o", str(out)).exit_code == 0
    other = empty_app.extensions["gateway"]
    copy = setup_business(other.store, slug="demo", name="Sakura Coffee",
                          whatsapp="+81345678901", country="JP", languages=("ja", "en"))
    job = other.imports.create_job(copy, out, source="cli", actor="test")
    job = other.imports.run(job.id)
    assert job.failed == 0, list(other.imports.jobs.iter_errors(job.id))
    before = state_of(gw, business)
    assert len(before) == 2 + 1 + 4 + 2  # per number and topic
    assert state_of(other, copy) == before
    assert other.store.contact_state(copy.id, other.service.ref(copy, "+819060000003")
                                     ).name == "Emily Clark"
    assert other.store.verify("demo").ok
    # And importing the export again changes nothing.
    again = other.imports.run(other.imports.create_job(copy, out, source="cli",
                                                       actor="test").id)
    assert (again.recorded, again.duplicates) == (0, job.recorded)


def test_state_jsonl_and_stdout(gw: Any, business: Business, tmp_path: Path,
                                app_config: dict[str, Any], monkeypatch: Any) -> None:
    populate(gw, business, tmp_path)
    res = cli(app_config, monkeypatch, "export", "demo", "--format", "jsonl")
    items = [orjson.loads(x) for x in res.stdout_bytes.splitlines()]
    assert {(i["phone"], i["topic"], i["status"]) for i in items} == {
        (p, t, s) for p, t, s, _ in state_of(gw, business)}
    res = cli(app_config, monkeypatch, "export", "demo", "--what", "ledger", "--format", "csv")
    assert res.exit_code != 0 and "JSONL only" in res.output


def test_exported_entries_are_exactly_the_ledger_payloads(gw: Any, business: Business,
                                                          tmp_path: Path) -> None:
    from gateway.core import ledger
    from gateway.store.export_store import iso_text

    populate(gw, business, tmp_path)
    head = gw.exports.head(business.id)
    exported = [orjson.loads(line) for block in gw.exports.ledger_blocks(business, head[0])
                for line in block.splitlines()]
    stored = list(gw.store.iter_entries(business))
    assert [(x["entry"], x["hash"]) for x in exported] == [(e.body, e.hash) for e in stored]
    moments = [datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), datetime(1999, 12, 31, tzinfo=UTC),
               datetime(2026, 6, 1, 9, 0, tzinfo=UTC).astimezone()]
    for moment in moments:
        text = moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        assert iso_text(moment) == iso_text(text) == ledger.iso(moment)
    assert iso_text("2026-01-02 03:04:05") == "2026-01-02T03:04:05.000000Z"
