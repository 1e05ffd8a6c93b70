"""Double opt-in use cases: issue a code for a pending web opt-in, confirm it from WhatsApp.

What a confirmation is, and the store port, are in :mod:`gateway.web.confirmations`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from gateway.core import codes
from gateway.core.consent import Business, Capture, ConsentEvent, Recorded
from gateway.core.phones import mask
from gateway.core.service import ConsentService
from gateway.web.confirmations import (
    ISSUE_ATTEMPTS,
    TTL,
    CodeTaken,
    Confirmation,
    ConfirmationStore,
    new_confirmation,
    usable,
)

log = logging.getLogger("gateway.confirmations")


class ConfirmationService:
    """Issue codes for pending web opt-ins; confirm them when the WhatsApp message arrives."""

    def __init__(self, store: ConfirmationStore, consent: ConsentService,
                 clock: Callable[[], datetime], ttl: timedelta = TTL,
                 new_code: Callable[[], str] = codes.new_confirmation_code):
        self.store = store
        self.consent = consent
        self.clock = clock
        self.ttl = ttl
        self.new_code = new_code

    def issue(self, business: Business, event: ConsentEvent) -> Confirmation:
        """The code for a pending event; the same one again for the same event (double submit)."""
        existing = self.store.for_event(event.event_id)
        if existing is not None:
            return existing
        now = self.clock()
        for attempt in range(ISSUE_ATTEMPTS):
            try:
                return self.store.add(new_confirmation(event, now, self.new_code(), self.ttl))
            except CodeTaken:
                if attempt == 0:
                    self.store.expire_stale(business.id, now)  # free codes of expired rows
        raise RuntimeError("could not find a free confirmation code")

    def confirm(self, business: Business, code: str, phone_e164: str, *,
                evidence: Mapping[str, Any], occurred_at: datetime | str | None,
                idempotency_key: str) -> Recorded | None:
        """Record the confirmed opt-in; None for an unknown, expired or used code or another phone.

        Calling again with the same ``idempotency_key`` (a redelivered message) returns the
        event recorded the first time.
        """
        found = self.store.lookup(business.id, code)
        if found is None or found.id is None:
            return None
        ref = self.consent.ref(business, phone_e164)
        verdict = usable(found, ref, self.clock(), idempotency_key)
        if verdict not in ("ok", "retry"):
            log.info("confirmation %s refused for %s: %s", found.id, mask(phone_e164), verdict)
            return None
        if verdict == "ok" and not self.store.claim(found.id, self.clock(), idempotency_key):
            # Another delivery won the race: fine if it was this same message.
            again = self.store.lookup(business.id, code)
            if again is None or usable(again, ref, self.clock(), idempotency_key) != "retry":
                return None
        capture = Capture(
            business=business.slug, phone=phone_e164, channel="whatsapp", method="keyword",
            action="opt_in", topics=found.topics, wording_id=found.wording_id,
            language=found.language, occurred_at=occurred_at, idempotency_key=idempotency_key,
            evidence={**evidence, "pending_event_id": found.pending_event_id,
                      "confirmation_code": found.code},
            actor="confirmation")
        try:
            recorded = self.consent.capture(capture, business)
        except Exception:
            if verdict == "ok":
                self.store.release(found.id)  # nothing recorded: the code stays usable
            raise
        self.store.set_event(found.id, recorded.event.event_id)
        return recorded

