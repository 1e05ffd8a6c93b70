"""Double opt-in: pending web opt-ins, the "Confirm on WhatsApp" link, one-time codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.core import codes
from gateway.core.consent import Business, Capture
from gateway.web.confirmations import CodeTaken, new_confirmation, usable
from gateway.web.service import ConfirmationService
from tests.web.conftest import FormClient, events_of

PHONE = "+819012345678"
WA_LINK = re.compile(r'href="(https://wa\.me/[^"]+)"')


def opt_in_pending(form: FormClient, lang: str = "en") -> tuple[str, str]:
    """Submit the form of a double opt-in business; the code and link from the thanks page."""
    response = form.submit({"phone": "090-1234-5678", "topics": ["offers", "newsletter"]},
                           query=f"?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True).replace("&amp;", "&")
    [link] = WA_LINK.findall(html)
    prefilled = parse_qs(urlsplit(link).query)["text"][0]
    code = codes.find_confirmation_code(prefilled)
    assert code is not None
    return code, link


def confirm(gw: Any, business: Business, code: str, phone: str = PHONE, key: str = "wamid.1",
            ) -> Any:
    return gw.confirmations.confirm(business, code, phone, evidence={"wamid": key},
                                    occurred_at=None, idempotency_key=key)


def test_pending_then_confirmed_on_whatsapp_becomes_eligible(
        gw: Any, dbl_business: Business, optin_form: FormClient) -> None:
    code, link = opt_in_pending(optin_form)
    url = urlsplit(link)
    assert (url.netloc, url.path) == ("wa.me", "/81345678901")
    prefilled = parse_qs(url.query)["text"][0]
    assert "Sakura Coffee" in prefilled and codes.confirmation_token(code) in prefilled
    [pending] = events_of(gw, dbl_business, PHONE)
    assert str(pending.status) == "pending"
    assert gw.service.eligibility(dbl_business, PHONE, "offers").reason == "pending_confirmation"

    recorded = confirm(gw, dbl_business, code)
    assert recorded is not None and recorded.created
    event = recorded.event
    assert (str(event.status), event.channel, event.method) == ("confirmed", "whatsapp",
                                                                "keyword")
    assert event.topics == pending.topics and event.wording == pending.wording
    assert dict(event.evidence) == {"wamid": "wamid.1", "pending_event_id": pending.event_id,
                                    "confirmation_code": code}
    assert gw.service.eligibility(dbl_business, PHONE, "offers").allowed
    assert gw.service.eligibility(dbl_business, PHONE, "newsletter").allowed
    assert not gw.service.eligibility(dbl_business, PHONE, "order_updates").allowed


def test_thanks_page_in_japanese_offers_the_confirm_button(
        dbl_business: Business, optin_form: FormClient) -> None:
    response = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"]},
                                 query="?lang=ja")
    html = response.get_data(as_text=True)
    assert "WhatsApp で確認する" in html and "あと1ステップ" in html
    prefilled = parse_qs(urlsplit(WA_LINK.findall(html.replace("&amp;", "&"))[0]).query)["text"]
    assert "Sakura Coffee" in prefilled[0] and "confirm:" in prefilled[0]


def test_a_double_submit_gets_the_same_code(gw: Any, dbl_business: Business,
                                            optin_form: FormClient) -> None:
    _html, fields = optin_form.open("?lang=en")
    data = {**fields, "phone": "090-1234-5678", "country": "JP", "topics": ["offers"]}
    pages = [optin_form.client.post("/b/demo/optin?lang=en", data=data).get_data(as_text=True)
             for _ in range(2)]
    assert WA_LINK.findall(pages[0]) == WA_LINK.findall(pages[1]) != []
    assert gw.store.count_events(dbl_business.id) == 1


def test_a_code_is_single_use_and_a_redelivery_is_idempotent(
        gw: Any, dbl_business: Business, optin_form: FormClient) -> None:
    code, _ = opt_in_pending(optin_form)
    first = confirm(gw, dbl_business, code, key="wamid.A")
    again = confirm(gw, dbl_business, code, key="wamid.A")  # the same message delivered twice
    assert first is not None and again is not None
    assert not again.created and again.event.event_id == first.event.event_id
    assert confirm(gw, dbl_business, code, key="wamid.B") is None  # a second message: used
    assert gw.store.count_events(dbl_business.id) == 2


def test_another_phone_cannot_use_the_code_and_does_not_burn_it(
        gw: Any, dbl_business: Business, optin_form: FormClient) -> None:
    code, _ = opt_in_pending(optin_form)
    assert confirm(gw, dbl_business, code, phone="+819087654321", key="wamid.X") is None
    assert gw.service.eligibility(dbl_business, PHONE, "offers").reason == "pending_confirmation"
    assert confirm(gw, dbl_business, code, key="wamid.Y") is not None


def test_an_expired_or_unknown_code_confirms_nothing(
        gw: Any, dbl_business: Business, optin_form: FormClient) -> None:
    code, _ = opt_in_pending(optin_form)
    real_clock = gw.confirmations.clock
    gw.confirmations.clock = lambda: real_clock() + timedelta(hours=24, seconds=1)
    try:
        assert confirm(gw, dbl_business, code) is None
    finally:
        gw.confirmations.clock = real_clock
    wrong = "000000" if code != "000000" else "111111"
    assert confirm(gw, dbl_business, wrong) is None
    assert gw.store.count_events(dbl_business.id) == 1
    assert gw.service.eligibility(dbl_business, PHONE, "offers").reason == "pending_confirmation"


def test_widget_opt_ins_are_pending_too(gw: Any, dbl_business: Business,
                                        widget_form: FormClient) -> None:
    response = widget_form.submit({"phone": "090-1234-5678", "topics": ["offers"]})
    assert "Confirm on WhatsApp" in response.get_data(as_text=True)
    [event] = events_of(gw, dbl_business, PHONE)
    assert (event.channel, str(event.status)) == ("widget", "pending")


def test_a_colliding_code_is_replaced_and_stale_codes_are_freed(
        gw: Any, dbl_business: Business, optin_form: FormClient) -> None:
    """Active codes are unique per business (a unique index); expired ones free their code."""
    store = gw.confirmations.store
    code, _ = opt_in_pending(optin_form)
    [event] = events_of(gw, dbl_business, PHONE)
    clone = new_confirmation(event, datetime.now(UTC), code)
    with pytest.raises(CodeTaken):
        store.add(clone.__class__(**{**clone.__dict__, "pending_event_id": "other-event"}))
    # A service whose generator first returns the taken code retries with a new one.
    answers = iter([code, "654321"])
    service = ConfirmationService(store, gw.service, gw.confirmations.clock,
                                  new_code=lambda: next(answers))
    second = gw.service.capture(Capture(
        business="demo", phone="080-2222-3333", channel="web_form", method="checkbox",
        topics=("offers",), wording_kind="web_form", language="en", pending=True,
        idempotency_key="direct-1"), dbl_business).event
    issued = service.issue(dbl_business, second)
    assert issued.code == "654321"
    assert service.issue(dbl_business, second) == issued  # issuing again returns it
    # Once the first code has expired, it can be handed out again.
    later = datetime.now(UTC) + timedelta(days=2)
    assert store.expire_stale(dbl_business.id, later) == 2
    third = clone.__class__(**{**clone.__dict__, "pending_event_id": "third-event"})
    assert store.add(third).code == code


def test_usable_rules() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    from gateway.web.confirmations import Confirmation

    c = Confirmation(1, "123456", "ref", "ev", ("offers",), "w", "en", now, now + timedelta(1))
    assert usable(c, "ref", now, "k") == "ok"
    assert usable(c, "other", now, "k") == "wrong_phone"
    assert usable(c, "ref", now + timedelta(days=1), "k") == "expired"
    used = Confirmation(1, "123456", "ref", "ev", ("offers",), "w", "en", now,
                        now + timedelta(1), status="used", used_key="k")
    assert usable(used, "ref", now, "k") == "retry"
    assert usable(used, "ref", now, "k2") == "used"
