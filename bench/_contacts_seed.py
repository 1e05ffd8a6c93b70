"""Seed a store with N contacts for bench/contacts.py: their events, consent state and links.

Rows go straight to the driver in chunks (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), with the migrated schema's indexes in place, as a long-lived store has them.
The data is shaped like a shop's: three topics, opt-ins from every channel over three years,
QR codes, links and ads naming their placement (a few popular, many rare), later opt-outs,
unconfirmed double opt-ins, contacts imported in bulk, erasures, numbers linked to WhatsApp
user IDs. Times, ``last_activity_at`` and ``activity_seq`` follow the gateway's own rules.
The hash chain is not computed (``hash`` holds a stand-in): these rows are for reading.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

CHUNK = 20_000
TOPICS = ("order_updates", "offers", "newsletter")
CHANNELS = (("web_form", "checkbox", 24), ("widget", "checkbox", 8), ("checkout", "checkbox", 15),
            ("sms", "keyword", 7), ("ivr", "dtmf", 3), ("whatsapp", "button", 15),
            ("qr", "button", 11), ("link", "button", 5), ("ad", "button", 6),
            ("paper", "signature", 3), ("api", "api", 3))
PLACED = {"qr", "link", "ad"}
FAMILY = ("田中", "佐藤", "鈴木", "高橋", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
          "Tanaka", "Sato", "Suzuki", "Takahashi", "Ito", "Watanabe", "Smith", "Garcia")
GIVEN = ("健", "花子", "翔太", "陽菜", "蓮", "結衣", "Ken", "Yui", "Haruto", "Aoi", "Emma",
         "Liam")
EVENT_COLUMNS = ("id", "business_id", "seq", "contact_id", "subject_ref", "action", "status",
                 "topics", "all_topics", "channel", "method", "wording_id", "wording_version",
                 "wording_language", "wording_sha256", "policy_id", "policy_version",
                 "language", "occurred_at", "recorded_at", "idempotency_key", "evidence",
                 "personal_digest", "sender", "actor", "prev_hash", "hash", "request_sha256")
CONTACT_COLUMNS = ("id", "business_id", "subject_ref", "phone", "wa_id", "name", "user_id",
                   "username", "linked", "last_inbound_at", "created_at", "erased_at",
                   "last_activity_at", "activity_seq")
STATE_COLUMNS = ("business_id", "contact_id", "topic", "status", "occurred_at", "event_id",
                 "channel", "updated_at")
LINK_COLUMNS = ("business_id", "a", "b", "kind", "event_id", "created_at")
FACET_COLUMNS = ("business_id", "kind", "value", "contact_id")


@dataclass
class Seeded:
    contacts: int = 0
    events: int = 0
    states: int = 0
    links: int = 0
    facets: int = 0
    seq: int = 0
    sample_phones: list[str] = field(default_factory=list)  # for the exact-number search
    rare_name: str = ""


class Writer:
    """Dialect-aware bulk inserts on one SQLAlchemy connection."""

    def __init__(self, conn: Any):
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"

    def time(self, value: datetime) -> str:
        text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return text + "+00:00" if self.pg else text

    def flag(self, value: bool) -> Any:
        return value if self.pg else int(value)

    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.pg:
            raw = self.conn.connection.dbapi_connection
            with raw.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        self.conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                  rows)


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def seed(conn: Any, business: Any, placements: list[tuple[str, str, str]], n: int,
         now: datetime, rng: random.Random,
         ref_of: Callable[[str], str] | None = None) -> Seeded:
    """Insert ``n`` contacts of ``business`` with their events, state and links.
    ``ref_of``: the gateway's subject ref of a number, so a search by number finds it."""
    w = Writer(conn)
    out = Seeded()
    start = now - timedelta(days=3 * 365)
    span = (now - start).total_seconds() - 86400 * 2
    imports = [start + timedelta(days=d) for d in (200, 540, 900)]
    channel_weights = [((c, m), weight) for c, m, weight in CHANNELS]
    placement_weights = [(p, 1.0 / (i + 1)) for i, p in enumerate(placements)]
    wording = {c: f"{business.slug}-{'whatsapp' if c in PLACED else c}-ja-v1"
               for c, _m, _w in CHANNELS}
    first_id = int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM contacts").scalar()) + 1
    for base in range(0, n, CHUNK):
        contacts, events, states, links = [], [], [], []
        facets: set[tuple[int, str, str, int]] = set()
        pending: tuple[int, str] | None = None  # (row index, ref) awaiting a partner
        for i in range(base, min(n, base + CHUNK)):
            cid = first_id + i
            ref = hashlib.sha256(f"bench-{cid}".encode()).hexdigest()
            by_user_id = rng.random() < 0.03
            phone = None if by_user_id else f"+8190{(cid * 7919) % 100_000_000:08d}"
            if phone and ref_of is not None:
                ref = ref_of(phone)
            user_id = f"JP.{cid:020d}" if by_user_id else None
            name = (f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}" if rng.random() < 0.6 else None)
            if i == n // 2:
                name, out.rare_name = "Zebedee Quixote", "Zebedee"
            username = f"user{cid}" if rng.random() < 0.05 else None
            first = start + timedelta(seconds=rng.random() * span)
            imported = rng.random() < 0.3
            created = (max(first, rng.choice(imports)) if imported
                       else first + timedelta(seconds=rng.random() * 5))
            plan = [("opt_in", "confirmed", first)]
            roll = rng.random()
            if roll < 0.03:
                plan = [("opt_in", "pending", first)]
            elif roll < 0.18:
                plan.append(("opt_out", "confirmed", first + timedelta(days=rng.random() * 300)))
            elif roll < 0.28:
                plan.append(("opt_in", "confirmed", first + timedelta(days=rng.random() * 200)))
            state: dict[str, tuple[str, datetime, str, str]] = {}
            last_at, last_seq = created, 0
            for action, status, at in plan:
                if at > now - timedelta(minutes=1):
                    continue  # not happened yet
                channel, method = _pick(rng, channel_weights)
                if action == "opt_out":
                    channel, method = rng.choice((("sms", "keyword"), ("whatsapp", "button"),
                                                  ("web_form", "checkbox")))
                    topics = list(TOPICS[1:]) if rng.random() < 0.5 else [rng.choice(TOPICS)]
                elif status == "pending":
                    channel, method, topics = "web_form", "checkbox", ["offers"]
                else:
                    topics = rng.sample(TOPICS, rng.choice((1, 1, 2, 3)))
                evidence: dict[str, Any] = {}
                if channel in PLACED and action == "opt_in":
                    code, kind, label = _pick(rng, placement_weights)
                    evidence = {"placement_code": code, "placement_kind": kind,
                                "placement_label": label}
                elif channel in ("web_form", "widget"):
                    evidence = {"form_id": "hosted-optin", "page_url": "https://shop.example/"}
                elif channel == "checkout":
                    evidence = {"order_id": str(100000 + cid)}
                out.seq += 1
                facets.add((business.id, "channel", channel, cid))
                if "placement_code" in evidence:
                    facets.add((business.id, "placement", evidence["placement_code"], cid))
                event_id = f"{cid:012d}-{out.seq:023d}"
                recorded = at if not imported else max(at, created)
                events.append((event_id, business.id, out.seq, cid, ref, action, status,
                               json.dumps(topics), w.flag(False), channel, method,
                               wording[channel] if action == "opt_in" else None,
                               1 if action == "opt_in" else None,
                               "ja" if action == "opt_in" else None,
                               "0" * 64 if action == "opt_in" else None, "default", 1, "ja",
                               w.time(at), w.time(recorded), f"bench:{event_id}",
                               json.dumps(evidence, ensure_ascii=False), None, None, None,
                               "0" * 64, hashlib.sha256(event_id.encode()).hexdigest(), None))
                value = {"opt_in": {"confirmed": "opted_in", "pending": "pending"},
                         "opt_out": {"confirmed": "opted_out"}}[action][status]
                for topic in topics:
                    state[topic] = (value, at, event_id, channel)
                if not last_seq or at > last_at:
                    last_at, last_seq = at, out.seq
            erased = rng.random() < 0.01
            linked = False
            if not erased and rng.random() < 0.02:  # two identifiers of one person
                if pending is None:
                    pending = (len(contacts), ref)
                else:
                    k, other = pending
                    pending = None
                    links.append((business.id, other, ref, "same", f"link-{cid}",
                                  w.time(last_at)))
                    contacts[k] = (*contacts[k][:8], w.flag(True), *contacts[k][9:])
                    linked = True
            contacts.append((cid, business.id, ref, None if erased else phone, None,
                             None if erased else name, None if erased else user_id,
                             None if erased else username, w.flag(linked), None,
                             w.time(created), w.time(now - timedelta(days=rng.random() * 60))
                             if erased else None, w.time(last_at), last_seq))
            for topic, (value, at, event_id, channel) in state.items():
                states.append((business.id, cid, topic, value, w.time(at), event_id, channel,
                               w.time(at)))
            if phone and len(out.sample_phones) < 200 and rng.random() < 0.01:
                out.sample_phones.append(phone)
        w.insert("contacts", CONTACT_COLUMNS, contacts)
        w.insert("consent_events", EVENT_COLUMNS, events)
        w.insert("consent_state", STATE_COLUMNS, states)
        w.insert("identity_links", LINK_COLUMNS, links)
        w.insert("contact_facets", FACET_COLUMNS, sorted(facets))
        out.contacts += len(contacts)
        out.events += len(events)
        out.states += len(states)
        out.links += len(links)
        out.facets += len(facets)
        yield_progress(out, n)
    conn.exec_driver_sql(f"UPDATE ledger_heads SET seq = {out.seq} WHERE business_id = "
                         f"{int(business.id)}")
    if w.pg:  # the sequence behind contacts.id, past the ids given here
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('contacts', 'id'), "
                             "(SELECT MAX(id) FROM contacts))")
    return out


def yield_progress(out: Seeded, n: int) -> None:
    if out.contacts % 200_000 == 0:
        print(f"  seeded {out.contacts:,} / {n:,} contacts", flush=True)

