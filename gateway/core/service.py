"""Use cases of the consent core: the one write path and the eligibility answers.

Pure Python: talks to the store through the :class:`ConsentStore` port, so it
runs the same against SQLAlchemy in production and against fakes in unit tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from gateway.core import identity, ledger
from gateway.core.campaign import BULK_CHUNK, CampaignLists
from gateway.core.consent import (
    CHANNELS,
    Business,
    Capture,
    ConsentEvent,
    Eligibility,
    Recorded,
    Wording,
)
from gateway.core.delivery import (
    CATEGORIES,
    MARKETING,
    Deliverability,
    DeliveryFact,
    DeliveryReads,
    Rules,
    country_of,
    decide,
)
from gateway.core.eligibility import REASONS, WINDOW, answer, combine, with_delivery
from gateway.core.errors import (
    InvalidCapture,
    InvalidTopics,
    InvalidWording,
    NotFound,
)
from gateway.core.identity import Identifier
from gateway.core.normaliser import normalise, sha256_text, subject_ref
from gateway.core.subjects import SAME, ContactState, Link, connected, link_event, merge

log = logging.getLogger("gateway.service")

INLINE_DRAFT = "(inline)"  # id of an inline wording until the store files it
__all__ = ["BULK_CHUNK", "REASONS", "WINDOW", "ConsentService", "ConsentStore"]


class ConsentStore(Protocol):
    """The port the service needs; ``gateway.store.SqlStore`` implements it."""

    def get_business(self, slug: str) -> Business | None: ...
    def list_businesses(self) -> list[Business]: ...
    def business_for_number(self, e164: str) -> Business | None: ...
    def business_for_meta_id(self, phone_number_id: str) -> Business | None: ...
    def get_wording(self, wording_id: str) -> Wording | None: ...
    def current_wording(self, business_id: int, kind: str, language: str) -> Wording | None: ...
    def record(self, event: ConsentEvent, personal_hash: str | None = None,
               inline: Wording | None = None) -> Recorded: ...
    def contact_state(self, business_id: int, subject_ref: str) -> Any: ...
    def contact_events(self, business: Business, subject_ref: str) -> list[ConsentEvent]: ...
    def bulk_topic_state(self, business_id: int, topic: str, refs: Sequence[str],
                         linked: set[str] | None = None, *,
                         inbound: dict[str, datetime] | None = None,
                         facts_after: datetime | None = None,
                         with_facts: set[str] | None = None
                         ) -> dict[str, tuple[str, str, datetime] | None]: ...
    def bulk_sender_opt_outs(self, business_id: int, topic: str, sender: str,
                             refs: Sequence[str]) -> dict[str, tuple[datetime, str]]: ...
    def links(self, business_id: int, refs: Iterable[str]) -> list[Link]: ...
    def identifiers(self, business_id: int, refs: Iterable[str]) -> dict[str, str | None]: ...
    def events_by_id(self, business: Business, event_ids: Sequence[str]
                     ) -> list[ConsentEvent]: ...
    def record_link(self, event: ConsentEvent, ends: tuple[Identifier, Identifier]
                    ) -> Recorded: ...


class ConsentService(CampaignLists):
    """Normalise, deduplicate and persist; answer who may be messaged (one person here,
    campaign lists in :class:`CampaignLists`)."""

    def __init__(self, store: ConsentStore, *, subject_key: bytes,
                 clock: Callable[[], datetime], allowed_channels: frozenset[str] = CHANNELS):
        self.store = store
        self.subject_key = subject_key
        self.clock = clock
        self.allowed_channels = allowed_channels
        # Called with every newly recorded event (change notifications, metrics); a failing
        # listener never undoes the write: the event is already committed.
        self.listeners: list[Callable[[Recorded], None]] = []
        # (business id, subject ref) -> erased and suppressed? Set by the proof area.
        self.suppressed: Callable[[int, str], bool] | None = None
        self.suppressed_refs: Callable[[int], frozenset[str]] | None = None  # bulk imports
        # (business id, subject ref, answer, sender) -> None: the honour-deadline log.
        self.answer_log: Callable[[int, str, Eligibility, str | None], None] | None = None
        self.bulk_answer_log: Callable[[int, list[tuple[str, str, bool, str]], str | None],
                                       None] | None = None
        # Delivery facts and platform rules (gateway.core.delivery); None: consent only.
        self.delivery: DeliveryReads | None = None

    def business(self, slug: str) -> Business:
        business = self.store.get_business(slug)
        if business is None:
            raise NotFound("business_unknown", field="business", value=slug)
        return business

    # Lookups for the channels, which reach businesses and wordings only through here.

    def find_business(self, slug: str) -> Business | None:
        return self.store.get_business(slug)

    def businesses(self) -> list[Business]:
        return self.store.list_businesses()

    def business_for_number(self, e164: str) -> Business | None:
        """The business owning this WhatsApp, SMS or voice number."""
        return self.store.business_for_number(e164)

    def business_for_meta_id(self, phone_number_id: str) -> Business | None:
        """The business of a Cloud API ``phone_number_id``."""
        return self.store.business_for_meta_id(phone_number_id)

    def wording(self, wording_id: str) -> Wording | None:
        return self.store.get_wording(wording_id)

    def current_wording(self, business_id: int, kind: str, language: str) -> Wording | None:
        return self.store.current_wording(business_id, kind, language)

    def ref(self, business: Business, e164: str) -> str:
        return subject_ref(self.subject_key, business.id, e164)

    def _wording(self, capture: Capture, business: Business) -> Wording | None:
        if capture.wording_text is not None:
            if capture.wording_id:
                raise InvalidWording("wording_ambiguous", field="wording_id")
            # A draft: the store files it under the version with this exact text.
            return Wording(INLINE_DRAFT, business.id, capture.wording_kind or capture.channel,
                           capture.language or business.languages[0], 0, capture.wording_text,
                           sha256_text(capture.wording_text), inline=True)
        if capture.wording_id:
            wording = self.store.get_wording(capture.wording_id)
            if wording is None or wording.business_id != business.id:
                raise InvalidWording("wording_unknown", field="wording_id",
                                     value=capture.wording_id)
            return wording
        if capture.wording_kind:
            languages = [capture.language] if capture.language else []
            for language in [*languages, *business.languages]:
                wording = self.store.current_wording(business.id, capture.wording_kind, language)
                if wording is not None:
                    return wording
        return None

    def prepare(self, capture: Capture, business: Business | None = None, *,
                event_id: str | None = None) -> ConsentEvent:
        """Validate a capture into an event without writing anything."""
        business = business or self.business(capture.business)
        wording = self._wording(capture, business)
        return normalise(capture, business, wording, now=self.clock(),
                         subject_key=self.subject_key, allowed_channels=self.allowed_channels,
                         event_id=event_id)

    def capture(self, capture: Capture, business: Business | None = None) -> Recorded:
        """The single write path: every channel's opt-in or opt-out goes through here."""
        business = business or self.business(capture.business)
        wording = self._wording(capture, business)
        event = normalise(capture, business, wording, now=self.clock(),
                          subject_key=self.subject_key, allowed_channels=self.allowed_channels)
        if (capture.actor or "").startswith("import:") and self.suppressed is not None and \
                self.suppressed(event.business_id, event.subject_ref):
            # Erased at their request: only a fresh, direct opt-in may bring them back.
            raise InvalidCapture("suppressed_after_erasure", field="phone")
        digest = ledger.personal_digest(self.subject_key, event.personal)
        inline = wording if wording is not None and wording.id == INLINE_DRAFT else None
        result = self._notify(self.store.record(event, digest, inline))
        if capture.phone and capture.user_id:  # seen together: one person, linked
            self.link(business, Identifier(identity.PHONE, event.phone),
                      Identifier(identity.USER_ID, identity.user_id(capture.user_id)),
                      evidence={"seen_with_event": result.event.event_id},
                      occurred_at=event.occurred_at, channel=capture.channel,
                      actor=capture.actor)
        return result

    def _notify(self, result: Recorded) -> Recorded:
        if result.created:
            for listener in self.listeners:
                try:
                    listener(result)
                except Exception:  # noqa: BLE001 - logged; the consent is already recorded
                    log.exception("consent listener %r failed", listener)
        return result

    # -- people: subjects and the links between them ---------------------------------------

    def identify(self, business: Business, *, phone: str | None = None,
                 user_id: str | None = None, country: str | None = None) -> Identifier:
        """The identifier a request names, checked (a BSUID is never read as a number)."""
        return identity.identify(phone_raw=phone, user_id_raw=user_id,
                                 country=country or business.country)

    def linked(self, business_id: int, refs: Iterable[str]) -> list[Link]:
        """Every link reachable from ``refs``: one query per step away from them."""
        found: dict[tuple[str, str], Link] = {}
        seen = set(refs)
        frontier = set(seen)
        while frontier:
            step: set[str] = set()
            for link in self.store.links(business_id, frontier):
                if (link.a, link.b) in found:
                    continue
                found[(link.a, link.b)] = link
                step |= {link.a, link.b} - seen
            seen |= step
            frontier = step
        return list(found.values())

    def person(self, business: Business, ref: str
               ) -> tuple[ContactState, dict[str, ContactState], list[Link]]:
        """The merged state deciding for subject ``ref`` (gateway.core.subjects.merge), the
        state of each linked subject, and the links."""
        links = self.linked(business.id, [ref])
        refs = {ref} | {r for link in links for r in (link.a, link.b)}
        states = {r: self.store.contact_state(business.id, r) for r in refs}
        return merge(ref, states, links), states, links

    def link(self, business: Business, one: Identifier, other: Identifier, kind: str = SAME,
             *, evidence: Mapping[str, Any], occurred_at: datetime, channel: str = "whatsapp",
             actor: str | None = None) -> Recorded | None:
        """Record that ``one`` and ``other`` are one person (``same``) or that ``one``
        became ``other`` (``moved``), with the delivery that shows it; once per pair."""
        ref_one, ref_other = self.ref(business, one.value), self.ref(business, other.value)
        if ref_one == ref_other:
            return None
        event = link_event(business, ref_one, ref_other, kind, ends=(one, other),
                           occurred_at=min(occurred_at, self.clock()), evidence=evidence,
                           channel=channel, actor=actor)
        return self._notify(self.store.record_link(event, (one, other)))

    # -- eligibility ----------------------------------------------------------------------

    def _check_topic(self, business: Business, topic: str) -> None:
        if topic not in business.topic_keys:
            raise InvalidTopics("unknown_topic", field="topic", value=topic,
                                allowed=", ".join(business.topic_keys))

    def topics_for(self, business: Business, topic: str | None, category: str | None
                   ) -> tuple[tuple[str, ...], str]:
        """The topics a question covers and the template category it is answered for: a
        topic and its category, or every topic the business sends as ``category``."""
        if topic:
            self._check_topic(business, topic)
            found = business.topic(topic)
            return (topic,), found.category if found else MARKETING
        if category not in CATEGORIES:
            raise InvalidTopics("unknown_category", field="category", value=category or "",
                                allowed=", ".join(CATEGORIES))
        keys = tuple(t.key for t in business.topics if t.category == category)
        if not keys:
            raise InvalidTopics("no_topic_in_category", field="category", value=category)
        return keys, category

    def eligibility(self, business: Business, phone: str | None, topic: str | None,
                    country: str | None = None, sender: str | None = None, *,
                    user_id: str | None = None, category: str | None = None) -> Eligibility:
        """May a template on ``topic`` (or of template ``category``) go to this person (by
        ``phone`` or ``user_id``) from ``sender`` now? Consent with its rule, over every
        identifier linked to the one asked, and whether the platform will deliver it."""
        topics, category = self.topics_for(business, topic, category)
        asked = self.identify(business, phone=phone, user_id=user_id, country=country)
        ref = self.ref(business, asked.value)
        merged, states, links = self.person(business, ref)
        now = self.clock()
        result = combine([answer(business, asked, ref, merged, states, t, sender, now)
                          for t in topics])
        result = with_delivery(result, category, self.deliverability(
            business, asked, ref, merged.last_inbound_at, links, category, now))
        # Only "allowed" answers can break the honour deadline, so only they are kept.
        if self.answer_log is not None and result.allowed:
            self.answer_log(business.id, ref, result, sender)
        return result

    def deliverability(self, business: Business, asked: Identifier, ref: str,
                       last_inbound_at: datetime | None, links: list[Link], category: str,
                       now: datetime) -> Deliverability:
        """Will the platform deliver a ``category`` template to this person now? Facts of
        the same WhatsApp account count (``same`` links), not of a number given up."""
        if self.delivery is None:
            return decide(category, None, (), last_inbound_at, Rules(), now)
        same = connected(ref, [link for link in links if link.kind == SAME])
        facts = [f for found in self.delivery.facts(business.id, same, now).values()
                 for f in found]
        return decide(category, country_of(asked.value), facts, last_inbound_at,
                      self.delivery.rules(), now, country_of(business.whatsapp_number))

    def delivery_history(self, business: Business, ref: str, links: list[Link]
                         ) -> list[DeliveryFact]:
        """The delivery facts of this WhatsApp account (``same`` links), ended ones too,
        newest first: the evidence behind past and present platform answers."""
        if self.delivery is None:
            return []
        same = connected(ref, [link for link in links if link.kind == SAME])
        return self.delivery.history(business.id, same)

    def contact(self, business: Business, phone: str, *, user_id: str | None = None
                ) -> tuple[Identifier, ContactState, list[ConsentEvent]]:
        """Who, the person's merged state per topic and every event of the subject and the
        subjects linked to it (with the link events), in the order the customer acted."""
        asked = self.identify(business, phone=phone or None, user_id=user_id)
        ref = self.ref(business, asked.value)
        merged, states, links = self.person(business, ref)
        if not states[ref].exists:
            raise NotFound("contact_unknown", field="user_id" if user_id else "phone")
        events = [e for r in sorted(states) for e in self.store.contact_events(business, r)]
        seen = {e.event_id for e in events}
        events += self.store.events_by_id(business, [link.event_id for link in links
                                                     if link.event_id not in seen])
        events.sort(key=lambda e: (e.occurred_at, e.seq or 0))
        return asked, merged, events
