"""The JSON API ``/api/v1``: bearer-key authenticated, JSON errors, never a partial write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, g, request, stream_with_context

from gateway.core.consent import Action, Capture
from gateway.core.eligibility import WINDOW, Summary
from gateway.core.errors import InvalidCapture
from gateway.core.revocation import sender_address
from gateway.core.serialize import (
    delivery_fact_json,
    eligibility_json,
    event_json,
    link_json,
    ts,
)
from gateway.http import (
    BadRequest,
    api_not_found,
    business,
    contact_key,
    field,
    fingerprint,
    gw,
    header_text,
    json_body,
    require_key,
)
from gateway.openapi import CAPTURE, WORDING

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_CHANNELS = frozenset({"api", "checkout", "web_form", "paper", "ad", "admin"})
def capture_from(data: dict[str, Any], action: Action) -> Capture:
    """A Capture from an API body already checked against the Capture schema (shape, types,
    lengths); the consent rules are the normaliser's."""
    channel = field(data, "channel", str, default="api")
    if channel not in API_CHANNELS:
        raise InvalidCapture("unknown_channel", field="channel", value=channel)
    topics = field(data, "topics", list)
    wording = field(data, "wording", dict) or {}
    personal = {k: v for k, v in (("name", field(data, "name", str)),) if v}
    key = header_text("Idempotency-Key", "idempotency_key") or \
        field(data, "idempotency_key", str)
    return Capture(
        business=business().slug,
        phone=field(data, "phone", str, default=""),
        user_id=field(data, "user_id", str),
        country=field(data, "country", str),
        channel=channel,
        method=field(data, "method", str, default="checkbox" if channel == "checkout" else "api"),
        action=action,
        topics=tuple(topics) if topics is not None else None,
        wording_id=field(data, "wording_id", str),
        wording_kind=field(data, "wording_kind", str, default=channel),
        wording_text=wording.get("text"),
        language=wording.get("language") or field(data, "language", str),
        occurred_at=field(data, "occurred_at", str),
        idempotency_key=key,
        evidence=field(data, "evidence", dict, default={}),
        personal=personal,
        actor=f"api_key:{g.api_key_id}",
        fingerprint=fingerprint(data, str(action), str(g.api_key_id)) if key else None,
    )


def _record(data: dict[str, Any], action: Action) -> tuple[dict[str, Any], int]:
    result = gw().service.capture(capture_from(data, action), business())
    return event_json(result.event), 201 if result.created else 200


@bp.post("/consents")
@require_key
def post_consent() -> Any:
    """Record an opt-in (or, with "action": "opt_out", an opt-out)."""
    data = json_body(CAPTURE)
    return _record(data, Action(field(data, "action", str, default="opt_in")))


@bp.post("/opt-outs")
@require_key
def post_opt_out() -> Any:
    """Record an opt-out of the listed topics, or of all topics when none are listed."""
    data = json_body(CAPTURE)
    if field(data, "action", str, default="opt_out") != "opt_out":
        raise BadRequest("bad_field", field="action", field_name="action",
                         detail="this endpoint records opt-outs")
    return _record(data, Action.OPT_OUT)


@bp.get("/eligibility")
@require_key
def get_eligibility() -> Any:
    """May a template on ``topic`` be sent to this person (``phone`` or ``user_id``)?"""
    phone, user = request.args.get("phone"), request.args.get("user_id")
    topic, category = topic_or_category()
    if not phone and not user:
        raise BadRequest("missing_field", field="phone", field_name="phone or user_id")
    if phone and user:
        raise BadRequest("bad_field", field="user_id", field_name="user_id",
                         detail="ask by phone or by user_id, not both")
    answer = gw().service.eligibility(business(), phone, topic, request.args.get("country"),
                                      sender_param(), user_id=user, category=category)
    return eligibility_json(answer)


def topic_or_category() -> tuple[str | None, str | None]:
    """``topic=offers``, or ``category=marketing`` (any topic the business sends as it)."""
    topic, category = request.args.get("topic"), request.args.get("category")
    if topic and category:
        raise BadRequest("bad_field", field="category", field_name="category",
                         detail="ask by topic or by category, not both")
    if not topic and not category:
        raise BadRequest("missing_field", field="topic", field_name="topic or category")
    return topic, category


def sender_param() -> str | None:
    """``sender=whatsapp:+8134…`` (or a bare number, taken as a WhatsApp sender)."""
    raw = (request.args.get("sender") or "").strip()
    if not raw:
        return None
    kind, _, number = raw.rpartition(":")
    from gateway.core.phones import to_e164

    e164 = to_e164(number, business().country, customer=False)
    return sender_address(kind or "whatsapp", e164)


@bp.get("/reports/honour")
@require_key
def honour_report() -> Any:
    """'Allowed' answers given after an opt-out had reached the gateway (must be empty)."""
    late = list(gw().answers.late_answers(business().id))  # type: ignore[union-attr]
    return {"ok": not late, "late_answers": [
        {"opt_out_event_id": a.opt_out_event_id, "seq": a.seq, "topic": a.topic,
         "opt_out_received_at": a.received_at, "opt_out_effective_at": ts(a.effective_at),
         "answered_at": ts(a.answered_at), "sender": a.sender} for a in late]}


def _lines(stream: Any, block: int = 1 << 20) -> Iterator[bytes]:
    """Lines of a request body read in large blocks (line iteration reads byte by byte)."""
    rest = b""
    while True:
        data = stream.read(block)
        if not data:
            break
        data = rest + data
        lines = data.split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


def _ndjson_subjects(stream: Any) -> Iterator[str | tuple[str | None, str]]:
    """Who each NDJSON line names: {"phone": "..."}, {"user_id": "..."}, a JSON string or a
    bare value (a number, or a user ID recognised by its shape)."""
    for raw_line in _lines(stream):
        line = raw_line.strip()
        if not line:
            continue
        first = line[:1]
        if first == b'"' and line[-1:] == b'"' and b"\\" not in line:
            yield line[1:-1].decode("utf-8", "replace")  # fast path for "…" lines
        elif first in (b"{", b'"'):
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError:
                yield line.decode("utf-8", "replace")
                continue
            if isinstance(item, dict):
                field = "user_id" if "user_id" in item and "phone" not in item else "phone"
                value = item.get(field)
                yield (field, value if isinstance(value, str) else "")
            else:
                yield item if isinstance(item, str) else ""
        else:
            yield line.decode("utf-8", "replace")


@bp.post("/eligibility")
@require_key
def post_eligibility_batch() -> Any:
    """NDJSON in (one number or user ID a line), NDJSON out in the same order, for one
    topic or template category; ``summary=true`` adds a last line of counts."""
    topic, category = topic_or_category()
    summary = (request.args.get("summary") or "false").lower()
    if summary not in ("true", "false"):
        raise BadRequest("bad_field", field="summary", field_name="summary",
                         detail="true or false")
    biz = business()
    service = gw().service
    service.topics_for(biz, topic, category)  # fail before streaming starts
    answers = service.eligibility_batch(biz, topic, _ndjson_subjects(request.stream),
                                        sender_param(), category=category)
    counts = Summary() if summary == "true" else None

    def generate() -> Iterator[bytes]:
        buffer: list[bytes] = []
        for answer in answers:
            if counts is not None:
                counts.add(answer)
            buffer.append(orjson.dumps(answer))
            if len(buffer) >= 2000:
                yield b"\n".join(buffer) + b"\n"
                buffer = []
        if counts is not None:
            buffer.append(orjson.dumps({"summary": counts.as_dict()}))
        if buffer:
            yield b"\n".join(buffer) + b"\n"

    return Response(stream_with_context(generate()), mimetype="application/x-ndjson")


@bp.get("/contacts/<path:phone>")
@require_key
def get_contact(phone: str) -> Any:
    """Current state per topic and every event (of every linked identifier, and the links),
    with source and evidence; ``phone`` is a phone number or a WhatsApp user ID."""
    phone, user = contact_key(phone)
    service = gw().service
    asked, state, events = service.contact(business(), phone, user_id=user)
    window = state.last_inbound_at + WINDOW if state.last_inbound_at is not None else None
    ref = service.ref(business(), asked.value)
    facts = service.delivery_history(business(), ref, service.linked(business().id, [ref]))
    return {
        "phone": asked.value if asked.is_phone else None,
        "user_id": None if asked.is_phone else asked.value,
        "business": business().slug,
        "name": state.name,
        "username": state.username,
        "topics": {key: {"status": t.status, "since": ts(t.since), "event_id": t.event_id,
                         "channel": t.channel} for key, t in sorted(state.topics.items())},
        "last_inbound_at": ts(state.last_inbound_at),
        "window_open_until": ts(window),
        "events": [event_json(e, personal=True) for e in events],
        "links": [link_json(e) for e in events if e.action is Action.LINK],
        # What failed sends and answered ad chats showed (docs/delivery.md): not consent.
        "delivery_facts": [delivery_fact_json(f, service.clock()) for f in facts],
    }


@bp.get("/ledger/verify")
@require_key
def verify_ledger() -> Any:
    """Check this business's hash chain and signed checkpoints; name the first bad one."""
    return gw().proof.verify(business().slug).as_dict()


@bp.get("/business")
@require_key
def get_business() -> Any:
    """The key's business: topics, languages and current wordings."""
    biz = business()
    return {
        "slug": biz.slug, "name": biz.name, "whatsapp_number": biz.whatsapp_number,
        "country": biz.country, "languages": list(biz.languages),
        "policy": {"id": biz.policy.id, "version": biz.policy.version},
        "double_opt_in": biz.double_opt_in,
        "topics": [{"key": t.key, "category": t.category, "labels": dict(t.labels)}
                   for t in biz.topics],
        "wordings": [{"id": w.id, "kind": w.kind, "language": w.language,
                      "version": w.version, "sha256": w.sha256, "text": w.text}
                     for w in gw().store.list_wordings(biz.id)],
    }


@bp.post("/wordings")
@require_key
def post_wording() -> Any:
    """Add a new version of a wording; refused unless it names the business and WhatsApp."""
    from gateway.core.normaliser import check_wording

    data = json_body(WORDING)
    biz = business()
    kind = field(data, "kind", str, required=True)
    language = field(data, "language", str, required=True)
    text = field(data, "text", str, required=True)
    check_wording(text, biz, biz.policy)
    wording = gw().store.add_wording(biz.id, kind, language, text)
    return {"id": wording.id, "kind": kind, "language": language, "version": wording.version,
            "sha256": wording.sha256, "text": wording.text}, 201


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3 description of this API (assembled from every area by create_app)."""
    return current_app.extensions["openapi"]


@bp.errorhandler(404)
def _api_404(_exc: Exception) -> Any:
    return api_not_found()
