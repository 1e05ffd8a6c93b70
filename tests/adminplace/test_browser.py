"""Placements & QR in a real headless Chromium: create, QR image decodes, charts, copy, retire.

The harness of tests/browser.py: werkzeug serves the app in a thread, the
browser signs in through the form with real CSRF tokens. Screenshots go to
test-artifacts/admin-placements.png and admin-placement.png.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gateway.admin.demo_data import seed_demo
from gateway.core.consent import Business
from tests.admin.conftest import make_staff
from tests.admin.test_browser import painted, server, sign_in  # noqa: F401
from tests.browser import NEEDS_CHROMIUM, watched_page
from tests.conftest import make_url
from tests.placements.conftest import chat_opt_in, decode

pytestmark = NEEDS_CHROMIUM
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield from make_url("sqlite", tmp_path)  # one database is enough for the browser


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": True, "PUBLIC_BASE_URL": "http://127.0.0.1"}


@pytest.fixture
def shop(gw: Any, business: Business, server: str) -> str:  # noqa: F811
    """Demo data (placements included), a staff user, and codes that point at this server."""
    seed_demo(gw, business)
    make_staff(gw, "hana")
    gw.placements.public_base_url = server
    return server


@pytest.fixture
def page(shop: str) -> Iterator[Any]:
    with watched_page(shop, permissions=("clipboard-read", "clipboard-write")) as pg:
        yield pg


def image_loaded(page: Any, selector: str) -> int:
    page.wait_for_function("s => { const i = document.querySelector(s); return i && i.complete; }",
                           arg=selector)
    return int(page.eval_on_selector(selector, "i => i.naturalWidth"))


def test_create_a_placement_and_use_its_qr_code(page: Any, gw: Any, business: Business,
                                                artifacts: Path) -> None:
    sign_in(page)
    page.click("nav[aria-label=Main] >> text=Placements & QR")
    page.wait_for_url(page.base + "/admin/placements")
    for chart in ("#chart-by-placement", "#chart-funnel"):
        page.wait_for_selector(f"canvas{chart}[data-rendered=true]")
        assert painted(page, chart) > 2000, chart
    ad = page.locator("tr[data-code=AUTM6H2W]")
    assert "Autumn sale ad (Instagram)" in ad.inner_text()
    funnel = gw.placements.funnel(business, "AUTM6H2W")[0]
    assert ad.locator("[data-col=opt_ins]").inner_text() == str(funnel.opt_ins) != "0"
    assert page.locator("tr[data-code=SMMR5P3K] .pill").inner_text() == "Retired"
    page.screenshot(path=str(artifacts / "admin-placements.png"), full_page=True)

    # create
    page.get_by_test_id("new-placement").click()
    page.wait_for_url(page.base + "/admin/placements/new")
    page.fill("#label", "Omotesando pop-up stand")
    page.select_option("#kind", "event")
    page.select_option("#topic", "offers")
    page.fill("#message_en", "Hi Sakura Coffee! I'm at your pop-up stand.")
    page.screenshot(path=str(artifacts / "admin-placement-new.png"), full_page=True)
    page.get_by_test_id("create-placement").click()
    page.wait_for_selector("[data-testid=qr-image]")
    code = page.url.rsplit("/", 1)[1]
    made = gw.placements.get(business, code)
    assert (made.label, made.kind, made.topic) == ("Omotesando pop-up stand", "event", "offers")
    assert f"Placement {code} created" in page.locator(".flash").inner_text()
    link = page.get_by_test_id("tracked-link").inner_text()
    assert link == f"{page.base}/l/{code}"
    assert page.get_by_test_id("message-en").inner_text() == \
        f"Hi Sakura Coffee! I'm at your pop-up stand. (ref:{code})"

    # the QR image loads and decodes (from the pixels on screen) to the tracked URL
    assert image_loaded(page, "[data-testid=qr-image]") >= 512
    shot = Image.open(io.BytesIO(page.get_by_test_id("qr-image").screenshot()))
    qr_url = page.get_by_test_id("qr-url").inner_text()
    assert decode(shot) == [qr_url] == [f"{page.base}/l/{code}?s=qr"]

    # downloads: PNG at the chosen size, SVG, A6 poster
    page.locator("details.qr-options summary").click()
    page.select_option("#qr-size", "1024")  # auto-submits the options form
    page.wait_for_url(f"**/admin/placements/{code}?*size=1024*")
    page.locator(".qr-card").screenshot(path=str(artifacts / "admin-placement-qr.png"))
    href = page.get_by_test_id("download-png").get_attribute("href")
    png = page.request.get(page.base + href)
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.body())).width == 1024
    assert decode(png.body()) == [qr_url]
    svg = page.request.get(page.base + page.get_by_test_id("download-svg").get_attribute("href"))
    assert svg.status == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    pdf = page.request.get(page.base + page.get_by_test_id("download-poster")
                           .get_attribute("href"))
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"

    # the copy button puts the tracked link on the clipboard and says so
    page.get_by_test_id("copy-link").click()
    page.wait_for_selector("[data-testid=copy-link].copied")
    assert page.evaluate("navigator.clipboard.readText()") == link

    # people scan the code: the scans, chats and opt-ins show in its funnel
    phone_ua = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)"}
    for _ in range(4):  # (Playwright's own user agent says "Headless": a bot, not counted)
        res = page.request.get(qr_url, max_redirects=0, headers=phone_ua)
        assert res.status == 302 and res.headers["location"].startswith("https://wa.me/")
    now = datetime.now(UTC)
    for n in range(2):
        chat_opt_in(gw, business, made.messages["ja"], phone=f"+81905550{n:04d}",
                    first_message_at=now, conversation_ref=f"pop-{n}", message_id=f"wamid.p{n}")
    page.goto(f"{page.base}/admin/placements/{code}")
    page.wait_for_selector("canvas#chart-funnel[data-rendered=true]")
    assert painted(page, "#chart-funnel") > 2000
    steps = {s: page.locator(f"[data-step={s}]").inner_text()
             for s in ("visits", "chats", "opt_ins", "opt_outs")}
    assert steps == {"visits": "4", "chats": "2", "opt_ins": "2", "opt_outs": "0"}
    assert image_loaded(page, "[data-testid=qr-image]") > 0
    page.screenshot(path=str(artifacts / "admin-placement.png"), full_page=True)

    # retire, with its confirm step
    page.get_by_test_id("retire-submit").click()  # the box is not ticked: the browser refuses
    page.check("#retire-confirm")
    page.get_by_test_id("retire-submit").click()
    page.wait_for_selector("[data-testid=retired-note]")
    assert page.get_by_test_id("placement-status").inner_text() == "Retired"
    assert page.request.get(link, max_redirects=0).status == 410
    page.goto(page.base + "/admin/placements?lang=ja")
    page.wait_for_selector("canvas#chart-funnel[data-rendered=true]")
    assert page.locator("h1").inner_text() == "設置場所・QR"
    page.screenshot(path=str(artifacts / "admin-placements-ja.png"), full_page=True)
    assert page.dialogs == [] and page.problems == []


def test_crafted_label_stays_text_in_the_browser(page: Any, gw: Any, business: Business,
                                                 artifacts: Path) -> None:
    made = gw.placements.create(business, kind="other", label=HOSTILE)
    sign_in(page)
    page.goto(page.base + "/admin/placements")
    page.wait_for_selector("canvas#chart-by-placement[data-rendered=true]")
    assert page.locator(f'tr[data-code="{made.code}"] [data-testid=placement-link]'
                        ).inner_text() == HOSTILE
    page.goto(f"{page.base}/admin/placements/{made.code}")
    assert page.get_by_test_id("placement-label").inner_text() == HOSTILE
    assert image_loaded(page, "[data-testid=qr-image]") > 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert page.dialogs == [] and page.problems == []
