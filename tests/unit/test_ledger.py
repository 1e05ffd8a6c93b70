"""The hash chain on its own: canonical form, linkage and what verification catches."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from gateway.core import ledger
from gateway.core.consent import Action, ConsentEvent, Status


def event(n: int) -> ConsentEvent:
    return ConsentEvent(
        event_id=f"e{n}", business_id=1, business_slug="b", phone="+819012345678",
        subject_ref="ref", action=Action.OPT_IN, status=Status.CONFIRMED, topics=("offers",),
        all_topics=False, channel="api", method="api", wording=None, policy_id="p",
        policy_version=1, language="ja",
        occurred_at=datetime(2026, 1, 1, 0, 0, n, 123456, tzinfo=UTC),
        idempotency_key=f"k{n}", evidence={"n": n}, personal={"name": "Taro"})


def chain(count: int) -> list[ledger.StoredEntry]:
    out = []
    prev = ledger.GENESIS
    for n in range(1, count + 1):
        e = event(n)
        body = ledger.payload(e, seq=n, recorded_at=e.occurred_at, prev_hash=prev,
                              personal_hash="d")
        h = ledger.entry_hash(prev, body)
        out.append(ledger.StoredEntry("b", n, e.event_id, body, prev, h, None))
        prev = h
    return out


def test_payload_holds_no_raw_personal_data() -> None:
    body = ledger.payload(event(1), seq=1, recorded_at=event(1).occurred_at,
                          prev_hash=ledger.GENESIS, personal_hash="digest")
    blob = ledger.canonical(body).decode()
    assert "+819012345678" not in blob and "Taro" not in blob
    assert body["personal_digest"] == "digest"


def test_canonical_form_is_order_independent() -> None:
    assert ledger.canonical({"b": 1, "a": [1, "ü"]}) == ledger.canonical({"a": [1, "ü"], "b": 1})
    assert ledger.canonical({"a": "ü"}) == '{"a":"ü"}'.encode()


def test_intact_chain_verifies() -> None:
    result = ledger.verify_chain(chain(5))
    assert result.ok and result.entries == 5


def test_edited_entry_is_named() -> None:
    entries = chain(5)
    body = dict(entries[2].body, topics=["newsletter"])
    entries[2] = dataclasses.replace(entries[2], body=body)
    result = ledger.verify_chain(entries)
    assert not result.ok and result.problem is not None
    assert result.problem.seq == 3 and "hash" in result.problem.reason


def test_deleted_and_swapped_entries_are_caught() -> None:
    entries = chain(5)
    assert ledger.verify_chain(entries[:2] + entries[3:]).problem.seq == 4  # type: ignore[union-attr]
    swapped = [entries[0], entries[2], entries[1], entries[3]]
    assert ledger.verify_chain(swapped).problem.seq == 3  # type: ignore[union-attr]


def test_wording_text_must_still_match_its_hash() -> None:
    entries = chain(1)
    body = dict(entries[0].body, wording={"id": "w", "version": 1, "language": "en",
                                          "sha256": "0" * 64})
    h = ledger.entry_hash(ledger.GENESIS, body)
    bad = dataclasses.replace(entries[0], body=body, hash=h, wording_text="edited text")
    result = ledger.verify_chain([bad])
    assert not result.ok and "wording" in result.problem.reason  # type: ignore[union-attr]
