"""Meta WhatsApp Cloud API webhook: verify handshake, signed deliveries, replies via the outbox.

``GET /hooks/meta/whatsapp`` answers the ``hub.challenge`` when the verify token matches.
``POST`` checks ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret)
and handles every entry / change / item of a delivery: customer messages (the shared dialog
in ``gateway.messaging.service``), ``user_preferences`` stop / resume, and statuses (only error 131050
matters). It answers 200 at once; replies are enqueued for ``optin-gateway worker``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, jsonify
from flask import request as flask_request

from gateway.core.consent import Business
from gateway.core.errors import GatewayError
from gateway.core.phones import to_e164
from gateway.core.revocation import sender_address
from gateway.http import error_json, gw
from gateway.messaging.conversation import Inbound
from gateway.messaging.whatsapp_send import graph_messages

CHANNEL = "whatsapp"
CSRF_EXEMPT = True
bp = Blueprint("meta_whatsapp", __name__)
log = logging.getLogger("gateway.meta_whatsapp")

SKIPPED_TYPES = {"reaction", "system", "ephemeral"}  # nothing a customer asked us
REFERRAL_FIELDS = ("source_id", "source_type", "source_url", "headline", "body", "ctwa_clid",
                   "media_type", "image_url", "video_url", "thumbnail_url")


@dataclass(frozen=True)
class Item:
    """One thing in a delivery: a message, a status or a user preference, with its change."""

    kind: str  # message, status, preference
    value: Mapping[str, Any]  # the change's value (metadata, contacts)
    data: Mapping[str, Any]  # the message / status / preference itself


def items(body: Mapping[str, Any]) -> Iterator[Item]:
    """Every message, status and user preference in a delivery (several per delivery)."""
    for entry in body.get("entry") or ():
        for change in (entry or {}).get("changes") or ():
            value = (change or {}).get("value") or {}
            field = (change or {}).get("field")
            if field == "user_preferences":
                for pref in value.get("user_preferences") or ():
                    yield Item("preference", value, pref)
                continue
            if field not in (None, "messages"):
                continue
            for message in value.get("messages") or ():
                yield Item("message", value, message)
            for status in value.get("statuses") or ():
                yield Item("status", value, status)


def _time(raw: Any, fallback: datetime) -> datetime:
    try:
        return min(datetime.fromtimestamp(int(raw), UTC), fallback)
    except (TypeError, ValueError, OverflowError):
        return fallback


def _sender(value: Mapping[str, Any]) -> str | None:
    display = str((value.get("metadata") or {}).get("display_phone_number") or "")
    try:
        if not display:
            return None
        return sender_address("whatsapp", to_e164("+" + display.lstrip("+"), None,
                                                  customer=False))
    except GatewayError:
        return None


def parse_message(item: Item, now: datetime) -> Inbound | None:
    """A Cloud API message -> ``Inbound`` (None for reactions and system notices)."""
    m = item.data
    kind = m.get("type", "")
    if kind in SKIPPED_TYPES or not m.get("id") or not m.get("from"):
        return None
    text, button_id = "", None
    if kind == "text":
        text = str((m.get("text") or {}).get("body") or "")
    elif kind == "interactive":
        reply = (m.get("interactive") or {})
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        text, button_id = str(chosen.get("title") or ""), str(chosen.get("id") or "") or None
    elif kind == "button":  # a template's quick-reply button
        button = m.get("button") or {}
        text, button_id = str(button.get("text") or ""), str(button.get("payload") or "") or None
    else:  # media: a caption is still words the customer wrote
        text = str((m.get(kind) or {}).get("caption") or "") if isinstance(m.get(kind), dict) \
            else ""
    wa_id = str(m["from"])
    profile = next((c.get("profile", {}).get("name") for c in item.value.get("contacts") or ()
                    if c.get("wa_id") == wa_id), None)
    referral = {k: m["referral"][k] for k in REFERRAL_FIELDS
                if isinstance(m.get("referral"), dict) and m["referral"].get(k)}
    evidence: dict[str, Any] = {"type": kind,
                                "phone_number_id": (item.value.get("metadata") or {}).get(
                                    "phone_number_id")}
    if (m.get("context") or {}).get("id"):
        evidence["replied_to"] = m["context"]["id"]
    return Inbound(
        provider="meta", message_id=str(m["id"]), channel="whatsapp",
        phone=to_e164(wa_id, None, wa_id=True), occurred_at=_time(m.get("timestamp"), now),
        text=text, button_id=button_id, sender=_sender(item.value), evidence=evidence,
        personal={"profile_name": profile} if profile else {},
        attribution={"channel": "ad", "evidence": {"referral": referral}} if referral else None,
        interactive=True)


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
        meta = value.get("metadata") or {}
        key = (str(meta.get("phone_number_id") or ""), str(meta.get("display_phone_number") or ""))
        if key not in self.cache:
            business = gw().service.business_for_meta_id(key[0]) if key[0] else None
            sender = _sender(value)
            if business is None and sender:
                business = gw().service.business_for_number(sender.removeprefix("whatsapp:"))
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
        message = parse_message(item, now)
        if message is None:
            return 0
        result = gw().messaging.handle(business, message)
        pnid = str((item.value.get("metadata") or {}).get("phone_number_id") or "")
        to = message.phone.lstrip("+")
        bodies = [b for reply in result.replies for b in graph_messages(to, reply)]
        gw().messaging.queue_whatsapp(business, bodies, phone_number_id=pnid,
                                      message_id=message.message_id)
        return 1
    if item.kind == "preference":
        return _preference(business, item, now)
    return _status(business, item, now)


def _preference(business: Business, item: Item, now: datetime) -> int:
    pref = item.data
    value = str(pref.get("value") or "").lower()
    if pref.get("category") != "marketing_messages" or value not in ("stop", "resume"):
        return 0
    wa_id = str(pref.get("wa_id") or "")
    phone = to_e164(wa_id, None, wa_id=True)
    stamp = str(pref.get("timestamp") or "")
    at = _time(stamp, now)
    evidence = {"value": value, "category": pref.get("category"), "detail": pref.get("detail"),
                "timestamp": stamp}
    key = f"meta-up:{wa_id}:{value}:{stamp}"
    if value == "stop":
        gw().messaging.marketing_stop(business, phone, signal="meta_user_preferences", key=key,
                                      occurred_at=at, evidence=evidence,
                                      sender=_sender(item.value))
    else:
        gw().messaging.marketing_resume(business, phone, key=key, occurred_at=at,
                                        evidence=evidence, sender=_sender(item.value))
    return 1


def _status(business: Business, item: Item, now: datetime) -> int:
    status = item.data
    codes = {str(e.get("code")) for e in status.get("errors") or () if isinstance(e, dict)}
    if status.get("status") != "failed" or "131050" not in codes:
        return 0  # sent / delivered / read and other failures say nothing about consent
    recipient = str(status.get("recipient_id") or "")
    error = next(e for e in status["errors"] if str(e.get("code")) == "131050")
    gw().messaging.delivery_failure(
        business, to_e164(recipient, None, wa_id=True), "131050", channel="whatsapp",
        key=f"meta-status:{status.get('id')}:131050", occurred_at=_time(status.get("timestamp"),
                                                                        now),
        sender=_sender(item.value),
        evidence={"status_id": status.get("id"), "status": "failed",
                  "error": {"code": error.get("code"), "title": error.get("title")}})
    return 1
