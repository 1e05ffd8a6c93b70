"""What the WhatsApp platform tells the business beside consent: delivery facts from failed
sends, free entry points, WhatsApp calls, and In-App Signup opt-ins (docs/delivery.md).

Pure Python behind ports, like the rest of the area: the channels parse Meta's and Twilio's
payloads and call :class:`PlatformSignals` (``gw().messaging.platform``). A delivery fact is
never a consent event: a 131049 records a cooldown, it ends nothing the person chose. The
one consent written here is the In-App Signup opt-in, through ``ConsentService.capture``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from gateway.core.consent import Action, Business, Capture, Recorded
from gateway.core.delivery import (
    NO_SIGNUP,
    DeliveryFact,
    PlatformRule,
    Rules,
    country_of,
    failure_fact,
    free_entry_fact,
    make_rule,
)
from gateway.core.identity import is_bsuid
from gateway.core.phones import mask
from gateway.core.service import ConsentService

log = logging.getLogger("gateway.messaging.platform")
SIGNUP_KIND = "signup"  # the wording kind of In-App Signup opt-ins


class DeliveryStore(Protocol):
    """``gateway.store.delivery_store.SqlDeliveryStore`` implements it."""

    def record_fact(self, business_id: int, subject_ref: str, fact: DeliveryFact, *,
                    phone: str | None = None, user_id: str | None = None) -> bool: ...
    def rules(self) -> Rules: ...
    def list_rules(self) -> list[PlatformRule]: ...
    def add_rule(self, rule: PlatformRule, actor: str | None = None) -> PlatformRule: ...
    def end_rule(self, rule_id: int, at: datetime, actor: str | None = None
                 ) -> PlatformRule: ...


def _contact(identifier: str) -> dict[str, str | None]:
    """The contact row a fact may create: a number, or a user ID."""
    return {"user_id": identifier} if is_bsuid(identifier) else {"phone": identifier}


def _who(identifier: str) -> dict[str, Any]:
    """A Capture's who: by phone, else by user ID alone (never a made-up number)."""
    return {"phone": "", "user_id": identifier} if is_bsuid(identifier) else \
        {"phone": identifier}


class PlatformSignals:
    """Records what statuses, calls and signups say; reads and edits the platform rules."""

    def __init__(self, store: DeliveryStore, service: ConsentService, consent_store: Any,
                 peer: Any = None):
        self.store = store
        self.service = service
        self.consent_store = consent_store  # touch_inbound, current_wording
        self.peer = peer  # name -> another area's service (placements), via the container

    def _record(self, business: Business, identifier: str, fact: DeliveryFact) -> bool:
        ref = self.service.ref(business, identifier)
        return self.store.record_fact(business.id, ref, fact, **_contact(identifier))

    def failed_send(self, business: Business, identifier: str, *, provider: str, code: str,
                    source_id: str, occurred_at: datetime, evidence: Mapping[str, Any]
                    ) -> bool:
        """A failed send whose error says the platform will not deliver for a while
        (131049 / 63049, 130472 / 63032, 131026 / 63024); False for other errors and for
        a status already recorded."""
        fact = failure_fact(provider, code, occurred_at, source_id=source_id,
                            evidence=evidence)
        if fact is None:
            return False
        recorded = self._record(business, identifier, fact)
        log.info("%s error %s to %s: %s until %s%s", provider, code, mask(identifier),
                 fact.kind, fact.until, "" if recorded else " (already recorded)")
        return recorded

    def free_entry(self, business: Business, identifier: str, *, provider: str,
                   source_id: str, answered_at: datetime, evidence: Mapping[str, Any],
                   until: datetime | None = None) -> bool:
        """An ad or page-button chat the business answered within 24 hours: 72 hours in
        which its messages are free (and marketing reaches a held-out person)."""
        fact = free_entry_fact(provider, answered_at, source_id=source_id, evidence=evidence,
                               until=until)
        return self._record(business, identifier, fact)

    def call(self, business: Business, identifier: str, *, at: datetime,
             user_id: str | None = None) -> None:
        """A WhatsApp call from the person opens the 24-hour service window, as a message
        does (Meta: the window opens on a user's message or call)."""
        ref = self.service.ref(business, identifier)
        phone = None if is_bsuid(identifier) else identifier
        self.consent_store.touch_inbound(business.id, ref, phone, at,
                                         user_id=user_id if phone is None else None)

    # -- the platform rules (data, edited without a release) ------------------------------

    def rules(self) -> list[PlatformRule]:
        return self.store.list_rules()

    def add_rule(self, kind: str, country: str, category: str | None, *, since: datetime,
                 source: str, until: datetime | None = None, note: str = "",
                 actor: str | None = None) -> PlatformRule:
        """A rule the platform announced, with its source; ValueError says what is wrong."""
        return self.store.add_rule(make_rule(kind, country, category, since=since,
                                             source=source, until=until, note=note), actor)

    def end_rule(self, rule_id: int, at: datetime, actor: str | None = None) -> PlatformRule:
        """A rule the platform dropped: it no longer applies from ``at``; kept for the
        answers it explained."""
        return self.store.end_rule(rule_id, at, actor)

    # -- In-App Signup ------------------------------------------------------------------

    def signup_offered(self, business: Business, now: datetime) -> bool:
        """Meta offers In-App Signup to this business's number (not in its excluded
        countries, a platform rule)."""
        return self.store.rules().find(NO_SIGNUP, country_of(business.whatsapp_number), None,
                                       now) is None

    def signup(self, business: Business, identifier: str, *, signup_id: str, key: str,
               occurred_at: datetime, evidence: Mapping[str, Any],
               sender: str | None = None) -> Recorded | None:
        """A ``user_preferences`` signup from an In-App Signup link: an opt-in to the
        link's topic (else every marketing topic), with the link id as evidence, under the
        wording the link shows (else the business's current "signup" wording)."""
        placements = self.peer("placements") if self.peer is not None else None
        link = placements.signup_link(business, signup_id) if placements else None
        topics = tuple(t.key for t in business.topics if t.category == "marketing")
        language = business.languages[0]
        text = None
        if link is not None:
            topics = (link.topic,) if link.topic else topics
            language = language if language in link.messages else next(iter(link.messages))
            text = link.messages[language]
        elif self.consent_store.current_wording(business.id, SIGNUP_KIND, language) is None:
            log.warning("signup %s for %s: no signup link or wording; nothing recorded",
                        signup_id, business.slug)
            return None
        if not topics:
            return None
        capture = Capture(
            business=business.slug, **_who(identifier), channel="whatsapp",
            method="button", action=Action.OPT_IN, topics=topics, wording_kind=SIGNUP_KIND,
            wording_text=text, language=language, occurred_at=occurred_at,
            idempotency_key=key, sender=sender, actor="meta",
            evidence={**evidence, "signal": "meta_in_app_signup", "signup_id": signup_id,
                      **({"placement_code": link.code} if link is not None else {})})
        return self.service.capture(capture, business)
