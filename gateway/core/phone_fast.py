"""The fast path of :func:`gateway.core.phones.to_e164` for plain ASCII numbers.

A bulk import reads a million rows, nearly all ``+819012345678`` or ``090-1234-5678``.
For those shapes this module does what ``phonenumbers.parse`` + ``number_type`` +
``format_number(E164)`` would do, step for step, with the library's own metadata
(``PhoneMetadata``: international prefix, national prefix for parsing, possible lengths,
the patterns of each number type) compiled once per region. It holds no phone rule of
its own: every pattern and length comes from the library, and the length decisions are
the library's own functions asked once per length.

:func:`fast_e164` answers ``None`` ("take the full parse") for anything else: other
characters, full-width digits, extensions, ``00``/``010`` international prefixes, a
national prefix that the library would transform, numbers without ``+`` or ``0``, numbers
too short or too long, unknown regions. tests/unit/test_phone_fast_path.py checks that
``to_e164`` answers exactly as the full parse does (value, or error code, field and value).
"""

from __future__ import annotations

import re
import threading
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType, ValidationResult
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

try:  # the library's own length rule; if it ever moves, every call takes the full parse
    from phonenumbers.phonenumberutil import _test_number_length
except ImportError:  # pragma: no cover - depends on the installed phonenumbers
    _test_number_length = None

# "+" and ASCII digits, optionally grouped by single spaces or hyphens; nothing else.
_PLAIN = re.compile(r"(\+?)([0-9]+(?:[ -][0-9]+)*)", re.ASCII)
_MIN_DIGITS, _MAX_DIGITS = 6, 17  # to_e164's own limits: outside them the full path explains
_MAX_NSN = 17  # the library's longest national significant number
# parse() keeps a stripped national prefix only when the rest is not one of these lengths.
_SHORT = (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
          ValidationResult.INVALID_LENGTH)
# The order in which phonenumbers' _number_type_helper tries the special types.
_SPECIAL_TYPES = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)
UNKNOWN = PhoneNumberType.UNKNOWN


class Fast(NamedTuple):
    """What the full parse would have found: the E.164 form and type of a valid number,
    or (``e164`` None) the possible-number reason of an invalid one."""

    e164: str | None
    kind: int
    reason: int | None
    digits: int  # how many digits the input had (to_e164's too-short rule uses it)


def _desc(desc: object) -> tuple[frozenset[int] | None, re.Pattern[str]] | None:
    """A PhoneNumberDesc as (possible lengths or None for any, compiled pattern), or None
    when it can never match (no description, or no pattern)."""
    if desc is None or not getattr(desc, "national_number_pattern", None):
        return None
    lengths = tuple(desc.possible_length or ())  # type: ignore[attr-defined]
    return (frozenset(lengths) if lengths else None,
            re.compile(desc.national_number_pattern))  # type: ignore[attr-defined]


def _for_length(desc: tuple | None, length: int) -> re.Pattern[str] | None:
    if desc is None or (desc[0] is not None and length not in desc[0]):
        return None
    return desc[1]


class _Region:
    """One region's (or non-geographic calling code's) metadata, compiled."""

    def __init__(self, md: PhoneMetadata):
        self.country_code: int = md.country_code
        self.idd = re.compile(md.international_prefix) if md.international_prefix is not None \
            else None
        npp = md.national_prefix_for_parsing
        self.npp = re.compile(npp) if npp else None
        self.transform = bool(md.national_prefix_transform_rule)
        general = md.general_desc
        self.general = re.compile(general.national_number_pattern) \
            if general is not None and general.national_number_pattern else None
        self.keep_lengths = frozenset(n for n in range(_MAX_NSN + 1)
                                      if _test_number_length("1" * n, md) not in _SHORT)
        self.leading = re.compile(md.leading_digits) if md.leading_digits is not None else None
        self.same = bool(md.same_mobile_and_fixed_line_pattern)
        descs = {attr: _desc(getattr(md, attr, None)) for attr, _ in _SPECIAL_TYPES}
        gdesc, fixed, mobile = _desc(general), _desc(md.fixed_line), _desc(md.mobile)
        # Per length: the general pattern, the special types that may match, fixed, mobile.
        self.plans: dict[int, tuple] = {}
        for n in range(2, _MAX_NSN + 1):
            gen = _for_length(gdesc, n)
            if gen is None:
                continue
            specials = tuple((kind, p) for attr, kind in _SPECIAL_TYPES
                             if (p := _for_length(descs[attr], n)) is not None)
            self.plans[n] = (gen, specials, _for_length(fixed, n), _for_length(mobile, n))

    def kind(self, nsn: str) -> int:
        """phonenumbers' _number_type_helper(nsn, metadata), with compiled patterns."""
        plan = self.plans.get(len(nsn))
        if plan is None:
            return UNKNOWN
        general, specials, fixed, mobile = plan
        if general.fullmatch(nsn) is None:
            return UNKNOWN
        for kind, pattern in specials:
            if pattern.fullmatch(nsn) is not None:
                return kind
        if fixed is not None and fixed.fullmatch(nsn) is not None:
            if self.same or (mobile is not None and mobile.fullmatch(nsn) is not None):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same and mobile is not None and mobile.fullmatch(nsn) is not None:
            return PhoneNumberType.MOBILE
        return UNKNOWN

    def strip_national_prefix(self, number: str) -> str | None:
        """parse()'s national prefix step: _maybe_strip_national_prefix_carrier_code, then
        the possible-length check. None when the library would transform the number."""
        if self.npp is None:
            return number
        match = self.npp.match(number)
        if match is None:
            return number
        if self.transform:
            groups = match.groups()
            if not groups or groups[-1] is not None:
                return None
        rest = number[match.end():]
        general = self.general
        if general is not None and general.fullmatch(number) is not None \
                and general.fullmatch(rest) is None:
            return number
        return rest if len(rest) in self.keep_lengths else number


_lock = threading.Lock()
_regions: dict[object, _Region | None] = {}
_callers: dict[int, tuple[tuple[str, _Region | None], ...]] = {}
_reasons: dict[tuple[int, int], int] = {}


def _region(country_code: int, region: str) -> _Region | None:
    key: object = region if region != "001" else country_code
    found = _regions.get(key, False)
    if found is False:
        md = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        found = _Region(md) if md is not None else None
        with _lock:
            _regions[key] = found
    return found  # type: ignore[return-value]


def _classify(country_code: int, nsn: str) -> int:
    """phonenumbers.number_type for a parsed (country code, national significant number)."""
    regions = _callers.get(country_code)
    if regions is None:
        codes = COUNTRY_CODE_TO_REGION_CODE[country_code]
        regions = tuple((code, _region(country_code, code)) for code in codes)
        with _lock:
            _callers[country_code] = regions
    if len(regions) == 1:
        found = regions[0][1]
    else:  # _region_code_for_number_from_list: leading digits, else a valid type
        found = None
        for _code, compiled in regions:
            if compiled is None:
                continue
            if compiled.leading is not None:
                if compiled.leading.match(nsn):
                    found = compiled
                    break
            elif compiled.kind(nsn) != UNKNOWN:
                found = compiled
                break
    return UNKNOWN if found is None else found.kind(nsn)


def _reason(country_code: int, length: int) -> int:
    """phonenumbers.is_possible_number_with_reason depends on the calling code and the
    length of the national number alone; asked once per pair."""
    reason = _reasons.get((country_code, length))
    if reason is None:
        probe = PhoneNumber(country_code=country_code, national_number=int("1" * length))
        reason = phonenumbers.is_possible_number_with_reason(probe)
        with _lock:
            _reasons[(country_code, length)] = reason
    return reason


def _answer(country_code: int, nsn: str, digits: int) -> Fast:
    kind = _classify(country_code, nsn)
    if kind == UNKNOWN:
        return Fast(None, kind, _reason(country_code, len(nsn)), digits)
    return Fast(f"+{country_code}{nsn}", kind, None, digits)


def _international(digits: str) -> Fast | None:
    """``+`` and digits: parse(text, None)."""
    if digits[0] == "0":
        return None
    for size in (1, 2, 3):
        country_code = int(digits[:size])
        if country_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    rest = digits[size:]
    region = _region(country_code, COUNTRY_CODE_TO_REGION_CODE[country_code][0])
    if region is None:
        return None
    nsn = region.strip_national_prefix(rest)
    if nsn is None or len(nsn) < 2:
        return None
    return _answer(country_code, nsn, len(digits))


def _national(digits: str, region_code: str) -> Fast | None:
    """``0`` and digits with a default region: parse(text, region)."""
    region = _region(0, region_code)
    if region is None or region.idd is None or region.idd.match(digits) is not None:
        return None  # an international prefix (or one we cannot rule out): full parse
    nsn = region.strip_national_prefix(digits)
    if nsn is None or len(nsn) < 2:
        return None
    return _answer(region.country_code, nsn, len(digits))


def fast_e164(raw: object, country: object = None, wa_id: bool = False) -> Fast | None:
    """What to_e164's full parse would find for a plain number, or None to take it."""
    if type(raw) is not str or _test_number_length is None:
        return None
    if country is not None and type(country) is not str:
        return None
    match = _PLAIN.fullmatch(raw.strip())
    if match is None:
        return None
    plus, body = match.groups()
    digits = body if body.isdigit() else body.replace(" ", "").replace("-", "")
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
        return None
    region = (country or "").upper() or None
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        return None
    if plus:
        return _international(digits)
    if wa_id and body.isdigit():
        return _international(digits)  # read as "+" and the digits
    if region is not None and digits[0] == "0":
        return _national(digits, region)
    return None
