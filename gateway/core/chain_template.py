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
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

from gateway.core import ledger
from gateway.core.consent import ConsentEvent

# Values no real entry has. Should an entry's own data contain one (the sentinels are no
# secret), random ones are drawn instead; those cannot be planted in advance.
SEQ = 7_361_904_582_713_650_429
RECORDED_AT = datetime(1111, 11, 11, 11, 11, 11, 111111, tzinfo=UTC)
PREV = "~prev-hash-sentinel~" * 3 + "~~~~"
RANDOM_TRIES = 8


class ChainTemplate(NamedTuple):
    """Canonical entry bytes cut at the three writer-side values (a tuple: cheap to pickle
    from a worker process)."""

    parts: tuple[bytes, bytes, bytes, bytes]
    order: tuple[int, int, int]  # which value goes in each gap: 0 seq, 1 recorded_at, 2 prev_hash

    def entry_hash(self, seq: int, recorded_at: datetime, prev_hash: str) -> str:
        """``ledger.entry_hash(prev_hash, ledger.payload(..., seq, recorded_at, prev_hash))``."""
        return self.hash_with(seq, ledger.iso(recorded_at).encode(), prev_hash)

    def hash_with(self, seq: int, recorded_iso: bytes, prev_hash: str) -> str:
        """:meth:`entry_hash` with ``recorded_at`` already as ``ledger.iso`` bytes (a batch
        shares one)."""
        prev = prev_hash.encode()
        values = (str(seq).encode(), recorded_iso, prev)
        p = self.parts
        x, y, z = self.order
        return hashlib.sha256(b"".join((prev, b"\x00", p[0], values[x], p[1], values[y], p[2],
                                        values[z], p[3]))).hexdigest()


Sentinels = tuple[int, datetime, str, tuple[bytes, bytes, bytes]]  # with their marks
_FIXED: Sentinels = (SEQ, RECORDED_AT, PREV,
                     (str(SEQ).encode(), ledger.iso(RECORDED_AT).encode(), PREV.encode()))


def _sentinels() -> Iterator[Sentinels]:
    yield _FIXED
    for _ in range(RANDOM_TRIES):
        seq = secrets.randbelow(8 * 10**18) + 10**18
        at = datetime(1000 + secrets.randbelow(999), 1 + secrets.randbelow(12),
                      1 + secrets.randbelow(28), secrets.randbelow(24), secrets.randbelow(60),
                      secrets.randbelow(60), secrets.randbelow(1_000_000), tzinfo=UTC)
        prev = "~" + secrets.token_urlsafe(48)[:63]
        yield seq, at, prev, (str(seq).encode(), ledger.iso(at).encode(), prev.encode())


def make_template(event: ConsentEvent, personal_hash: str | None, *,
                  idempotency_key: str | None = None) -> ChainTemplate:
    """The template of ``event`` (with another ``idempotency_key``, if given)."""
    for seq, recorded_at, prev, marks in _sentinels():
        body = ledger.payload(event, seq=seq, recorded_at=recorded_at, prev_hash=prev,
                              personal_hash=personal_hash)
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        template = _cut(ledger.payload_bytes(body), marks)
        if template is not None:
            return template
    raise ValueError("no sentinel set is absent from this entry")  # never seen: 2^-300


def _cut(raw: bytes, marks: tuple[bytes, bytes, bytes]) -> ChainTemplate | None:
    """``raw`` cut at each mark, or None unless every mark occurs exactly once."""
    found: list[tuple[int, int]] = []
    for which, mark in enumerate(marks):
        at = raw.find(mark)
        if at < 0 or raw.find(mark, at + 1) >= 0:
            return None
        found.append((at, which))
    found.sort()
    (a, x), (b, y), (c, z) = found
    return ChainTemplate((raw[:a], raw[a + len(marks[x]):b], raw[b + len(marks[y]):c],
                          raw[c + len(marks[z]):]), (x, y, z))
