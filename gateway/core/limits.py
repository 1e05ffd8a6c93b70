"""What the gateway accepts at all: lengths, characters, time range, evidence shape.

Every boundary (API bodies, forms, webhooks, CSV rows) checks its input against these
limits before anything reaches the normaliser or the database, and the normaliser checks
them again, so no path can store a value its column cannot hold, a NUL byte PostgreSQL
refuses, or a date Python cannot convert. The OpenAPI document quotes the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.core.errors import InvalidCapture

# Longest accepted value of each text field; each fits its column with room to spare.
MAX_LENGTH = {
    "idempotency_key": 200,
    "name": 200,
    "phone": 64,  # raw input, before parsing (spaces, dashes, "whatsapp:" prefix)
    "user_id": 140,  # a BSUID: "CC." or "CC.ENT." and up to 128 characters
    "country": 2,
    "topic": 40,
    "wording_id": 120,
    "wording_kind": 40,
    "wording_text": 4000,
    "language": 8,
    "method": 20,
    "channel": 20,
    "sender": 40,
    "message_id": 120,  # provider ids: Twilio MessageSid / CallSid, Meta wamid
    "message_text": 4096,  # WhatsApp's own limit for a text message
    "evidence_key": 64,
    "evidence_text": 4096,
    "label": 200,
    "description": 200,
    "url": 2000,
    "reason": 200,
}
MAX_TOPICS = 32
MAX_EVIDENCE_BYTES = 16 * 1024  # its canonical JSON, hashed into the ledger
MAX_EVIDENCE_DEPTH = 6
MAX_SAFE_INTEGER = 2**53 - 1  # JSON numbers every consumer reads exactly
# No one opted in to WhatsApp messages before WhatsApp existed (launched in 2009); the
# bound also keeps years like 0001 (which overflow on time-zone conversion) out.
EARLIEST = datetime(2009, 1, 1, tzinfo=UTC)
WORDING_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")

# C0 controls but tab/LF/CR, DEL and C1 controls: never in stored text (NUL is refused by
# PostgreSQL, the rest confuse logs, CSV and terminals).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")


def text_problem(value: str, max_length: int, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be stored (``too_long``, ``control_character``), or None."""
    if len(value) > max_length:
        return "too_long"
    if _CONTROL.search(value) or (not multiline and _LINE_BREAKS.search(value)):
        return "control_character"
    return None


def check_text(value: str, field: str, *, max_length: int | None = None,
               multiline: bool = False) -> str:
    """``value`` if it may be stored as ``field``; else InvalidCapture naming the field."""
    limit = max_length if max_length is not None else MAX_LENGTH[field]
    problem = text_problem(value, limit, multiline=multiline)
    if problem == "too_long":
        raise InvalidCapture("too_long", field=field, field_name=field, max=limit)
    if problem is not None:
        raise InvalidCapture("control_character", field=field, field_name=field)
    return value


def scrub(value: Any, max_length: int, *, multiline: bool = True) -> str:
    """Text a customer wrote, as a provider relayed it, made storable rather than refused
    (refusing would lose a STOP): control characters become U+FFFD, and the rare text longer
    than any provider sends is cut at ``max_length``."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    text = _CONTROL.sub("\ufffd", text)
    if not multiline:
        text = _LINE_BREAKS.sub(" ", text)
    return text[:max_length]


def check_optional(value: str | None, field: str, **options: Any) -> str | None:
    return None if value is None else check_text(value, field, **options)


def evidence_problem(value: Any, depth: int = 0) -> str | None:
    """Why evidence (or one value in it) cannot be kept, or None: JSON-shaped, bounded."""
    if depth > MAX_EVIDENCE_DEPTH:
        return "evidence_too_deep"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or text_problem(key, MAX_LENGTH["evidence_key"]):
                return "evidence_bad_key"
            found = evidence_problem(item, depth + 1)
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        return next((p for p in (evidence_problem(v, depth + 1) for v in value) if p), None)
    if isinstance(value, str):
        return "evidence_bad_text" if text_problem(
            value, MAX_LENGTH["evidence_text"], multiline=True) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if abs(value) <= MAX_SAFE_INTEGER else "evidence_bad_number"
    if isinstance(value, float):
        return None if value == value and abs(value) != float("inf") else "evidence_bad_number"
    return None  # other values (datetimes...) become text in the normaliser


def check_evidence(evidence: Mapping[str, Any], size: int) -> None:
    """Raise unless ``evidence`` is within the limits; ``size``: its canonical JSON bytes."""
    problem = evidence_problem(evidence)
    if problem is not None:
        raise InvalidCapture(problem, field="evidence")
    if size > MAX_EVIDENCE_BYTES:
        raise InvalidCapture("evidence_too_large", field="evidence", max=MAX_EVIDENCE_BYTES)


# The same rules as JSON Schema, for the OpenAPI document (which the API validates against).
LINE_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"


def text_schema(field: str, *, multiline: bool = False, **extra: Any) -> dict[str, Any]:
    """A string of at most ``MAX_LENGTH[field]`` characters without control characters."""
    return {"type": "string", "maxLength": MAX_LENGTH[field],
            "pattern": TEXT_PATTERN if multiline else LINE_PATTERN, **extra}
