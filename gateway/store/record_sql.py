"""The statements of consent writes, in SQLAlchemy Core on the write transaction's
connection: lock the chain head, then append a batch of events (:class:`ChainBatch`: one
event is a batch of one) with their contacts, state, facets and notifications, and move
the head.

Built once at import on the tables (not the ORM classes) with bound parameters, so a write
pays neither the ORM's unit of work nor statement construction and cache-key generation;
that was most of a capture's CPU time (bench/api_bench.py, figures in the commit). A batch
reads and writes with a few statements in all, not a few per event: on PostgreSQL each
statement is a round trip. :meth:`gateway.store.consent_store.SqlStore.record` decides
which writes are new; these only read and write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, select

from gateway.core import ledger
from gateway.core.consent import STATE_OF, Action, ConsentEvent, supersedes
from gateway.core.identity import Identifier
from gateway.store import notifications
from gateway.store.convert import event_values
from gateway.store.facets import add_facets, facets_of
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
_B, _ID = bindparam("b"), bindparam("cid")

LOCK_HEAD = (select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.business_id == _B)
             .with_for_update())
ADVANCE_HEAD = _HEAD.update().where(_HEAD.c.business_id == _B)


def _any_of(column: Any, name: str) -> tuple[Any, Any]:
    """``column = :name`` and ``column IN (:name...)``: an expanding IN is rendered anew on
    every execution, so the common single value uses the plain comparison."""
    return column == bindparam(name), column.in_(bindparam(name, expanding=True))


_KEY_IS, _KEY_IN = _any_of(_EVENT.c.idempotency_key, "keys")
EVENTS_FOR_KEYS = tuple(select(_EVENT.c.idempotency_key, _EVENT.c.id).where(
    _EVENT.c.business_id == _B, match) for match in (_KEY_IS, _KEY_IN))
_REF_IS, _REF_IN = _any_of(_CONTACT.c.subject_ref, "refs")
CONTACTS = tuple(select(_CONTACT.c.id, _CONTACT.c.subject_ref, _CONTACT.c.phone,
                        _CONTACT.c.user_id, _CONTACT.c.name, _CONTACT.c.username,
                        _CONTACT.c.linked, _CONTACT.c.last_activity_at,
                        _CONTACT.c.activity_seq).where(_CONTACT.c.business_id == _B, match)
                 for match in (_REF_IS, _REF_IN))
# RETURNING in the order of the rows given: SQLAlchemy's insertmanyvalues keeps it.
ADD_CONTACTS = _CONTACT.insert().returning(_CONTACT.c.id, sort_by_parameter_order=True)
CHANGE_CONTACT = _CONTACT.update().where(_CONTACT.c.id == _ID)
ADD_EVENT = _EVENT.insert()
ADD_PERSONAL = PersonalRow.__table__.insert()
ADD_LINK = IdentityLinkRow.__table__.insert()
_MINE = (_STATE.c.business_id == _B, _STATE.c.contact_id == _ID)
_ID_IS, _ID_IN = _any_of(_STATE.c.contact_id, "ids")
STATES_OF = tuple(select(_STATE.c.contact_id, _STATE.c.topic, _STATE.c.status,
                         _STATE.c.occurred_at).where(_STATE.c.business_id == _B, match)
                  for match in (_ID_IS, _ID_IN))
ADD_STATE = _STATE.insert()
CHANGE_STATE = _STATE.update().where(*_MINE, _STATE.c.topic == bindparam("t"))
_SENDER_MINE = (_SENDER.c.business_id == _B, _SENDER.c.contact_id == _ID,
                _SENDER.c.sender == bindparam("s"))
SENDER_OPT_OUTS = select(_SENDER.c.topic, _SENDER.c.occurred_at).where(*_SENDER_MINE)
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


def _lookup(statements: tuple[Any, Any], name: str, business_id: int, values: list[Any]
            ) -> tuple[Any, dict[str, Any]]:
    """The statement and parameters of an ``_any_of`` lookup of ``values``."""
    if len(values) == 1:
        return statements[0], {"b": business_id, name: values[0]}
    return statements[1], {"b": business_id, name: values}


def _write(conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> Any:
    """Run ``statement`` for ``rows``: one row as a plain execute, which costs less than
    an executemany of one (a single capture is the common batch)."""
    return conn.execute(statement, rows[0] if len(rows) == 1 else rows)


def known_keys(conn: Connection, business_id: int, keys: Sequence[str]) -> dict[str, str]:
    """Event id per idempotency key already in the ledger, of ``keys``."""
    if not keys:
        return {}
    return {row.idempotency_key: row.id for row in conn.execute(
        *_lookup(EVENTS_FOR_KEYS, "keys", business_id, list(set(keys))))}


class _Contact:
    """A contact as this batch leaves it: what the store had, and what changed."""

    __slots__ = ("id", "values", "changes", "stored")

    def __init__(self, contact_id: int | None, values: dict[str, Any], *, stored: bool):
        self.id = contact_id
        self.values = values  # its columns as CONTACTS reads them (new: as inserted), current
        self.changes: dict[str, Any] = {}  # of a stored contact: only what events changed
        self.stored = stored

    def set(self, **changes: Any) -> None:
        self.values.update(changes)
        if self.stored:
            self.changes.update(changes)


class ChainBatch:
    """Events appended to one business's chain in one transaction, under its head lock.

    Reads happen first, a few statements for the whole batch (contacts, their consent
    state); each event then moves an in-memory picture of them, in order, with the rules a
    single write follows; :meth:`flush` writes it all with one statement per table (an
    ``executemany``), new contacts first, since nothing reorders inserts for foreign keys.
    """

    def __init__(self, conn: Connection, business_id: int, head: Head, refs: Iterable[str]):
        self.conn = conn
        self.business_id = business_id
        self.seq, self.prev = head.seq, head.hash
        self.contacts: dict[str, _Contact] = {}
        wanted = list(set(refs))
        if wanted:
            for row in conn.execute(*_lookup(CONTACTS, "refs", business_id, wanted)):
                values = dict(row._mapping)
                contact_id = values.pop("id")
                self.contacts[values["subject_ref"]] = _Contact(contact_id, values, stored=True)
        # (contact, topic) -> [status, occurred_at, event_id, channel, updated_at]; the
        # keys in _new_states were not in the store, those in _changed_states were.
        self.states: dict[tuple[_Contact, str], list[Any]] = {}
        stored = {c.id: c for c in self.contacts.values()}
        if stored:
            for row in conn.execute(*_lookup(STATES_OF, "ids", business_id, list(stored))):
                self.states[(stored[row.contact_id], row.topic)] = [
                    row.status, row.occurred_at, None, None, None]
        self._new_states: dict[tuple[_Contact, str], None] = {}
        self._changed_states: dict[tuple[_Contact, str], None] = {}
        self.senders: dict[tuple[_Contact, str, str], list[Any]] = {}  # [occurred, event, new]
        self.events: list[tuple[ConsentEvent, _Contact, str | None]] = []
        self.links: list[dict[str, Any]] = []
        self.facets: dict[tuple[str, str, _Contact], None] = {}

    def append(self, event: ConsentEvent, personal_hash: str | None, now: datetime,
               ends: tuple[Identifier, Identifier] | None = None) -> ConsentEvent:
        """Chain ``event`` after the events before it; the event as it will be stored."""
        seq = self.seq + 1
        contact = self._contact_for(event, seq, now, linked=ends is not None)
        recorded = dataclasses.replace(event, seq=seq, recorded_at=now, prev_hash=self.prev)
        body = ledger.payload(recorded, seq=seq, recorded_at=now, prev_hash=self.prev,
                              personal_hash=personal_hash)
        digest = ledger.entry_hash(self.prev, body)
        recorded = dataclasses.replace(recorded, hash=digest)
        self.events.append((recorded, contact, personal_hash))
        if ends is not None:
            other = ends[1] if ends[0].value in (event.phone, event.user_id) else ends[0]
            link = event.evidence["link"]
            self._other_end(link["to"], other, now)
            self.links.append({"business_id": self.business_id, "a": link["from"],
                               "b": link["to"], "kind": link["kind"],
                               "event_id": event.event_id, "created_at": now})
        if event.action is not Action.LINK:
            self._apply_state(recorded, contact, now)
        for kind, value in facets_of(event.channel, event.evidence):
            self.facets[(kind, value, contact)] = None
        self.seq, self.prev = seq, digest
        return recorded

    def _contact_for(self, event: ConsentEvent, seq: int, now: datetime, *,
                     linked: bool) -> _Contact:
        """The event's contact, new if unknown, with what the event says of it: the
        identifier (restored after an erasure), the last name given, and the last activity
        (the workspace's sort key: the first event replaces the creation time, later ones
        move it only forward; gateway/store/bulk_store.py applies the same rule)."""
        personal = event.personal
        name = personal.get("name") or personal.get("profile_name")
        username = personal.get("username")
        contact = self.contacts.get(event.subject_ref)
        if contact is None:
            contact = self.contacts[event.subject_ref] = _Contact(None, {
                "subject_ref": event.subject_ref, "phone": event.phone or None,
                "user_id": event.user_id, "name": name, "username": username,
                "created_at": now, "last_activity_at": event.occurred_at,
                "activity_seq": seq, "linked": linked}, stored=False)
            return contact
        now_values = contact.values
        changes: dict[str, Any] = {}
        if event.phone and event.phone != now_values["phone"]:
            changes["phone"] = event.phone
        if event.user_id and event.user_id != now_values["user_id"]:
            changes["user_id"] = event.user_id
        if name and name != now_values["name"]:
            changes["name"] = name
        if username and username != now_values["username"]:
            changes["username"] = username
        if linked and not now_values["linked"]:
            changes["linked"] = True
        if not now_values["activity_seq"] or \
                event.occurred_at > now_values["last_activity_at"]:
            changes.update(last_activity_at=event.occurred_at, activity_seq=seq)
        if changes:
            contact.set(**changes)
        return contact

    def _other_end(self, ref: str, who: Identifier, now: datetime) -> None:
        """The contact of the other end of a link, new if unknown; marked linked either way."""
        contact = self.contacts.get(ref)
        if contact is None:
            self.contacts[ref] = _Contact(None, {
                "subject_ref": ref, "phone": who.value if who.is_phone else None,
                "user_id": None if who.is_phone else who.value, "name": None,
                "username": None, "created_at": now, "last_activity_at": now,
                "activity_seq": 0, "linked": True}, stored=False)
        elif not contact.values["linked"]:
            contact.set(linked=True)

    def _apply_state(self, event: ConsentEvent, contact: _Contact, now: datetime) -> None:
        """Order by when the customer acted; a tie goes to the opt-out (design rule 2)."""
        scope = event.evidence.get("scope") or {}
        if event.action is Action.OPT_OUT and scope.get("applies_to") == "sender" and \
                event.sender:
            self._sender_opt_out(event, contact, event.sender)
            return
        new_status = STATE_OF[(event.action, event.status)]
        values = [new_status, event.occurred_at, event.event_id, event.channel, now]
        for topic in event.topics:
            key = (contact, topic)
            current = self.states.get(key)
            if current is None:
                self.states[key] = list(values)
                self._new_states[key] = None
            elif supersedes(event.action, new_status, event.occurred_at, current[0],
                            current[1]):
                current[:] = values
                if key not in self._new_states:
                    self._changed_states[key] = None

    def _sender_opt_out(self, event: ConsentEvent, contact: _Contact, sender: str) -> None:
        """A sender-scoped opt-out ends sends from that sender only: kept beside the state.
        Rare, so the stored ones are read when one comes."""
        if contact.stored and not any(k[0] is contact and k[1] == sender for k in self.senders):
            for row in self.conn.execute(SENDER_OPT_OUTS, {
                    "b": self.business_id, "cid": contact.id, "s": sender}):
                self.senders[(contact, sender, row.topic)] = [row.occurred_at, None, False]
        for topic in event.topics:
            known = self.senders.get((contact, sender, topic))
            if known is None:
                self.senders[(contact, sender, topic)] = [event.occurred_at, event.event_id,
                                                          True]
            elif event.occurred_at >= known[0]:
                known[:2] = [event.occurred_at, event.event_id]
                if known[2] is False:
                    known[2] = None  # stored, changed

    def flush(self, now: datetime) -> None:
        """Write the batch: contacts, events, personal data, links, state, facets, the
        change notifications, and the new chain head."""
        if not self.events:
            return
        conn, business_id = self.conn, self.business_id
        new = [c for c in self.contacts.values() if not c.stored]
        if new:
            ids = _write(conn, ADD_CONTACTS, [{"business_id": business_id, **c.values}
                                              for c in new]).scalars().all()
            for contact, contact_id in zip(new, ids, strict=True):
                contact.id = contact_id
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for c in self.contacts.values():
            if c.changes:  # only what the events changed: other writers own the rest
                by_columns.setdefault(tuple(sorted(c.changes)), []).append(
                    {"cid": c.id, **c.changes})
        for rows in by_columns.values():
            _write(conn, CHANGE_CONTACT, rows)
        _write(conn, ADD_EVENT, [event_values(e, c.id, e.seq, e.prev_hash, digest, e.hash)
                                 for e, c, digest in self.events])
        personal = [{"event_id": e.event_id, "contact_id": c.id, "data": dict(e.personal)}
                    for e, c, _digest in self.events if e.personal]
        if personal:
            _write(conn, ADD_PERSONAL, personal)
        if self.links:
            _write(conn, ADD_LINK, self.links)
        self._flush_state()
        add_facets(conn, [(business_id, kind, value, c.id)
                          for kind, value, c in self.facets])
        notifications.queue(conn, business_id, [e.event_id for e, _c, _d in self.events],
                            now)
        advance_head(conn, business_id, self.seq, self.prev)

    def _flush_state(self) -> None:
        conn, b = self.conn, self.business_id
        columns = ("status", "occurred_at", "event_id", "channel", "updated_at")
        if self._new_states:
            _write(conn, ADD_STATE, [{"business_id": b, "contact_id": c.id, "topic": t,
                                      **dict(zip(columns, self.states[(c, t)], strict=True))}
                                     for c, t in self._new_states])
        if self._changed_states:
            _write(conn, CHANGE_STATE, [{"b": b, "cid": c.id, "t": t,
                                         **dict(zip(columns, self.states[(c, t)],
                                                    strict=True))}
                                        for c, t in self._changed_states])
        added = [{"business_id": b, "contact_id": c.id, "topic": t, "sender": s,
                  "occurred_at": at, "event_id": event_id}
                 for (c, s, t), (at, event_id, new) in self.senders.items() if new]
        if added:
            _write(conn, ADD_SENDER_OPT_OUT, added)
        changed = [{"b": b, "cid": c.id, "s": s, "t": t, "occurred_at": at,
                    "event_id": event_id}
                   for (c, s, t), (at, event_id, new) in self.senders.items() if new is None]
        if changed:
            _write(conn, CHANGE_SENDER_OPT_OUT, changed)
