"""Twilio webhook signatures, checked with the SDK's own ``RequestValidator``."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import abort, request
from twilio.request_validator import RequestValidator

from gateway.http import gw

log = logging.getLogger("gateway.twilio")


def public_url() -> str:
    """The URL Twilio called: PUBLIC_BASE_URL + path + query, else the request's own URL.

    Behind a TLS-terminating proxy the app sees http://internal-host; the signature was
    computed over the public https URL, so PUBLIC_BASE_URL must be set in production.
    """
    base = gw().settings.public_base_url
    query = request.query_string.decode()
    path = request.path + (f"?{query}" if query else "")
    if base:
        return base + path
    return request.url


def auth_tokens(business_settings: dict[str, object] | None = None) -> list[str]:
    """The per-business token (if any) first, then the global TWILIO_AUTH_TOKEN."""
    tokens: list[str] = []
    own = (business_settings or {}).get("twilio_auth_token")
    if isinstance(own, str) and own:
        tokens.append(own)
    if gw().settings.twilio_auth_token:
        tokens.append(gw().settings.twilio_auth_token)
    return tokens


def is_valid_twilio_request(tokens: Iterable[str]) -> bool:
    """True if ``X-Twilio-Signature`` matches this request for one of ``tokens``."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = public_url()
    params = request.form if request.method == "POST" else {}
    return any(RequestValidator(token).validate(url, params, signature) for token in tokens)


def require_twilio_signature(tokens: Iterable[str] | None = None) -> None:
    """Abort with 403 unless the request is signed by Twilio; nothing is read or stored."""
    tokens = list(tokens) if tokens is not None else auth_tokens()
    if not tokens:
        log.error("TWILIO_AUTH_TOKEN is not configured; refusing Twilio webhook")
        abort(403)
    if not is_valid_twilio_request(tokens):
        log.warning("bad Twilio signature on %s", request.path)
        abort(403)
