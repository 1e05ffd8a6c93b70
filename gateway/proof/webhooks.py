"""Change notifications: endpoint checks, secret storage, one signed HTTP delivery.

No Flask and no SQL: :class:`gateway.proof.service.ProofService` wires these to the store and
the outbox. The receiving side's check is :mod:`gateway.proof.signing`.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.core.errors import InvalidCapture
from gateway.core.outbox import GiveUp, RetryLater
from gateway.proof import signing as webhook_signing

TIMEOUT = (3.05, 10.0)  # connect, read: the worker must not hang on a slow receiver
USER_AGENT = "optin-gateway-webhooks/1"
RETRY_STATUSES = frozenset({408, 425, 429})


class WebhookError(InvalidCapture):
    code = "webhook_url_invalid"


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast


def check_url(url: str, *, allow_private: bool = False) -> str:
    """The URL if the gateway may POST to it; else a 422 saying why.

    HTTPS to a public address only: a webhook URL is chosen by an API client, and without
    this the gateway could be aimed at its own network (SSRF). ``allow_private`` (setting
    WEBHOOK_ALLOW_PRIVATE) permits http and private addresses for development/on-premises.
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. "http://[::1": an unclosed IPv6 bracket
        parts, hostname = None, None
    if parts is None or parts.scheme not in ("https", "http") or not hostname or len(url) > 2000:
        raise WebhookError("webhook_url_invalid", field="url", value=url[:200],
                           detail="use an absolute https:// URL")
    if parts.username or parts.password:
        raise WebhookError("webhook_url_invalid", field="url", value=url[:200],
                           detail="no user name or password in the URL; the signature "
                                  "authenticates the gateway")
    if parts.scheme == "http" and not allow_private:
        raise WebhookError("webhook_url_invalid", field="url", value=url[:200],
                           detail="use https://")
    addresses = _addresses(hostname)
    if not addresses:
        raise WebhookError("webhook_url_invalid", field="url", value=url[:200],
                           detail=f"the host {hostname} cannot be resolved")
    if not allow_private and not all(_public(a) for a in addresses):
        raise WebhookError("webhook_url_private", field="url", value=url[:200])
    return url


class SecretBox:
    """Encrypts webhook signing secrets at rest (AES-256-GCM).

    The key is derived from SUBJECT_KEY, which is kept outside the database and can never
    rotate (subject refs depend on it), so a database dump alone does not reveal the
    secrets and no key rotation can make them unreadable.
    """

    def __init__(self, root_key: bytes):
        self._aead = AESGCM(HKDF(hashes.SHA256(), 32, salt=None,
                                 info=b"optin-gateway webhook secrets v1").derive(root_key))

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        return "v1:" + base64.b64encode(nonce + self._aead.encrypt(
            nonce, secret.encode(), b"webhook-secret")).decode()

    def open(self, sealed: str) -> str:
        version, _, blob = sealed.partition(":")
        raw = base64.b64decode(blob)
        if version != "v1":
            raise ValueError("unknown secret format")
        try:
            return self._aead.decrypt(raw[:12], raw[12:], b"webhook-secret").decode()
        except InvalidTag:
            raise ValueError("webhook secret cannot be decrypted (SUBJECT_KEY changed?)") from None


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed): sorted keys, so retries send identical bodies."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def post(url: str, raw: bytes, secret: str, event_id: str, *, delivery: str,
         allow_private: bool, session: requests.Session | None = None) -> int:
    """One signed attempt; returns the 2xx status, raises RetryLater or GiveUp otherwise."""
    try:
        check_url(url, allow_private=allow_private)  # again: DNS may have changed since
    except WebhookError as exc:
        raise GiveUp(f"refused URL: {exc.message('en')}") from None
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               webhook_signing.EVENT_ID_HEADER: event_id, "X-OptIn-Delivery": delivery,
               **webhook_signing.sign(raw, secret)}
    http = session or requests
    try:
        response = http.post(url, data=raw, headers=headers, timeout=TIMEOUT,
                             allow_redirects=False)
    except requests.RequestException as exc:
        raise RetryLater(f"{type(exc).__name__}: {exc}"[:300]) from None
    status = response.status_code
    response.close()
    if 200 <= status < 300:
        return status
    if status >= 500 or status in RETRY_STATUSES:
        raise RetryLater(f"HTTP {status}")
    raise GiveUp(f"HTTP {status}")
