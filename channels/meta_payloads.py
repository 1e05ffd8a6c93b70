"""Meta Cloud API webhook payloads, read: pure functions, no Flask (channels/meta_whatsapp.py
has the views).

A delivery holds entries of changes of items: messages, statuses, user preferences, and the
system messages that announce a changed number or user ID. Since 2026 every item carries the
person's business-scoped user ID (``user_id`` / ``from_user_id`` / ``recipient_user_id``), and
a person with a username may come with no number at all: each item says who it is about
as a :class:`Who` (number and/or user ID), never with a made-up number. Anything of the wrong
shape raises ``InvalidCapture`` for its own item only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.core import identity
from gateway.core.errors import GatewayError, InvalidCapture
from gateway.core.limits import MAX_LENGTH, check_text, scrub
from gateway.core.phones import to_e164
from gateway.core.revocation import sender_address
from gateway.messaging.conversation import Inbound

SKIPPED_TYPES = {"reaction", "ephemeral", "unsupported"}  # nothing a customer asked us
IDENTITY_CHANGES = {"user_changed_number", "user_changed_user_id", "customer_changed_number",
                    "user_id_update"}
REFERRAL_FIELDS = ("source_id", "source_type", "source_url", "headline", "body", "ctwa_clid",
                   "media_type", "image_url", "video_url", "thumbnail_url")


@dataclass(frozen=True)
class Item:
    """One thing in a delivery, with its change: a message, status, preference, identity."""

    kind: str  # message, status, preference, identity
    value: Mapping[str, Any]  # the change's value (metadata, contacts)
    data: Mapping[str, Any]  # the message / status / preference / change itself


@dataclass(frozen=True)
class Who:
    """Whom an item is about: a number (E.164) and/or a user ID (BSUID), a parent ID."""

    phone: str = ""
    user_id: str | None = None
    parent_user_id: str | None = None

    @property
    def key(self) -> str:
        """The identifier things are recorded under: the number, else the user ID."""
        return self.phone or self.user_id or ""


def dicts(value: Any) -> Iterator[Mapping[str, Any]]:
    """The objects of a list, whatever else a malformed delivery put in it."""
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, Mapping))


def items(body: Mapping[str, Any]) -> Iterator[Item]:
    """Every item of a delivery; a part of an unexpected shape (``"entry": "x"``,
    ``changes: [null, 5]``) is skipped: one broken part never costs the good ones."""
    for entry in dicts(body.get("entry")):
        for change in dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, Mapping):
                continue
            field = change.get("field")
            if field == "user_preferences":
                for pref in dicts(value.get("user_preferences")):
                    yield Item("preference", value, pref)
            elif field == "user_id_update":  # the older shape of a user ID change
                for update in dicts(value.get("user_id_update")):
                    yield Item("identity", value, update)
            elif field == "calls":  # WhatsApp Business Calling: a call opens the window
                for call in dicts(value.get("calls")):
                    yield Item("call", value, call)
            elif field in (None, "messages"):
                for message in dicts(value.get("messages")):
                    system = message.get("system")
                    if message.get("type") == "system" and isinstance(system, Mapping):
                        yield Item("identity", value, {**system, "id": message.get("id"),
                                                       "timestamp": message.get("timestamp")})
                    else:
                        yield Item("message", value, message)
                for status in dicts(value.get("statuses")):
                    yield Item("status", value, status)


def when(raw: Any, fallback: datetime) -> datetime:
    try:
        return min(datetime.fromtimestamp(int(raw), UTC), fallback)
    except (TypeError, ValueError, OverflowError):
        return fallback


def stamp(value: Any) -> str:
    """A Unix time as Meta sends it (digits), else "" (the item is then dated on arrival)."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return text if text.isdigit() and len(text) <= 12 else ""


def metadata(value: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = value.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def words(value: Any, limit: int = MAX_LENGTH["message_text"]) -> str:
    return scrub(value, limit) if isinstance(value, str | int) else ""


def sender(value: Mapping[str, Any]) -> str | None:
    display = words(metadata(value).get("display_phone_number"), 20)
    try:
        if not display:
            return None
        return sender_address("whatsapp", to_e164("+" + display.lstrip("+"), None,
                                                  customer=False))
    except GatewayError:
        return None


def message_id(value: Any, field: str) -> str:
    """A provider id (wamid, status id): text within the column, else InvalidCapture."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InvalidCapture("bad_field", field=field, field_name=field, detail="not an id")
    return check_text(str(value), "message_id")


def _number(raw: Any) -> str:
    if not raw:
        return ""
    return to_e164(check_text(str(raw), "phone"), None, wa_id=True)


def _user(raw: Any, field: str) -> str | None:
    return identity.user_id(str(raw), field) if raw else None


def who(wa_id: Any = None, user_id: Any = None, parent: Any = None) -> Who:
    """A checked Who: a number given as a wa_id, a user ID, a parent user ID."""
    return Who(_number(wa_id), _user(user_id, "user_id"), _user(parent, "parent_user_id"))


def _contact(value: Mapping[str, Any], wa_id: Any, user_id: Any) -> Mapping[str, Any]:
    """The change's contacts[] entry for this person (by number or user ID)."""
    found = [c for c in dicts(value.get("contacts"))
             if (wa_id and c.get("wa_id") == wa_id) or (user_id and c.get("user_id") == user_id)]
    if found:
        return found[0]
    alone = list(dicts(value.get("contacts")))
    return alone[0] if len(alone) == 1 and not (wa_id and user_id) else {}


def message_who(item: Item) -> tuple[Who, dict[str, str]]:
    """Who sent a message, and their display names (profile name, username)."""
    m = item.data
    contact = _contact(item.value, m.get("from"), m.get("from_user_id"))
    person = who(m.get("from") or contact.get("wa_id"),
                 m.get("from_user_id") or contact.get("user_id"),
                 m.get("from_parent_user_id") or contact.get("parent_user_id"))
    profile = contact.get("profile") if isinstance(contact.get("profile"), Mapping) else {}
    names = {"profile_name": words(profile.get("name"), MAX_LENGTH["name"]),
             "username": words(profile.get("username"), 100)}
    return person, {k: v for k, v in names.items() if v}


def parse_message(item: Item, now: datetime) -> Inbound | None:
    """A Cloud API message -> ``Inbound`` (None for reactions and the like). Ids and
    identifiers of the wrong shape raise InvalidCapture; what the customer wrote is kept
    with control characters replaced."""
    m = item.data
    kind = m.get("type", "")
    if kind in SKIPPED_TYPES or not m.get("id"):
        return None
    person, personal = message_who(item)
    if not person.key:
        return None  # nobody to record anything under
    text, button_id = "", None
    part = m.get(kind) if isinstance(m.get(kind), Mapping) else {}
    if kind == "text":
        text = words(part.get("body"))
    elif kind == "interactive":
        chosen = part.get("button_reply") or part.get("list_reply")
        chosen = chosen if isinstance(chosen, Mapping) else {}
        text, button_id = words(chosen.get("title")), words(chosen.get("id"), 256) or None
    elif kind == "button":  # a template's quick-reply button
        text, button_id = words(part.get("text")), words(part.get("payload"), 256) or None
    elif not isinstance(m.get(kind), list):  # media: a caption is still the customer's words
        text = words(part.get("caption"))
    raw_referral = m.get("referral") if isinstance(m.get("referral"), Mapping) else {}
    referral = {k: words(raw_referral[k], MAX_LENGTH["evidence_text"])
                for k in REFERRAL_FIELDS if raw_referral.get(k)}
    evidence: dict[str, Any] = {"type": words(kind, 40),
                                "phone_number_id": words(metadata(item.value).get(
                                    "phone_number_id"), 40)}
    context = m.get("context") if isinstance(m.get("context"), Mapping) else {}
    if context.get("id"):
        evidence["replied_to"] = message_id(context["id"], "context.id")
    return Inbound(
        provider="meta", message_id=message_id(m["id"], "id"), channel="whatsapp",
        phone=person.phone, user_id=person.user_id, parent_user_id=person.parent_user_id,
        occurred_at=when(m.get("timestamp"), now), text=text, button_id=button_id,
        sender=sender(item.value), evidence=evidence, personal=personal,
        attribution={"channel": "ad", "evidence": {"referral": referral}} if referral else None,
        interactive=True)


def shared_contact(item: Item) -> Who | None:
    """The person's own number, shared with the business through a REQUEST_CONTACT_INFO
    button (a ``contacts`` message with ``origin: contact_request``), else None. A contact
    card shared any other way is someone else's: never linked."""
    m = item.data
    cards = list(dicts(m.get("contacts"))) if m.get("type") == "contacts" else []
    origin = m.get("origin") or next((c.get("origin") for c in cards if c.get("origin")), None)
    if origin != "contact_request":
        return None
    for card in cards:
        for phone in dicts(card.get("phones")):
            if phone.get("wa_id"):
                return who(phone.get("wa_id"))
    return None


def identity_change(item: Item) -> tuple[Who, Who] | None:
    """(before, after) of a number or user ID change, from a system message (Aug 2026 shape:
    ``user_changed_number`` / ``user_changed_user_id``) or an older ``user_id_update``."""
    data = item.data
    kind = data.get("type") or "user_id_update"
    if kind not in IDENTITY_CHANGES:
        return None
    before = who(data.get("previous_wa_id") or data.get("customer"),
                 data.get("previous_user_id"), data.get("previous_parent_user_id"))
    after = who(data.get("wa_id") or data.get("new_wa_id"), data.get("user_id"),
                data.get("parent_user_id"))
    return (before, after) if before.key and after.key else None


def user_call(item: Item, now: datetime) -> tuple[Who, datetime] | None:
    """(caller, when) of a call the person placed to the business (``event: connect``,
    direction user-initiated; the field is ``direction`` or ``call_direction``), else None:
    a call the business placed opens no window."""
    call = item.data
    direction = words(call.get("direction") or call.get("call_direction"), 40).lower()
    if words(call.get("event"), 20).lower() != "connect" or direction != "user_initiated":
        return None
    person = who(call.get("from"), call.get("from_user_id"), call.get("from_parent_user_id"))
    return (person, when(call.get("timestamp"), now)) if person.key else None


def free_entry(status: Mapping[str, Any]) -> tuple[bool, datetime | None]:
    """Does a sent / delivered status say Meta opened a free entry point (an ad or page
    button chat answered in time)? Per-message pricing says so in ``pricing`` (category
    ``referral_conversion``, type ``free_entry_point``); the older conversation object in
    ``conversation.origin.type``, with its ``expiration_timestamp`` (the window's end)."""
    pricing = status.get("pricing") if isinstance(status.get("pricing"), Mapping) else {}
    conversation = status.get("conversation") \
        if isinstance(status.get("conversation"), Mapping) else {}
    origin = conversation.get("origin") if isinstance(conversation.get("origin"), Mapping) \
        else {}
    found = "referral_conversion" in (pricing.get("category"), origin.get("type")) or \
        pricing.get("type") == "free_entry_point"
    end = stamp(conversation.get("expiration_timestamp"))
    return found, datetime.fromtimestamp(int(end), UTC) if found and end else None
