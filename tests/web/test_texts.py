"""Every customer-facing text of the web channel exists in Japanese and English."""

from __future__ import annotations

import string

from gateway.web.rules import country_choices, wa_me_url
from gateway.web.texts import LANGS, TEXTS


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    for key, entry in TEXTS.items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key
        assert _fields(entry["ja"]) == _fields(entry["en"]), key


def test_japanese_texts_are_japanese() -> None:
    latin_only = [k for k, e in TEXTS.items()
                  if k != "other_language" and all(ord(c) < 0x3000 for c in e["ja"])]
    assert latin_only == []


def test_wa_me_links_carry_digits_and_encoded_text() -> None:
    assert wa_me_url("+81345678901", "こんにちは & ref:AB") == (
        "https://wa.me/81345678901?text=%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF"
        "%20%26%20ref%3AAB")


def test_country_choices_put_the_business_country_first_in_both_languages() -> None:
    assert country_choices("en", "JP")[0] == ("JP", "Japan (+81)")
    assert country_choices("ja", "US")[0] == ("US", "アメリカ合衆国 (+1)")
    assert len(country_choices("en", "JP")) > 200
