"""Attribution: a scan/click, then the first WhatsApp message with ref:CODE → the opt-in's source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business
from gateway.placements.model import Placement
from tests.placements.conftest import chat_opt_in, follow, scan_url


class Clock:
    """A settable clock for the placement service (when hits are recorded)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(gw: Any) -> Clock:
    c = Clock(datetime.now(UTC) - timedelta(hours=1))
    gw.placements.clock = c
    return c


def test_scan_then_chat_gives_an_opt_in_carrying_the_placement(
        client: FlaskClient, gw: Any, business: Business, placement: Placement,
        clock: Clock) -> None:
    scanned = clock.now
    _digits, text = follow(client, scan_url(placement.code))
    first = scanned + timedelta(seconds=42)
    found, recorded = chat_opt_in(gw, business, text, phone="+819012345678",
                                  first_message_at=first, conversation_ref="wa:819012345678:1",
                                  message_id="wamid.A1")
    assert found is not None and found["channel"] == "qr"
    event = recorded.event
    assert recorded.created and event.channel == "qr" and event.method == "keyword"
    ev = dict(event.evidence)
    assert ev["placement_code"] == placement.code
    assert ev["placement_kind"] == "store" and ev["placement_label"] == "Shibuya store"
    assert ev["placement_via"] == "scan"
    assert datetime.fromisoformat(ev["scanned_at"]) == scanned
    assert ev["seconds_to_first_message"] == 42
    assert ev["wamid"] == "wamid.A1"
    # the consent itself is the answer in the chat: eligibility comes from the opt-in
    assert gw.service.eligibility(business, "+819012345678", "offers").allowed
    # the ledger still verifies with the merged evidence
    assert gw.store.verify(business.slug).ok


def test_click_is_link_and_an_ad_click_is_ad(client: FlaskClient, gw: Any,
                                             business: Business, clock: Clock) -> None:
    site = gw.placements.create(business, kind="website", label="Contact page")
    ad = gw.placements.create(business, kind="ad", label="Instagram ad")
    client.get(f"/l/{site.code}")
    client.get(f"/l/{ad.code}")
    at = clock.now + timedelta(minutes=3)
    found = gw.placements.attribution(business, site.code, at, conversation_ref="c1")
    assert found["channel"] == "link" and found["evidence"]["placement_via"] == "click"
    assert "clicked_at" in found["evidence"] and found["evidence"]["seconds_to_first_message"] \
        == 180
    assert gw.placements.attribution(business, ad.code, at, conversation_ref="c2")["channel"] \
        == "ad"


def test_last_click_decides_the_channel(client: FlaskClient, gw: Any, business: Business,
                                        placement: Placement, clock: Clock) -> None:
    client.get(f"/l/{placement.code}")
    clock.now += timedelta(minutes=1)
    client.get(f"/l/{placement.code}?s=qr")
    at = clock.now + timedelta(seconds=5)
    assert gw.placements.attribution(business, placement.code, at,
                                     conversation_ref="c")["channel"] == "qr"


def test_same_conversation_twice_is_recorded_once(client: FlaskClient, gw: Any,
                                                  business: Business, placement: Placement,
                                                  clock: Clock) -> None:
    client.get(f"/l/{placement.code}?s=qr")
    at = clock.now + timedelta(seconds=30)
    first = gw.placements.attribution(business, placement.code, at, conversation_ref="conv")
    clock.now += timedelta(minutes=5)
    client.get(f"/l/{placement.code}")  # a later click does not rewrite history
    again = gw.placements.attribution(business, placement.code, at, conversation_ref="conv")
    assert first == again
    assert gw.placements.funnel(business)[0].chats_started == 1


def test_stale_unknown_foreign_and_retired_codes_are_not_attributed(
        client: FlaskClient, gw: Any, business: Business, us_business: Business,
        placement: Placement, clock: Clock) -> None:
    client.get(f"/l/{placement.code}?s=qr")
    late = clock.now + timedelta(days=8)
    assert gw.placements.attribution(business, placement.code, late,
                                     conversation_ref="late") is None
    funnel = gw.placements.funnel(business)[0]
    assert (funnel.chats_started, funnel.chats_stale) == (0, 1)
    # a code nobody scanned (typed by hand, or copied from someone's message)
    fresh = gw.placements.create(business, kind="poster", label="Station poster")
    assert gw.placements.attribution(business, fresh.code, clock.now,
                                     conversation_ref="typed") is None
    # unknown, malformed, or another business's code
    now = clock.now + timedelta(seconds=10)
    for code in ("ZZZZ2222", "not-a-code", "", None):
        assert gw.placements.attribution(business, code, now, conversation_ref="x") is None
    assert gw.placements.attribution(us_business, placement.code, now,
                                     conversation_ref="x") is None
    # retired: the poster may still hang somewhere; nothing attributed or counted
    gw.placements.retire(business, placement.code)
    assert gw.placements.attribution(business, placement.code, now,
                                     conversation_ref="r") is None
    assert gw.placements.funnel(business, placement.code)[0].chats_started == 0


def test_an_edited_away_code_still_lets_the_opt_in_through(gw: Any, business: Business,
                                                           clock: Clock) -> None:
    """Attribution is evidence, not consent: without it the opt-in is plain WhatsApp."""
    found, recorded = chat_opt_in(gw, business, "Hello, I deleted the code",
                                  phone="+819011112222", first_message_at=clock.now,
                                  conversation_ref="c", message_id="wamid.B")
    assert found is None and recorded.event.channel == "whatsapp"
    assert "placement_code" not in recorded.event.evidence


def test_naive_first_message_time_is_taken_as_utc(client: FlaskClient, gw: Any,
                                                  business: Business, placement: Placement,
                                                  clock: Clock) -> None:
    client.get(f"/l/{placement.code}?s=qr")
    naive = (clock.now + timedelta(seconds=9)).replace(tzinfo=None)
    found = gw.placements.attribution(business, placement.code, naive, conversation_ref="n")
    assert found["evidence"]["seconds_to_first_message"] == 9
