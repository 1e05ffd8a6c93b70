"""Every page a customer or staff member reads, in Debian's Chromium, at a 390 px phone width
and at desktop width, in Japanese and English: no horizontal scrolling, no button text cut
or broken inside a word, and a screenshot of each in test-artifacts/pages/.

The business has a logo and an accent colour, as a real one would; the widget runs on a
shop page of another origin with a strict CSP.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from gateway.admin.demo_data import seed_demo
from gateway.core.consent import Business
from tests.admin.conftest import PASSWORD, make_staff
from tests.browser import NEEDS_CHROMIUM, chromium
from tests.conftest import make_url
from tests.web.conftest import Live
from tests.web.test_browser import host_site

pytestmark = NEEDS_CHROMIUM
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
LANGS = ("ja", "en")

# Lines inside a button may break only after a space or a Japanese/Western punctuation mark.
LAYOUT_PROBE = """(root) => {
  const doc = root || document;
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  const bad = [];
  const buttons = doc.querySelectorAll('button, a.button, a.btn, .act, input[type=submit]');
  for (const el of buttons) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible')
      bad.push('cut: ' + el.textContent.trim());
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let prevTop = null, prev = '', node;
    while ((node = walker.nextNode())) {
      const text = node.textContent;
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        const rects = range.getClientRects();
        if (!rects.length) continue;
        const top = rects[0].top, ch = text[i];
        if (prevTop !== null && top > prevTop + 4 && !/\\s/.test(ch) &&
            !/[\\s、。・，）」』!?.,:;\\-–—\\/]/.test(prev))
          bad.push('broken: ' + el.textContent.trim().replace(/\\s+/g, ' '));
        prevTop = top; prev = ch;
      }
    }
  }
  const wide = overflow > 1 ? [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => !e.closest('.table-wrap'))
    .slice(-3).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))
    : [];
  return {overflow, bad: [...new Set(bad)], wide};
}"""


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield from make_url("sqlite", tmp_path)  # the layout does not depend on the store


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": True, "PUBLIC_BASE_URL": "http://127.0.0.1",
            "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def branded(gw: Any, business: Business) -> Business:
    """The demo data, a logo and a deep accent colour, a double opt-in twin, a staff login."""
    seed_demo(gw, business)
    out = io.BytesIO()
    Image.new("RGB", (160, 80), (107, 62, 38)).save(out, "PNG")
    gw.placements.set_logo(business, out.getvalue())
    gw.store.cache.clear()
    settings = {k: v for k, v in gw.store.get_business("demo").settings.items()
                if k not in ("twilio_numbers", "meta_phone_number_id")}
    make_staff(gw, "hana")
    return gw.store.update_business("demo", settings={**settings, "accent": "#6b3e26"})


@pytest.fixture
def servers(app: Flask, gw: Any, branded: Business) -> Iterator[tuple[str, str]]:
    gateway = Live(app)
    base = f"http://127.0.0.1:{gateway.port}"
    shop = Live(host_site(base))
    shop_origin = f"http://localhost:{shop.port}"
    settings = dict(gw.store.get_business("demo").settings)
    settings = {k: v for k, v in settings.items()
                if k not in ("twilio_numbers", "meta_phone_number_id")}
    gw.store.update_business("demo", settings={**settings, "frame_ancestors": [shop_origin]})
    try:
        yield base, shop_origin
    finally:
        shop.stop()
        gateway.stop()


def check(page: Any, name: str, artifacts: Path, root: Any = None) -> None:
    folder = artifacts / "pages"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    found = page.evaluate(LAYOUT_PROBE, root)
    assert found["overflow"] <= 1, \
        f"{name}: {found['overflow']} px of horizontal scrolling, from {found['wide']}"
    assert found["bad"] == [], f"{name}: {found['bad']}"


def sign_in(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/admin/login?lang={lang}")
    page.fill("#username", "hana")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_customer_and_staff_pages_fit_every_width_in_both_languages(
        servers: tuple[str, str], gw: Any, width: str, artifacts: Path) -> None:
    base, shop = servers
    w, h = WIDTHS[width]
    with chromium() as browser:
        for lang in LANGS:
            context = browser.new_context(viewport={"width": w, "height": h},
                                          locale="ja-JP" if lang == "ja" else "en-US")
            page = context.new_page()
            page.set_default_timeout(15000)
            tag = f"{lang}-{width}"

            page.goto(f"{base}/b/demo/optin?lang={lang}")
            assert page.locator('[data-testid="brand"] img.brand-logo').is_visible()
            check(page, f"optin-{tag}", artifacts)
            page.locator("#phone").fill("090-4444-" + ("0001" if lang == "ja" else "0002"))
            page.locator('input[value="offers"]').check()
            page.locator("button.primary").click()
            page.locator('[data-testid="open-whatsapp"]').wait_for()
            check(page, f"thanks-{tag}", artifacts)

            page.goto(f"{base}/b/demo/optout?lang={lang}")
            check(page, f"optout-{tag}", artifacts)

            page.goto(f"{shop}/shop{'-ja' if lang == 'ja' else ''}.html")
            page.locator("optin-gateway-widget >> button.fab").click()
            panel = page.locator("optin-gateway-widget >> #ogw-panel")
            panel.wait_for(state="visible")
            check(page, f"widget-{tag}", artifacts,
                  page.locator("optin-gateway-widget").evaluate_handle("h => h.shadowRoot"))

            sign_in(page, base, lang)
            for path in ("/admin/", "/admin/contacts", "/admin/settings", "/admin/imports",
                         "/admin/placements", "/admin/sources"):
                page.goto(f"{base}{path}?lang={lang}")
                name = path.strip("/").replace("/", "-") or "admin"
                check(page, f"{name}-{tag}", artifacts)
            page.goto(f"{base}/admin/contacts?lang={lang}")
            page.locator('table[data-testid="contacts"] a').first.click()
            check(page, f"contact-{tag}", artifacts)
            receipt = page.locator('a[href*="/receipt"]').first
            page.goto(base + receipt.get_attribute("href"))
            check(page, f"receipt-{tag}", artifacts)
            context.close()
