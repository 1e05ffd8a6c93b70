"""Customer pages that finish the job in human words: the next step after an opt-in, the
right question on the opt-out page, evidence with names, every country named."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.core.consent import Business
from gateway.proof.evidence_labels import evidence_label, labelled
from gateway.web.rules import country_choices
from tests.web.conftest import FormClient

ROOT = Path(__file__).resolve().parents[2]
RULE_CODE = re.compile(r"\bR\d{1,2}\b")


@pytest.mark.parametrize(("lang", "button", "hello"), [
    ("en", "Open WhatsApp", "Hello Sakura Coffee"), ("ja", "WhatsApp を開く", "こんにちは")])
def test_after_an_opt_in_the_page_offers_to_open_whatsapp(optin_form: FormClient, lang: str,
                                                           button: str, hello: str) -> None:
    response = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"]},
                                 query=f"?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="open-whatsapp"' in html
    link = re.search(r'<a class="button wa" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link and link.group(2) == button
    url = urlsplit(link.group(1).replace("&amp;", "&"))
    assert (url.scheme, url.netloc, url.path) == ("https", "wa.me", "/81345678901")
    assert hello in parse_qs(url.query)["text"][0]


def test_the_opt_out_page_asks_what_to_stop(client: Any, business: Business) -> None:
    en = client.get("/b/demo/optout?lang=en").get_data(as_text=True)
    ja = client.get("/b/demo/optout?lang=ja").get_data(as_text=True)
    assert "Which messages do you want to stop?" in en and "Which messages do you want?" not in en
    assert "停止したいメッセージ" in ja


def test_evidence_keys_have_names_in_both_languages() -> None:
    assert evidence_label("user_agent", "en") == "Browser"
    assert evidence_label("user_agent", "ja") == "ブラウザ"
    assert evidence_label("delivery_note", "en") == "Delivery note"  # unknown: words
    assert labelled({"scope": {"applies_to": "sender", "sender": None}, "order_id": "7"},
                    "en") == [("Order number", "7"), ("Opt-out scope · Applies to", "sender")]


def test_people_never_read_rule_codes_or_raw_keys(client: Any, business: Business) -> None:
    texts = [p for p in (ROOT / "gateway").rglob("texts*.py")]
    for path in texts:
        for line in path.read_text().splitlines():
            if line.strip().startswith("#") or '"""' in line:
                continue
            assert not RULE_CODE.search(line), f"{path.name}: {line.strip()}"
    for page in ("/b/demo/optin?lang=en", "/b/demo/optin?lang=ja", "/b/demo/optout?lang=en"):
        html = client.get(page).get_data(as_text=True)
        assert not RULE_CODE.search(re.sub(r"<[^>]+>", " ", html)), page


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_country_has_a_name(lang: str) -> None:
    unnamed = [label for code, label in country_choices(lang, "JP")
               if label.startswith(f"{code} (")]
    assert unnamed == []


def test_the_receipt_names_evidence_shows_the_logo_and_breaks_only_hashes(
        client: Any, gw: Any, business: Business, auth: dict[str, str],
        optin_form: FormClient) -> None:
    optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"]},
                      headers={"User-Agent": "Mozilla/5.0 test"})
    from PIL import Image

    logo = Path(gw.settings.instance_path) / "logo-src.png"
    logo.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 20), (200, 30, 30)).save(logo)
    gw.placements.set_logo(business, logo.read_bytes())
    gw.store.cache.clear()
    html = client.get("/api/v1/contacts/+819012345678/receipt?format=html&lang=en",
                      headers=auth).get_data(as_text=True)
    assert "<dt>Browser</dt>" in html and "<dt>user_agent</dt>" not in html
    assert 'class="brand-logo" src="data:image/png;base64,' in html  # prints offline too
    assert "word-break: break-all" in html.split("code.hash")[1].split("}")[0]
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', html)
    ja = client.get("/api/v1/contacts/+819012345678/receipt?format=html&lang=ja",
                    headers=auth).get_data(as_text=True)
    assert "<dt>ブラウザ</dt>" in ja
