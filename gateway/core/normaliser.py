"""Raw capture -> canonical ConsentEvent, or a typed error a person understands.

Knows the rules of ``whatsapp-optin-rules.md``; knows nothing of HTTP or SQL.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from gateway.core import identity
from gateway.core.consent import (
    CHANNELS,
    METHODS,
    Action,
    Business,
    Capture,
    ConsentEvent,
    Policy,
    Status,
    Wording,
    WordingRef,
)
from gateway.core.errors import InvalidCapture, InvalidTime, InvalidTopics, InvalidWording
from gateway.core.i18n import LANGUAGES
from gateway.core.limits import (
    EARLIEST,
    MAX_TOPICS,
    WORDING_KIND,
    check_evidence,
    check_optional,
    check_text,
    evidence_problem,
)
from gateway.core.revocation import scope_evidence

# Clocks drift; a device a few minutes ahead is not an error worth refusing.
FUTURE_TOLERANCE = timedelta(minutes=5)
WHATSAPP_WORDS = ("whatsapp", "ワッツアップ", "ワッツアプ")


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the exact UTF-8 bytes of ``text`` (what wording hashes are)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def subject_ref(key: bytes, business_id: int, e164: str) -> str:
    """Keyed digest of a number: stable per business, useless without the key."""
    return hmac.digest(key, f"{business_id}:{e164}".encode(), "sha256").hex()


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def check_wording(text: str, business: Business, policy: Policy) -> None:
    """Raise unless ``text`` names the business (R6) and, if the policy asks, WhatsApp (R7)."""
    problem = _wording_problem(text, business.names, policy.requires_whatsapp)
    if problem == "wording_no_business":
        raise InvalidWording(problem, field="wording_id", business=business.name)
    if problem is not None:
        raise InvalidWording(problem, field="wording_id")


@functools.lru_cache(maxsize=256)
def _wording_problem(text: str, names: tuple[str, ...], requires_whatsapp: bool) -> str | None:
    """A pure function of its arguments, cached: every opt-in checks its wording, and a bulk
    import checks the same few texts a million times."""
    folded = _fold(text)
    if not any(_fold(name) in folded for name in names if name.strip()):
        return "wording_no_business"
    if requires_whatsapp and not any(_fold(w) in folded for w in WHATSAPP_WORDS):
        return "wording_no_whatsapp"
    return None


def parse_time(value: datetime | str | None, now: datetime) -> datetime:
    """An aware UTC datetime not in the future; ``None`` means now."""
    if value is None or value == "":
        return now
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError:
            raise InvalidTime("time_invalid", field="occurred_at", value=value) from None
    else:
        parsed = value
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidTime("time_no_zone", field="occurred_at", value=str(value))
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 falls before year 1 in UTC
        raise InvalidTime("time_too_early", field="occurred_at", value=str(value)) from None
    if parsed > now + FUTURE_TOLERANCE:
        raise InvalidTime("time_in_future", field="occurred_at", value=parsed.isoformat())
    if parsed < EARLIEST:
        raise InvalidTime("time_too_early", field="occurred_at", value=parsed.isoformat())
    return parsed


_SCALARS = frozenset({str, int, bool})


def _plain(value: Any) -> Any:
    """Evidence as JSON-safe plain values; floats become strings so hashes are stable."""
    if isinstance(value, Mapping):  # scalars inline: every capture passes through here
        return {str(k): v if type(v) in _SCALARS else _plain(v)
                for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def _subject(capture: Capture, business: Business) -> tuple[str, str | None]:
    """(E.164, None) for a capture by phone, ("", BSUID) for one by user ID alone. With both,
    the phone is the subject; the service links the user ID to it."""
    if capture.phone or not capture.user_id:
        return identity.phone(capture.phone, capture.country or business.country,
                              wa_id=capture.phone_is_wa_id), None
    return "", identity.user_id(capture.user_id)


def check_fields(capture: Capture) -> None:
    """The storage limits of every text a capture carries (gateway.core.limits); channels
    check their input first, this is the last line before the ledger."""
    check_text(capture.phone, "phone")
    check_optional(capture.user_id, "user_id")
    check_optional(capture.country, "country")
    check_optional(capture.idempotency_key, "idempotency_key")
    check_optional(capture.wording_id, "wording_id")
    check_optional(capture.wording_text, "wording_text", multiline=True)
    if capture.wording_kind is not None and not WORDING_KIND.fullmatch(capture.wording_kind):
        raise InvalidWording("bad_wording_kind", field="wording_kind")
    check_optional(capture.sender, "sender")
    check_optional(capture.method, "method")
    check_optional(capture.channel, "channel")
    if capture.language is not None and capture.language not in LANGUAGES:
        raise InvalidCapture("unknown_language", field="language", value=capture.language[:20])
    if capture.topics is not None:
        if len(capture.topics) > MAX_TOPICS:
            raise InvalidTopics("too_many_topics", field="topics", max=MAX_TOPICS)
        for topic in capture.topics:
            check_text(str(topic), "topic")
    name = capture.personal.get("name")
    if isinstance(name, str):
        check_text(name, "name")
    if evidence_problem(capture.personal):
        raise InvalidCapture("personal_bad", field="name")


def _topics(capture: Capture, business: Business, action: Action) -> tuple[tuple[str, ...], bool]:
    allowed = business.topic_keys
    if capture.topics is None or (action is Action.OPT_OUT and not capture.topics):
        if action is Action.OPT_IN:
            raise InvalidTopics("no_topics", field="topics")
        return allowed, True
    chosen: list[str] = []
    for raw in capture.topics:
        key = str(raw).strip()
        if key not in allowed:
            raise InvalidTopics("unknown_topic", field="topics", value=key,
                                allowed=", ".join(allowed))
        if key not in chosen:
            chosen.append(key)
    if not chosen:
        raise InvalidTopics("no_topics", field="topics")
    return tuple(k for k in allowed if k in chosen), set(chosen) == set(allowed)


def default_idempotency_key(capture: Capture, e164: str, topics: tuple[str, ...],
                            occurred_at: datetime) -> str:
    """A content hash for captures whose channel has no natural id."""
    body = json.dumps(
        [capture.business, e164, capture.action, topics, capture.channel, capture.method,
         occurred_at.isoformat(), _plain(capture.evidence)],
        sort_keys=True, ensure_ascii=False,
    )
    return "auto:" + hashlib.sha256(body.encode()).hexdigest()[:40]


def normalise(
    capture: Capture,
    business: Business,
    wording: Wording | None,
    *,
    now: datetime,
    subject_key: bytes,
    allowed_channels: frozenset[str] = CHANNELS,
    event_id: str | None = None,
) -> ConsentEvent:
    """Validate ``capture`` against the rules and return the canonical event (with a new
    uuid4 id unless ``event_id`` is given)."""
    check_fields(capture)
    try:
        action = Action(capture.action)
    except ValueError:
        action = None
    if action is None or action is Action.LINK:  # links are the service's, not a capture's
        raise InvalidCapture("unknown_action", field="action", value=str(capture.action))
    if capture.channel not in allowed_channels:
        raise InvalidCapture("unknown_channel", field="channel", value=capture.channel)
    if capture.method not in METHODS:
        raise InvalidCapture("unknown_method", field="method", value=capture.method)
    e164, bsuid = _subject(capture, business)
    topics, all_topics = _topics(capture, business, action)
    if action is Action.OPT_IN and capture.evidence.get("pre_ticked") is True:
        raise InvalidCapture("pre_ticked", field="topics")  # R4
    occurred_at = parse_time(capture.occurred_at, now)
    policy = business.policy

    ref: WordingRef | None = None
    if wording is not None:
        if wording.business_id != business.id:
            raise InvalidWording("wording_unknown", field="wording_id", value=wording.id)
        if action is Action.OPT_IN:
            check_wording(wording.text, business, policy)
        ref = WordingRef(wording.id, wording.version, wording.language, wording.sha256)
    elif action is Action.OPT_IN:
        raise InvalidWording("wording_missing", field="wording_id")

    key = (capture.idempotency_key or "").strip() or default_idempotency_key(
        capture, e164 or bsuid or "", topics, occurred_at
    )
    status = Status.PENDING if capture.pending and action is Action.OPT_IN else Status.CONFIRMED
    evidence = _plain(capture.evidence)
    check_evidence(evidence, len(json.dumps(evidence, ensure_ascii=False, default=str)))
    if action is Action.OPT_OUT:
        # When it reached us, and what it ends: the honour report and the scope rules need
        # both, and the event must stay explainable after the business changes its settings.
        evidence["received_at"] = now.astimezone(UTC).isoformat()
        evidence["scope"] = scope_evidence(business.opt_out_scope, capture.sender)
    language = capture.language or (wording.language if wording else None)
    return ConsentEvent(
        event_id=event_id or str(uuid.uuid4()),
        business_id=business.id,
        business_slug=business.slug,
        phone=e164,
        subject_ref=subject_ref(subject_key, business.id, e164 or bsuid or ""),
        action=action,
        status=status,
        topics=topics,
        all_topics=all_topics,
        channel=capture.channel,
        method=capture.method,
        wording=ref,
        policy_id=policy.id,
        policy_version=policy.version,
        language=language,
        occurred_at=occurred_at,
        idempotency_key=key,
        evidence=MappingProxyType(evidence),
        personal=MappingProxyType(_plain(capture.personal)),
        sender=capture.sender,
        actor=capture.actor,
        fingerprint=capture.fingerprint,
        user_id=bsuid,
    )
