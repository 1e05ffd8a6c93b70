"""May a template on a topic go to this person now? The answer, and the campaign-list form.

Pure functions over a person's merged state (:mod:`gateway.core.subjects`): the service
fetches the states and links, these decide. A person may be asked about by phone number or
by WhatsApp user ID; the answer names the identifier asked, and the one the deciding event
was recorded under when that is another (a linked) identifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from gateway.core.consent import Business, Eligibility
from gateway.core.delivery import DELIVERABLE, SERVICE_WINDOW, Deliverability
from gateway.core.identity import PHONE, Identifier
from gateway.core.ledger import iso
from gateway.core.revocation import describe
from gateway.core.subjects import ContactState, TopicState

WINDOW = SERVICE_WINDOW  # R2: the service window after the customer's message or call
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


# How strongly a refusal speaks for a category (several topics): an allowed topic decides;
# else a pending confirmation, else an opt-out, else a topic not chosen.
_RANK = {"pending_confirmation": 3, "opted_out": 2, "topic_not_chosen": 1, "no_consent": 0}


def combine(answers: Sequence[Eligibility]) -> Eligibility:
    """A category's consent from its topics' answers: the latest allowed one, else the
    most telling refusal."""
    allowed = [a for a in answers if a.allowed]
    if allowed:
        return max(allowed, key=lambda a: a.since.timestamp() if a.since else 0)
    return max(answers, key=lambda a: (_RANK.get(a.reason, 0), a.since is not None,
                                       a.since.timestamp() if a.since else 0))


def with_delivery(answer: Eligibility, category: str, delivery: Deliverability
                  ) -> Eligibility:
    """The consent answer with the platform's: allowed only when both say yes; a consented
    person the platform will not reach gets the platform's reason and rule."""
    blocked = answer.allowed and not delivery.ok
    return replace(answer, allowed=answer.allowed and delivery.ok,
                   reason=delivery.reason or answer.reason if blocked else answer.reason,
                   rule=delivery.rule if blocked else answer.rule, category=category,
                   consent=answer.allowed, consent_reason=answer.reason,
                   consent_rule=answer.rule, deliverable=delivery)


# -- campaign lines: shared parts (a million lines share a handful of dicts) --------------

CONSENT_PARTS = {reason: {"ok": reason == "consented", "reason": reason}
                 for reason in REASONS}
DELIVERABLE_PART = {"ok": True, "reason": None, "until": None}


def _ts(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


def deliverable_part(delivery: Deliverability) -> dict[str, Any]:
    if delivery is DELIVERABLE or (delivery.ok and delivery.until is None):
        return DELIVERABLE_PART
    return {"ok": delivery.ok, "reason": delivery.reason, "until": _ts(delivery.until)}


def with_delivery_line(line: dict[str, Any], category: str, delivery: Deliverability
                       ) -> dict[str, Any]:
    """A campaign line (list_answer) with the platform's side, as the single answer has it."""
    consented = line["allowed"]
    line["category"] = category
    line["consent"] = CONSENT_PARTS[line["reason"]]
    if not delivery.ok:
        line["allowed"] = False
        if consented:
            line["reason"] = delivery.reason
    line["deliverable"] = deliverable_part(delivery)
    line["free_window_until"] = _ts(delivery.free_window_until)
    return line


def combine_lines(lines: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A category's campaign line from its topics' lines (as :func:`combine`)."""
    allowed = [line for line in lines if line["allowed"]]
    if allowed:
        return allowed[0]
    return max(lines, key=lambda line: _RANK.get(line["reason"], 0))


class Summary:
    """Counts of a campaign list's answers: allowed, blocked by consent, blocked by the
    platform (consented but not deliverable), lines in error, and by reason."""

    def __init__(self) -> None:
        self.total = self.allowed = self.by_consent = self.by_platform = self.errors = 0
        self.reasons: dict[str, int] = {}

    def add(self, line: Mapping[str, Any]) -> None:
        self.total += 1
        if "error" in line:
            self.errors += 1
            reason = "error"
        else:
            reason = line["reason"]
            if line["allowed"]:
                self.allowed += 1
            elif line.get("consent", {"ok": False})["ok"]:
                self.by_platform += 1
            else:
                self.by_consent += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "allowed": self.allowed,
                "blocked_by_consent": self.by_consent, "blocked_by_platform": self.by_platform,
                "errors": self.errors, "by_reason": dict(sorted(self.reasons.items()))}
