"""What a caller gives the IVR: caller ID, keyed numbers, spoken yes/no (pure).

Also the other way round: a number read back digit by digit, as the caller would say it.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from gateway.core.errors import InvalidPhone
from gateway.core.phones import to_e164
from gateway.ivr import texts as T

# What Twilio sends in From when caller ID is withheld; +266696687 is the "anonymous"
# pseudo-number some carriers pass through (it spells ANONYMOUS on a keypad).
WITHHELD = frozenset({"", "anonymous", "unknown", "restricted", "private", "unavailable",
                      "+266696687", "266696687"})
_YES = {"en": ("yes", "yeah", "yep", "sure", "ok", "okay", "i agree", "agree"),
        "ja": ("はい", "ええ", "うん", "同意", "お願いします", "おねがいします")}
_NO = {"en": ("no", "nope", "no thanks", "no thank you", "not", "don't", "do not"),
       "ja": ("いいえ", "いえ", "いらない", "いりません", "結構", "けっこう", "不要", "希望しません")}
_STOP = {"en": ("stop", "unsubscribe"),
         "ja": ("停止", "ていし", "やめて", "止めて", "配信停止")}


def spoken_number(e164: str, country: str, lang: str) -> str:
    """The number digit by digit, as the caller would say it (national form at home)."""
    number = phonenumbers.parse(e164)
    if phonenumbers.region_code_for_number(number) == country.upper():
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        groups = [g for g in re.split(r"\D+", national) if g]
        prefix: list[str] = []
    else:
        intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        groups = [g for g in re.split(r"\D+", intl) if g]
        prefix = [T.PLUS.get(lang, "plus")]
    sep = T.DIGIT_SEP.get(lang, " ")
    spoken = T.GROUP_SEP.get(lang, ", ").join(sep.join(g) for g in groups)
    return sep.join([*prefix, spoken])


def parse_caller(raw: str | None, country: str) -> tuple[str | None, str]:
    """(E.164 or None, status): ok, withheld, or not_mobile (landline, unreadable)."""
    value = (raw or "").strip()
    if value.lower() in WITHHELD:
        return None, "withheld"
    try:
        return to_e164(value, country), "ok"
    except InvalidPhone:
        # A landline, or a caller ID we cannot read: either way the caller keys a mobile.
        return None, "not_mobile"


def parse_keyed(digits: str, country: str) -> str | None:
    """A keyed mobile number (national, or international with 00 / *), else None."""
    clean = re.sub(r"[^0-9*]", "", digits or "")
    candidates = []
    if clean.startswith("*"):
        candidates.append("+" + clean.lstrip("*"))
    elif clean.startswith("00") and not clean.startswith("000"):
        candidates += [clean, "+" + clean[2:]]
    else:
        candidates.append(clean)
    for candidate in candidates:
        if "*" in candidate or len(re.sub(r"\D", "", candidate)) < 6:
            continue
        try:
            return to_e164(candidate, country)
        except InvalidPhone:
            continue
    return None


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s\.,!?。、！？「」]+", " ", text).strip()


def interpret(speech: str, lang: str) -> str | None:
    """A spoken answer as yes / no / stop, or None when unclear or contradictory."""
    folded = _fold(speech)
    words = f" {folded} "
    found = set()
    for kind, table in (("yes", _YES), ("no", _NO), ("stop", _STOP)):
        for phrase in table.get(lang, ()) + (table["en"] if lang != "en" else ()):
            hit = f" {phrase} " in words if phrase.isascii() else phrase in folded
            if hit:
                found.add(kind)
    if "stop" in found:
        return "stop" if found <= {"stop", "no"} else None
    if len(found) != 1:
        return None  # "yes, no" or nothing recognised: never taken as consent
    return found.pop()
