"""What the contacts workspace reads is kept by every write path and by the migration that
adds it: last activity, its ledger seq, and the channels and placements of each contact."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from gateway.cli import setup_business
from gateway.core.consent import Business, Capture
from gateway.imports.bulk_rows import bulk_row
from gateway.store.bulk_store import BulkStore
from gateway.store.engine import MIGRATIONS, Database
from gateway.store.tables import ContactFacetRow, ContactRow

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def captures(slug: str) -> list[Capture]:
    def cap(phone: str, days: float, **kw: Any) -> Capture:
        base: dict[str, Any] = dict(business=slug, phone=phone, channel="paper",
                                    method="signature", topics=("offers",),
                                    wording_kind="paper", occurred_at=T0 + timedelta(days=days))
        base.update(kw)
        return Capture(**base)

    qr = dict(channel="qr", method="button", wording_kind="whatsapp")
    return [
        cap("090-1234-5678", 5),
        cap("090-1234-5678", 2, idempotency_key="older"),  # older: activity stays
        cap("090-1234-5678", 9, **qr, evidence={"placement_code": "QRSHOP01"}),
        cap("080-2222-3333", 1, evidence={"placement": {"code": "PAPER001"}}),
        cap("080-2222-3333", 3, action="opt_out", topics=None, wording_kind=None,
            channel="sms", method="keyword"),
        cap("070-4444-5555", -400, **qr, evidence={"placement": "LONG" * 20}),  # not indexed
        cap("070-9999-0000", 4, evidence={"placement_code": 12345}),
    ]


def snapshot(gw: Any, business: Business) -> dict[str, Any]:
    with gw.db.reading() as s:
        contacts = {c.id: c for c in s.scalars(select(ContactRow).where(
            ContactRow.business_id == business.id))}
        facets = sorted((contacts[f.contact_id].phone, f.kind, f.value) for f in s.scalars(
            select(ContactFacetRow).where(ContactFacetRow.business_id == business.id)))
    return {"activity": sorted((c.phone, c.last_activity_at, c.activity_seq)
                               for c in contacts.values()), "facets": facets}


def test_bulk_path_keeps_what_record_keeps(gw: Any, business: Business) -> None:
    other = setup_business(gw.store, slug="other", name="Sakura Coffee", whatsapp="+81345678902",
                           country="JP", languages=("ja", "en"))
    for shop in (business, other):  # known before any consent: activity is its creation
        gw.store.touch_inbound(shop.id, gw.service.ref(shop, "+817044445555"),
                               "+817044445555", T0)
    for capture in captures(business.slug):
        gw.service.capture(capture, business)
    rows = [bulk_row(gw.service.prepare(c, other), None, dialect=gw.db.dialect)
            for c in captures(other.slug)]
    bulk = BulkStore(gw.db)
    with bulk.writer(other.id) as writer:
        writer.add(rows[:3])
    with bulk.writer(other.id) as writer:
        writer.add(rows[3:])
    one, two = snapshot(gw, business), snapshot(gw, other)
    assert one["activity"] == two["activity"]
    assert one["facets"] == two["facets"] == [
        ("+817044445555", "channel", "qr"), ("+817099990000", "channel", "paper"),
        ("+817099990000", "placement", "12345"), ("+818022223333", "channel", "paper"),
        ("+818022223333", "channel", "sms"), ("+818022223333", "placement", "PAPER001"),
        ("+819012345678", "channel", "paper"), ("+819012345678", "channel", "qr"),
        ("+819012345678", "placement", "QRSHOP01")]
    activity = {phone: (at, seq) for phone, at, seq in one["activity"]}
    assert activity["+819012345678"] == (T0 + timedelta(days=9), 3)
    assert activity["+818022223333"] == (T0 + timedelta(days=3), 5)
    # Known before its first event: that event's time, however old (seq 6).
    assert activity["+817044445555"] == (T0 - timedelta(days=400), 6)


def _config(db: Database, conn: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection_url"] = db.url
    cfg.attributes["connection"] = conn
    return cfg


def test_migration_fills_activity_and_facets_from_the_ledger(database_url: str) -> None:
    db = Database(database_url)
    pg = db.dialect == "postgresql"

    def at(days: int) -> str:
        value = (T0 + timedelta(days=days)).replace(tzinfo=None).isoformat(" ", "microseconds")
        return value + "+00:00" if pg else value

    try:
        with db.write_engine.begin() as conn:
            command.upgrade(_config(db, conn), "0013_identities")
            conn.execute(text(
                "INSERT INTO businesses (id, slug, name, whatsapp_number, country, languages, "
                "topics, aliases, twilio_numbers, double_opt_in, policy_id, opt_out_scope, "
                "settings, created_at) VALUES (1, 'demo', 'Demo', '+81345678901', 'JP', "
                "'[\"ja\"]', '[]', '[]', '[]', :no, 'default', 'business', '{}', :at)"),
                {"no": False if pg else 0, "at": at(0)})
            for cid, created in ((1, 0), (2, 1)):
                conn.execute(text(
                    "INSERT INTO contacts (id, business_id, subject_ref, phone, linked, "
                    "created_at) VALUES (:id, 1, :ref, :phone, :no, :at)"),
                    {"id": cid, "ref": f"ref-{cid}", "phone": f"+8190123400{cid:02d}",
                     "no": False if pg else 0, "at": at(created)})
            events = ((1, 1, 5, {"placement_code": "QRSHOP01"}, "qr"),
                      (2, 1, 3, {"placement": {"code": "LINKAD02"}}, "link"),
                      (3, 1, 4, {"placement": ""}, "sms"))
            for seq, cid, day, evidence, channel in events:
                conn.execute(text(
                    "INSERT INTO consent_events (id, business_id, seq, contact_id, "
                    "subject_ref, action, status, topics, all_topics, channel, method, "
                    "policy_id, policy_version, occurred_at, recorded_at, idempotency_key, "
                    "evidence, prev_hash, hash) VALUES (:id, 1, :seq, :cid, 'ref-1', "
                    "'opt_in', 'confirmed', '[\"offers\"]', :no, :channel, 'button', "
                    "'default', 1, :at, :at, :key, :evidence, '', '')"),
                    {"id": f"event-{seq}", "seq": seq, "cid": cid, "no": False if pg else 0,
                     "channel": channel, "at": at(day), "key": f"key-{seq}",
                     "evidence": json.dumps(evidence)})
            command.upgrade(_config(db, conn), "0014_contacts_workspace")
            contacts = sorted(conn.execute(text(
                "SELECT id, last_activity_at, activity_seq FROM contacts")).all())
            facets = sorted(conn.execute(text(
                "SELECT contact_id, kind, value FROM contact_facets")).all())
            command.downgrade(_config(db, conn), "0013_identities")
            command.upgrade(_config(db, conn), "0014_contacts_workspace")
        assert [(c[0], str(c[1])[:10], c[2]) for c in contacts] == [
            (1, "2026-03-06", 3), (2, "2026-03-02", 0)]  # the latest event; else created
        assert facets == [(1, "channel", "link"), (1, "channel", "qr"), (1, "channel", "sms"),
                          (1, "placement", "LINKAD02"), (1, "placement", "QRSHOP01")]
    finally:
        db.dispose()
