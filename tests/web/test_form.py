"""The hosted opt-in form with the Flask client: CSRF, topics, numbers, evidence, opt-out."""

from __future__ import annotations

from typing import Any

from flask import Flask

from gateway.core.consent import Business
from gateway.web.texts import text
from tests.web.conftest import FormClient, events_of

PHONE = "+819012345678"


def test_csrf_is_on_in_tests_and_a_post_without_token_is_refused(
        app: Flask, client: Any, gw: Any, business: Business, optin_form: FormClient) -> None:
    # The app fixture sets TESTING only: Flask-WTF still checks CSRF (WTF_CSRF_ENABLED unset).
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    _html, fields = optin_form.open("?lang=en")
    fields.pop("csrf_token")
    response = client.post("/b/demo/optin?lang=en", data={
        **fields, "phone": "090-1234-5678", "country": "JP", "topics": ["offers"]})
    assert response.status_code == 400
    assert text("form_expired", "en") in response.get_data(as_text=True)
    assert gw.store.count_events(business.id) == 0


def test_a_forged_csrf_token_is_refused(client: Any, gw: Any, business: Business,
                                        optin_form: FormClient) -> None:
    response = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"]},
                                 csrf_token="forged")
    assert response.status_code == 400
    assert gw.store.count_events(business.id) == 0


def test_form_shows_the_current_wording_verbatim_in_each_language(
        gw: Any, business: Business, optin_form: FormClient) -> None:
    for query, headers, lang in (("?lang=ja", {}, "ja"), ("?lang=en", {}, "en"),
                                 ("", {"Accept-Language": "ja-JP,ja;q=0.9"}, "ja"),
                                 ("", {"Accept-Language": "en-US"}, "en")):
        html, fields = optin_form.open(query, **headers)
        wording = gw.store.current_wording(business.id, "web_form", lang)
        assert f'<html lang="{lang}">' in html
        assert wording.text in html and fields["wording_id"] == wording.id
        assert "WhatsApp" in wording.text and business.name in wording.text
        assert ("停止" if lang == "ja" else "STOP") in wording.text  # says how to opt out
        assert text("topics_legend", lang) in html
        assert '<option value="JP" selected>' in html  # country defaults to the business's


def test_no_topic_is_pre_ticked_even_when_the_url_asks(optin_form: FormClient) -> None:
    html, _ = optin_form.open("?lang=en&topics=offers&topics=newsletter")
    assert html.count('type="checkbox"') == 4
    assert "checked" not in html


def test_empty_topics_are_refused_with_a_message_next_to_the_topics(
        gw: Any, business: Business, optin_form: FormClient) -> None:
    for lang in ("en", "ja"):
        response = optin_form.submit({"phone": "090-1234-5678"}, query=f"?lang={lang}")
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        expected = {"en": "Please choose at least one kind of message",
                    "ja": "受け取りたいメッセージの種類を1つ以上選んでください"}[lang]
        assert f'<p class="field-error" id="topics-error" role="alert">{expected}' in html
        assert 'value="090-1234-5678"' in html  # what the visitor typed stays
    assert gw.store.count_events(business.id) == 0


def test_an_unknown_topic_is_refused(gw: Any, business: Business,
                                     optin_form: FormClient) -> None:
    response = optin_form.submit({"phone": "090-1234-5678", "topics": ["lottery"]})
    assert response.status_code == 422
    assert "is not one of this business" in response.get_data(as_text=True)
    assert gw.store.count_events(business.id) == 0


def test_bad_numbers_get_a_readable_error_in_the_chosen_language(
        gw: Any, business: Business, optin_form: FormClient) -> None:
    cases = {
        "12": {"en": "is too short to be a phone number", "ja": "電話番号としては短すぎます"},
        "hello": {"en": "is not a phone number we can understand",
                  "ja": "は電話番号として認識できません"},
        "03-1234-5678": {"en": "which cannot receive WhatsApp messages",
                         "ja": "WhatsApp のメッセージを受け取れません"},
        "": {"en": "Please enter your mobile phone number", "ja": "携帯電話番号を入力してください"},
    }
    for phone, messages in cases.items():
        for lang, expected in messages.items():
            response = optin_form.submit({"phone": phone, "topics": ["offers"]},
                                         query=f"?lang={lang}")
            html = response.get_data(as_text=True)
            assert response.status_code == 422, (phone, lang)
            assert 'id="phone-error" role="alert"' in html and expected in html, (phone, lang)
            assert 'aria-invalid="true"' in html
    assert gw.store.count_events(business.id) == 0


def test_what_a_visitor_typed_is_escaped(gw: Any, business: Business,
                                         optin_form: FormClient) -> None:
    response = optin_form.submit({"phone": '<script>alert(1)</script>', "topics": ["offers"],
                                  "name": '"><img src=x onerror=alert(1)>'})
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert gw.store.count_events(business.id) == 0


def test_an_unknown_country_is_reported_next_to_the_country(
        gw: Any, business: Business, optin_form: FormClient) -> None:
    response = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"],
                                  "country": "XX"})
    assert response.status_code == 422
    assert 'id="country-error"' in response.get_data(as_text=True)
    assert gw.store.count_events(business.id) == 0


def test_success_stores_the_evidence_and_thanks_with_the_choice(
        gw: Any, business: Business, optin_form: FormClient) -> None:
    headers = {"Referer": "https://sakura.example/menu", "User-Agent": "TestBrowser/1.0"}
    html, fields = optin_form.open("?lang=en", **headers)
    response = optin_form.client.post("/b/demo/optin?lang=en", headers=headers, data={
        **fields, "phone": "090-1234-5678", "country": "JP", "topics": ["offers", "newsletter"],
        "name": "Hanako"}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Offers and promotions" in page and "Newsletter" in page
    assert "Order and delivery updates" not in page
    assert "/b/demo/optout?lang=en" in page and "reply STOP" in page

    [event] = events_of(gw, business, PHONE)
    wording = gw.store.current_wording(business.id, "web_form", "en")
    assert (event.channel, event.method, str(event.action), str(event.status)) == (
        "web_form", "checkbox", "opt_in", "confirmed")
    assert event.topics == ("offers", "newsletter")
    assert event.wording.id == fields["wording_id"] == wording.id
    assert event.wording.sha256 == wording.sha256
    assert event.idempotency_key == f"hosted-optin:{fields['submission_id']}"
    ev = dict(event.evidence)
    assert ev["user_agent"] == "TestBrowser/1.0"
    assert ev["referrer"] == "https://sakura.example/menu"
    assert ev["page_url"] == "http://localhost/b/demo/optin?lang=en"
    assert ev["form_id"] == "hosted-optin" and ev["form_version"] == 1
    assert ev["language"] == "en" and event.language == "en"
    assert dict(event.personal) == {"ip": "203.0.113.7", "name": "Hanako"}
    assert gw.service.eligibility(business, PHONE, "offers").allowed
    assert not gw.service.eligibility(business, PHONE, "order_updates").allowed


def test_a_double_submit_records_once(gw: Any, business: Business,
                                      optin_form: FormClient) -> None:
    _html, fields = optin_form.open("?lang=ja")
    data = {**fields, "phone": "090-1234-5678", "country": "JP", "topics": ["offers"]}
    first = optin_form.client.post("/b/demo/optin?lang=ja", data=data)
    second = optin_form.client.post("/b/demo/optin?lang=ja", data=data)
    assert first.status_code == second.status_code == 200
    assert "お得なキャンペーン情報" in second.get_data(as_text=True)
    assert gw.store.count_events(business.id) == 1


def test_the_wording_shown_is_the_one_recorded_even_after_a_new_version(
        gw: Any, business: Business, optin_form: FormClient) -> None:
    _html, fields = optin_form.open("?lang=en")
    newer = gw.store.add_wording(business.id, "web_form", "en",
                                 "Get WhatsApp messages from Sakura Coffee. Reply STOP to stop.")
    optin_form.client.post("/b/demo/optin?lang=en", data={
        **fields, "phone": "090-1234-5678", "country": "JP", "topics": ["offers"]})
    [event] = events_of(gw, business, PHONE)
    assert event.wording.id == fields["wording_id"] != newer.id


def test_a_wording_of_another_kind_is_refused(gw: Any, business: Business,
                                              optin_form: FormClient) -> None:
    sms = gw.store.current_wording(business.id, "sms", "en")
    response = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"]},
                                 wording_id=sms.id)
    assert response.status_code == 400
    assert text("wording_changed", "en") in response.get_data(as_text=True)
    assert gw.store.count_events(business.id) == 0


def test_honeypot_and_oversized_posts_store_nothing(client: Any, gw: Any, business: Business,
                                                    optin_form: FormClient) -> None:
    bot = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"],
                             "website": "http://spam.example"})
    assert bot.status_code == 400 and text("bot_refused", "en") in bot.get_data(as_text=True)
    big = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"], "name": "x" * 40000})
    assert big.status_code == 413 and text("too_large", "en") in big.get_data(as_text=True)
    long_name = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"],
                                   "name": "x" * 101})
    assert long_name.status_code == 422
    assert text("too_long", "en", max=100) in long_name.get_data(as_text=True)
    assert gw.store.count_events(business.id) == 0


def test_unknown_business_gets_a_friendly_404(client: Any, business: Business) -> None:
    for path in ("/b/nope/optin", "/b/nope/optout", "/b/nope/widget", "/b/nope/chat"):
        response = client.get(path + "?lang=ja")
        assert response.status_code == 404
        assert text("not_found", "ja") in response.get_data(as_text=True)
    assert client.get("/b/nope/widget.json").status_code == 404


def test_opt_out_of_some_topics_then_all(gw: Any, client: Any, business: Business,
                                         optin_form: FormClient) -> None:
    optin_form.submit({"phone": "090-1234-5678", "topics": ["offers", "newsletter"]})
    optout = FormClient(client, "/b/demo/optout")
    html, _ = optout.open("?lang=en")
    assert "Stop WhatsApp messages from Sakura Coffee" in html and "checked" not in html

    none = optout.submit({"phone": "090-1234-5678"})
    assert none.status_code == 422
    assert text("optout_need_choice", "en") in none.get_data(as_text=True)

    some = optout.submit({"phone": "090-1234-5678", "topics": ["offers"]})
    assert some.status_code == 200 and "Offers and promotions" in some.get_data(as_text=True)
    assert gw.service.eligibility(business, PHONE, "offers").reason == "opted_out"
    assert gw.service.eligibility(business, PHONE, "newsletter").allowed

    everything = optout.submit({"phone": "+81 90 1234 5678", "all_topics": "y"}, query="?lang=ja")
    assert everything.status_code == 200
    assert text("optout_done_all", "ja") in everything.get_data(as_text=True)
    assert not gw.service.eligibility(business, PHONE, "newsletter").allowed
    last = events_of(gw, business, PHONE)[-1]
    assert (str(last.action), last.channel, last.all_topics) == ("opt_out", "web_form", True)
    assert last.evidence["form_id"] == "hosted-optout"


def test_opt_out_needs_csrf_too(client: Any, gw: Any, business: Business) -> None:
    response = client.post("/b/demo/optout", data={"phone": "090-1234-5678",
                                                   "all_topics": "y"})
    assert response.status_code == 400
    assert gw.store.count_events(business.id) == 0
