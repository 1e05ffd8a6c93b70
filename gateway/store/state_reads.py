"""Reading the consent state: one subject, a campaign list, links between subjects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select

from gateway.core.consent import Business, ConsentEvent
from gateway.core.subjects import ContactState, Link, TopicState
from gateway.store.convert import event_from_row
from gateway.store.engine import Database
from gateway.store.tables import (
    ContactRow,
    EventRow,
    IdentityLinkRow,
    PersonalRow,
    SenderOptOutRow,
    StateRow,
)

# The reads every eligibility answer and every inbound message make, built once on the
# tables (see gateway/store/record_sql.py for why).
_CONTACT, _STATE, _SENDER = (ContactRow.__table__, StateRow.__table__,
                             SenderOptOutRow.__table__)
_LINKS = IdentityLinkRow.__table__
CONTACT = select(_CONTACT.c.id, _CONTACT.c.last_inbound_at, _CONTACT.c.phone, _CONTACT.c.name,
                 _CONTACT.c.user_id, _CONTACT.c.username).where(
    _CONTACT.c.business_id == bindparam("b"), _CONTACT.c.subject_ref == bindparam("ref"))
STATES = select(_STATE.c.topic, _STATE.c.status, _STATE.c.occurred_at, _STATE.c.event_id,
                _STATE.c.channel).where(_STATE.c.business_id == bindparam("b"),
                                        _STATE.c.contact_id == bindparam("cid"))
SENDER_OPT_OUTS = select(_SENDER.c.topic, _SENDER.c.sender, _SENDER.c.occurred_at,
                         _SENDER.c.event_id).where(_SENDER.c.business_id == bindparam("b"),
                                                   _SENDER.c.contact_id == bindparam("cid"))
_WANTED = bindparam("refs", expanding=True)
LINKS = select(_LINKS.c.a, _LINKS.c.b, _LINKS.c.kind, _LINKS.c.event_id).where(
    _LINKS.c.business_id == bindparam("biz"), or_(_LINKS.c.a.in_(_WANTED),
                                                  _LINKS.c.b.in_(_WANTED)))


class StateReads:
    """The read side of SqlStore: current state per subject, events, links."""

    db: Database
    clock: Any

    def contact_state(self, business_id: int, subject_ref: str) -> ContactState:
        with self.db.reading() as s:
            conn = s.connection()
            contact = conn.execute(CONTACT, {"b": business_id, "ref": subject_ref}).first()
            if contact is None:
                return ContactState(False, {})
            mine = {"b": business_id, "cid": contact.id}
            topics = {r.topic: TopicState(r.topic, r.status, r.occurred_at, r.event_id, r.channel)
                      for r in conn.execute(STATES, mine)}
            blocked = {(r.topic, r.sender): (r.occurred_at, r.event_id)
                       for r in conn.execute(SENDER_OPT_OUTS, mine)}
            return ContactState(True, topics, contact.last_inbound_at, contact.phone,
                                contact.name, blocked, contact.user_id, contact.username)

    def contact_events(self, business: Business, subject_ref: str) -> list[ConsentEvent]:
        """Every event of one contact, in the order the customer acted."""
        with self.db.reading() as s:
            contact = s.scalar(select(ContactRow).where(
                ContactRow.business_id == business.id, ContactRow.subject_ref == subject_ref))
            if contact is None:
                return []
            rows = s.scalars(select(EventRow).where(EventRow.contact_id == contact.id)
                             .order_by(EventRow.occurred_at, EventRow.seq)).all()
            personal = {p.event_id: p.data for p in s.scalars(select(PersonalRow).where(
                PersonalRow.contact_id == contact.id))}
            return [event_from_row(r, business.slug, contact.phone, personal.get(r.id),
                                   contact.user_id) for r in rows]

    def bulk_topic_state(self, business_id: int, topic: str, refs: Sequence[str],
                         linked: set[str] | None = None, *,
                         inbound: dict[str, datetime] | None = None,
                         facts_after: datetime | None = None,
                         with_facts: set[str] | None = None
                         ) -> dict[str, tuple[str, str, datetime] | None]:
        """For each known ref: (status, event_id, since), or None if the topic was never chosen.

        Unknown refs are absent from the answer. One query per call: callers chunk.
        ``linked``, if given, receives the refs that have links to other subjects;
        ``inbound`` their last message or call; ``with_facts`` the refs with delivery facts
        in force after ``facts_after`` (read from the same contact rows: no extra query).
        """
        stmt = (select(ContactRow.subject_ref, StateRow.status, StateRow.event_id,
                       StateRow.occurred_at, ContactRow.linked, ContactRow.last_inbound_at,
                       ContactRow.delivery_until)
                .outerjoin(StateRow, (StateRow.contact_id == ContactRow.id)
                           & (StateRow.topic == topic))
                .where(ContactRow.business_id == business_id, ContactRow.subject_ref.in_(refs)))
        out: dict[str, tuple[str, str, datetime] | None] = {}
        with self.db.reading() as s:
            for ref, status, event_id, since, has_links, last_in, until in s.execute(stmt):
                out[ref] = (status, event_id, since) if status else None
                if has_links and linked is not None:
                    linked.add(ref)
                if last_in is not None and inbound is not None:
                    inbound[ref] = last_in
                if until is not None and with_facts is not None and \
                        (facts_after is None or until > facts_after):
                    with_facts.add(ref)
        return out

    def bulk_sender_opt_outs(self, business_id: int, topic: str, sender: str,
                             refs: Sequence[str]) -> dict[str, tuple[datetime, str]]:
        """ref -> (occurred_at, event_id) of sender-scoped opt-outs from ``sender``."""
        stmt = (select(ContactRow.subject_ref, SenderOptOutRow.occurred_at,
                       SenderOptOutRow.event_id)
                .join(SenderOptOutRow, SenderOptOutRow.contact_id == ContactRow.id)
                .where(ContactRow.business_id == business_id, ContactRow.subject_ref.in_(refs),
                       SenderOptOutRow.topic == topic, SenderOptOutRow.sender == sender))
        with self.db.reading() as s:
            return {ref: (at, event_id) for ref, at, event_id in s.execute(stmt)}

    def links(self, business_id: int, refs: Iterable[str]) -> list[Link]:
        """Every link that touches one of ``refs`` (callers walk on from the far ends)."""
        wanted = list(set(refs))
        if not wanted:
            return []
        with self.db.reading() as s:
            rows = s.connection().execute(LINKS, {"biz": business_id, "refs": wanted}).all()
        return [Link(a, b, kind, event_id) for a, b, kind, event_id in rows]

    def identifiers(self, business_id: int, refs: Iterable[str]) -> dict[str, str | None]:
        """ref -> the phone number or user ID the subject is (None once erased)."""
        wanted = list(set(refs))
        if not wanted:
            return {}
        with self.db.reading() as s:
            rows = s.execute(select(ContactRow.subject_ref, ContactRow.phone,
                                    ContactRow.user_id).where(
                ContactRow.business_id == business_id,
                ContactRow.subject_ref.in_(wanted))).all()
        return {ref: phone or user_id for ref, phone, user_id in rows}

    def events_by_id(self, business: Business, event_ids: Sequence[str]) -> list[ConsentEvent]:
        """Events by id (link events of a person), with their subject's identifiers."""
        if not event_ids:
            return []
        with self.db.reading() as s:
            rows = s.execute(select(EventRow, ContactRow.phone, ContactRow.user_id).join(
                ContactRow, ContactRow.id == EventRow.contact_id).where(
                EventRow.business_id == business.id, EventRow.id.in_(list(event_ids)))).all()
            return [event_from_row(row, business.slug, phone, None, user_id)
                    for row, phone, user_id in rows]



