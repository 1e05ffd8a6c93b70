"""Twilio Messaging: inbound SMS and WhatsApp (``From=whatsapp:+…``) and status callbacks.

``POST /hooks/twilio/messaging`` answers with TwiML built by the SDK's ``MessagingResponse``;
``POST /hooks/twilio/status`` turns delivery failures that mean "this person stopped" (21610,
63014) into opt-outs, and those that mean "WhatsApp will not deliver for a while" (63049,
63032, 63024) into delivery facts (docs/delivery.md). Both check ``X-Twilio-Signature`` first: 403 and nothing stored
otherwise. The conversation itself is ``gateway.messaging.service`` (shared with Meta).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from flask import request as flask_request
from twilio.twiml.messaging_response import MessagingResponse

from channels.twilio_signature import auth_tokens, require_twilio_signature
from gateway.core import identity
from gateway.core.consent import Business
from gateway.core.delivery import FAILURES
from gateway.core.errors import GatewayError
from gateway.core.limits import MAX_LENGTH, check_text, scrub
from gateway.core.phones import mask, to_e164
from gateway.core.revocation import sender_address
from gateway.http import error_json, gw
from gateway.messaging.conversation import Inbound, Reply
from gateway.messaging.keywords import is_twilio_default_keyword
from gateway.messaging.service import TWILIO_STOP_ERRORS

CHANNEL = "sms"
CSRF_EXEMPT = True
bp = Blueprint("twilio_messaging", __name__)
log = logging.getLogger("gateway.twilio_messaging")

REFERRAL_FIELDS = {"ReferralSourceId": "source_id", "ReferralSourceType": "source_type",
                   "ReferralSourceUrl": "source_url", "ReferralHeadline": "headline",
                   "ReferralBody": "body", "ReferralCtwaClid": "ctwa_clid",
                   "ReferralMediaId": "media_id", "ReferralMediaContentType": "media_type",
                   "ReferralMediaUrl": "media_url"}
# MessageSid and Body are recorded by the dialog itself (message_id, body).
EVIDENCE_FIELDS = {"To": "to", "OptOutType": "opt_out_type", "ButtonText": "button_text",
                   "ButtonPayload": "button_payload", "NumMedia": "num_media",
                   "MessagingServiceSid": "messaging_service_sid",
                   "OriginalRepliedMessageSid": "replied_to"}


SID = re.compile(r"[A-Za-z0-9]{1,120}")  # Twilio's SIDs: two letters and 32 hex digits


def message_sid(form: Mapping[str, str]) -> str:
    return form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid") or ""


def _number(raw: str, country: str | None, **options: Any) -> str:
    """A number field (From / To): refused (InvalidCapture) before parsing when it is longer
    or stranger than any number."""
    return to_e164(check_text(raw, "phone"), country, **options)


def _optional_user_id(raw: str | None) -> str | None:
    """A WhatsApp user ID from a field that carries one beside the number: kept if it has
    the shape of one, else ignored (the message itself is still handled)."""
    return identity.user_id(raw) if raw and identity.is_bsuid(raw) else None


def _person(form: Mapping[str, str], business: Business) -> tuple[str, str | None]:
    """(number, user ID) of the sender: From is ``whatsapp:+81…``, or ``whatsapp:JP.…`` when
    WhatsApp shares no number; the user ID also comes as ExternalUserIdentifier (Twilio's
    changelog) or ExternalUserId (seen in the wild)."""
    raw = form.get("From", "")
    given = form.get("ExternalUserIdentifier") or form.get("ExternalUserId")
    if identity.is_bsuid(raw):
        return "", identity.user_id(raw)
    return _number(raw, business.country), _optional_user_id(given)


def _text(form: Mapping[str, str], field: str, limit: int = MAX_LENGTH["evidence_text"]) -> str:
    return scrub(form.get(field), limit)


def parse(form: Mapping[str, str], business: Business, now: datetime) -> Inbound:
    """Twilio's form fields -> an ``Inbound``; raises ``InvalidPhone`` for a bad From/To.

    What the customer wrote (Body, ProfileName, button texts) is kept with control
    characters replaced, never refused: a STOP must not be lost to a stray byte."""
    sender_raw = form.get("From", "")
    channel = "whatsapp" if sender_raw.lower().startswith("whatsapp:") else "sms"
    phone, user_id = _person(form, business)
    referral = {name: _text(form, field) for field, name in REFERRAL_FIELDS.items()
                if form.get(field)}
    evidence = {name: _text(form, field) for field, name in EVIDENCE_FIELDS.items()
                if form.get(field)}
    profile = scrub(form.get("ProfileName"), MAX_LENGTH["name"], multiline=False)
    return Inbound(
        provider="twilio", message_id=message_sid(form), channel=channel,
        phone=phone, user_id=user_id,
        parent_user_id=_optional_user_id(form.get("ParentExternalUserId")),
        sender=sender_address(channel, _number(form.get("To", ""), business.country,
                                               customer=False)),
        occurred_at=now, text=_text(form, "Body", MAX_LENGTH["message_text"]),
        button_id=_text(form, "ButtonPayload") or None, evidence=evidence,
        personal={"profile_name": profile} if profile else {},
        provider_keyword=(form.get("OptOutType") or "").upper() or None,
        attribution={"channel": "ad", "evidence": {"referral": referral}} if referral else None,
        interactive=False)


def twiml(replies: Iterable[Reply]) -> Response:
    response = MessagingResponse()
    for reply in replies:
        response.message(reply.text)
    return Response(str(response), mimetype="text/xml")


def _business(number: str) -> Business | None:
    try:
        e164 = _number(number, None, customer=False)
    except GatewayError:
        return None
    return gw().service.business_for_number(e164)


def _settings(business: Business | None) -> dict[str, Any] | None:
    return dict(business.settings) if business else None


@bp.post("/hooks/twilio/messaging")
def inbound() -> Any:
    """An SMS or WhatsApp message from a customer; the reply is TwiML."""
    form = flask_request.form
    business = _business(form.get("To", ""))
    require_twilio_signature(auth_tokens(_settings(business)))
    if business is None:
        return error_json(404, "business_unknown", "No business uses the number in 'To'.", "To")
    if not message_sid(form) or not form.get("From"):
        return error_json(400, "missing_field", "MessageSid and From are required.", "From")
    if not SID.fullmatch(message_sid(form)):
        return error_json(400, "bad_field", "MessageSid is not a Twilio SID.", "MessageSid")
    try:
        message = parse(form, business, gw().service.clock())
    except GatewayError as exc:
        # Not a number we can hold consent for (short code, alphanumeric sender...): nothing
        # to record; an empty reply keeps Twilio from retrying.
        log.warning("twilio message %s ignored: %s", message_sid(form), exc.code)
        return twiml([])
    handled = gw().messaging.handle(business, message)
    replies = handled.replies
    if message.channel == "sms" and (message.provider_keyword == "STOP" or
                                     is_twilio_default_keyword(message.text) == "STOP"):
        # Twilio has blocklisted the number and sends its own STOP reply; ours would fail
        # with 21610. The opt-out is recorded all the same.
        replies = ()
    return twiml(replies)


@bp.post("/hooks/twilio/status")
def status() -> Any:
    """Message status callback: a failure that means "stopped" becomes an opt-out."""
    form = flask_request.form
    business = _business(form.get("From", ""))
    require_twilio_signature(auth_tokens(_settings(business)))
    if business is None:
        return error_json(404, "business_unknown", "No business uses the number in 'From'.",
                          "From")
    code = (form.get("ErrorCode") or "").strip()
    state = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    sid = message_sid(form)
    fact = ("twilio", code) in FAILURES
    if state not in ("failed", "undelivered") or not (code in TWILIO_STOP_ERRORS or fact) or \
            not SID.fullmatch(sid):
        return Response(status=204)
    recipient = form.get("To", "")
    channel = "whatsapp" if recipient.lower().startswith("whatsapp:") else "sms"
    try:
        phone = identity.user_id(recipient) if identity.is_bsuid(recipient) else \
            _number(recipient, business.country)
        sender = sender_address(channel, _number(form.get("From", ""), business.country,
                                                 customer=False))
    except GatewayError as exc:
        log.warning("twilio status %s ignored: %s", sid, exc.code)
        return Response(status=204)
    evidence = {"message_sid": sid, "message_status": state, "error_code": code}
    if fact:  # 63049, 63032, 63024: the platform will not deliver for a while; no opt-out
        platform = gw().messaging.platform
        if platform is not None:
            platform.failed_send(business, phone, provider="twilio", code=code, source_id=sid,
                                 occurred_at=gw().service.clock(), evidence=evidence)
        return Response(status=204)
    recorded = gw().messaging.delivery_failure(
        business, phone, code, channel=channel, key=f"twilio-status:{sid}:{code}",
        occurred_at=gw().service.clock(), sender=sender, evidence=evidence)
    log.info("twilio %s to %s: error %s, opt-out %s", state, mask(phone), code,
             "recorded" if recorded else "not applicable")
    return Response(status=204)
