"""The messaging use cases: one inbound message, and the providers' revocation signals.

Pure Python (ports, no Flask or SQLAlchemy) so both adapters share it: the Twilio adapter
(SMS and WhatsApp, TwiML replies) and the Meta Cloud API adapter (replies via the outbox).
Every consent it writes goes through ``ConsentService.capture``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from gateway.core.codes import find_confirmation_code, find_placement_code
from gateway.core.consent import Action, Business, Capture, ConsentEvent, Recorded
from gateway.core.identity import PHONE, USER_ID, Identifier, is_bsuid
from gateway.core.phones import mask
from gateway.core.service import ConsentService
from gateway.core.subjects import MOVED, SAME
from gateway.messaging.conversation import Choice, Context, Inbound, Reply, State, advance, is_fresh
from gateway.messaging.platform import PlatformSignals
from gateway.messaging.whatsapp_send import KIND as WHATSAPP_SEND

log = logging.getLogger("gateway.messaging")

# Signals meaning "this person stopped marketing messages" (resumable by Meta's "resume").
MARKETING_STOP_SIGNALS = ("meta_user_preferences", "meta_error_131050")
# Twilio delivery errors meaning the person stopped everything from that sender:
# 21610 = they replied STOP to that number (Twilio's blocklist); 63014 = they blocked the
# sender in the channel (e.g. WhatsApp) or removed consent. Neither is topic-specific.
TWILIO_STOP_ERRORS = {"21610": "twilio_error_21610", "63014": "twilio_error_63014"}
DUPLICATE_WAIT = 3.0  # seconds a redelivery waits for the first delivery's reply


class MessagingStore(Protocol):
    def transaction(self) -> AbstractContextManager[None]: ...
    def claim_inbound(self, provider: str, message_id: str, business_id: int | None) -> Any: ...
    def get_inbound(self, provider: str, message_id: str) -> Any: ...
    def load_conversation(self, business_id: int, subject_ref: str, channel: str,
                          sender: str | None) -> State | None: ...
    def complete(self, provider: str, message_id: str, reply: list[dict[str, Any]],
                 intent: str, business_id: int, subject_ref: str, channel: str,
                 sender: str | None, state: State) -> None: ...


class Peers(Protocol):
    """Other areas' services, reached through the container (never imported from here):
    ``confirmations`` (area web: double opt-in codes) and ``placements`` (QR attribution)."""

    confirmations: Any
    placements: Any


@dataclass(frozen=True)
class Handled:
    replies: tuple[Reply, ...]
    duplicate: bool = False
    recorded: tuple[Recorded, ...] = ()
    intent: str = ""


def _who(identifier: str) -> dict[str, Any]:
    """A Capture's who for a provider signal naming a number or a WhatsApp user ID."""
    return {"phone": "", "user_id": identifier} if is_bsuid(identifier) else \
        {"phone": identifier}


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "button": reply.button, "section": reply.section,
            "choices": [dataclasses.asdict(c) for c in reply.choices]}


def reply_from_json(data: Mapping[str, Any]) -> Reply:
    return Reply(str(data.get("text", "")),
                 tuple(Choice(**c) for c in data.get("choices") or ()),
                 str(data.get("button", "")), str(data.get("section", "")))


class Messaging:
    """Runs inbound messages through the dialog and records what they mean."""

    def __init__(self, store: MessagingStore, service: ConsentService, consent_store: Any,
                 outbox: Any = None, peers: Peers | None = None, facts: Any = None):
        self.store = store
        self.service = service
        self.consent_store = consent_store  # touch_inbound, contact_state, current_wording
        self.outbox = outbox  # replies of the Cloud API channel, sent by the worker
        self.peers = peers  # the container: other areas' services, looked up when needed
        # Delivery facts, WhatsApp calls, In-App Signup (gateway.messaging.platform).
        self.platform = PlatformSignals(facts, service, consent_store, self._peer) \
            if facts is not None else None

    def _peer(self, name: str) -> Any:
        return getattr(self.peers, name, None) if self.peers is not None else None

    # -- one inbound message ----------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[None]:
        """A unit of work for a channel: what it writes inside (a handled message and the
        replies it queues) commits together or not at all."""
        return self.store.transaction()

    def handle(self, business: Business, inbound: Inbound) -> Handled:
        """Handle a message once; a redelivery of the same id returns the same replies.

        One transaction: the dedupe row, the links it shows, the 24-hour window, the consent
        events, the conversation step and the stored reply commit together, so a crash
        leaves either all of them or none (and the provider's retry is handled afresh)."""
        with self.store.transaction():
            claim = self.store.claim_inbound(inbound.provider, inbound.message_id,
                                             business.id)
            if not claim.new:
                return Handled(self._stored_reply(inbound, claim), duplicate=True)
            self.link_seen(business, inbound)
            handled, ref, state = self._handle(business, inbound)
            self.store.complete(inbound.provider, inbound.message_id,
                                [reply_to_json(r) for r in handled.replies], handled.intent,
                                business.id, ref, inbound.channel, inbound.sender, state)
            self._free_entry(business, inbound, handled)
            return handled

    def _free_entry(self, business: Business, inbound: Inbound, handled: Handled) -> None:
        """A click-to-WhatsApp ad or page-button chat answered at once opens the 72-hour
        free entry point. Twilio sends the TwiML reply now; a Cloud API reply goes out
        through the outbox, so Meta's own signal on its status decides there instead."""
        referral = (inbound.attribution or {}).get("evidence", {}).get("referral")
        if not referral or not handled.replies or self.platform is None or \
                inbound.provider != "twilio" or inbound.channel != "whatsapp":
            return
        self.platform.free_entry(business, inbound.who, provider="twilio",
                                 source_id=inbound.message_id,
                                 answered_at=self.service.clock(),
                                 evidence={"message_id": inbound.message_id,
                                           "referral": dict(referral)})

    def _stored_reply(self, inbound: Inbound, claim: Any) -> tuple[Reply, ...]:
        deadline = time.monotonic() + DUPLICATE_WAIT
        while claim is not None and claim.status == "processing" and time.monotonic() < deadline:
            time.sleep(0.05)  # the first delivery is still being handled (concurrent retry)
            claim = self.store.get_inbound(inbound.provider, inbound.message_id)
        if claim is None or claim.reply is None:
            return ()
        return tuple(reply_from_json(r) for r in claim.reply)

    def _handle(self, business: Business, inbound: Inbound) -> tuple[Handled, str, State]:
        ref = self.service.ref(business, inbound.who)
        if inbound.channel == "whatsapp":  # R2: the 24-hour window opens now
            self.consent_store.touch_inbound(business.id, ref, inbound.phone or None,
                                             inbound.occurred_at, user_id=inbound.user_id
                                             if not inbound.phone else None)
        state = self.store.load_conversation(business.id, ref, inbound.channel, inbound.sender)
        now = self.service.clock()
        inbound = self._confirm(business, inbound)
        if is_fresh(state, now) and not inbound.attribution:
            inbound = self._attribute(business, inbound)
        contact = self.service.person(business, ref)[0]  # with linked identifiers
        opted_in = frozenset(t for t, s in contact.topics.items() if s.status == "opted_in")
        ctx = Context(wording=lambda kind, lang: self.consent_store.current_wording(
            business.id, kind, lang), opted_in=opted_in, now=now)
        outcome = advance(business, state, inbound, ctx)
        recorded = tuple(self.service.capture(c, business) for c in outcome.captures)
        log.info("%s %s from %s: %s, %d event(s)", inbound.provider, inbound.channel,
                 mask(inbound.who), outcome.intent, len(recorded))
        return Handled(outcome.replies, recorded=recorded, intent=outcome.intent), ref, \
            outcome.state

    def _confirm(self, business: Business, inbound: Inbound) -> Inbound:
        """A double opt-in code sent from WhatsApp proves the number (area *web*)."""
        code = find_confirmation_code(inbound.text) if inbound.channel == "whatsapp" else None
        confirmations = self._peer("confirmations")
        if code is None or confirmations is None or not inbound.phone:
            return inbound  # a code proves a number: without one there is nothing to prove
        result = confirmations.confirm(
            business, code, inbound.phone,
            evidence={"provider": inbound.provider, "message_id": inbound.message_id,
                      "body": inbound.text, "channel": inbound.channel},
            occurred_at=inbound.occurred_at,
            idempotency_key=f"{inbound.provider}:{inbound.message_id}:confirm")
        return dataclasses.replace(inbound, confirmation=result is not None)

    def _attribute(self, business: Business, inbound: Inbound) -> Inbound:
        """A placement code (QR / link) on the first message: where the customer came from."""
        code = find_placement_code(inbound.text)
        placements = self._peer("placements")
        if code is None or placements is None:
            return inbound
        found = placements.attribution(business, code, inbound.occurred_at,
                                       conversation_ref=f"{inbound.provider}:{inbound.message_id}")
        if not found:
            return inbound
        return dataclasses.replace(inbound, attribution=dict(found))

    def queue_whatsapp(self, business: Business, bodies: Sequence[Mapping[str, Any]], *,
                       phone_number_id: str, message_id: str) -> None:
        """Cloud API replies go out through the outbox worker, so the webhook answers at once;
        the dedupe key keeps a redelivered message from sending its replies twice."""
        for n, body in enumerate(bodies):
            self.outbox.enqueue(WHATSAPP_SEND, {"phone_number_id": phone_number_id,
                                                "message": body},
                                dedupe_key=f"{message_id}:reply:{n}", business_id=business.id)

    # -- identities ---------------------------------------------------------------------

    def link_seen(self, business: Business, inbound: Inbound) -> None:
        """A message that shows a number and a user ID (and a parent ID) together: one
        person. Recorded once per pair, with this message as the evidence."""
        evidence = {"provider": inbound.provider, "message_id": inbound.message_id}
        ends = [Identifier(PHONE, inbound.phone) if inbound.phone else None,
                Identifier(USER_ID, inbound.user_id) if inbound.user_id else None,
                Identifier(USER_ID, inbound.parent_user_id) if inbound.parent_user_id
                else None]
        present = [end for end in ends if end is not None]
        for other in present[1:]:
            self.service.link(business, present[0] if other is present[1] else present[1],
                              other, SAME, evidence=evidence, occurred_at=inbound.occurred_at,
                              channel=inbound.channel, actor=inbound.provider)

    def identity_change(self, business: Business, old: Identifier, new: Identifier, *,
                        evidence: Mapping[str, Any], occurred_at: datetime,
                        also: Identifier | None = None) -> None:
        """WhatsApp says the person's number or user ID changed: old -> new (``moved``);
        ``also``: another identifier the new one comes with (the new number's user ID)."""
        self.service.link(business, old, new, MOVED, evidence=evidence, occurred_at=occurred_at,
                          actor="meta")
        if also is not None:
            self.service.link(business, new, also, SAME, evidence=evidence,
                              occurred_at=occurred_at, actor="meta")

    # -- provider signals -------------------------------------------------------------------

    def _marketing(self, business: Business) -> tuple[str, ...]:
        return tuple(t.key for t in business.topics if t.category == "marketing")

    def marketing_stop(self, business: Business, phone: str, *, signal: str, key: str,
                       occurred_at: datetime, evidence: Mapping[str, Any],
                       sender: str | None = None, actor: str = "meta") -> Recorded | None:
        """Meta user_preferences "stop" or error 131050: end every marketing topic.

        The event remembers which of them were opted in (with the opt-in event), carried over
        from an earlier stop, so that a "resume" restores exactly those and nothing else.
        """
        marketing = self._marketing(business)
        if not marketing:
            return None
        ref = self.service.ref(business, phone)
        state = self.consent_store.contact_state(business.id, ref)
        restorable: dict[str, str] = {}
        earlier: dict[str, ConsentEvent] | None = None
        for topic in marketing:
            row = state.topics.get(topic)
            if row is None:
                continue
            if row.status == "opted_in":
                restorable[topic] = row.event_id
            elif row.status == "opted_out":
                if earlier is None:
                    earlier = {e.event_id: e for e in
                               self.consent_store.contact_events(business, ref)}
                prev = earlier.get(row.event_id)
                carried = (prev.evidence.get("restorable") or {}) if prev is not None and \
                    prev.evidence.get("signal") in MARKETING_STOP_SIGNALS else {}
                if topic in carried:
                    restorable[topic] = carried[topic]
        capture = Capture(
            business=business.slug, **_who(phone), channel="whatsapp", method="provider",
            action=Action.OPT_OUT, topics=marketing, occurred_at=occurred_at,
            idempotency_key=key, sender=sender, actor=actor,
            evidence={**evidence, "signal": signal, "restorable": restorable})
        return self.service.capture(capture, business)

    def marketing_resume(self, business: Business, phone: str, *, key: str,
                         occurred_at: datetime, evidence: Mapping[str, Any],
                         sender: str | None = None) -> list[Recorded]:
        """Meta user_preferences "resume": re-enable only what the last stop ended.

        A topic is restored only if that stop is still what decides it (a later STOP OFFERS
        keeps offers off), under the wording of the customer's original opt-in.
        """
        ref = self.service.ref(business, phone)
        events = self.consent_store.contact_events(business, ref)
        stops = [e for e in events if e.action is Action.OPT_OUT and e.occurred_at <= occurred_at
                 and e.evidence.get("signal") in MARKETING_STOP_SIGNALS]
        if not stops:
            return []
        stop = stops[-1]
        state = self.consent_store.contact_state(business.id, ref)
        by_id = {e.event_id: e for e in events}
        groups: dict[str, tuple[ConsentEvent, list[str]]] = {}
        for topic, original_id in dict(stop.evidence.get("restorable") or {}).items():
            row = state.topics.get(topic)
            original = by_id.get(str(original_id))
            if row is None or row.status != "opted_out" or row.event_id != stop.event_id:
                continue
            if original is None or original.wording is None:
                continue
            groups.setdefault(original.wording.id, (original, []))[1].append(topic)
        recorded = []
        for n, wording_id in enumerate(sorted(groups)):
            original, topics = groups[wording_id]
            capture = Capture(
                business=business.slug, **_who(phone), channel="whatsapp", method="provider",
                action=Action.OPT_IN, topics=tuple(topics),
                wording_id=wording_id, language=original.language, occurred_at=occurred_at,
                idempotency_key=f"{key}:{n}", sender=sender, actor="meta",
                evidence={**evidence, "signal": "meta_user_preferences", "value": "resume",
                          "restores_event": original.event_id, "after_stop_event": stop.event_id})
            recorded.append(self.service.capture(capture, business))
        return recorded

    def delivery_failure(self, business: Business, phone: str, code: str, *, channel: str,
                         key: str, occurred_at: datetime, evidence: Mapping[str, Any],
                         sender: str | None = None) -> Recorded | None:
        """A failed send whose error means the person stopped messages (issue 9)."""
        if code == "131050":
            return self.marketing_stop(business, phone, signal="meta_error_131050", key=key,
                                       occurred_at=occurred_at, evidence=evidence, sender=sender)
        signal = TWILIO_STOP_ERRORS.get(code)
        if signal is None:
            return None
        if channel == "sms" and business.settings.get("sms_opt_out_ends_whatsapp") is False:
            return None
        capture = Capture(
            business=business.slug, **_who(phone), channel=channel, method="provider",
            action=Action.OPT_OUT, topics=None, occurred_at=occurred_at, idempotency_key=key,
            sender=sender, actor="twilio", evidence={**evidence, "signal": signal})
        return self.service.capture(capture, business)
