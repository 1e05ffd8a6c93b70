"""Phone numbers to E.164 with ``phonenumbers``: national, international, WhatsApp forms."""

from __future__ import annotations

import re
import unicodedata
from typing import NoReturn

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from gateway.core.errors import InvalidPhone
from gateway.core.phone_fast import fast_e164

_PREFIXES = ("whatsapp:", "tel:", "sms:")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# A WhatsApp business-scoped user ID (gateway.core.identity): never read as a number, though
# its digits could make one.
BSUID_SHAPE = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")

# Types that can never hold a WhatsApp account; everything else is allowed.
_REFUSED_TYPES = {
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.TOLL_FREE: "toll-free",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UAN: "universal access",
}


def is_plain_e164(value: str) -> bool:
    """Cheap syntactic check used by bulk paths before the full parse."""
    return bool(_E164.match(value))


def to_e164(raw: str, country: str | None = None, *, wa_id: bool = False,
            customer: bool = True) -> str:
    """Return ``raw`` as E.164 or raise :class:`InvalidPhone` explaining why.

    ``country`` is the default region for national numbers (``090-1234-5678``
    with ``JP``). ``wa_id`` marks digits-only WhatsApp ids (``819012345678``).
    ``customer=False`` skips the mobile check: a business's own WhatsApp or Twilio
    number may well be a landline.

    Plain ASCII numbers (``+819012345678``, ``090-1234-5678`` with ``JP``) take
    :mod:`gateway.core.phone_fast`, the same steps on the library's metadata compiled
    once (a few times faster, for bulk imports); everything else takes :func:`_full_parse`.
    Both answer alike, errors included (tests/unit/test_phone_fast_path.py).
    """
    fast = fast_e164(raw, country, wa_id)
    if fast is None:
        return _full_parse(raw, country, wa_id=wa_id, customer=customer)
    if fast.e164 is None:
        _refuse_invalid(fast.reason, fast.digits, str(raw).strip())
    return _checked(fast.e164, fast.kind, customer)


def _full_parse(raw: str, country: str | None = None, *, wa_id: bool = False,
                customer: bool = True) -> str:
    """:func:`to_e164` through ``phonenumbers.parse``, for any input."""
    if raw is None or not str(raw).strip():
        raise InvalidPhone("phone_missing", field="phone", value="")
    shown = str(raw).strip()
    text = unicodedata.normalize("NFKC", shown).strip()
    lowered = text.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix):].strip()
            break
    if BSUID_SHAPE.fullmatch(text):
        raise InvalidPhone("phone_is_user_id", field="phone", value=text[:40])
    digits = re.sub(r"\D", "", text)
    if not digits:
        raise InvalidPhone("invalid_phone", field="phone", value=shown)
    if len(digits) < 6:
        raise InvalidPhone("phone_too_short", field="phone", value=shown)
    if len(digits) > 17:
        raise InvalidPhone("phone_too_long", field="phone", value=shown)
    region = (country or "").upper() or None
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidPhone("unknown_country", field="country", value=country)

    candidates: list[tuple[str, str | None]] = []
    if text.startswith("+") or text.startswith("00") and not region:
        candidates.append((text, None))
    elif wa_id and text.isdigit():
        candidates.append(("+" + text, None))
    else:
        if region:
            candidates.append((text, region))
        if text.isdigit() and not text.startswith("0"):
            # A bare WhatsApp id: country code and number without "+".
            candidates.append(("+" + text, None))
    number = None
    kind = PhoneNumberType.UNKNOWN
    first_reason = None
    for candidate, cand_region in candidates:
        try:
            parsed = phonenumbers.parse(candidate, cand_region)
        except NumberParseException:
            continue
        # number_type is UNKNOWN exactly when is_valid_number is False (the library's own
        # definition); asking once halves the cost, the largest of a bulk import.
        kind = phonenumbers.number_type(parsed)
        if kind != PhoneNumberType.UNKNOWN:
            number = parsed
            break
        if first_reason is None:
            # The most likely reading (national first) explains the failure best.
            first_reason = phonenumbers.is_possible_number_with_reason(parsed)
    if number is None:
        _refuse_invalid(first_reason, len(digits), shown)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return _checked(e164, kind, customer)


def _refuse_invalid(first_reason: int | None, digits: int, shown: str) -> NoReturn:
    """No valid reading: say why, from the first reading's possible-number reason."""
    if first_reason in (ValidationResult.TOO_SHORT, ValidationResult.INVALID_LENGTH,
                        ValidationResult.IS_POSSIBLE_LOCAL_ONLY) and digits < 10:
        raise InvalidPhone("phone_too_short", field="phone", value=shown)
    if first_reason == ValidationResult.TOO_LONG:
        raise InvalidPhone("phone_too_long", field="phone", value=shown)
    raise InvalidPhone("invalid_phone", field="phone", value=shown)


def _checked(e164: str, kind: int, customer: bool) -> str:
    """``e164`` unless a customer's number is of a type that cannot hold WhatsApp."""
    refused = _REFUSED_TYPES.get(kind) if customer else None
    if refused:
        raise InvalidPhone("phone_not_mobile", field="phone", value=e164, kind=refused)
    return e164


def readable(e164: str | None) -> str:
    """+81 90-1234-5678: the international format people read (E.164 stays in the data)."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def wa_digits(e164: str) -> str:
    """The digits form used by wa.me links and WhatsApp ids (no "+")."""
    return e164.lstrip("+")


def mask(e164: str | None) -> str:
    """Mask a number for logs and auditors: +81 90-****-5678 style, keeping the ends."""
    if not e164:
        return ""
    if BSUID_SHAPE.fullmatch(e164):  # a WhatsApp user ID: its country, then the ends
        body = e164.split(".")[-1]
        return e164[: len(e164) - len(body)] + body[:2] + "*" * max(len(body) - 4, 0) + \
            body[-2:]
    digits = e164.lstrip("+")
    if len(digits) <= 6:
        return "+" + "*" * len(digits)
    return "+" + digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
