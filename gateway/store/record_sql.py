"""The statements of one consent write, in SQLAlchemy Core on the write transaction's
connection: lock the chain head, find or create the contact, append the event, move the
state, keep the chain head.

Built once at import on the tables (not the ORM classes) with bound parameters, so a write
pays neither the ORM's unit of work nor statement construction and cache-key generation;
that was most of a capture's CPU time (bench/api_bench.py, figures in the commit).
:meth:`gateway.store.consent_store.SqlStore.record` orders and decides; these only read and
write. Inserts go in foreign-key order (contact first), since nothing reorders them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, select

from gateway.core.consent import STATE_OF, Action, ConsentEvent, supersedes
from gateway.core.identity import Identifier
from gateway.store.tables import (
    ContactRow,
    EventRow,
    IdentityLinkRow,
    LedgerHead,
    PersonalRow,
    SenderOptOutRow,
    StateRow,
)

_HEAD = LedgerHead.__table__
_CONTACT = ContactRow.__table__
_EVENT = EventRow.__table__
_STATE = StateRow.__table__
_SENDER = SenderOptOutRow.__table__
_B, _REF, _ID = bindparam("b"), bindparam("ref"), bindparam("cid")

LOCK_HEAD = (select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.business_id == _B)
             .with_for_update())
ADVANCE_HEAD = _HEAD.update().where(_HEAD.c.business_id == _B)
EVENT_FOR_KEY = select(_EVENT.c.id).where(_EVENT.c.business_id == _B,
                                          _EVENT.c.idempotency_key == bindparam("key"))
FIND_CONTACT = select(_CONTACT.c.id, _CONTACT.c.phone, _CONTACT.c.user_id, _CONTACT.c.name,
                      _CONTACT.c.username, _CONTACT.c.last_activity_at,
                      _CONTACT.c.activity_seq).where(_CONTACT.c.business_id == _B,
                                                     _CONTACT.c.subject_ref == _REF)
ADD_CONTACT = _CONTACT.insert()
CHANGE_CONTACT = _CONTACT.update().where(_CONTACT.c.id == _ID)
ADD_EVENT = _EVENT.insert()
ADD_PERSONAL = PersonalRow.__table__.insert()
ADD_LINK = IdentityLinkRow.__table__.insert()
_MINE = (_STATE.c.business_id == _B, _STATE.c.contact_id == _ID)
STATES = select(_STATE.c.topic, _STATE.c.status, _STATE.c.occurred_at).where(
    *_MINE, _STATE.c.topic.in_(bindparam("topics", expanding=True)))
ADD_STATE = _STATE.insert()
CHANGE_STATE = _STATE.update().where(*_MINE, _STATE.c.topic == bindparam("t"))
_SENDER_MINE = (_SENDER.c.business_id == _B, _SENDER.c.contact_id == _ID,
                _SENDER.c.sender == bindparam("s"))
SENDER_OPT_OUTS = select(_SENDER.c.topic, _SENDER.c.occurred_at).where(
    *_SENDER_MINE, _SENDER.c.topic.in_(bindparam("topics", expanding=True)))
ADD_SENDER_OPT_OUT = _SENDER.insert()
CHANGE_SENDER_OPT_OUT = _SENDER.update().where(*_SENDER_MINE, _SENDER.c.topic == bindparam("t"))


class Head(NamedTuple):
    seq: int
    hash: str


def lock_head(conn: Connection, business_id: int) -> Head | None:
    """The business's chain head, locked until commit (PostgreSQL: row lock; SQLite: the
    write transaction already holds the database write lock)."""
    row = conn.execute(LOCK_HEAD, {"b": business_id}).first()
    return None if row is None else Head(int(row.seq), str(row.hash))


def advance_head(conn: Connection, business_id: int, seq: int, digest: str) -> None:
    conn.execute(ADVANCE_HEAD, {"b": business_id, "seq": seq, "hash": digest})


def event_id_for_key(conn: Connection, business_id: int, key: str) -> str | None:
    return conn.execute(EVENT_FOR_KEY, {"b": business_id, "key": key}).scalar()


def contact_for_write(conn: Connection, event: ConsentEvent, seq: int, now: datetime,
                      *, linked: bool = False) -> int:
    """The id of the event's contact, created if new, with what the event says of it: the
    identifier (restored after an erasure), the last name given, and the last activity (the
    workspace's sort key: the first event replaces the creation time, later ones move it
    only forward; gateway/store/bulk_store.py applies the same rule)."""
    personal = event.personal
    name = personal.get("name") or personal.get("profile_name")
    username = personal.get("username")
    row = conn.execute(FIND_CONTACT, {"b": event.business_id, "ref": event.subject_ref}).first()
    if row is None:
        result = conn.execute(ADD_CONTACT, {
            "business_id": event.business_id, "subject_ref": event.subject_ref,
            "phone": event.phone or None, "user_id": event.user_id, "name": name,
            "username": username, "created_at": now, "last_activity_at": event.occurred_at,
            "activity_seq": seq, "linked": linked})
        return int(result.inserted_primary_key[0])
    changes: dict[str, Any] = {}
    if event.phone and event.phone != row.phone:
        changes["phone"] = event.phone
    if event.user_id and event.user_id != row.user_id:
        changes["user_id"] = event.user_id
    if name and name != row.name:
        changes["name"] = name
    if username and username != row.username:
        changes["username"] = username
    if linked:
        changes["linked"] = True
    if not row.activity_seq or event.occurred_at > row.last_activity_at:
        changes.update(last_activity_at=event.occurred_at, activity_seq=seq)
    if changes:
        conn.execute(CHANGE_CONTACT, {"cid": row.id, **changes})
    return int(row.id)


def linked_contact(conn: Connection, business_id: int, ref: str, who: Identifier,
                   now: datetime) -> int:
    """The contact of the other end of a link, created if new; marked linked either way."""
    found = conn.execute(FIND_CONTACT, {"b": business_id, "ref": ref}).first()
    if found is not None:
        conn.execute(CHANGE_CONTACT, {"cid": found.id, "linked": True})
        return int(found.id)
    result = conn.execute(ADD_CONTACT, {
        "business_id": business_id, "subject_ref": ref,
        "phone": who.value if who.is_phone else None,
        "user_id": None if who.is_phone else who.value, "created_at": now, "linked": True})
    return int(result.inserted_primary_key[0])


def append(conn: Connection, values: Mapping[str, Any], contact_id: int,
           personal: Mapping[str, Any] | None) -> None:
    """The ledger entry (``values``: its columns) and the erasable personal data beside it."""
    conn.execute(ADD_EVENT, dict(values))
    if personal:
        conn.execute(ADD_PERSONAL, {"event_id": values["id"], "contact_id": contact_id,
                                    "data": dict(personal)})


def add_link(conn: Connection, business_id: int, link: Mapping[str, Any], event_id: str,
             now: datetime) -> None:
    conn.execute(ADD_LINK, {"business_id": business_id, "a": link["from"], "b": link["to"],
                            "kind": link["kind"], "event_id": event_id, "created_at": now})


def apply_state(conn: Connection, event: ConsentEvent, contact_id: int, now: datetime) -> None:
    """Order by when the customer acted; a tie goes to the opt-out (design rule 2)."""
    scope = event.evidence.get("scope") or {}
    if event.action is Action.OPT_OUT and scope.get("applies_to") == "sender" and event.sender:
        _sender_opt_out(conn, event, contact_id, event.sender)
        return
    new_status = STATE_OF[(event.action, event.status)]
    mine = {"b": event.business_id, "cid": contact_id}
    rows = {r.topic: r for r in conn.execute(STATES, {**mine, "topics": list(event.topics)})}
    values = {"status": new_status, "occurred_at": event.occurred_at,
              "event_id": event.event_id, "channel": event.channel, "updated_at": now}
    new = [{"business_id": event.business_id, "contact_id": contact_id, "topic": topic,
            **values} for topic in event.topics if topic not in rows]
    if new:
        conn.execute(ADD_STATE, new)
    for topic, row in rows.items():
        if supersedes(event.action, new_status, event.occurred_at, row.status,
                      row.occurred_at):
            conn.execute(CHANGE_STATE, {**mine, "t": topic, **values})


def _sender_opt_out(conn: Connection, event: ConsentEvent, contact_id: int,
                    sender: str) -> None:
    """A sender-scoped opt-out ends sends from that sender only: kept beside the state."""
    mine = {"b": event.business_id, "cid": contact_id, "s": sender}
    known = {r.topic: r.occurred_at for r in conn.execute(
        SENDER_OPT_OUTS, {**mine, "topics": list(event.topics)})}
    for topic in event.topics:
        if topic not in known:
            conn.execute(ADD_SENDER_OPT_OUT, {
                "business_id": event.business_id, "contact_id": contact_id, "topic": topic,
                "sender": sender, "occurred_at": event.occurred_at,
                "event_id": event.event_id})
        elif event.occurred_at >= known[topic]:
            conn.execute(CHANGE_SENDER_OPT_OUT, {**mine, "t": topic,
                                                 "occurred_at": event.occurred_at,
                                                 "event_id": event.event_id})
