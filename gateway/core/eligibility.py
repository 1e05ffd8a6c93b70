"""May a template on a topic go to this person now? The answer, and the campaign-list form.

Pure functions over a person's merged state (:mod:`gateway.core.subjects`): the service
fetches the states and links, these decide. A person may be asked about by phone number or
by WhatsApp user ID; the answer names the identifier asked, and the one the deciding event
was recorded under when that is another (a linked) identifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from gateway.core.consent import Business, Eligibility
from gateway.core.identity import PHONE, Identifier
from gateway.core.revocation import describe
from gateway.core.subjects import ContactState, TopicState

WINDOW = timedelta(hours=24)  # R2: customer service window after the customer's message
REASONS = {
    "consented": "R8: opted in to this topic",
    "no_consent": "R1: templates need an opt-in, and none is recorded",
    "opted_out": "R5: the latest event for this topic is an opt-out (opt-out wins)",
    "topic_not_chosen": "R8/R11: the contact opted in, but not to this topic",
    "pending_confirmation": "double opt-in: the number has not confirmed yet",
}
_REASON_OF = {"opted_in": "consented", "pending": "pending_confirmation",
              "opted_out": "opted_out"}


def identifier_of(state: ContactState | None) -> str | None:
    """The phone number or user ID a subject's state was recorded for."""
    return (state.phone or state.user_id) if state is not None else None


def answer(business: Business, asked: Identifier, ref: str, person: ContactState,
           states: Mapping[str, ContactState], topic: str, sender: str | None,
           now: datetime) -> Eligibility:
    """The eligibility of ``person`` (the merged state of the subject ``ref``) for ``topic``."""
    phone, user = (asked.value, None) if asked.is_phone else ("", asked.value)
    window = None
    if person.last_inbound_at is not None and person.last_inbound_at + WINDOW > now:
        window = person.last_inbound_at + WINDOW

    def answered(allowed: bool, reason: str, event_id: str | None = None,
                 since: datetime | None = None, rule: str | None = None,
                 via: str | None = None) -> Eligibility:
        decided = identifier_of(states.get(via)) if via and via != ref else None
        return Eligibility(allowed, reason, phone, topic, event_id, since,
                           rule or REASONS[reason], window, user, decided)

    row = person.topics.get(topic)
    if not person.exists or not person.topics:
        return answered(False, "no_consent")
    if row is None:
        return answered(False, "topic_not_chosen")
    reason = _REASON_OF[row.status]
    rule = describe(None, row.channel) if reason == "opted_out" else None
    blocked = person.sender_opt_outs.get((topic, sender)) if sender else None
    if reason == "consented" and blocked is not None and blocked[0] >= row.since:
        return answered(False, "opted_out", blocked[1], blocked[0], describe(
            {"applies_to": "sender", "sender": sender, "rule": business.opt_out_scope},
            "this sender"))
    return answered(reason == "consented", reason, row.event_id, row.since, rule, row.via)


def list_answer(asked: Identifier, row: tuple[str, str, datetime] | None | Any,
                block: tuple[datetime, str] | None, decided_by: str | None = None
                ) -> dict[str, Any]:
    """One line of a campaign-list answer. ``row``: the person's (status, event id, since)
    for the topic, None if they never chose it, ``...`` if they are unknown; ``block``: a
    sender-scoped opt-out (occurred_at, event id); ``decided_by``: the linked identifier
    the deciding event was recorded under, when it is not the one asked."""
    if row is ...:
        out: dict[str, Any] = {"allowed": False, "reason": "no_consent"}
    elif row is None:
        out = {"allowed": False, "reason": "topic_not_chosen"}
    else:
        status, event_id, since = row
        reason = _REASON_OF[status]
        if reason == "consented" and block is not None and block[0] >= since:
            reason, event_id = "opted_out", block[1]
        out = {"allowed": reason == "consented", "reason": reason, "event_id": event_id}
    if asked.kind == PHONE:
        out["phone"] = asked.value
    else:
        out["phone"], out["user_id"] = None, asked.value
    if decided_by:
        out["decided_by"] = decided_by
    return out


def topic_states(topic: str, rows: Mapping[str, tuple[str, str, datetime] | None],
                 blocked: Mapping[str, tuple[datetime, str]], sender: str | None,
                 identifiers: Mapping[str, str | None]) -> dict[str, ContactState]:
    """Minimal per-subject states for one topic, from a campaign list's bulk reads, to merge
    across links."""
    out = {}
    for ref, row in rows.items():
        topics = {topic: TopicState(topic, row[0], row[2], row[1], "")} if row else {}
        block = {(topic, sender): blocked[ref]} if sender and ref in blocked else {}
        ident = identifiers.get(ref)
        out[ref] = ContactState(True, topics, sender_opt_outs=block,
                                phone=ident if ident and ident.startswith("+") else None,
                                user_id=ident if ident and not ident.startswith("+") else None)
    return out
