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
from gateway.core.errors import GatewayError, InvalidCapture
from gateway.core.limits import MAX_LENGTH, check_text, scrub
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


def _dicts(value: Any) -> Iterator[Mapping[str, Any]]:
    """The objects of a list, whatever else a malformed delivery put in it."""
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, Mapping))


def items(body: Mapping[str, Any]) -> Iterator[Item]:
    """Every message, status and user preference in a delivery (several per delivery).

    A delivery of an unexpected shape (``"entry": "x"``, ``changes: [null, 5]``) yields what
    it can and skips the rest: one broken part never costs the good ones."""
    for entry in _dicts(body.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, Mapping):
                continue
            field = change.get("field")
            if field == "user_preferences":
                for pref in _dicts(value.get("user_preferences")):
                    yield Item("preference", value, pref)
                continue
            if field not in (None, "messages"):
                continue
            for message in _dicts(value.get("messages")):
                yield Item("message", value, message)
            for status in _dicts(value.get("statuses")):
                yield Item("status", value, status)


def _time(raw: Any, fallback: datetime) -> datetime:
    try:
        return min(datetime.fromtimestamp(int(raw), UTC), fallback)
    except (TypeError, ValueError, OverflowError):
        return fallback


def _metadata(value: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = value.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _sender(value: Mapping[str, Any]) -> str | None:
    display = _words(_metadata(value).get("display_phone_number"), 20)
    try:
        if not display:
            return None
        return sender_address("whatsapp", to_e164("+" + display.lstrip("+"), None,
                                                  customer=False))
    except GatewayError:
        return None


def _id(value: Any, field: str) -> str:
    """A provider id (wamid, status id): text within the column, else InvalidCapture."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InvalidCapture("bad_field", field=field, field_name=field, detail="not an id")
    return check_text(str(value), "message_id")


def _words(value: Any, limit: int = MAX_LENGTH["message_text"]) -> str:
    return scrub(value, limit) if isinstance(value, str | int) else ""


def parse_message(item: Item, now: datetime) -> Inbound | None:
    """A Cloud API message -> ``Inbound`` (None for reactions and system notices).

    Ids and numbers of the wrong shape raise InvalidCapture (that item is logged and
    skipped); what the customer wrote is kept with control characters replaced."""
    m = item.data
    kind = m.get("type", "")
    if kind in SKIPPED_TYPES or not m.get("id") or not m.get("from"):
        return None
    message_id = _id(m["id"], "id")
    text, button_id = "", None
    part = m.get(kind) if isinstance(m.get(kind), Mapping) else {}
    if kind == "text":
        text = _words(part.get("body"))
    elif kind == "interactive":
        chosen = part.get("button_reply") or part.get("list_reply")
        chosen = chosen if isinstance(chosen, Mapping) else {}
        text, button_id = _words(chosen.get("title")), _words(chosen.get("id"), 256) or None
    elif kind == "button":  # a template's quick-reply button
        text, button_id = _words(part.get("text")), _words(part.get("payload"), 256) or None
    else:  # media: a caption is still words the customer wrote
        text = _words(part.get("caption"))
    wa_id = check_text(str(m["from"]), "phone")
    profile = next((_words((c.get("profile") or {}).get("name"), MAX_LENGTH["name"])
                    for c in _dicts(item.value.get("contacts"))
                    if c.get("wa_id") == wa_id and isinstance(c.get("profile"), Mapping)), None)
    raw_referral = m.get("referral") if isinstance(m.get("referral"), Mapping) else {}
    referral = {k: _words(raw_referral[k], MAX_LENGTH["evidence_text"])
                for k in REFERRAL_FIELDS if raw_referral.get(k)}
    metadata = _metadata(item.value)
    evidence: dict[str, Any] = {"type": _words(kind, 40),
                                "phone_number_id": _words(metadata.get("phone_number_id"), 40)}
    context = m.get("context") if isinstance(m.get("context"), Mapping) else {}
    if context.get("id"):
        evidence["replied_to"] = _id(context["id"], "context.id")
    return Inbound(
        provider="meta", message_id=message_id, channel="whatsapp",
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
        meta = _metadata(value)
        key = (_words(meta.get("phone_number_id"), 40), _words(meta.get("display_phone_number"), 20))
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
        pnid = _words(_metadata(item.value).get("phone_number_id"), 40)
        to = message.phone.lstrip("+")
        bodies = [b for reply in result.replies for b in graph_messages(to, reply)]
        gw().messaging.queue_whatsapp(business, bodies, phone_number_id=pnid,
                                      message_id=message.message_id)
        return 1
    if item.kind == "preference":
        return _preference(business, item, now)
    return _status(business, item, now)


def _stamp(value: Any) -> str:
    """A Unix time as Meta sends it (digits), else "" (the item is then dated on arrival)."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return text if text.isdigit() and len(text) <= 12 else ""


def _preference(business: Business, item: Item, now: datetime) -> int:
    pref = item.data
    value = _words(pref.get("value"), 20).lower()
    if pref.get("category") != "marketing_messages" or value not in ("stop", "resume"):
        return 0
    wa_id = check_text(str(pref.get("wa_id") or ""), "phone")
    phone = to_e164(wa_id, None, wa_id=True)
    stamp = _stamp(pref.get("timestamp"))
    at = _time(stamp, now)
    evidence = {"value": value, "category": "marketing_messages",
                "detail": _words(pref.get("detail"), MAX_LENGTH["evidence_text"]) or None,
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
    errors = list(_dicts(status.get("errors")))
    failure = next((e for e in errors if str(e.get("code")) == "131050"), None)
    if status.get("status") != "failed" or failure is None:
        return 0  # sent / delivered / read and other failures say nothing about consent
    status_id = _id(status.get("id"), "id")
    recipient = check_text(str(status.get("recipient_id") or ""), "phone")
    gw().messaging.delivery_failure(
        business, to_e164(recipient, None, wa_id=True), "131050", channel="whatsapp",
        key=f"meta-status:{status_id}:131050",
        occurred_at=_time(_stamp(status.get("timestamp")) or None, now),
        sender=_sender(item.value),
        evidence={"status_id": status_id, "status": "failed",
                  "error": {"code": 131050, "title": _words(failure.get("title"), 200)}})
    return 1
