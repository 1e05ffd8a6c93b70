"""Meta WhatsApp Cloud API webhook: verify handshake, signed deliveries, replies via the outbox.

``GET /hooks/meta/whatsapp`` answers the ``hub.challenge`` when the verify token matches.
``POST`` checks ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret)
and handles every entry / change / item of a delivery (read by ``channels.meta_payloads``):
customer messages (the shared dialog in ``gateway.messaging.service``), ``user_preferences``
stop / resume / In-App Signup, statuses (131050 ends marketing; 131049, 130472 and 131026
are delivery facts; free entry points), WhatsApp calls and changed numbers or user IDs. A
person may come by number, by WhatsApp user ID alone, or both (then linked). It answers 200
at once; replies are enqueued for ``optin-gateway worker``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, jsonify
from flask import request as flask_request

from channels.meta_payloads import (
    Item,
    Who,
    dicts,
    free_entry,
    identity_change,
    items,
    message_id,
    metadata,
    parse_message,
    sender,
    shared_contact,
    stamp,
    user_call,
    when,
    who,
    words,
)
from gateway.core.consent import Business
from gateway.core.errors import GatewayError
from gateway.core.identity import PHONE, USER_ID, Identifier
from gateway.core.limits import MAX_LENGTH
from gateway.http import error_json, gw
from gateway.messaging.conversation import Inbound
from gateway.messaging.whatsapp_send import graph_messages

CHANNEL = "whatsapp"
CSRF_EXEMPT = True
bp = Blueprint("meta_whatsapp", __name__)
log = logging.getLogger("gateway.meta_whatsapp")

def signature_ok(raw: bytes, header: str, secret: str | None) -> bool:
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[7:].strip().lower())


# -- views ------------------------------------------------------------------------------------

@bp.get("/hooks/meta/whatsapp")
def verify() -> Any:
    """Meta's subscription handshake: echo hub.challenge if the verify token matches."""
    args = flask_request.args
    token = args.get("hub.verify_token", "")
    tokens = [gw().settings.meta_verify_token] + [
        b.settings.get("meta_verify_token") for b in gw().service.businesses()]
    if args.get("hub.mode") == "subscribe" and token and any(
            isinstance(t, str) and t and hmac.compare_digest(t, token) for t in tokens):
        return Response(args.get("hub.challenge", ""), mimetype="text/plain")
    abort(403)


class _Businesses:
    """Per-delivery lookup: by phone_number_id, else by the display number."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], Business | None] = {}

    def __call__(self, value: Mapping[str, Any]) -> Business | None:
        meta = metadata(value)
        key = (words(meta.get("phone_number_id"), 40), words(meta.get("display_phone_number"), 20))
        if key not in self.cache:
            business = gw().service.business_for_meta_id(key[0]) if key[0] else None
            shown = sender(value)
            if business is None and shown:
                business = gw().service.business_for_number(shown.removeprefix("whatsapp:"))
            self.cache[key] = business
        return self.cache[key]


@bp.post("/hooks/meta/whatsapp")
def receive() -> Any:
    """A signed delivery: handle every item, answer 200 without waiting on any send."""
    raw = flask_request.get_data()
    header = flask_request.headers.get("X-Hub-Signature-256", "")
    trusted_all = signature_ok(raw, header, gw().settings.meta_app_secret)
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    lookup = _Businesses()
    trusted: set[int] = set()
    if not trusted_all and isinstance(body, dict):
        # A business with its own Meta app signs with its own secret; such a delivery may
        # only touch that business.
        for item in items(body):
            business = lookup(item.value)
            secret = business.settings.get("meta_app_secret") if business else None
            if business and isinstance(secret, str) and signature_ok(raw, header, secret):
                trusted.add(business.id)
    if not trusted_all and not trusted:
        log.warning("bad Meta signature on %s", flask_request.path)
        abort(403)
    if not isinstance(body, dict):
        return error_json(400, "bad_request", "The body is not a JSON object.")
    now = gw().service.clock()
    handled = 0
    for item in items(body):
        business = lookup(item.value)
        if business is None or not (trusted_all or business.id in trusted):
            log.warning("Meta %s for an unknown phone number id ignored", item.kind)
            continue
        try:
            handled += _handle(business, item, now)
        except GatewayError as exc:  # one bad item never loses the rest of the delivery
            log.warning("Meta %s ignored: %s", item.kind, exc.code)
    return jsonify({"ok": True, "handled": handled})


def _handle(business: Business, item: Item, now: datetime) -> int:
    if item.kind == "message":
        return _message(business, item, now)
    if item.kind == "preference":
        return _preference(business, item, now)
    if item.kind == "identity":
        return _identity(business, item, now)
    if item.kind == "call":
        return _call(business, item, now)
    return _status(business, item, now)


def _call(business: Business, item: Item, now: datetime) -> int:
    """A WhatsApp call from the person: the service window opens, as with a message."""
    found = user_call(item, now)
    platform = gw().messaging.platform
    if found is None or platform is None:
        return 0
    person, at = found
    call_id = message_id(item.data.get("id"), "id")
    if person.phone and person.user_id:
        gw().messaging.link_seen(business, _seen(person, f"meta-call:{call_id}", at))
    platform.call(business, person.key, at=at, user_id=person.user_id)
    return 1


def _message(business: Business, item: Item, now: datetime) -> int:
    message = parse_message(item, now)
    if message is None:
        return 0
    with gw().messaging.transaction():  # the message and its queued replies, together
        result = gw().messaging.handle(business, message)
        own = shared_contact(item)
        if own is not None and message.user_id and own.phone:  # they shared their number
            gw().service.link(business, Identifier(USER_ID, message.user_id),
                              Identifier(PHONE, own.phone),
                              evidence={"provider": "meta", "message_id": message.message_id,
                                        "origin": "contact_request"},
                              occurred_at=message.occurred_at, actor="meta")
        pnid = words(metadata(item.value).get("phone_number_id"), 40)
        to = message.phone.lstrip("+") if message.phone else message.user_id or ""
        bodies = [b for reply in result.replies for b in graph_messages(to, reply)]
        gw().messaging.queue_whatsapp(business, bodies, phone_number_id=pnid,
                                      message_id=message.message_id)
    return 1


def _identity(business: Business, item: Item, now: datetime) -> int:
    """A changed number or user ID: the old identifier is linked to the new one."""
    change = identity_change(item)
    if change is None:
        return 0
    before, after = change
    old = Identifier(USER_ID, before.user_id) if before.user_id else \
        Identifier(PHONE, before.phone)
    new = Identifier(USER_ID, after.user_id) if after.user_id else Identifier(PHONE, after.phone)
    also = Identifier(PHONE, after.phone) if after.user_id and after.phone else None
    data = item.data
    gw().messaging.identity_change(
        business, old, new, also=also, occurred_at=when(data.get("timestamp"), now),
        evidence={"provider": "meta", "type": words(data.get("type") or "user_id_update", 40),
                  "message_id": words(data.get("id"), 120) or None})
    if before.phone and after.phone and before.phone != after.phone and not before.user_id:
        gw().messaging.identity_change(business, Identifier(PHONE, before.phone),
                                       Identifier(PHONE, after.phone), occurred_at=when(
                                           data.get("timestamp"), now),
                                       evidence={"provider": "meta", "type": "number"})
    return 1


def _preference(business: Business, item: Item, now: datetime) -> int:
    pref = item.data
    value = words(pref.get("value"), 20).lower()
    if pref.get("category") != "marketing_messages" or value not in ("stop", "resume",
                                                                      "signup"):
        return 0
    person = who(pref.get("wa_id"), pref.get("user_id"), pref.get("parent_user_id"))
    if not person.key:
        contact = next(dicts(item.value.get("contacts")), {})  # the user ID may be only here
        person = who(contact.get("wa_id"), contact.get("user_id"))
    if not person.key:
        return 0
    moment = stamp(pref.get("timestamp"))
    evidence = {"value": value, "category": "marketing_messages",
                "detail": words(pref.get("detail"), MAX_LENGTH["evidence_text"]) or None,
                "timestamp": moment}
    key = f"meta-up:{_key_part(person)}:{value}:{moment}"
    if person.phone and person.user_id:
        gw().messaging.link_seen(business, _seen(person, key, when(moment, now)))
    if value == "signup":  # In-App Signup: an opt-in from the link (docs/delivery.md)
        signup_id = words(pref.get("signup_id"), 64)
        platform = gw().messaging.platform
        if not signup_id or platform is None:
            return 0
        recorded = platform.signup(business, person.key, signup_id=signup_id, key=key,
                                   occurred_at=when(moment, now), evidence=evidence,
                                   sender=sender(item.value))
        return int(recorded is not None)
    if value == "stop":
        gw().messaging.marketing_stop(business, person.key, signal="meta_user_preferences",
                                      key=key, occurred_at=when(moment, now),
                                      evidence=evidence, sender=sender(item.value))
    else:
        gw().messaging.marketing_resume(business, person.key, key=key,
                                        occurred_at=when(moment, now), evidence=evidence,
                                        sender=sender(item.value))
    return 1


def _status(business: Business, item: Item, now: datetime) -> int:
    """A status: 131050 is an opt-out (issue 9); 131049, 130472 and 131026 are delivery
    facts, never consent; a sent status priced as a free entry point opens its window."""
    status = item.data
    state = status.get("status")
    if state not in ("failed", "sent", "delivered", "read"):
        return 0
    person = who(status.get("recipient_id"), status.get("recipient_user_id"),
                 status.get("recipient_parent_user_id"))
    if not person.key:
        return 0
    at = when(stamp(status.get("timestamp")) or None, now)
    if state != "failed":
        return _free_entry(business, person, status, at)
    status_id = message_id(status.get("id"), "id")
    handled = 0
    for error in dicts(status.get("errors")):
        code = words(error.get("code"), 16)
        evidence = {"status_id": status_id, "status": "failed",
                    "error": {"code": int(code) if code.isdigit() else code,
                              "title": words(error.get("title"), 200)}}
        if code == "131050":
            gw().messaging.delivery_failure(
                business, person.key, "131050", channel="whatsapp",
                key=f"meta-status:{status_id}:131050", occurred_at=at,
                sender=sender(item.value), evidence=evidence)
            handled = 1
        elif gw().messaging.platform is not None and gw().messaging.platform.failed_send(
                business, person.key, provider="meta", code=code, source_id=status_id,
                occurred_at=at, evidence=evidence):
            handled = 1
    return handled


def _free_entry(business: Business, person: Who, status: Mapping[str, Any],
                at: datetime) -> int:
    found, until = free_entry(status)
    platform = gw().messaging.platform
    if not found or platform is None:
        return 0  # sent / delivered / read say nothing else about consent or delivery
    status_id = message_id(status.get("id"), "id")
    pricing = status.get("pricing") if isinstance(status.get("pricing"), Mapping) else {}
    return int(platform.free_entry(
        business, person.key, provider="meta", source_id=status_id, answered_at=at,
        until=until, evidence={"status_id": status_id,
                               "status": words(status.get("status"), 20),
                               "pricing": {k: words(pricing.get(k), 40) for k in
                                           ("category", "type", "pricing_model")
                                           if pricing.get(k)}}))


def _key_part(person: Who) -> str:
    """The identifier part of an idempotency key: the wa_id digits as before, or the ID."""
    return person.phone.lstrip("+") if person.phone else person.user_id or ""


def _seen(person: Who, key: str, at: datetime) -> Inbound:
    """A stand-in message for a signal that shows a number and a user ID together."""
    return Inbound(provider="meta", message_id=key, channel="whatsapp", phone=person.phone,
                   user_id=person.user_id, parent_user_id=person.parent_user_id, occurred_at=at)
