"""Double opt-in: one-time codes that confirm a pending web opt-in on WhatsApp itself.

A web opt-in of a business with ``double_opt_in`` is recorded ``pending`` (never eligible).
The thank-you page offers a ``wa.me`` link whose prefilled text carries ``confirm:123456``;
when that message arrives from the same number, the messaging service calls
``ConfirmationService.confirm`` (``gateway/web/service.py``), which records a *new* confirmed opt-in (channel
``whatsapp``, method ``keyword``) for the same topics and wording. The message proves both
that the number is the visitor's and that they agree, on WhatsApp.

This module holds what a confirmation is and the :class:`ConfirmationStore` port the store
implements; pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from gateway.core import codes
from gateway.core.consent import Action, Business, ConsentEvent, Status
from gateway.web.rules import wa_me_url
from gateway.web.texts import text

TTL = timedelta(hours=24)
ISSUE_ATTEMPTS = 8  # a fresh 6-digit code collides with an active one very rarely


@dataclass(frozen=True)
class Confirmation:
    """One code for one pending opt-in event."""

    business_id: int
    code: str
    subject_ref: str  # keyed digest of the number that must send the code
    pending_event_id: str
    topics: tuple[str, ...]
    wording_id: str | None
    language: str | None
    created_at: datetime
    expires_at: datetime
    status: str = "active"  # active, used, expired
    used_at: datetime | None = None
    used_key: str | None = None  # idempotency key of the message that used it
    confirmed_event_id: str | None = None
    id: int | None = None


class CodeTaken(Exception):
    """Another active confirmation of the business already has this code."""


class ConfirmationStore(Protocol):
    """The port the service needs; ``gateway.store.confirmation_store`` implements it."""

    def add(self, confirmation: Confirmation) -> Confirmation: ...
    def for_event(self, pending_event_id: str) -> Confirmation | None: ...
    def lookup(self, business_id: int, code: str) -> Confirmation | None: ...
    def expire_stale(self, business_id: int, now: datetime) -> int: ...
    def claim(self, confirmation_id: int, now: datetime, key: str) -> bool: ...
    def release(self, confirmation_id: int) -> None: ...
    def set_event(self, confirmation_id: int, event_id: str) -> None: ...


def new_confirmation(event: ConsentEvent, now: datetime, code: str,
                     ttl: timedelta = TTL) -> Confirmation:
    """The confirmation for a pending opt-in event."""
    if event.action is not Action.OPT_IN or event.status is not Status.PENDING:
        raise ValueError("only a pending opt-in needs a confirmation")
    return Confirmation(
        business_id=event.business_id, code=code, subject_ref=event.subject_ref,
        pending_event_id=event.event_id, topics=tuple(event.topics),
        wording_id=event.wording.id if event.wording else None, language=event.language,
        created_at=now, expires_at=now + ttl)


def usable(c: Confirmation, subject_ref: str, now: datetime, key: str) -> str:
    """``ok``, ``retry`` (this same message used it already), or why it cannot be used."""
    if c.subject_ref != subject_ref:
        return "wrong_phone"
    if c.status == "used":
        return "retry" if c.used_key == key else "used"
    if c.status == "expired" or now >= c.expires_at:
        return "expired"
    return "ok"


def prefilled_text(business: Business, code: str, lang: str) -> str:
    """The message the visitor sends: names the business and carries the token."""
    return text("confirm_prefill", lang, name=business.name, token=codes.confirmation_token(code))


def confirm_link(business: Business, code: str, lang: str) -> str:
    """The "Confirm on WhatsApp" link to the business's number."""
    return wa_me_url(business.whatsapp_number, prefilled_text(business, code, lang))
