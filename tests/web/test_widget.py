"""The widget's server side: iframe form, framing policy, labels JSON and the chat redirect."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from gateway.core.consent import Business
from gateway.web.rules import allowed_origins, widget_csp
from gateway.web.texts import text
from tests.web.conftest import FormClient, events_of

PHONE = "+819012345678"


def test_widget_form_may_be_framed_only_by_the_listed_origins(
        client: Any, gw: Any, business: Business) -> None:
    default = client.get("/b/demo/widget?lang=en")
    assert default.status_code == 200
    assert "X-Frame-Options" not in default.headers
    assert default.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    gw.store.update_business("demo", settings={"frame_ancestors": [
        "https://sakura.example", "https://shop.sakura.example:8443"]})
    listed = client.get("/b/demo/widget?lang=en")
    assert "frame-ancestors 'self' https://sakura.example https://shop.sakura.example:8443" \
        in listed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in listed.headers
    # Every other page keeps the app-wide refusal to be framed.
    assert client.get("/b/demo/optin").headers["X-Frame-Options"] == "DENY"


def test_origins_that_could_break_the_header_are_dropped() -> None:
    settings = {"frame_ancestors": ["https://ok.example", "https://x.example; script-src *",
                                    "javascript:alert(1)", "'unsafe-inline'", 42,
                                    "https://*.ok.example"]}
    assert allowed_origins(settings) == ["https://ok.example", "https://*.ok.example"]
    assert "script-src *" not in widget_csp(settings)
    assert allowed_origins({"frame_ancestors": "https://a.example https://b.example"}) == [
        "https://a.example", "https://b.example"]


def test_widget_form_records_a_widget_opt_in_with_the_host_page(
        gw: Any, business: Business, widget_form: FormClient) -> None:
    host = "https://sakura.example/menu?table=4"
    html, fields = widget_form.open("?lang=ja&page=" + host, Referer="https://sakura.example/")
    wording = gw.store.current_wording(business.id, "widget", "ja")
    assert wording.text in html and fields["wording_id"] == wording.id
    assert "checked" not in html
    response = widget_form.client.post("/b/demo/widget?lang=ja", data={
        **fields, "phone": "090-1234-5678", "country": "JP", "topics": ["order_updates"]})
    assert response.status_code == 200
    assert "注文・配送のお知らせ" in response.get_data(as_text=True)
    assert "X-Frame-Options" not in response.headers
    [event] = events_of(gw, business, PHONE)
    assert (event.channel, event.method, event.wording.id) == ("widget", "checkbox", wording.id)
    assert event.evidence["page_url"] == host
    assert event.evidence["referrer"] == "https://sakura.example/"
    assert event.evidence["form_id"] == "widget-optin"


def test_widget_form_refuses_a_missing_or_foreign_token(
        client: Any, gw: Any, business: Business, us_business: Business,
        widget_form: FormClient) -> None:
    _html, fields = widget_form.open("?lang=en")
    answers = {"phone": "090-1234-5678", "country": "JP", "topics": ["offers"]}
    missing = {k: v for k, v in fields.items() if k != "csrf_token"}
    assert client.post("/b/demo/widget?lang=en", data={**missing, **answers}).status_code == 400
    # A token made for another business does not open this one's form.
    _h, other = FormClient(client, "/b/bayshop/widget").open("?lang=en")
    response = client.post("/b/demo/widget?lang=en",
                           data={**fields, **answers, "csrf_token": other["csrf_token"]})
    assert response.status_code == 400
    assert text("form_expired", "en") in response.get_data(as_text=True)
    assert gw.store.count_events(business.id) == 0
    # ...and the re-rendered form carries a fresh, working token.
    ok = client.post("/b/demo/widget?lang=en", data={**fields, **answers})
    assert ok.status_code == 200 and gw.store.count_events(business.id) == 1


def test_widget_form_works_without_any_cookie(app: Any, gw: Any, business: Business) -> None:
    """In a cross-site iframe the browser sends no cookies: the form must not need them."""
    first, second = app.test_client(use_cookies=False), app.test_client(use_cookies=False)
    _html, fields = FormClient(first, "/b/demo/widget").open("?lang=en")
    response = second.post("/b/demo/widget?lang=en", data={
        **fields, "phone": "090-1234-5678", "country": "JP", "topics": ["offers"]})
    assert response.status_code == 200
    assert gw.store.count_events(business.id) == 1


def test_widget_json_is_cors_readable_and_bilingual(client: Any, business: Business) -> None:
    for lang, label in (("en", "Chat with Sakura Coffee on WhatsApp"),
                        ("ja", "WhatsApp でSakura Coffeeとチャット")):
        response = client.get(f"/b/demo/widget.json?lang={lang}")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = response.get_json()
        assert body["name"] == "Sakura Coffee" and body["lang"] == lang
        assert body["labels"]["widget_chat"] == label
        assert body["chat_url"] == f"http://localhost/b/demo/chat?lang={lang}"
        assert body["form_url"] == f"http://localhost/b/demo/widget?lang={lang}"


def test_chat_redirects_only_to_wa_me_with_a_greeting_naming_the_business(
        client: Any, business: Business) -> None:
    for lang in ("en", "ja"):
        response = client.get(f"/b/demo/chat?lang={lang}&next=https://evil.example/"
                              "&url=https://evil.example/")
        assert response.status_code == 302
        url = urlsplit(response.headers["Location"])
        assert (url.scheme, url.netloc, url.path) == ("https", "wa.me", "/81345678901")
        greeting = parse_qs(url.query)["text"][0]
        assert greeting == text("chat_prefill", lang, name="Sakura Coffee")
        assert "evil" not in unquote(response.headers["Location"])


def test_widget_script_is_small_plain_and_has_one_global(client: Any) -> None:
    import gzip

    response = client.get("/static/widget.js")
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    # What travels is the compressed script: 3 KiB; the readable source may grow to 8 KiB.
    assert len(body) < 8 * 1024, len(body)
    assert len(gzip.compress(body)) < 3 * 1024, len(gzip.compress(body))
    source = body.decode()
    for forbidden in ("eval(", "new Function", "innerHTML", "setAttribute(\"style\"",
                      "document.write"):
        assert forbidden not in source
    assert source.count("window.OptinWidget =") == 1
    assert "attachShadow" in source and "adoptedStyleSheets" in source


def test_widget_json_says_whether_the_asking_site_may_embed_the_form(
        client: Any, gw: Any, business: Business) -> None:
    gw.store.update_business("demo", settings={"frame_ancestors": [
        "https://sakura.example", "https://*.shops.example"]})

    def allowed(origin: str | None) -> bool:
        headers = {"Origin": origin} if origin else {}
        response = client.get("/b/demo/widget.json", headers=headers)
        assert "Origin" in response.headers["Vary"]
        return response.get_json()["embed_allowed"]

    assert allowed("https://sakura.example") and allowed("https://sakura.example/")
    assert allowed("https://kyoto.shops.example")
    assert not allowed("http://sakura.example")  # another scheme is another origin
    assert not allowed("https://shops.example.evil.test")
    assert not allowed("https://evil.test") and not allowed(None)
    body = client.get("/b/demo/widget.json?lang=ja").get_json()
    assert body["optin_url"].endswith("/b/demo/optin?lang=ja")
    assert "新しいタブ" in body["labels"]["widget_elsewhere"]
