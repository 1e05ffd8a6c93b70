"""Twilio Voice IVR: ``POST /hooks/twilio/voice`` and its step URLs ``/hooks/twilio/voice/<step>``.

Every request is checked with Twilio's signature (403 and nothing stored otherwise); the
business is the one owning ``To``. The call flow and its state per
CallSid belong to the IVR service (``gw().ivr``, ``gateway/ivr/service.py``), which records
the caller's decision through the one write path; this module only parses Twilio's form,
signs the step token put in action URLs and renders replies with the SDK's
``VoiceResponse``.

Replays: each action URL carries a signed token (CallSid, step, n). A request whose ``n``
was already processed gets the TwiML sent the first time and changes nothing, so a retried
webhook never records twice (the capture's idempotency key is CallSid + step + n too).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from twilio.twiml.voice_response import VoiceResponse

from channels.twilio_signature import auth_tokens, require_twilio_signature
from gateway.core import identity
from gateway.core.consent import Business
from gateway.core.errors import InvalidCapture, InvalidPhone
from gateway.core.limits import check_text, scrub
from gateway.core.phones import to_e164
from gateway.http import gw
from gateway.ivr import flow as ivr
from gateway.ivr import texts

CHANNEL = "ivr"
CSRF_EXEMPT = True
bp = Blueprint("voice", __name__)
log = logging.getLogger("gateway.ivr")

SALT = "ivr-step-v1"
SID = re.compile(r"[A-Za-z0-9]{1,64}")  # Twilio's CallSid: CA and 32 hex digits


# -- request parsing (pure helpers) -----------------------------------------------------------

def parse_confidence(raw: str | None) -> float | None:
    """Twilio's Confidence as 0.0-1.0, or None when absent or not a number."""
    try:
        value = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    if value is None or math.isnan(value):
        return None
    return min(max(value, 0.0), 1.0)


def parse_answer(form: Mapping[str, str], at: Any) -> ivr.Answer:
    """Twilio's Gather/Record parameters as an :class:`ivr.Answer`."""
    def field(name: str, limit: int) -> str | None:  # storable, as the caller said it
        return scrub(form.get(name), limit, multiline=False).strip() or None

    return ivr.Answer(
        at=at, digits=field("Digits", 40), speech=field("SpeechResult", 500),
        confidence=parse_confidence(form.get("Confidence")),
        recording_url=field("RecordingUrl", 500), recording_sid=field("RecordingSid", 64),
        recording_duration=field("RecordingDuration", 10))


# -- signing and rendering --------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def step_url(call_sid: str, step: str, n: int) -> str:
    """The action URL of a step: a signed token, so nothing in it can be forged."""
    token = _serializer().dumps({"c": call_sid, "s": step, "n": n})
    path = url_for("voice.step", step=step, t=token)
    base = gw().settings.public_base_url
    return f"{base}{path}" if base else path


def render(reply: ivr.Reply, business: Business, call_sid: str, n: int) -> str:
    """TwiML for a reply; keys/speech go to the step URL, silence falls through to it."""
    voices = {**texts.VOICES, **dict(business.settings.get("ivr_voices") or {})}
    vr = VoiceResponse()

    def speak(target: Any) -> None:
        for s in reply.says:
            target.say(s.text, voice=voices.get(s.lang), language=texts.LOCALES[s.lang])

    if reply.gather is not None:
        g = reply.gather
        url = step_url(call_sid, g.step, n)
        options: dict[str, Any] = {
            "input": g.input, "action": url, "method": "POST", "timeout": g.timeout,
            "num_digits": g.num_digits, "finish_on_key": g.finish_on_key,
            "language": g.language, "hints": g.hints,
            "speech_timeout": "auto" if "speech" in g.input else None}
        gather = vr.gather(**{k: v for k, v in options.items() if v is not None})
        speak(gather)
        vr.redirect(url, method="POST")  # no input: the same step hears about it
    elif reply.record is not None:
        r = reply.record
        url = step_url(call_sid, r.step, n)
        speak(vr)
        vr.record(action=url, method="POST", max_length=r.max_length, timeout=r.timeout,
                  finish_on_key=r.finish_on_key, play_beep=True, trim="trim-silence")
        vr.redirect(url, method="POST")  # no audio at all: Twilio continues here
    else:
        speak(vr)
        vr.hangup()
    return str(vr)


def twiml(body: str) -> Response:
    response = Response(body, mimetype="text/xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def _unavailable(lang: str = "en") -> str:
    vr = VoiceResponse()
    vr.say(texts.text("unavailable", lang), voice=texts.VOICES[lang],
           language=texts.LOCALES[lang])
    vr.hangup()
    return str(vr)


# -- views --------------------------------------------------------------------------------------

def _number(raw: str | None) -> str | None:
    try:
        return to_e164(check_text(raw or "", "phone"), None, customer=False)
    except (InvalidPhone, InvalidCapture):
        return None


def _checked_business() -> Business | None:
    """The business owning ``To``, after the Twilio signature check (403 otherwise)."""
    to = _number(request.form.get("To"))
    business = gw().service.business_for_number(to) if to else None
    require_twilio_signature(auth_tokens(dict(business.settings) if business else None))
    return business


def _call_sid() -> str:
    call_sid = (request.form.get("CallSid") or "").strip()
    if not SID.fullmatch(call_sid):
        abort(400, "CallSid is missing or not a Twilio SID.")
    return call_sid


def _refused(body: str | None) -> Response:
    """TwiML from the IVR service, or 403 where it refused (forged or out-of-order step)."""
    if body is None:
        abort(403)
    return twiml(body)


def _whatsapp_call(business: Business, caller: str) -> None:
    """A call placed over WhatsApp (Twilio's WhatsApp calling: From=whatsapp:…) opens the
    24-hour service window as a message does. A phone call does not: WhatsApp never sees
    it, so a free-form reply would fail (docs/delivery.md)."""
    platform = gw().messaging.platform
    if not caller.lower().startswith("whatsapp:") or platform is None:
        return
    try:
        who = identity.user_id(caller) if identity.is_bsuid(caller) else \
            to_e164(check_text(caller, "phone"), business.country)
    except (InvalidPhone, InvalidCapture):
        return
    platform.call(business, who, at=gw().service.clock(),
                  user_id=who if identity.is_bsuid(who) else None)


@bp.post("/hooks/twilio/voice")
def incoming() -> Response:
    """A new call: greet in the business's language(s) and start the flow."""
    business = _checked_business()
    call_sid = _call_sid()
    if business is None:
        log.warning("voice call to a number no business owns")
        return twiml(_unavailable())
    _whatsapp_call(business, request.form.get("From") or "")
    return _refused(gw().ivr.begin(
        business, call_sid, scrub(request.form.get("From"), 64, multiline=False),
        scrub(request.form.get("StirVerstat"), 40, multiline=False) or None,
        lambda reply, n: render(reply, business, call_sid, n)))


@bp.post("/hooks/twilio/voice/<step>")
def step(step: str) -> Response:
    """One answer (keys, speech, recording or silence) to the step named in the URL."""
    business = _checked_business()
    call_sid = _call_sid()
    try:
        token = _serializer().loads(request.args.get("t", ""))
    except BadSignature:
        log.warning("forged IVR step token on %s", request.path)
        abort(403)
    if not isinstance(token, dict) or token.get("c") != call_sid or token.get("s") != step \
            or not isinstance(token.get("n"), int):
        abort(403)
    if business is None:
        abort(403)
    answer = parse_answer(request.form, gw().service.clock())
    return _refused(gw().ivr.answer(
        business, call_sid, step, token["n"], answer, _number(request.form.get("To")),
        lambda reply, n: render(reply, business, call_sid, n)))
