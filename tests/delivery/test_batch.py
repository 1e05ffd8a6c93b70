"""Campaign lists: the same answer per line as the single question, and a summary with exact
counts (allowed, blocked by consent, blocked by the platform, by reason), on both stores."""

from __future__ import annotations

from typing import Any

import orjson
from flask.testing import FlaskClient

from gateway.core.consent import Business
from gateway.core.eligibility import Summary
from tests.delivery.conftest import INDIA_PNID, INDIA_WHATSAPP, meta_status, meta_text, opt_in

INDIA = {"pnid": INDIA_PNID, "display": INDIA_WHATSAPP.lstrip("+")}
ALLOWED = ["+919800000001", "+919800000002", "+919800000003"]
UNKNOWN = ["+919800000010", "+919800000011"]
OPTED_OUT, NOT_CHOSEN = "+919800000020", "+919800000021"
CAPPED, HELD, GONE, HELD_WRITING = ("+919800000030", "+919800000031", "+919800000032",
                                    "+919800000033")
US_OPTED_IN = ["+14155550101", "+14155550102"]
US_UNKNOWN = "+14155550103"
BAD = "not a number"


def seed(client: FlaskClient, gw: Any, india: Business) -> list[str]:
    for phone in [*ALLOWED, OPTED_OUT, CAPPED, HELD, GONE, HELD_WRITING, *US_OPTED_IN]:
        opt_in(gw, india, phone, "offers", "order_updates")
    opt_in(gw, india, NOT_CHOSEN, "order_updates")
    client.post("/api/v1/opt-outs", headers=key(gw, india),
                json={"phone": OPTED_OUT, "topics": ["offers"], "channel": "api"})
    for phone, code in ((CAPPED, 131049), (HELD, 130472), (GONE, 131026),
                        (HELD_WRITING, 130472)):
        assert meta_status(client, phone, code=code, **INDIA).json["handled"] == 1
    meta_text(client, HELD_WRITING, "hi", **INDIA)  # inside the window: holdout lifted
    return [*ALLOWED, *UNKNOWN, OPTED_OUT, NOT_CHOSEN, CAPPED, HELD, GONE, HELD_WRITING,
            *US_OPTED_IN, US_UNKNOWN, BAD]


def key(gw: Any, business: Business) -> dict[str, str]:
    return {"Authorization": f"Bearer {gw.store.create_api_key(business.id, 'batch')}"}


def post(client: FlaskClient, headers: dict[str, str], lines: list[str], query: str
         ) -> list[dict[str, Any]]:
    body = "\n".join(orjson.dumps(line).decode() for line in lines)
    res = client.post(f"/api/v1/eligibility?{query}", data=body, headers=headers)
    assert res.status_code == 200, res.get_data(as_text=True)
    return [orjson.loads(x) for x in res.get_data().splitlines()]


def test_marketing_list_summary_counts_exactly(client: FlaskClient, gw: Any,
                                               india: Business) -> None:
    lines = seed(client, gw, india)
    answers = post(client, key(gw, india), lines, "topic=offers&summary=true")
    summary = answers.pop()["summary"]
    assert len(answers) == len(lines) == 15
    assert summary == {
        "total": 15, "allowed": 4, "blocked_by_consent": 5, "blocked_by_platform": 5,
        "errors": 1, "by_reason": {"consented": 4, "country_rule": 2, "error": 1,
                                   "experiment_holdout": 1, "marketing_limit": 1,
                                   "no_consent": 3, "opted_out": 1, "topic_not_chosen": 1,
                                   "undeliverable": 1}}
    by_phone = {a["phone"]: a for a in answers}
    capped = by_phone[CAPPED]
    assert capped["allowed"] is False and capped["reason"] == "marketing_limit"
    assert capped["consent"] == {"ok": True, "reason": "consented"}
    assert capped["deliverable"]["reason"] == "marketing_limit"
    assert capped["deliverable"]["until"] is not None
    assert by_phone[US_OPTED_IN[0]]["deliverable"] == {"ok": False, "reason": "country_rule",
                                                       "until": None}
    assert by_phone[US_UNKNOWN]["reason"] == "no_consent"  # consent decides first
    assert by_phone[HELD_WRITING]["allowed"] is True
    assert by_phone[ALLOWED[0]]["deliverable"]["ok"] is True
    assert by_phone[ALLOWED[0]]["category"] == "marketing"
    # Each line says what the single answer says.
    for phone in (CAPPED, HELD, GONE, US_OPTED_IN[0], OPTED_OUT, ALLOWED[0]):
        single = gw.service.eligibility(india, phone, "offers")
        assert (single.allowed, single.reason) == (by_phone[phone]["allowed"],
                                                   by_phone[phone]["reason"]), phone


def test_utility_and_category_lists_and_the_service_summary(client: FlaskClient, gw: Any,
                                                            india: Business) -> None:
    lines = seed(client, gw, india)
    answers = post(client, key(gw, india), lines, "category=utility&summary=true")
    summary = answers.pop()["summary"]
    # Only 131026 stops utility; the marketing limit, the holdout and the US rule do not.
    assert summary == {
        "total": 15, "allowed": 10, "blocked_by_consent": 3, "blocked_by_platform": 1,
        "errors": 1, "by_reason": {"consented": 10, "error": 1, "no_consent": 3,
                                   "undeliverable": 1}}
    assert {a["category"] for a in answers if "error" not in a} == {"utility"}
    counts = Summary()
    for line in gw.service.eligibility_batch(india, "offers", lines):
        counts.add(line)
    assert counts.as_dict()["blocked_by_platform"] == 5
    assert counts.as_dict()["allowed"] == 4
    without = post(client, key(gw, india), lines[:3], "topic=offers")
    assert len(without) == 3 and all("summary" not in a for a in without)


def test_batch_asks_for_topic_or_category(client: FlaskClient, gw: Any,
                                          india: Business) -> None:
    headers = key(gw, india)
    for query, status in (("", 400), ("topic=offers&category=utility", 400),
                          ("category=promotions", 422), ("category=authentication", 422),
                          ("topic=offers&summary=maybe", 400)):
        res = client.post(f"/api/v1/eligibility?{query}", data="+919800000001",
                          headers=headers)
        assert res.status_code == status, (query, res.get_data(as_text=True))
