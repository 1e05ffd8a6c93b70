"""The widget in a real browser: Debian's Chromium, a host page on another origin, a strict CSP.

The gateway runs on a real WSGI server (127.0.0.1, SQLite file); the shop's page is served
from ``http://localhost:<other port>``: another origin *and* another site, so the browser
withholds cookies from the widget's iframe exactly as it would on a real shop.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.core.consent import Business
from tests.browser import NEEDS_CHROMIUM, chromium
from tests.web.conftest import Live, events_of

pytestmark = NEEDS_CHROMIUM
STYLE_PROBE = """(selectors) => selectors.map((sel) => {
  const s = getComputedStyle(document.querySelector(sel));
  return [sel, s.color, s.backgroundColor, s.fontFamily, s.fontSize, s.margin, s.padding,
          s.borderTop, s.letterSpacing, s.display, s.position, s.width, s.height];
})"""
OWN = ["body", "header.own", "h1.own", "p.own", "button.own", "div.own", "a.own"]


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The browser test runs the gateway on a SQLite file."""
    yield f"sqlite:///{tmp_path / 'browser.db'}"


def host_site(gateway: str) -> Callable[..., Any]:
    """The shop's own site: its stylesheet, a page with the widget, one without, a framer."""
    css = ("body{margin:0;font:16px/1.5 Georgia,serif;background:rgb(250,246,240);color:rgb(40,30,20)}"
           "header.own{background:rgb(90,40,30);color:rgb(255,240,220);padding:18px 32px}"
           "h1.own{margin:0;font-size:28px;letter-spacing:1px}"
           "p.own{margin:16px 32px;max-width:560px}"
           "button,button.own{background:rgb(200,0,0);color:rgb(255,255,255);font-size:18px;"
           "padding:10px 18px;border:3px solid rgb(0,0,0);margin:0 32px}"
           "div,div.own{border:2px dashed rgb(0,0,255);padding:12px;margin:16px 32px}"
           "a,a.own{color:rgb(0,128,0)}iframe{border:5px solid rgb(255,0,255)}"
           "*{letter-spacing:.5px}")
    body = ('<header class="own"><h1 class="own">Sakura Coffee — Menu</h1></header>'
            '<p class="own">Hand-roasted beans from Kyoto. Order online and pick up in store.</p>'
            '<div class="own">Today: hojicha latte ¥520 · matcha affogato ¥640</div>'
            '<button class="own" type="button">Add to cart</button> '
            '<p class="own"><a class="own" href="#">Store hours</a></p>')
    csp = (f"default-src 'none'; script-src {gateway}; connect-src {gateway}; "
           f"frame-src {gateway}; style-src 'self'; img-src 'self'; base-uri 'none'")

    def page(title: str, extra: str) -> bytes:
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}'
                '</title><link rel="stylesheet" href="/host.css"></head>'
                f"<body>{body}{extra}</body></html>").encode()

    widget = f'<script src="{gateway}/static/widget.js" data-business="demo" async></script>'
    pages = {
        "/host.css": ("text/css", css.encode()),
        "/shop.html": ("text/html; charset=utf-8", page("Shop", widget)),
        "/shop-ja.html": ("text/html; charset=utf-8",
                          page("Shop", widget.replace(" async>", ' data-lang="ja" async>'))),
        "/plain.html": ("text/html; charset=utf-8", page("Shop", "")),
        "/framer.html": ("text/html; charset=utf-8",
                         page("Framer", f'<iframe src="{gateway}/b/demo/widget"></iframe>')),
    }

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        kind, content = pages.get(environ["PATH_INFO"], ("text/plain", b"not found"))
        headers = [("Content-Type", kind), ("Content-Security-Policy", csp),
                   ("Cache-Control", "no-store")]
        start_response("200 OK" if environ["PATH_INFO"] in pages else "404 Not Found", headers)
        return [content]

    return app


@pytest.fixture
def servers(app: Any, gw: Any, business: Business) -> Iterator[tuple[str, str, str]]:
    gateway = Live(app)
    gateway_origin = f"http://127.0.0.1:{gateway.port}"
    host = Live(host_site(gateway_origin))
    shop_origin = f"http://localhost:{host.port}"
    gw.store.update_business("demo", settings={"frame_ancestors": [shop_origin]})
    try:
        yield gateway_origin, shop_origin, f"http://127.0.0.1:{host.port}"
    finally:
        host.stop()
        gateway.stop()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.set_default_timeout(15000)
        yield page


def test_widget_on_a_strict_csp_site_in_chromium(servers: tuple[str, str, str], browser_page: Any,
                                                 gw: Any, business: Business,
                                                 artifacts: Path) -> None:
    gateway, shop, other_origin = servers
    page = browser_page
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))

    # The shop's page as it looks without the widget.
    page.goto(f"{shop}/plain.html")
    before = page.evaluate(STYLE_PROBE, OWN)
    globals_before = set(page.evaluate("Object.getOwnPropertyNames(window)"))

    page.goto(f"{shop}/shop.html")
    fab = page.locator("optin-gateway-widget >> button.fab")
    fab.wait_for()
    assert page.evaluate(STYLE_PROBE, OWN) == before  # the shop's own styles are untouched
    added = set(page.evaluate("Object.getOwnPropertyNames(window)")) - globals_before
    assert added == {"OptinWidget"}
    # The widget is styled (constructed sheet, allowed by the CSP) and the shop's
    # "button {background: red}" does not reach inside the shadow root.
    assert fab.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(37, 211, 102)"
    assert fab.get_attribute("aria-label") == "Chat with Sakura Coffee on WhatsApp"

    # Keyboard: Enter opens, focus moves into the panel, Escape closes and gives focus back.
    fab.focus()
    page.keyboard.press("Enter")
    panel = page.locator("optin-gateway-widget >> #ogw-panel")
    panel.wait_for(state="visible")
    assert fab.get_attribute("aria-expanded") == "true"
    chat = page.locator("optin-gateway-widget >> a.chat")
    assert chat.evaluate("a => a.getRootNode().activeElement === a")
    assert chat.get_attribute("href") == f"{gateway}/b/demo/chat?lang=en"
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert fab.evaluate("b => b.getRootNode().activeElement === b")
    assert fab.get_attribute("aria-expanded") == "false"

    # Get updates: the opt-in form in the iframe.
    fab.click()
    page.get_by_role("button", name="Get updates on WhatsApp").click()
    form = page.frame_locator("optin-gateway-widget >> iframe")
    form.locator("#phone").fill("090-1234-5678")
    form.locator('input[value="offers"]').check()
    form.locator('input[value="order_updates"]').check()
    assert "Get updates from Sakura Coffee" in form.locator(".wording").inner_text()
    form.locator("button.primary").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "widget.png"))
    form.get_by_role("button", name="Sign up for WhatsApp messages").click()
    form.get_by_text("Thank you!").wait_for()
    assert "Offers and promotions" in form.locator(".chosen").inner_text()
    page.screenshot(path=str(artifacts / "widget-thanks.png"))
    assert page.evaluate(STYLE_PROBE, OWN) == before

    [event] = events_of(gw, business, "+819012345678")
    assert (event.channel, event.method) == ("widget", "checkbox")
    assert event.topics == ("order_updates", "offers")
    assert event.evidence["page_url"] == f"{shop}/shop.html"
    assert event.evidence["referrer"].startswith(shop)  # the browser sends the shop's origin
    assert event.evidence["form_url"] == f"{gateway}/b/demo/widget"
    assert event.wording.id == gw.store.current_wording(business.id, "widget", "en").id
    violations = [m for m in console if "Content Security Policy" in m or "pageerror" in m]
    assert violations == []

    # An origin the business did not list cannot frame the form.
    with urllib.request.urlopen(f"{gateway}/b/demo/widget") as response:  # noqa: S310
        policy = response.headers["Content-Security-Policy"]
        assert response.headers.get("X-Frame-Options") is None
    assert f"frame-ancestors 'self' {shop}" in policy and other_origin not in policy
    console.clear()
    page.goto(f"{other_origin}/framer.html")
    page.wait_for_timeout(500)
    frame = next(f for f in page.frames if f is not page.main_frame)
    blocked = [m for m in console if "frame-ancestors" in m]
    assert blocked, console
    assert frame.url.startswith("chrome-error://") or frame.content().find("phone") < 0


def test_hosted_form_in_japanese_in_chromium(servers: tuple[str, str, str], browser_page: Any,
                                             gw: Any, business: Business,
                                             artifacts: Path) -> None:
    """A visitor's whole path on the hosted form: a mistake, its message, the fix, thanks."""
    gateway, _shop, _other = servers
    page = browser_page
    page.goto(f"{gateway}/b/demo/optin?lang=ja")
    page.locator("#phone").fill("03-1234-5678")  # a landline: cannot receive WhatsApp
    page.get_by_label("お得なキャンペーン情報").check()
    page.get_by_role("button", name="同意して WhatsApp で受け取る").click()
    error = page.locator("#phone-error")
    assert "WhatsApp のメッセージを受け取れません" in error.inner_text()
    assert page.locator("#phone").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("お得なキャンペーン情報").is_checked()  # the choice is kept
    page.screenshot(path=str(artifacts / "optin-ja-error.png"), full_page=True)
    assert gw.store.count_events(business.id) == 0
    page.locator("#phone").fill("090-1234-5678")
    page.get_by_role("button", name="同意して WhatsApp で受け取る").click()
    page.get_by_text("ご登録ありがとうございます").wait_for()
    page.screenshot(path=str(artifacts / "optin-ja-thanks.png"), full_page=True)
    [event] = events_of(gw, business, "+819012345678")
    assert (event.channel, event.language, event.topics) == ("web_form", "ja", ("offers",))


def test_widget_on_a_site_not_yet_allowed_says_so_and_opens_the_hosted_form(
        servers: tuple[str, str, str], browser_page: Any, artifacts: Path) -> None:
    """No "refused to connect" in the panel: a sentence, and the hosted form in a new tab."""
    gateway, _shop, other_origin = servers
    page = browser_page
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.goto(f"{other_origin}/shop.html")
    page.locator("optin-gateway-widget >> button.fab").click()
    note = page.locator('optin-gateway-widget >> [data-ogw="elsewhere"]')
    note.wait_for()
    assert "cannot show the sign-up form yet" in note.inner_text()
    link = page.get_by_role("link", name="Get updates on WhatsApp")
    assert link.get_attribute("href") == f"{gateway}/b/demo/optin?lang=en"
    assert link.get_attribute("target") == "_blank"
    assert page.locator("optin-gateway-widget >> iframe").count() == 0
    assert any(other_origin in m and "Settings" in m for m in console), console
    page.screenshot(path=str(artifacts / "widget-not-allowed.png"))
    with page.expect_popup() as popup:
        link.click()
    hosted = popup.value
    hosted.wait_for_load_state()
    assert hosted.locator("#phone").is_visible()  # a working form, not an error page
