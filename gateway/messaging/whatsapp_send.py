"""Outbox kind ``whatsapp_send``: replies to WhatsApp customers through the Meta Graph API.

The Meta webhook never calls Graph itself; it enqueues one item per reply (dedupe key
``<wamid>:reply:<n>``) and ``optin-gateway worker`` runs this handler: 5xx, 429 and network
errors are retried with backoff (``RetryLater``), any other 4xx is final (``GiveUp``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import requests

from gateway.core.config import Settings
from gateway.core.consent import Business
from gateway.core.outbox import GiveUp, OutboxItem, RetryLater
from gateway.core.phones import BSUID_SHAPE
from gateway.messaging.conversation import Reply

log = logging.getLogger("gateway.whatsapp_send")

KIND = "whatsapp_send"
TIMEOUT = (3.05, 10.0)  # connect, read (seconds)
INTERACTIVE_BODY_MAX = 1024  # Graph API limit for an interactive message's body
TEXT_MAX = 4096


def graph_messages(to: str, reply: Reply) -> list[dict[str, Any]]:
    """The Graph API request bodies for one reply (a list when it offers choices). ``to``:
    the digits of a number, or a WhatsApp user ID, which goes as ``recipient`` (a person
    with a username may have no number the business can see)."""
    address = {"recipient": to} if BSUID_SHAPE.fullmatch(to) else {"to": to}
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", **address}
    if not reply.choices:
        return [{**base, "type": "text", "text": {"body": reply.text[:TEXT_MAX],
                                                  "preview_url": False}}]
    rows = [{"id": c.id, "title": c.title, **({"description": c.description}
                                                 if c.description else {})}
            for c in reply.choices]
    bodies: list[dict[str, Any]] = []
    body_text = reply.text
    if len(body_text) > INTERACTIVE_BODY_MAX:
        # Never cut the wording: send it whole as text, then the list on its own.
        bodies.append({**base, "type": "text", "text": {"body": body_text[:TEXT_MAX]}})
        body_text = reply.button
    bodies.append({**base, "type": "interactive", "interactive": {
        "type": "list", "body": {"text": body_text},
        "action": {"button": reply.button[:20], "sections": [
            {"title": reply.section[:24], "rows": rows}]}}})
    return bodies


def access_token(settings: Settings, business: Business | None) -> str | None:
    """Per-business ``meta_access_token`` first, then META_ACCESS_TOKEN."""
    own = business.settings.get("meta_access_token") if business else None
    return (own if isinstance(own, str) and own else None) or \
        settings.extra.get("META_ACCESS_TOKEN") or os.environ.get("META_ACCESS_TOKEN")


def make_whatsapp_sender(settings: Settings, business_by_id: Callable[[int], Business | None],
                         session: requests.Session | None = None) -> Callable[[OutboxItem], None]:
    """The outbox handler, bound to the settings and a business lookup."""
    http = session or requests.Session()

    def send(item: OutboxItem) -> None:
        payload = item.payload
        business = business_by_id(item.business_id) if item.business_id else None
        token = access_token(settings, business)
        if not token:
            raise GiveUp("no Meta access token: set META_ACCESS_TOKEN or the business's "
                         "meta_access_token setting")
        url = f"{settings.graph_api_base.rstrip('/')}/{payload['phone_number_id']}/messages"
        try:
            response = http.post(url, json=payload["message"], timeout=TIMEOUT,
                                 headers={"Authorization": f"Bearer {token}"})
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise RetryLater(f"Graph API unreachable: {exc.__class__.__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryLater(f"Graph API {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            raise GiveUp(f"Graph API {response.status_code}: {response.text[:300]}")
        log.info("whatsapp reply %s sent", item.dedupe_key)

    return send
