"""Campaign lists: eligibility for 100,000s of numbers or user IDs, in order, in chunks.

The ConsentService's batch side (a mixin, so the service file stays about one person). Each
chunk costs a fixed number of queries whatever its size: the topic state with the contact's
last message and delivery-fact end read on the same rows, links only for subjects that
have them, delivery facts only for subjects whose ``delivery_until`` is still ahead, and the
country look-up only for identifiers a platform rule can touch ("+1", "US.").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gateway.core import identity
from gateway.core.consent import Business
from gateway.core.delivery import (
    DELIVERABLE,
    NOT_DELIVERED,
    DeliveryFact,
    DeliveryReads,
    Rules,
    country_of,
    decide,
)
from gateway.core.eligibility import combine_lines, list_answer, topic_states, with_delivery_line
from gateway.core.errors import GatewayError
from gateway.core.identity import Identifier
from gateway.core.phones import is_plain_e164, to_e164
from gateway.core.subjects import SAME, Link, connected, consent_sources, merge

BULK_CHUNK = 2000
Item = str | tuple[str | None, str]


class CampaignLists:
    """Mixed into ConsentService: ``store``, ``delivery``, ``clock``, ``ref``, ``linked``,
    ``topics_for`` and ``bulk_answer_log`` come from there."""

    store: Any
    delivery: DeliveryReads | None
    clock: Any
    bulk_answer_log: Any

    if TYPE_CHECKING:
        def ref(self, business: Business, e164: str) -> str: ...
        def linked(self, business_id: int, refs: Iterable[str]) -> list[Link]: ...
        def topics_for(self, business: Business, topic: str | None, category: str | None
                       ) -> tuple[tuple[str, ...], str]: ...

    def eligibility_batch(self, business: Business, topic: str | None, items: Iterable[Item],
                          sender: str | None = None, *, category: str | None = None
                          ) -> Iterator[dict[str, Any]]:
        """Answer a campaign list in order, one dict per input; bad identifiers get an error.

        An item is a raw string (a number, or a user ID by its shape) or (field, raw) with
        field "phone" or "user_id" (a BSUID is never accepted as a phone and vice versa).
        Ask by ``topic``, or by template ``category`` (any topic of it the person chose)."""
        topics, category = self.topics_for(business, topic, category)
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= BULK_CHUNK:
                yield from self._answer_chunk(business, topics, category, batch, sender)
                batch = []
        if batch:
            yield from self._answer_chunk(business, topics, category, batch, sender)

    def _parse_item(self, business: Business, item: Item) -> Identifier:
        field, raw = item if isinstance(item, tuple) else (None, item)
        if field != "user_id" and is_plain_e164(raw):
            return Identifier(identity.PHONE, raw)  # what campaign tools send: no full parse
        if field == "user_id" or (field is None and identity.is_bsuid(raw)):
            return Identifier(identity.USER_ID, identity.user_id(raw))
        return Identifier(identity.PHONE, to_e164(raw, business.country))

    def _answer_chunk(self, business: Business, topics: tuple[str, ...], category: str,
                      items: list[Item], sender: str | None) -> Iterator[dict[str, Any]]:
        parsed: list[tuple[Any, Identifier | None, GatewayError | None]] = []
        for item in items:
            if item.__class__ is str and is_plain_e164(item):  # the common line: inline
                parsed.append((item, Identifier(identity.PHONE, item), None))
                continue
            try:
                parsed.append((item, self._parse_item(business, item), None))
            except GatewayError as exc:
                parsed.append((item, None, exc))
        refs = {who.value: self.ref(business, who.value) for _, who, _ in parsed if who}
        now = self.clock()
        has_links: set[str] = set()
        inbound: dict[str, datetime] = {}
        flagged: set[str] = set()
        reads = {"inbound": inbound, "facts_after": now, "with_facts": flagged}
        per_topic: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
        links: list[Link] = []
        for n, topic in enumerate(topics):
            rows = self.store.bulk_topic_state(business.id, topic, list(refs.values()),
                                               has_links if n == 0 else None,
                                               **(reads if n == 0 else {}))
            if n == 0:
                links = self.linked(business.id, has_links) if has_links else []
            extra = {r for link in links for r in (link.a, link.b)} - set(rows)
            if extra:  # the far ends of links: their state counts too
                rows.update(self.store.bulk_topic_state(
                    business.id, topic, list(extra), **(reads if n == 0 else {})))
            blocked = self.store.bulk_sender_opt_outs(business.id, topic, sender,
                                                      list(rows)) if sender else {}
            people = self._linked_people(business, topic, has_links, links, rows, blocked,
                                         sender)
            per_topic.append((rows, blocked, people))
        platform = _Platform(self.delivery, business, category, links, inbound, flagged, now)
        log: list[tuple[str, str, bool, str]] = []
        for raw, who, error in parsed:
            if error is not None or who is None:
                assert error is not None
                shown = raw[1] if isinstance(raw, tuple) else raw
                yield {"phone": shown, "allowed": False, "error": {
                    "code": error.code, "message": error.message("en")}}
                continue
            ref = refs[who.value]
            lines = []
            for topic, (rows, blocked, people) in zip(topics, per_topic, strict=True):
                line = list_answer(who, *people[ref]) if ref in people else \
                    list_answer(who, rows.get(ref, ...), blocked.get(ref))
                if len(topics) > 1:  # asked by category: which topic decided
                    line["topic"] = topic
                lines.append(line)
            line = lines[0] if len(lines) == 1 else combine_lines(lines)
            line = with_delivery_line(line, category, platform.decide(who, ref))
            if line["allowed"]:
                log.append((ref, line.get("topic", topics[0]), True, line["reason"]))
            yield line
        if self.bulk_answer_log is not None and log:
            self.bulk_answer_log(business.id, log, sender)

    def _linked_people(self, business: Business, topic: str, asked: Iterable[str],
                       links: list[Link], rows: Mapping[str, Any],
                       blocked: Mapping[str, tuple[datetime, str]], sender: str | None
                       ) -> dict[str, tuple[Any, tuple[datetime, str] | None, str | None]]:
        """For each asked subject with links: (row, sender block, decided_by) of its person."""
        if not links:
            return {}
        touched = {r for link in links for r in (link.a, link.b)}
        known = self.store.identifiers(business.id, touched)
        states = topic_states(topic, rows, blocked, sender, known)
        out = {}
        for ref in set(asked) & touched:
            person = merge(ref, states, links)
            found = person.topics.get(topic)
            row = ... if not person.exists else \
                (found.status, found.event_id, found.since) if found else None
            via = found.via if found is not None and found.via != ref else None
            out[ref] = (row, person.sender_opt_outs.get((topic, sender or "")),
                        known.get(via) if via else None)
        return out


class _Platform:
    """The platform's side of one chunk: rules, the few subjects with facts or a recent
    message; everyone else is deliverable without a look-up."""

    def __init__(self, reads: DeliveryReads | None, business: Business, category: str,
                 links: list[Link], inbound: Mapping[str, datetime], flagged: set[str],
                 now: datetime):
        self.category = category
        self.links = links
        self.inbound = inbound
        self.now = now
        self.rules = reads.rules() if reads is not None else Rules()
        self.prefixes = self.rules.prefixes(NOT_DELIVERED, category, now)
        self.facts: dict[str, list[DeliveryFact]] = \
            reads.facts(business.id, flagged, now) if reads is not None and flagged else {}
        self.business_country = country_of(business.whatsapp_number)
        self.touched = {r for link in links for r in (link.a, link.b)}

    def decide(self, who: Identifier, ref: str) -> Any:
        linked = ref in self.touched
        if not linked and ref not in self.facts and ref not in self.inbound and not (
                self.prefixes and who.value.startswith(self.prefixes)):
            return DELIVERABLE
        facts = self.facts.get(ref, [])
        last_in = self.inbound.get(ref)
        if linked:  # facts of the same account, the window of the person's identifiers
            same = connected(ref, [link for link in self.links if link.kind == SAME])
            facts = [f for r in same for f in self.facts.get(r, ())]
            last_in = max((self.inbound[r] for r in consent_sources(ref, self.links)
                           if r in self.inbound), default=None)
        return decide(self.category, country_of(who.value), facts, last_in, self.rules,
                      self.now, self.business_country)
