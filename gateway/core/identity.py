"""Who a consent is about: a phone number, or a WhatsApp business-scoped user ID (BSUID).

Since 2026 WhatsApp identifies people to a business by a BSUID (``JP.13491208655302741918``;
a parent ID ``JP.ENT.…`` for linked portfolios) beside, or instead of, their phone number:
a person with a WhatsApp username may write with no number at all. Each identifier is a
subject of its own (its keyed ``subject_ref``); links between them (seen together in a
delivery, or a number change) are ledger entries, and :mod:`gateway.core.subjects` decides
a topic across linked subjects. Identifiers are recognised by their shape: a BSUID is never
parsed as a phone number, and never given a ``+``.
"""

from __future__ import annotations

from typing import NamedTuple

from gateway.core.errors import InvalidCapture, InvalidPhone
from gateway.core.limits import check_text
from gateway.core.phones import BSUID_SHAPE, to_e164

PHONE = "phone"
USER_ID = "user_id"
BSUID = BSUID_SHAPE
_PREFIXES = ("whatsapp:", "wa:")


class Identifier(NamedTuple):
    """One way WhatsApp knows a person: ``kind`` phone (E.164) or user_id (a BSUID).
    A named tuple: campaign lists make a million of them."""

    kind: str
    value: str

    @property
    def is_phone(self) -> bool:
        return self.kind == PHONE


def _bare(raw: str) -> str:
    text = raw.strip()
    lowered = text.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            return text[len(prefix):].strip()
    return text


def is_bsuid(raw: str | None) -> bool:
    """Does ``raw`` (``whatsapp:`` prefix allowed) have the shape of a BSUID?"""
    return bool(raw) and BSUID.fullmatch(_bare(str(raw))) is not None


def is_parent(bsuid: str) -> bool:
    """A parent BSUID (``CC.ENT.…``), shared by a business's linked portfolios."""
    return bsuid[3:7] == "ENT."


def user_id(raw: str, field: str = USER_ID) -> str:
    """A BSUID as WhatsApp wrote it, or a 422 saying it is not one (a phone number is
    never accepted as a user ID)."""
    check_text(raw, USER_ID if field == USER_ID else field)
    bare = _bare(raw)
    if BSUID.fullmatch(bare) is None:
        raise InvalidCapture("invalid_user_id", field=field, value=raw[:40])
    return bare


def phone(raw: str, country: str | None, *, wa_id: bool = False) -> str:
    """A phone number in E.164, or a 422 (a BSUID where a number belongs is named as such
    by ``to_e164`` rather than read as digits)."""
    return to_e164(raw, country, wa_id=wa_id)


def identify(*, phone_raw: str | None = None, user_id_raw: str | None = None,
             country: str | None = None) -> Identifier:
    """The subject a request names: by phone, else by user ID (a 422 if neither)."""
    if phone_raw:
        return Identifier(PHONE, phone(phone_raw, country))
    if user_id_raw:
        return Identifier(USER_ID, user_id(user_id_raw))
    raise InvalidPhone("phone_missing", field=PHONE, value="")
