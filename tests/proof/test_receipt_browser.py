"""The printable receipt in a real headless Chromium: nothing hostile runs; it prints to PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.browser import NEEDS_CHROMIUM, chromium
from tests.proof.conftest import PHONE, opt_in

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    # Rendering does not depend on the database; one run is enough.
    yield f"sqlite:///{tmp_path / 'store.db'}"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_receipt_renders_prints_and_runs_no_injected_script(
        client: FlaskClient, auth: dict[str, str], gw: Any, business: Any, artifacts: Path,
        lang: str) -> None:

    hostile = gw.store.add_wording(
        business.id, "web_form", "ja",
        "Sakura Coffee の WhatsApp お知らせ <img src=x onerror=alert('wording')> に同意します")
    opt_in(client, auth, "web_form", wording_id=hostile.id,
           name="<script>alert('name')</script>",
           evidence={"page_url": "https://sakura.example/join?<svg onload=alert(3)>",
                     "pre_ticked": False, "user_agent": "Mozilla/5.0"})
    opt_in(client, auth, "checkout", occurred_at="2026-11-10T12:30:00+09:00")
    opt_in(client, auth, "paper", occurred_at="2026-11-12T15:00:00+09:00")
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    client.post("/api/v1/opt-outs", headers=auth, json={"phone": PHONE, "topics": ["newsletter"]})
    page_html = client.get(f"/api/v1/contacts/{PHONE}/receipt?format=html&lang={lang}"
                           "&copy=customer", headers=auth).get_data(as_text=True)

    dialogs: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.set_content(page_html, wait_until="load")
        page.wait_for_timeout(200)
        assert dialogs == []
        assert page.locator("article.event").count() == 4
        assert "<script>alert('name')</script>" in page.locator("dd.name").inner_text()
        assert page.locator("blockquote.wording", has_text="onerror=alert").count() == 1
        assert page.locator("img").count() == 0
        page.screenshot(path=str(artifacts / f"receipt-{lang}.png"), full_page=True)
        page.emulate_media(media="print")
        assert page.locator("button.print").is_hidden()
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        (artifacts / f"receipt-{lang}.pdf").write_bytes(pdf)
