"""Ledger hashes for bulk writes: serialise an entry once, before its place in the chain is known.

The canonical JSON of an entry depends on three values only the writer knows (``seq``,
``recorded_at``, ``prev_hash``). A :class:`ChainTemplate` is the exact output of
:func:`gateway.ledger.canonical` for :func:`gateway.ledger.payload` with unique sentinel
values in those three places, cut at the sentinels. The writer splices in the real
values and hashes: byte-identical to ``ledger.entry_hash(prev, ledger.payload(...))``, at a
fraction of the cost, and the expensive part can run in another process.

Pure standard library (see tests/test_boundaries.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from gateway import ledger
from gateway.consent import ConsentEvent

SEQ = 7_361_904_582_713_650_429  # values no real entry has; found exactly once or not used
RECORDED_AT = datetime(1111, 11, 11, 11, 11, 11, 111111, tzinfo=UTC)
PREV = "~prev-hash-sentinel~" * 3 + "~~~~"
_MARKS = (b"7361904582713650429", ledger.iso(RECORDED_AT).encode(), PREV.encode())


@dataclass(frozen=True, slots=True)
class ChainTemplate:
    """Canonical entry bytes cut at the three writer-side values."""

    parts: tuple[bytes, ...]  # len(order) + 1 pieces
    order: tuple[int, ...]  # which value goes in each gap: 0 seq, 1 recorded_at, 2 prev_hash

    def entry_hash(self, seq: int, recorded_at: datetime, prev_hash: str) -> str:
        """``ledger.entry_hash(prev_hash, ledger.payload(..., seq, recorded_at, prev_hash))``."""
        return self.hash_with(seq, ledger.iso(recorded_at).encode(), prev_hash)

    def hash_with(self, seq: int, recorded_iso: bytes, prev_hash: str) -> str:
        """:meth:`entry_hash` with ``recorded_at`` already as ``ledger.iso`` bytes (a batch
        shares one)."""
        prev = prev_hash.encode()
        values = (str(seq).encode(), recorded_iso, prev)
        parts = self.parts
        pieces = [prev, b"\x00", parts[0]]
        for gap, which in enumerate(self.order):
            pieces.append(values[which])
            pieces.append(parts[gap + 1])
        return hashlib.sha256(b"".join(pieces)).hexdigest()


def canonical(body: Mapping[str, Any]) -> bytes:
    """``ledger.canonical`` at a seventh of the cost, byte for byte.

    orjson with sorted keys writes the same bytes as ``json.dumps(sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` for the values a payload holds (str, int,
    bool, None, lists, mappings): the same escapes for every code point and the same key
    order (tests/imports/test_chain_template.py checks every code point). Anything orjson
    refuses (ints beyond 64 bits, lone surrogates) goes to ``ledger.canonical`` itself.
    """
    try:
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=_mapping)
    except TypeError:
        return ledger.canonical(body)


def _mapping(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(type(value).__name__)


def make_template(event: ConsentEvent, personal_hash: str | None, *,
                  event_id: str | None = None, idempotency_key: str | None = None
                  ) -> ChainTemplate | None:
    """The template of ``event`` (with another ``event_id`` / ``idempotency_key``, if
    given), or None when a sentinel also occurs in its data (then hash the slow way)."""
    body = ledger.payload(event, seq=SEQ, recorded_at=RECORDED_AT, prev_hash=PREV,
                          personal_hash=personal_hash)
    if event_id is not None:
        body["event_id"] = event_id
    if idempotency_key is not None:
        body["idempotency_key"] = idempotency_key
    raw = canonical(body)
    found: list[tuple[int, int]] = []
    for which, mark in enumerate(_MARKS):
        if raw.count(mark) != 1:
            return None
        found.append((raw.index(mark), which))
    found.sort()
    parts: list[bytes] = []
    start = 0
    for position, which in found:
        parts.append(raw[start:position])
        start = position + len(_MARKS[which])
    parts.append(raw[start:])
    return ChainTemplate(tuple(parts), tuple(which for _, which in found))
