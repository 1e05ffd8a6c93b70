"""Signatures of the gateway's change notifications. Receivers may copy this file as is.

Every notification is a POST with a JSON body and these headers:

    X-OptIn-Event-Id:   the consent event id (or ``checkpoint:<id>``): deduplicate on it
    X-OptIn-Timestamp:  Unix seconds when this attempt was signed
    X-OptIn-Signature:  sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

The timestamp is part of the signed content, so a captured request cannot be replayed
later with a fresh timestamp; reject timestamps older than a few minutes. Compute the HMAC
over the *raw* body bytes as received, before any JSON parsing.

Standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-OptIn-Signature"
TIMESTAMP_HEADER = "X-OptIn-Timestamp"
EVENT_ID_HEADER = "X-OptIn-Event-Id"
DEFAULT_TOLERANCE = 300  # seconds


def signed_content(body: bytes, timestamp: int | str) -> bytes:
    """What the HMAC covers: the timestamp, a dot, then the raw body."""
    return str(timestamp).encode() + b"." + body


def signature(body: bytes, secret: str, timestamp: int | str) -> str:
    """The ``X-OptIn-Signature`` header value for ``body`` at ``timestamp``."""
    mac = hmac.new(secret.encode(), signed_content(body, timestamp), hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The signature and timestamp headers for one delivery attempt."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: signature(body, secret, ts)}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts are case-sensitive; HTTP header names are not
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def verify(body: bytes, headers: Mapping[str, str], secret: str, *,
           tolerance: int = DEFAULT_TOLERANCE, now: float | None = None) -> bool:
    """True if ``body`` was signed with ``secret`` within ``tolerance`` seconds of ``now``."""
    sent = _header(headers, SIGNATURE_HEADER) or ""
    stamp = _header(headers, TIMESTAMP_HEADER) or ""
    if not sent.startswith("sha256=") or not stamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        return False
    return hmac.compare_digest(sent, signature(body, secret, stamp))
