"""Use cases of the consent core: the one write path and the eligibility answers.

Pure Python: talks to the store through the :class:`ConsentStore` port, so it
runs the same against SQLAlchemy in production and against fakes in unit tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from gateway.core import ledger
from gateway.core.consent import (
    CHANNELS,
    Business,
    Capture,
    ConsentEvent,
    Eligibility,
    Recorded,
    Wording,
)
from gateway.core.errors import (
    GatewayError,
    InvalidCapture,
    InvalidTopics,
    InvalidWording,
    NotFound,
)
from gateway.core.normaliser import normalise, sha256_text, subject_ref
from gateway.core.phones import is_plain_e164, to_e164
from gateway.core.revocation import describe

log = logging.getLogger("gateway.service")

INLINE_DRAFT = "(inline)"  # id of an inline wording until the store files it
WINDOW = timedelta(hours=24)  # R2: customer service window after the customer's message
BULK_CHUNK = 2000

REASONS = {
    "consented": "R8: opted in to this topic",
    "no_consent": "R1: templates need an opt-in, and none is recorded",
    "opted_out": "R5: the latest event for this topic is an opt-out (opt-out wins)",
    "topic_not_chosen": "R8/R11: the contact opted in, but not to this topic",
    "pending_confirmation": "double opt-in: the number has not confirmed yet",
}


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
    def bulk_topic_state(self, business_id: int, topic: str, refs: Sequence[str]
                         ) -> dict[str, tuple[str, str, datetime] | None]: ...
    def bulk_sender_opt_outs(self, business_id: int, topic: str, sender: str,
                             refs: Sequence[str]) -> dict[str, tuple[datetime, str]]: ...


class ConsentService:
    """Normalise, deduplicate and persist; answer who may be messaged."""

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
        result = self.store.record(event, digest, inline)
        if result.created:
            for listener in self.listeners:
                try:
                    listener(result)
                except Exception:  # noqa: BLE001 - logged; the consent is already recorded
                    log.exception("consent listener %r failed", listener)
        return result

    # -- eligibility ----------------------------------------------------------------------

    def _check_topic(self, business: Business, topic: str) -> None:
        if topic not in business.topic_keys:
            raise InvalidTopics("unknown_topic", field="topic", value=topic,
                                allowed=", ".join(business.topic_keys))

    def eligibility(self, business: Business, phone: str, topic: str,
                    country: str | None = None, sender: str | None = None) -> Eligibility:
        """May a template on ``topic`` go to ``phone`` (from ``sender``) now? With the rule."""
        answer = self._eligibility(business, phone, topic, country, sender)
        # Only "allowed" answers can break the honour deadline, so only they are kept.
        if self.answer_log is not None and answer.allowed:
            self.answer_log(business.id, self.ref(business, answer.phone), answer, sender)
        return answer

    def _eligibility(self, business: Business, phone: str, topic: str, country: str | None,
                     sender: str | None) -> Eligibility:
        self._check_topic(business, topic)
        e164 = to_e164(phone, country or business.country)
        state = self.store.contact_state(business.id, self.ref(business, e164))
        window = None
        if state.last_inbound_at is not None and state.last_inbound_at + WINDOW > self.clock():
            window = state.last_inbound_at + WINDOW
        row = state.topics.get(topic)
        if not state.exists or not state.topics:
            return Eligibility(False, "no_consent", e164, topic, rule=REASONS["no_consent"],
                               window_open_until=window)
        if row is None:
            return Eligibility(False, "topic_not_chosen", e164, topic,
                               rule=REASONS["topic_not_chosen"], window_open_until=window)
        reason = {"opted_in": "consented", "pending": "pending_confirmation",
                  "opted_out": "opted_out"}[row.status]
        rule = describe(None, row.channel) if reason == "opted_out" else REASONS[reason]
        blocked = state.sender_opt_outs.get((topic, sender)) if sender else None
        if reason == "consented" and blocked is not None and blocked[0] >= row.since:
            return Eligibility(False, "opted_out", e164, topic, blocked[1], blocked[0],
                               describe({"applies_to": "sender", "sender": sender,
                                         "rule": business.opt_out_scope}, "this sender"), window)
        return Eligibility(reason == "consented", reason, e164, topic, row.event_id, row.since,
                           rule, window)

    def eligibility_batch(self, business: Business, topic: str, phones: Iterable[str],
                          sender: str | None = None) -> Iterator[dict[str, Any]]:
        """Answer a campaign list in order, one dict per input; bad numbers get an error."""
        self._check_topic(business, topic)
        batch: list[str] = []
        for phone in phones:
            batch.append(phone)
            if len(batch) >= BULK_CHUNK:
                yield from self._answer_chunk(business, topic, batch, sender)
                batch = []
        if batch:
            yield from self._answer_chunk(business, topic, batch, sender)

    def _answer_chunk(self, business: Business, topic: str, phones: list[str],
                      sender: str | None) -> Iterator[dict[str, Any]]:
        parsed: list[tuple[str, str | None, GatewayError | None]] = []
        for raw in phones:
            try:
                # Plain E.164 is what campaign tools send; skip the full parse for it.
                e164 = raw if is_plain_e164(raw) else to_e164(raw, business.country)
                parsed.append((raw, e164, None))
            except GatewayError as exc:
                parsed.append((raw, None, exc))
        refs = {e164: self.ref(business, e164) for _, e164, _ in parsed if e164}
        states = self.store.bulk_topic_state(business.id, topic, list(refs.values()))
        blocked = self.store.bulk_sender_opt_outs(business.id, topic, sender,
                                                  list(refs.values())) if sender else {}
        log: list[tuple[str, str, bool, str]] = []
        for raw, e164, error in parsed:
            if error is not None or e164 is None:
                assert error is not None
                yield {"phone": raw, "allowed": False, "error": {
                    "code": error.code, "message": error.message("en")}}
                continue
            ref = refs[e164]
            state = states.get(ref, ...)
            if state is ...:
                answer: dict[str, Any] = {"phone": e164, "allowed": False,
                                          "reason": "no_consent"}
            elif state is None:
                answer = {"phone": e164, "allowed": False, "reason": "topic_not_chosen"}
            else:
                status, event_id, since = state
                reason = {"opted_in": "consented", "pending": "pending_confirmation",
                          "opted_out": "opted_out"}[status]
                block = blocked.get(ref)
                if reason == "consented" and block is not None and block[0] >= since:
                    reason, event_id = "opted_out", block[1]
                answer = {"phone": e164, "allowed": reason == "consented", "reason": reason,
                          "event_id": event_id}
            if answer["allowed"]:
                log.append((ref, topic, True, answer["reason"]))
            yield answer
        if self.bulk_answer_log is not None and log:
            self.bulk_answer_log(business.id, log, sender)

    def contact(self, business: Business, phone: str) -> tuple[str, Any, list[ConsentEvent]]:
        """E.164, current state per topic and every event of one number."""
        e164 = to_e164(phone, business.country)
        ref = self.ref(business, e164)
        state = self.store.contact_state(business.id, ref)
        if not state.exists:
            raise NotFound("contact_unknown", field="phone")
        return e164, state, self.store.contact_events(business, ref)
