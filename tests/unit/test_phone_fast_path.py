"""The fast path of ``to_e164`` (gateway/core/phone_fast.py) answers exactly as the full
``phonenumbers`` parse (``phones._full_parse``): the same E.164 value, or the same error
type, code, field and parameters, for every input; and it is really taken for plain
numbers and never for unusual ones."""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from gateway.core import phone_fast, phones
from gateway.core.errors import InvalidPhone

TYPES = [getattr(PhoneNumberType, name) for name in dir(PhoneNumberType)
         if name.isupper() and isinstance(getattr(PhoneNumberType, name), int)]
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
COUNTRIES = ["JP", "US", "GB", "IN", "BR", "DE", "FR", "KR", "AU", None, "jp", "", "AR", "MX",
             "GG", "IT", "CN", "RU", "KZ", "SM", "NF", "001", "XX"]
FULL_WIDTH = "０１２３４５６７８９"


def _examples() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    found = []
    for region in REGIONS:
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append((region, number))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            found.append(("001", number))
    return found


EXAMPLES = _examples()


def forms(number: phonenumbers.PhoneNumber) -> dict[str, str]:
    """The ways people and systems write one number."""
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    nsn = phonenumbers.national_significant_number(number)
    return {
        "e164": e164,
        "spaced": f"+{number.country_code} {nsn}",
        "international": phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        "national": national,
        "national_digits": "".join(c for c in national if c.isdigit()),
        "wa_id": e164[1:],
    }


ALL_FORMS = sorted({text for _, number in EXAMPLES for text in forms(number).values()})


def outcome(fn: Any, raw: Any, country: Any, wa_id: bool = False,
            customer: bool = True) -> tuple[Any, ...]:
    try:
        return ("ok", fn(raw, country, wa_id=wa_id, customer=customer))
    except InvalidPhone as exc:
        return ("error", type(exc), exc.code, exc.field, exc.params, str(exc))
    except Exception as exc:  # whatever the full parse raises, the fast one must too
        return ("crash", type(exc), str(exc))


def same(raw: Any, country: Any, wa_id: bool = False, customer: bool = True) -> bool:
    full = outcome(phones._full_parse, raw, country, wa_id, customer)
    quick = outcome(phones.to_e164, raw, country, wa_id, customer)
    assert quick == full, (raw, country, wa_id, customer, phone_fast.fast_e164(raw, country,
                                                                               wa_id))
    return phone_fast.fast_e164(raw, country, wa_id) is not None


# -- fuzzing -------------------------------------------------------------------------------

junk = st.text(alphabet="0123456789+0- " + FULL_WIDTH + "abxtX#;,.()", max_size=22)
plain = st.builds(lambda plus, groups, sep: plus + sep.join(groups),
                  st.sampled_from(["", "+", "+", " +"]),
                  st.lists(st.text(alphabet="0123456789", min_size=1, max_size=8),
                           min_size=1, max_size=4),
                  st.sampled_from(["", " ", "-", "  ", "--"]))


@st.composite
def realistic(draw: st.DrawFn) -> str:
    """An example number in one of its written forms, then damaged a little."""
    chars = list(draw(st.sampled_from(ALL_FORMS)))
    for _ in range(draw(st.integers(0, 3))):
        digits = [i for i, c in enumerate(chars) if c.isdigit()]
        op = draw(st.sampled_from(["change", "change", "truncate", "extend", "drop",
                                   "full_width", "separator", "prefix"]))
        if op == "change" and digits:
            chars[draw(st.sampled_from(digits))] = draw(st.sampled_from("0123456789"))
        elif op == "truncate":
            chars = chars[:draw(st.integers(0, len(chars)))]
        elif op == "extend":
            chars += list(draw(st.text(alphabet="0123456789", min_size=1, max_size=4)))
        elif op == "drop" and digits:
            del chars[draw(st.sampled_from(digits))]
        elif op == "full_width" and digits:
            at = draw(st.sampled_from(digits))
            chars[at] = FULL_WIDTH[int(chars[at])]
        elif op == "separator" and chars:
            chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from([" ", "-"])))
        elif op == "prefix":
            chars[:0] = list(draw(st.sampled_from(["0", "00", "010", "+", "1", "81", " "])))
    return "".join(chars)


countries = st.one_of(st.sampled_from(COUNTRIES), st.sampled_from(REGIONS))


@settings(max_examples=6000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(realistic(), realistic(), plain, junk), country=countries,
       wa_id=st.booleans(), customer=st.booleans())
def test_fast_path_answers_as_the_full_parse(raw: str, country: str | None, wa_id: bool,
                                             customer: bool) -> None:
    same(raw, country, wa_id, customer)


# -- every example number of every region and type ------------------------------------------

def test_every_example_number_in_every_form() -> None:
    taken = {name: [0, 0] for name in ("e164", "spaced", "wa_id", "national 0")}
    for region, number in EXAMPLES:
        default = None if region == "001" else region
        for name, text in forms(number).items():
            for country in {default, None}:
                for customer in (True, False):
                    fast = same(text, country, wa_id=name == "wa_id", customer=customer)
                    shape = "national 0" if name == "national_digits" and country and \
                        text.startswith("0") else name
                    if shape in taken:
                        taken[shape][0] += fast
                        taken[shape][1] += 1
    # The plain shapes really take the fast path: "+" forms always, national ones starting
    # with 0 nearly always (not AR's 0 11 15…, which the library transforms, nor numbers of
    # under six digits, which to_e164 explains itself).
    assert taken["e164"][0] == taken["e164"][1] > 3000
    assert taken["spaced"][0] == taken["spaced"][1]
    assert taken["wa_id"][0] == taken["wa_id"][1]
    assert taken["national 0"][0] > 0.98 * taken["national 0"][1] > 1000


@pytest.mark.parametrize("text, country", [
    ("+819012345678", None), ("09012345678", "JP"), ("090-1234-5678", "jp"),
    ("+14155550100", None), ("+447700900123", None), ("+447400123456", "GB"),
    ("07400 123456", "GB"), ("+5511987654321", "BR"), ("011987654321", "BR"),
    ("+8613812345678", "CN"), ("+4407400123456", None), ("0312345678", "JP"),
    ("+80012345678", None), ("+1 415 555 0100", "US"), ("+79123456789", "KZ"),
])
def test_plain_numbers_take_the_fast_path(text: str, country: str | None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    expected = outcome(phones._full_parse, text, country)

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("the full parse was called")

    monkeypatch.setattr(phones, "_full_parse", refuse)
    assert outcome(phones.to_e164, text, country) == expected


@pytest.mark.parametrize("text, country, wa_id", [
    ("０９０１２３４５６７８", "JP", False), ("+81 90 1234 5678 ext 12", None, False),
    ("0081 90 1234 5678", "GB", False), ("01081 90 1234 5678", "JP", False),
    ("tel:+819012345678", None, False), ("whatsapp:+819012345678", None, False),
    ("9012345678", "JP", False), ("4155550100", "US", False), ("(415) 555-0100", "US", False),
    ("090.1234.5678", "JP", False), ("+81-90-CALL-NOW", None, False), ("09012345678", None, False),
    ("09012345678", "XX", False), ("09012345678", "JP", True), ("+8190", None, False),
    ("+81901234567890123456", None, False), ("+0819012345678", None, False),
    ("+999912345678", None, False), ("090--1234-5678", "JP", False), ("JP.ABC123", None, False),
    ("0111512345678", "AR", False), ("0081 90 1234 5678", None, False),
])
def test_unusual_input_takes_the_full_parse(text: str, country: str | None, wa_id: bool,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    expected = outcome(phones._full_parse, text, country, wa_id)
    calls: list[str] = []
    full_parse = phones._full_parse

    def counted(raw: str, *args: Any, **kwargs: Any) -> str:
        calls.append(raw)
        return full_parse(raw, *args, **kwargs)

    monkeypatch.setattr(phones, "_full_parse", counted)
    assert outcome(phones.to_e164, text, country, wa_id) == expected
    assert calls == [text]


def test_odd_argument_types_take_the_full_parse() -> None:
    for raw, country in [(None, "JP"), (819012345678, None), ("09012345678", 81),
                         (b"+819012345678", None)]:
        assert phone_fast.fast_e164(raw, country) is None
        same(raw, country)
