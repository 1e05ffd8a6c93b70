"""Country rules as data, a marketing stop that leaves utility, the free entry point after an
ad referral, WhatsApp calls opening the window, In-App Signup opt-ins."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from gateway.cli import main
from gateway.core.consent import Business
from gateway.placements.model import PlacementError
from tests.delivery.conftest import (
    IN_CUSTOMER,
    INDIA_PNID,
    INDIA_WHATSAPP,
    JP_CUSTOMER,
    US_CUSTOMER,
    Clock,
    meta_change,
    meta_status,
    meta_text,
    opt_in,
)
from tests.messaging.conftest import (
    META_PNID,
    meta_post,
    new_sid,
    twilio_post,
    twilio_wa,
    twiml_messages,
    user_preference,
    wamid,
)

INDIA = {"pnid": INDIA_PNID, "display": INDIA_WHATSAPP.lstrip("+")}
REFERRAL = {"source_url": "https://fb.me/ad1", "source_id": "120210000", "source_type": "ad",
            "headline": "Chai for two", "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH"}
FEP_PRICING = {"billable": False, "pricing_model": "PMP", "category": "referral_conversion",
               "type": "free_entry_point"}


def run(app_config: dict[str, Any], monkeypatch: Any, *args: str) -> Any:
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- US numbers: a rule as data ------------------------------------------------------------

def test_a_us_number_is_refused_marketing_but_allowed_utility(
        client: FlaskClient, gw: Any, business: Business, auth: dict[str, str]) -> None:
    opt_in(gw, business, US_CUSTOMER, "offers", "order_updates")
    res = client.get("/api/v1/eligibility?phone=%2B14155550100&topic=offers", headers=auth)
    answer = res.json
    assert answer["allowed"] is False and answer["reason"] == "country_rule"
    assert answer["consent"]["ok"] is True
    assert answer["deliverable"]["until"] is None  # while the rule stands
    source = answer["deliverable"]["source"]
    assert (source["type"], source["country"], source["category"]) == \
        ("platform_rule", "US", "marketing")
    assert source["since"].startswith("2025-04-01") and "Meta" in source["source"]
    utility = client.get("/api/v1/eligibility?phone=%2B14155550100&topic=order_updates",
                         headers=auth).json
    assert utility["allowed"] is True and utility["category"] == "utility"
    by_category = client.get("/api/v1/eligibility?phone=%2B14155550100&category=marketing",
                             headers=auth).json
    assert by_category["reason"] == "country_rule" and by_category["topic"] == "offers"
    # A Canadian +1 number is not a US number; a US user ID is (its CC. prefix).
    opt_in(gw, business, "+14165550100", "offers")
    assert gw.service.eligibility(business, "+14165550100", "offers").allowed
    opt_in(gw, business, "", "offers", user_id="US.13491208655302741918")
    assert gw.service.eligibility(business, None, "offers",
                                  user_id="US.13491208655302741918").reason == "country_rule"


def test_operators_end_and_add_rules_without_a_release(
        app_config: dict[str, Any], monkeypatch: Any, gw: Any, business: Business) -> None:
    opt_in(gw, business, US_CUSTOMER, "offers")
    opt_in(gw, business, "+447400123456", "order_updates")
    listed = run(app_config, monkeypatch, "platform-rules", "list", "--kind", "not_delivered")
    (line,) = listed.output.splitlines()
    rule_id, kind, country, category, since, until = line.split("\t")[:6]
    assert (kind, country, category, since, until) == \
        ("not_delivered", "US", "marketing", "2025-04-01", "-")
    assert run(app_config, monkeypatch, "platform-rules", "end", rule_id).exit_code == 0
    gw.service.delivery.cache.clear()  # another process sees it within the cache's 30 s
    assert gw.service.eligibility(business, US_CUSTOMER, "offers").allowed

    added = run(app_config, monkeypatch, "platform-rules", "add", "not_delivered", "GB",
                "--category", "utility", "--since", "2026-01-01", "--source",
                "https://example.test/notice")
    assert added.exit_code == 0, added.output
    gw.service.delivery.cache.clear()
    answer = gw.service.eligibility(business, "+447400123456", "order_updates")
    assert (answer.allowed, answer.reason) == (False, "country_rule")
    bad = CliRunner().invoke(main, ["platform-rules", "add", "not_delivered", "XX",
                                    "--since", "2026-01-01", "--source", "s"])
    assert bad.exit_code != 0 and "ISO 3166" in bad.output


def test_topic_category_is_per_business(app_config: dict[str, Any], monkeypatch: Any, gw: Any,
                                        business: Business) -> None:
    opt_in(gw, business, US_CUSTOMER, "newsletter")
    assert gw.service.eligibility(business, US_CUSTOMER, "newsletter").reason == "country_rule"
    res = run(app_config, monkeypatch, "topic-category", "demo", "newsletter", "utility")
    assert res.exit_code == 0, res.output
    gw.store.cache.clear()
    business = gw.store.get_business("demo")
    answer = gw.service.eligibility(business, US_CUSTOMER, "newsletter")
    assert answer.allowed and answer.category == "utility"


# -- a marketing stop leaves what the person chose otherwise ---------------------------------

@pytest.mark.parametrize("signal", ["user_preferences", "131050"])
def test_a_marketing_stop_leaves_utility_allowed(signal: str, client: FlaskClient, gw: Any,
                                                 business: Business) -> None:
    opt_in(gw, business, JP_CUSTOMER, "offers", "order_updates")
    if signal == "user_preferences":
        meta_post(client, user_preference("stop", ts=int(time.time()) + 2))
    else:
        meta_status(client, JP_CUSTOMER, code=131050)
    offers = gw.service.eligibility(business, JP_CUSTOMER, "offers")
    assert (offers.allowed, offers.reason, offers.consent) == (False, "opted_out", False)
    utility = gw.service.eligibility(business, JP_CUSTOMER, "order_updates")
    assert utility.allowed and utility.deliverable.ok
    assert gw.service.eligibility(business, JP_CUSTOMER, None, category="utility").allowed
    assert not gw.service.eligibility(business, JP_CUSTOMER, None,
                                      category="marketing").allowed


# -- the free entry point after an ad ------------------------------------------------------

def test_free_entry_point_after_an_ad_referral_on_meta(client: FlaskClient, gw: Any,
                                                       india: Business, clock: Clock) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers")
    assert meta_text(client, IN_CUSTOMER, "Hi! I saw your ad", referral=REFERRAL,
                     **INDIA).status_code == 200
    before = gw.service.eligibility(india, IN_CUSTOMER, "offers")
    assert before.deliverable.free_window_until is None  # the answer has not gone out yet
    assert meta_status(client, IN_CUSTOMER, "sent", pricing=FEP_PRICING,
                       **INDIA).json["handled"] == 1
    answer = gw.service.eligibility(india, IN_CUSTOMER, "offers")
    free = answer.deliverable.free_window_until
    assert free is not None and timedelta(hours=71) < free - clock.now <= timedelta(hours=72)
    assert gw.service.eligibility(india, IN_CUSTOMER, "order_updates").deliverable \
        .free_window_until == free
    clock.later(hours=73)
    assert gw.service.eligibility(india, IN_CUSTOMER, "offers").deliverable \
        .free_window_until is None


def test_free_entry_point_end_stated_by_meta_and_a_holdout_inside_it(
        client: FlaskClient, gw: Any, india: Business, clock: Clock) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers")
    meta_status(client, IN_CUSTOMER, code=130472, **INDIA)
    meta_text(client, IN_CUSTOMER, "hello from the ad", referral=REFERRAL, **INDIA)
    end = int((datetime.now(UTC) + timedelta(hours=70)).timestamp())
    meta_status(client, IN_CUSTOMER, "delivered", conversation={
        "id": "c1", "expiration_timestamp": str(end), "origin": {"type": "referral_conversion"}},
        **INDIA)
    clock.later(hours=30)  # the service window has closed; the free entry point has not
    answer = gw.service.eligibility(india, IN_CUSTOMER, "offers")
    assert answer.allowed, answer  # a held-out person gets marketing inside it
    assert answer.deliverable.free_window_until == datetime.fromtimestamp(end, UTC)
    clock.later(hours=41)
    assert gw.service.eligibility(india, IN_CUSTOMER, "offers").reason == \
        "experiment_holdout"


def test_free_entry_point_after_an_ad_referral_on_twilio(client: FlaskClient, gw: Any,
                                                         business: Business) -> None:
    opt_in(gw, business, JP_CUSTOMER, "offers")
    replies = twiml_messages(twilio_wa(client, "こんにちは", ReferralSourceId="120210000",
                                       ReferralSourceType="ad", ReferralCtwaClid="ARAk"))
    assert replies  # answered at once: the TwiML reply goes out now
    free = gw.service.eligibility(business, JP_CUSTOMER, "offers").deliverable \
        .free_window_until
    assert free is not None and free - datetime.now(UTC) > timedelta(hours=71)
    plain = "+819098765432"
    opt_in(gw, business, plain, "offers")
    twiml_messages(twilio_wa(client, "hello", frm=plain))  # no ad: no free entry point
    assert gw.service.eligibility(business, plain, "offers").deliverable \
        .free_window_until is None


# -- WhatsApp calls open the service window ------------------------------------------------

def _call(client: FlaskClient, direction: str, frm: str = JP_CUSTOMER) -> Any:
    return meta_post(client, meta_change("calls", {"calls": [{
        "id": f"wacid.{wamid()}", "from": frm.lstrip("+"), "to": "81345678901",
        "event": "connect", "timestamp": str(int(time.time()) - 1),
        "direction": direction}]}, pnid=META_PNID))


def test_a_whatsapp_call_opens_the_window(client: FlaskClient, gw: Any,
                                          business: Business) -> None:
    opt_in(gw, business, JP_CUSTOMER, "offers")
    assert _call(client, "BUSINESS_INITIATED").json["handled"] == 0
    assert gw.service.eligibility(business, JP_CUSTOMER, "offers").window_open_until is None
    assert _call(client, "USER_INITIATED").json["handled"] == 1
    window = gw.service.eligibility(business, JP_CUSTOMER, "offers").window_open_until
    assert window is not None and window - datetime.now(UTC) > timedelta(hours=23)


def test_an_ivr_call_over_whatsapp_opens_the_window_a_phone_call_does_not(
        client: FlaskClient, gw: Any, business: Business) -> None:
    def call(frm: str) -> Any:
        return twilio_post(client, {"CallSid": new_sid("CA"),
                                    "AccountSid": "AC" + "0" * 32, "From": frm,
                                    "To": "+815031234567", "CallStatus": "ringing"},
                           path="/hooks/twilio/voice")

    assert call(JP_CUSTOMER).status_code == 200
    assert gw.service.eligibility(business, JP_CUSTOMER, "offers").window_open_until is None
    other = "+819011112222"
    assert call(f"whatsapp:{other}").status_code == 200
    assert gw.service.eligibility(business, other, "offers").window_open_until is not None


# -- In-App Signup ------------------------------------------------------------------------

def _signup(client: FlaskClient, signup_id: str, frm: str = IN_CUSTOMER) -> Any:
    return meta_post(client, meta_change("user_preferences", {
        "contacts": [{"profile": {"name": "Priya"}, "wa_id": frm.lstrip("+")}],
        "user_preferences": [{"wa_id": frm.lstrip("+"), "category": "marketing_messages",
                              "value": "signup", "signup_id": signup_id,
                              "detail": "User signed up", "timestamp": int(time.time()) - 1}]},
        **INDIA))


def test_in_app_signup_records_an_opt_in_with_the_link_id(client: FlaskClient, gw: Any,
                                                          india: Business,
                                                          business: Business) -> None:
    link = gw.placements.create(india, kind="website", label="Site footer", topic="offers",
                                signup_id="1234567890", actor="tests")
    assert gw.placements.visit(link.code, scan=False, lang="en", record=False).location == \
        "https://wa.me/912240001234/signup/1234567890"
    assert _signup(client, "1234567890").json["handled"] == 1
    assert _signup(client, "1234567890").json["handled"] == 1  # a redelivery: one event
    events = gw.store.contact_events(india, gw.service.ref(india, IN_CUSTOMER))
    (event,) = events
    assert (event.action, event.topics, event.channel) == ("opt_in", ("offers",), "whatsapp")
    assert event.evidence["signup_id"] == "1234567890"
    assert event.evidence["placement_code"] == link.code
    assert event.evidence["signal"] == "meta_in_app_signup"
    assert gw.service.eligibility(india, IN_CUSTOMER, "offers").allowed
    assert gw.placements.funnel(india, link.code)[0].opt_ins == 1
    assert _signup(client, "999").json["handled"] == 0  # no such link: nothing recorded
    with pytest.raises(PlacementError):  # Meta does not offer In-App Signup in Japan
        gw.placements.create(business, kind="website", label="x", signup_id="1")
