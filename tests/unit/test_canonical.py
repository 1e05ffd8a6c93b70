"""The fast canonical form (orjson) writes exactly the bytes of the reference one (json)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from gateway.core import ledger


def _reference(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                      ).encode("utf-8")


def test_every_code_point_is_escaped_alike() -> None:
    """Escaping is per character, so comparing 4,096-character blocks covers all of them."""
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 4096):
        text = "".join(map(chr, points[start:start + 4096]))
        body = {"k": text, text[:40]: [text]}
        assert ledger.payload_bytes(body) == _reference(body) == ledger.canonical(body), \
            f"differs in U+{points[start]:04X}..U+{points[min(start + 4095, len(points) - 1)]:04X}"


def test_key_order_nesting_and_plain_values_match() -> None:
    body = {"z": 1, "a": {"b": [True, False, None, -5, 2**63 - 1], "ä": "x", "A": ""},
            "日本": MappingProxyType({"y": "1", "x": "2"}), "": [], "emoji 😀": "𝄞"}
    assert ledger.payload_bytes(body) == _reference({**body, "日本": {"y": "1", "x": "2"}})


@pytest.mark.parametrize("body", [
    {"big": 2**64},  # beyond orjson's integers
    {1: "int key"},  # json turns non-text keys into text
])
def test_what_orjson_refuses_falls_back_to_the_reference(body: dict) -> None:
    assert ledger.payload_bytes(body) == ledger.canonical(body)


def test_a_lone_surrogate_fails_alike() -> None:
    with pytest.raises(UnicodeEncodeError):
        ledger.payload_bytes({"lone": "\ud800"})


def test_datetimes_are_refused_as_the_reference_refuses_them() -> None:
    with pytest.raises(TypeError):
        ledger.payload_bytes({"at": datetime(2026, 1, 1, tzinfo=UTC)})
    with pytest.raises(TypeError):
        ledger.canonical({"at": datetime(2026, 1, 1, tzinfo=UTC)})
