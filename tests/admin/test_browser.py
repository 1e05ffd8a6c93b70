"""The dashboard in a real headless Chromium: customer-typed HTML stays text, charts draw.

The app is served by werkzeug in a thread; the browser signs in through the form with real
CSRF tokens. Screenshots go to test-artifacts/ (admin-*.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from gateway.admin.demo_data import seed_demo
from gateway.core.consent import Action, Business, Capture
from tests.admin.conftest import make_staff
from tests.browser import NEEDS_CHROMIUM, live_server, watched_page
from tests.conftest import make_url

pytestmark = NEEDS_CHROMIUM
SCRIPT_NAME = "<script>alert(1)</script>"
PROFILE_NAME = '<img src=x onerror="alert(2)">Ken'
BODY = '"><svg onload=alert(3)>はい'
LABEL = "<b onmouseover=alert(4)>Poster</b>"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield from make_url("sqlite", tmp_path)  # one database is enough for the browser


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Real CSRF as in production; plain http on 127.0.0.1, so no Secure cookie.
    return {**app_config, "WTF_CSRF_ENABLED": True, "PUBLIC_BASE_URL": "http://127.0.0.1"}


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    with live_server(app) as base:
        yield base


@pytest.fixture
def hostile(gw: Any, business: Business) -> dict[str, int]:
    """Demo data plus contacts whose name, profile name and message are HTML."""
    seed_demo(gw, business)
    web = gw.service.capture(Capture(
        business=business.slug, phone="090-7777-0001", channel="web_form", method="checkbox",
        topics=("offers",), wording_kind="web_form", personal={"name": SCRIPT_NAME},
        evidence={"page_url": "https://sakura.example/?q=<script>alert(6)</script>"}), business)
    wa = gw.service.capture(Capture(
        business=business.slug, phone="090-7777-0002", channel="qr", method="button",
        topics=("order_updates",), wording_kind="whatsapp", personal={"profile_name": PROFILE_NAME},
        evidence={"wamid": "wamid.X1", "Body": BODY, "placement_code": "HTML1234",
                  "placement_label": LABEL}), business)
    gw.service.capture(Capture(
        business=business.slug, phone="090-7777-0002", channel="whatsapp", method="keyword",
        action=Action.OPT_OUT, evidence={"wamid": "wamid.X2", "Body": BODY}), business)
    make_staff(gw, "hana")
    return {name: gw.admin_store.contact_by_ref(business.id, r.event.subject_ref).id
            for name, r in (("script", web), ("profile", wa))}


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    with watched_page(server) as pg:
        yield pg


def sign_in(page: Any, username: str = "hana") -> None:
    from tests.admin.conftest import PASSWORD

    page.goto(page.base + "/admin/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base + "/admin/")


def painted(page: Any, selector: str) -> int:
    """Non-transparent pixels on a canvas: 0 for a chart that never drew."""
    return int(page.eval_on_selector(selector, """c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""))


def test_customer_html_is_shown_as_text_everywhere(page: Any, hostile: dict[str, int],
                                                   artifacts: Path) -> None:
    sign_in(page)
    # overview: the latest activity lists both hostile contacts
    assert page.get_by_text(SCRIPT_NAME).first.is_visible()
    assert page.get_by_text(PROFILE_NAME).first.is_visible()
    # contacts list and search
    page.goto(page.base + "/admin/contacts?q=alert")
    assert page.get_by_text(SCRIPT_NAME).is_visible()
    assert page.get_by_text(PROFILE_NAME).is_visible()
    page.goto(page.base + "/admin/contacts?q=" + "<script>alert(5)</script>")
    assert page.get_by_text("No contact matches “<script>alert(5)</script>”").is_visible()
    # contact pages: names, evidence and placement label
    page.goto(page.base + f"/admin/contacts/{hostile['script']}")
    assert page.get_by_test_id("contact-name").inner_text() == SCRIPT_NAME
    assert page.get_by_text("https://sakura.example/?q=<script>alert(6)</script>").is_visible()
    page.goto(page.base + f"/admin/contacts/{hostile['profile']}")
    assert page.get_by_test_id("contact-name").inner_text() == PROFILE_NAME
    assert page.get_by_text(BODY).first.is_visible()
    assert page.get_by_text(LABEL).is_visible()
    page.screenshot(path=str(artifacts / "admin-contact-escaped.png"), full_page=True)
    # sources: the placement label is a table cell and a chart legend (canvas text)
    page.goto(page.base + "/admin/sources")
    assert page.get_by_text(f"{LABEL} (HTML1234)").first.is_visible()
    # nothing ran: no dialog, no injected element, no CSP violation
    assert page.dialogs == []
    assert page.evaluate("document.querySelectorAll('img[src=x], svg[onload], b[onmouseover]')"
                         ".length") == 0
    assert page.problems == []


def test_charts_render_and_pages_look_right(page: Any, hostile: dict[str, int],
                                            artifacts: Path, gw: Any,
                                            business: Business) -> None:
    sign_in(page)
    page.wait_for_selector("canvas#chart-overview[data-rendered=true]")
    assert painted(page, "#chart-overview") > 2000
    page.screenshot(path=str(artifacts / "admin-overview.png"), full_page=True)

    page.goto(page.base + "/admin/sources")
    for chart in ("#chart-by-channel", "#chart-rates", "#chart-by-placement"):
        page.wait_for_selector(f"canvas{chart}[data-rendered=true]")
        assert painted(page, chart) > 2000, chart
    flags = page.get_by_test_id("flags").inner_text()
    assert "Click-to-WhatsApp ad" in flags and "AUTM6H2W" in flags
    page.screenshot(path=str(artifacts / "admin-sources.png"), full_page=True)

    page.goto(page.base + "/admin/sources?lang=ja&days=7")
    page.wait_for_selector("canvas#chart-by-channel[data-rendered=true]")
    assert page.locator("h1").inner_text() == "取得経路"
    page.screenshot(path=str(artifacts / "admin-sources-ja.png"), full_page=True)
    page.goto(page.base + "/admin/?lang=en")

    # a demo contact who came from the autumn ad and later opted out
    events = gw.admin_store.events_since(business, gw.admin_store.clock().replace(year=2000))
    outs = {e.subject_ref for e in events if e.action == "opt_out"}
    ad = next(e for e in events if e.evidence.get("placement_code") == "AUTM6H2W"
              and e.subject_ref in outs)
    contact = gw.admin_store.contact_by_ref(business.id, ad.subject_ref)
    page.goto(page.base + f"/admin/contacts/{contact.id}")
    page.locator("details.wording-text summary").first.click()
    assert page.locator("details.wording-text blockquote").first.is_visible()
    page.screenshot(path=str(artifacts / "admin-contact.png"), full_page=True)
    receipt = page.get_by_test_id("receipt-link").get_attribute("href")
    assert receipt == f"/admin/contacts/{contact.id}/receipt?lang=en"
    page.emulate_media(media="print")
    assert page.locator("aside.sidebar").is_hidden() and page.locator("#opt-out").is_hidden()
    assert page.locator(".timeline").is_visible()
    page.screenshot(path=str(artifacts / "admin-contact-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.goto(page.base + receipt)
    assert page.get_by_text(ad.wording.sha256).first.is_visible()
    page.screenshot(path=str(artifacts / "admin-receipt.png"), full_page=True)

    page.goto(page.base + "/admin/wordings")
    page.screenshot(path=str(artifacts / "admin-wordings.png"), full_page=True)
    page.goto(page.base + "/admin/login?lang=ja")  # signed in: goes to the overview
    assert page.dialogs == [] and page.problems == []


def test_login_page_and_staff_opt_out_in_the_browser(page: Any, hostile: dict[str, int],
                                                     artifacts: Path, gw: Any,
                                                     business: Business) -> None:
    page.goto(page.base + "/admin/login?lang=ja")
    page.screenshot(path=str(artifacts / "admin-login.png"))
    page.fill("#username", "hana")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "ユーザー名またはパスワードが違います。"
    sign_in(page)
    page.goto(page.base + f"/admin/contacts/{hostile['script']}")
    page.fill("#reason", "電話で申し出")
    page.check("input[name=confirm]")
    page.click("#opt-out button[type=submit]")
    page.wait_for_selector(".flash")
    assert gw.service.eligibility(business, "090-7777-0001", "offers").reason == "opted_out"
    page.click("form.logout button")
    page.wait_for_url(page.base + "/admin/login?out=1")
    assert page.dialogs == [] and page.problems == []
