"""The pure parts: wa.me URLs, the host check, codes, messages, bots, wrapping."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.core.codes import find_placement_code, new_placement_code
from gateway.core.consent import Business
from gateway.placements.model import (
    attribution_channel,
    build_messages,
    clean_code,
    is_bot,
    is_whatsapp_url,
    wa_digits,
    wa_me_url,
)
from gateway.placements.qr import wrap

BIZ = Business(id=1, slug="demo", name="Sakura Coffee", whatsapp_number="+81345678901",
               country="JP", aliases=("さくらコーヒー",))


def test_wa_me_url_is_digits_and_utf8_percent_encoding() -> None:
    assert wa_me_url("+81345678901", "こんにちは & ref:AB") == (
        "https://wa.me/81345678901?text=%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF"
        "%20%26%20ref%3AAB")
    for bad in ("81345678901", "+0123", "+81-3-4567", "+81345678901/evil", "+", ""):
        with pytest.raises(ValueError):
            wa_digits(bad)


@pytest.mark.parametrize(("url", "ok"), [
    ("https://wa.me/81345678901?text=x", True),
    ("https://api.whatsapp.com/send?phone=1&text=x", True),
    ("http://wa.me/1", False), ("https://wa.me.evil.com/1", False),
    ("https://evil.com/wa.me", False), ("https://wa.me@evil.com/", False),
    ("https://user@wa.me/1", False), ("https://wa.me:444/1", False),
    ("//wa.me/1", False), ("https://wa.me/1\r\nX: y", False), ("https://wа.me/1", False),
    ("https:\\\\evil.com", False), ("javascript:alert(1)", False),
])
def test_is_whatsapp_url(url: str, ok: bool) -> None:
    assert is_whatsapp_url(url) is ok


def test_codes_are_cleaned_strictly() -> None:
    assert clean_code("k7q2zpab") == "K7Q2ZPAB"
    for bad in ("K7Q2", "K7Q2ZPAB" * 2, "K7Q2ZPA0", "K7Q2ZPAL", "K7Q2ZPA/", "ｋ７ｑ２ｚｐａｂ", None,
                ""):
        assert clean_code(bad) is None


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_default_messages_name_the_business_and_carry_the_code(lang: str) -> None:
    for _ in range(50):
        code = new_placement_code()
        text = build_messages(BIZ, code)[lang]
        assert "Sakura Coffee" in text and find_placement_code(text) == code


def test_japanese_custom_message_keeps_the_token_findable() -> None:
    messages = build_messages(BIZ, "K7Q2ZPAB", {"ja": "さくらコーヒーに質問です"})
    assert messages["ja"] == "さくらコーヒーに質問です（ref:K7Q2ZPAB）"
    assert find_placement_code(messages["ja"]) == "K7Q2ZPAB"
    en_only = replace(BIZ, languages=("en",))
    assert set(build_messages(en_only, "K7Q2ZPAB")) == {"en"}


def test_bots_and_channels() -> None:
    assert is_bot("facebookexternalhit/1.1") and is_bot("WhatsApp/2.23.20 A") and is_bot(None)
    assert is_bot("Slackbot-LinkExpanding 1.0") and is_bot("curl/8.0")
    assert not is_bot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1")
    assert attribution_channel("store", "qr") == "qr"
    assert attribution_channel("store", "link") == "link"
    assert attribution_channel("ad", "link") == "ad" and attribution_channel("ad", "qr") == "qr"


def test_wrap_keeps_latin_words_whole() -> None:
    lines = wrap("スキャンしてSakura Coffeeと WhatsApp でチャット", 10, len)
    assert all(len(line) <= 10 or " " not in line for line in lines)
    assert "".join(lines).replace(" ", "") == "スキャンしてSakuraCoffeeとWhatsAppでチャット"
    assert any("Sakura" in line for line in lines) and not any(
        line.endswith("Sak") for line in lines)
