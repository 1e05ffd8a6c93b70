"""A person known under several identifiers: the state of a topic across linked subjects.

Every identifier (a phone number, a BSUID) is a subject with its own events and state. Two
kinds of link join them, each a ledger entry with the delivery that showed it:

- ``same``: seen together in one delivery (a message from a number that carries its BSUID, a
  BSUID and its parent ID). The same person, both ways.
- ``moved``: the person's number or BSUID changed, from ``a`` (old) to ``b`` (new).

Opt-outs win everywhere: an opt-out under any linked identifier counts for all of them,
whenever the link arrived. Consent travels along ``same`` links and forward along ``moved``
ones (what the person agreed to under their old number holds for the new one), never back
to an old identifier: a number given up may already belong to someone else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from gateway.core.consent import Action, Business, ConsentEvent, Status, supersedes
from gateway.core.identity import Identifier

SAME = "same"
MOVED = "moved"
LINK_KINDS = (SAME, MOVED)


@dataclass(frozen=True)
class TopicState:
    topic: str
    status: str  # opted_in, pending, opted_out
    since: datetime
    event_id: str
    channel: str
    via: str | None = None  # the subject ref the deciding event was recorded under


@dataclass(frozen=True)
class ContactState:
    """What the store knows of one subject (or a person, merged): enough for eligibility."""

    exists: bool
    topics: dict[str, TopicState]
    last_inbound_at: datetime | None = None
    phone: str | None = None
    name: str | None = None
    # (topic, sender) -> (occurred_at, event_id) of sender-scoped opt-outs
    sender_opt_outs: dict[tuple[str, str], tuple[datetime, str]] = field(default_factory=dict)
    user_id: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class Link:
    a: str  # subject refs; for ``moved``, a is the old identifier and b the new one
    b: str
    kind: str
    event_id: str = ""


def pair(kind: str, a: str, b: str) -> tuple[str, str]:
    """The stored order of a link's ends: ``same`` is symmetric, so sorted (one link per
    pair, whichever delivery showed it first); ``moved`` keeps old -> new."""
    return (a, b) if kind == MOVED or a <= b else (b, a)


def connected(start: str, links: Iterable[Link]) -> frozenset[str]:
    """Every subject linked to ``start`` by any path: where its opt-outs count."""
    return _walk(start, links, lambda link, ref: [link.b] if ref == link.a else [link.a])


def consent_sources(start: str, links: Iterable[Link]) -> frozenset[str]:
    """The subjects whose opt-ins count for ``start``: itself, ``same`` links both ways,
    ``moved`` links from old to new (so backwards from ``start``)."""
    def step(link: Link, ref: str) -> list[str]:
        if link.kind == SAME:
            return [link.b] if ref == link.a else [link.a]
        return [link.a] if ref == link.b else []
    return _walk(start, links, step)


def _walk(start: str, links: Iterable[Link], step: object) -> frozenset[str]:
    by_ref: dict[str, list[Link]] = {}
    for link in links:
        by_ref.setdefault(link.a, []).append(link)
        by_ref.setdefault(link.b, []).append(link)
    seen = {start}
    todo = [start]
    while todo:
        ref = todo.pop()
        for link in by_ref.get(ref, ()):
            for nxt in step(link, ref):  # type: ignore[operator]
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
    return frozenset(seen)


def _wins(new: TopicState, current: TopicState | None) -> bool:
    if current is None:
        return True
    action = Action.OPT_OUT if new.status == "opted_out" else Action.OPT_IN
    return supersedes(action, new.status, new.since, current.status, current.since)


def merge(start: str, states: Mapping[str, ContactState], links: Iterable[Link]
          ) -> ContactState:
    """The state that decides for the person ``start`` names, across its linked subjects.

    Per topic the latest event wins, an opt-out on a tie (as for one subject); opt-outs come
    from every linked subject, opt-ins only from :func:`consent_sources`."""
    links = list(links)
    own = states.get(start) or ContactState(False, {})
    if not links:
        return replace(own, topics={k: replace(t, via=start) for k, t in own.topics.items()})
    everyone = connected(start, links)
    sources = consent_sources(start, links)
    topics: dict[str, TopicState] = {}
    blocked: dict[tuple[str, str], tuple[datetime, str]] = {}
    window: datetime | None = None
    for ref in sorted(everyone):
        state = states.get(ref)
        if state is None:
            continue
        for key, row in state.topics.items():
            if row.status != "opted_out" and ref not in sources:
                continue
            if _wins(row, topics.get(key)):
                topics[key] = replace(row, via=ref)
        for key, found in state.sender_opt_outs.items():
            if key not in blocked or found[0] > blocked[key][0]:
                blocked[key] = found
        if ref in sources and state.last_inbound_at and (window is None or
                                                          state.last_inbound_at > window):
            window = state.last_inbound_at
    return replace(own, exists=any(states[r].exists for r in everyone if r in states),
                   topics=topics, sender_opt_outs=blocked, last_inbound_at=window)


def link_event(business: Business, ref_a: str, ref_b: str, kind: str, *, ends: tuple[
        Identifier, Identifier], occurred_at: datetime, evidence: Mapping[str, Any],
               channel: str, actor: str | None, event_id: str | None = None) -> ConsentEvent:
    """The ledger entry of a link between two subjects (``ends``: their identifiers, in
    the order of ``ref_a``, ``ref_b``). Its key names the pair, so a link is recorded once,
    however many deliveries show it. The ledger keeps refs only, never a raw identifier."""
    a, b = pair(kind, ref_a, ref_b)
    first = ends[0] if a == ref_a else ends[1]
    return ConsentEvent(
        event_id=event_id or str(uuid.uuid4()), business_id=business.id,
        business_slug=business.slug, phone=first.value if first.is_phone else "",
        subject_ref=a, action=Action.LINK, status=Status.CONFIRMED, topics=(),
        all_topics=False, channel=channel, method="provider", wording=None,
        policy_id=business.policy.id, policy_version=business.policy.version, language=None,
        occurred_at=occurred_at, idempotency_key=f"link:{kind}:{a}:{b}",
        evidence=MappingProxyType({**evidence, "link": {"kind": kind, "from": a, "to": b}}),
        personal=MappingProxyType({}), actor=actor,
        user_id=None if first.is_phone else first.value)
