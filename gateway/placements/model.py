"""Placements: where a QR code or tracked link lives, and the wa.me target it leads to.

Pure module (no Flask, no SQLAlchemy). The redirect target is built here and only here,
from the business's stored WhatsApp number and the placement's stored message: nothing
a visitor sends can change its host or path (:func:`wa_me_url`, :func:`is_whatsapp_url`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from gateway.core.codes import PLACEMENT_ALPHABET, find_placement_code, placement_token
from gateway.core.consent import Business
from gateway.core.errors import GatewayError, NotFound
from gateway.core.limits import text_problem
from gateway.core.normaliser import check_wording
from gateway.placements.texts import ERRORS, PREFILLED, SIGNUP_WORDING, TOKEN_SUFFIX

KINDS = ("store", "event", "poster", "website", "ad", "other")
STATUSES = ("active", "retired")
LANGUAGES = ("ja", "en")
MAX_LABEL = 200
MAX_MESSAGE = 500  # wa.me documents no limit; Meta's own QR codes allow 140 characters
# A click older than this before the first message is not taken as its origin.
STALE_AFTER = timedelta(days=7)
# Phones and servers disagree on time by a little; a click "after" the message by less is fine.
CLOCK_SKEW = timedelta(minutes=2)
WHATSAPP_HOSTS = frozenset({"wa.me", "api.whatsapp.com"})

_CODE = re.compile(f"^[{PLACEMENT_ALPHABET}]{{6,12}}$")
_SIGNUP_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_DIGITS = re.compile(r"^[1-9][0-9]{6,14}$")
_BOTS = re.compile(
    r"bot\b|bot/|crawler|spider|preview|facebookexternalhit|whatsapp/|slack|discord|"
    r"telegram|line-poker|linkedin|embedly|curl/|wget/|python-requests|headless",
    re.IGNORECASE)


class PlacementError(GatewayError):
    """Bad placement input (HTTP 400, message in the API's language)."""

    status = 400
    code = "bad_field"


class PlacementNotFound(NotFound):
    """No such placement for this business (HTTP 404)."""

    code = "placement_unknown"

    def message(self, lang: str = "en") -> str:
        return (ERRORS[self.code].get(lang) or ERRORS[self.code]["en"]).format(
            value=self.params.get("value", ""))


@dataclass(frozen=True)
class Placement:
    """One place a code lives: a store counter, an event stand, a poster, an ad..."""

    id: int
    business_id: int
    code: str
    kind: str
    label: str
    messages: Mapping[str, str]  # language -> exact prefilled text, token included
    topic: str | None
    status: str
    created_at: datetime
    retired_at: datetime | None = None
    actor: str | None = None
    # Meta's In-App Signup entity: the link opens wa.me/<number>/signup/<id> and
    # ``messages`` hold the wording its opt-in records, not a chat draft.
    signup_id: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class Hit:
    """One click (``via="link"``) or scan (``via="qr"``) of a tracked link."""

    placement_id: int
    at: datetime
    via: str


@dataclass(frozen=True)
class Funnel:
    """Scans/clicks → chats started → opt-ins → later opt-outs, for one placement."""

    code: str
    kind: str
    label: str
    status: str
    scans: int = 0
    clicks: int = 0
    bot_hits: int = 0
    unique_visitors: int = 0
    chats_started: int = 0
    chats_stale: int = 0
    opt_ins: int = 0
    opt_ins_pending: int = 0
    opt_outs: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        visits = self.scans + self.clicks
        return {
            "code": self.code, "kind": self.kind, "label": self.label, "status": self.status,
            "scans": self.scans, "clicks": self.clicks, "visits": visits,
            "bot_hits": self.bot_hits, "unique_visitors": self.unique_visitors,
            "chats_started": self.chats_started, "chats_stale": self.chats_stale,
            "opt_ins": self.opt_ins, "opt_ins_pending": self.opt_ins_pending,
            "opt_outs": self.opt_outs,
            "rates": {"chat_per_visit": _rate(self.chats_started, visits),
                      "opt_in_per_chat": _rate(self.opt_ins, self.chats_started),
                      "opt_out_per_opt_in": _rate(self.opt_outs, self.opt_ins)},
            **dict(self.extra),
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def clean_code(raw: str | None) -> str | None:
    """A code from a URL or a chat, upper-cased, or None if it cannot be one of ours."""
    if not raw or len(raw) > 12:
        return None
    code = raw.upper()
    return code if _CODE.match(code) else None


def wa_digits(e164: str) -> str:
    """The ``wa.me`` path: country code and number, digits only (protocols.md §6)."""
    digits = e164[1:] if e164.startswith("+") else ""
    if not _DIGITS.match(digits):
        raise ValueError("the business's WhatsApp number is not E.164")
    return digits


def wa_me_url(e164: str, text: str) -> str:
    """``https://wa.me/<digits>?text=<UTF-8 percent-encoded>``; nothing else is ever built."""
    return f"https://wa.me/{wa_digits(e164)}?text={quote(text, safe='')}"


def signup_url(e164: str, signup_id: str) -> str:
    """An In-App Signup deep link, ``https://wa.me/<digits>/signup/<id>`` (Meta, Jul 2026)."""
    if not _SIGNUP_ID.match(signup_id):
        raise ValueError("not a signup id")
    return f"https://wa.me/{wa_digits(e164)}/signup/{signup_id}"


def clean_signup_id(raw: str | None) -> str:
    """The signup entity id Meta returned (digits, as its other ids), or PlacementError."""
    value = (raw or "").strip()
    if not _SIGNUP_ID.match(value):
        raise PlacementError("bad_field", field="signup_id", field_name="signup_id",
                             detail="the id of a signup created in WhatsApp Manager or "
                                    "POST /<WABA_ID>/signups: letters and digits, 1 to 64")
    return value


def signup_wordings(business: Business, custom: Mapping[str, str] | None = None
                    ) -> dict[str, str]:
    """The wording an In-App Signup opt-in records, per language: the default or the
    business's own, which must pass the opt-in policy (business named, WhatsApp said)."""
    out: dict[str, str] = {}
    for lang in [lang for lang in LANGUAGES if lang in business.languages] or ["en"]:
        raw = ((custom or {}).get(lang) or "").strip()
        text = raw or SIGNUP_WORDING[lang].format(name=business.name)
        if text_problem(text, MAX_MESSAGE, multiline=True):
            raise PlacementError("bad_field", field=f"messages.{lang}",
                                 field_name=f"messages.{lang}",
                                 detail=f"1 to {MAX_MESSAGE} characters, no control characters")
        try:
            check_wording(text, business, business.policy)
        except GatewayError as exc:
            raise PlacementError("bad_field", field=f"messages.{lang}",
                                 field_name=f"messages.{lang}",
                                 detail=exc.message("en")) from None
        out[lang] = text
    return out


def is_whatsapp_url(url: str) -> bool:
    """True only for an https URL on a WhatsApp host (the last check before redirecting)."""
    if any(c in url for c in "\r\n\t\\ ") or not url.isascii():
        return False
    parts = urlsplit(url)
    return (parts.scheme == "https" and parts.hostname in WHATSAPP_HOSTS
            and parts.netloc == parts.hostname and not parts.username)


def tracked_url(base: str, code: str, *, scan: bool = False) -> str:
    """The public URL printed in a QR code (``?s=qr``) or shared as a link."""
    return f"{base.rstrip('/')}/l/{code}" + ("?s=qr" if scan else "")


def short_link(base: str, code: str) -> str:
    """The link as printed for people to type: no scheme."""
    return tracked_url(base, code).split("://", 1)[-1]


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def build_messages(business: Business, code: str,
                   custom: Mapping[str, str] | None = None) -> dict[str, str]:
    """The prefilled text per language: the default, or the business's own plus the token.

    A custom text must name the business (R6: the customer sees whom they write to) and must
    not carry a placement token of its own.
    """
    token = placement_token(code)
    languages = [lang for lang in LANGUAGES if lang in business.languages] or ["en"]
    out: dict[str, str] = {}
    for lang in languages:
        raw = (custom or {}).get(lang)
        if raw is None:
            out[lang] = PREFILLED[lang].format(name=business.name, token=token)
            continue
        body = raw.strip()
        if not body or text_problem(body, MAX_MESSAGE, multiline=True):
            raise PlacementError("bad_field", field=f"messages.{lang}",
                                 field_name=f"messages.{lang}",
                                 detail=f"1 to {MAX_MESSAGE} characters, no control characters")
        if not any(_fold(n) in _fold(body) for n in business.names if n.strip()):
            raise PlacementError("bad_field", field=f"messages.{lang}",
                                 field_name=f"messages.{lang}",
                                 detail=f"it must name the business ({business.name})")
        if find_placement_code(body) is not None:
            raise PlacementError("bad_field", field=f"messages.{lang}",
                                 field_name=f"messages.{lang}",
                                 detail="leave out ref: codes; the gateway adds its own")
        out[lang] = body + TOKEN_SUFFIX[lang].format(token=token)
    for lang, message in out.items():  # the chat side must find exactly this code again
        assert find_placement_code(message) == code, (lang, message)
    return out


def message_language(visitor: str, placement: Placement, business: Business) -> str:
    """The visitor's language if the placement has a message in it, else the business's."""
    if visitor in placement.messages:
        return visitor
    for lang in business.languages:
        if lang in placement.messages:
            return lang
    return next(iter(placement.messages))


def is_bot(user_agent: str | None) -> bool:
    """Link unfurlers and scripts: counted apart so they do not inflate the funnel."""
    return not user_agent or bool(_BOTS.search(user_agent))


def attribution_channel(kind: str, via: str) -> str:
    """``qr`` for a scan; a click is ``ad`` on an ad placement, else ``link``."""
    if via == "qr":
        return "qr"
    return "ad" if kind == "ad" else "link"


def attribution_evidence(placement: Placement, hit: Hit, first_message_at: datetime
                         ) -> dict[str, Any]:
    """Where the person came from (never consent): code, kind, label, hit time, delay."""
    seconds = max(0, int((first_message_at - hit.at).total_seconds()))
    evidence: dict[str, Any] = {
        "placement_code": placement.code,
        "placement_kind": placement.kind,
        "placement_label": placement.label,
        "placement_via": "scan" if hit.via == "qr" else "click",
        ("scanned_at" if hit.via == "qr" else "clicked_at"): hit.at.isoformat(),
        "seconds_to_first_message": seconds,
    }
    if placement.topic:
        evidence["placement_topic"] = placement.topic
    return evidence
