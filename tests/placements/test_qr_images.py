"""Every generated QR code decodes (zxing-cpp) to exactly the tracked URL, and leads to wa.me."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from flask.testing import FlaskClient
from PIL import Image, ImageChops

from gateway.core.codes import find_placement_code
from gateway.core.consent import Business
from gateway.placements import fonts as qr_fonts
from gateway.placements import qr
from gateway.placements.model import Placement
from tests.browser import CHROMIUM, chromium
from tests.placements.conftest import decode, follow, scan_url

SIZES = (128, 200, 256, 512, 1024, 2048)


def rasterise_pdf(pdf: bytes, dpi: int) -> Image.Image:
    """Render page 1 of a PDF with PDFium (a real PDF renderer, not the image we embedded)."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        assert len(doc) == 1
        return doc[0].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        doc.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("with_logo", [False, True], ids=["plain", "logo"])
def test_png_decodes_to_the_tracked_url(client: FlaskClient, placement: Placement,
                                        gw: Any, business: Business, logo_file: Path,
                                        size: int, with_logo: bool) -> None:
    if with_logo:
        gw.placements.set_logo(business, logo_file.read_bytes())
    res = client.get(f"/l/{placement.code}/qr.png?size={size}&logo={int(with_logo)}")
    assert res.status_code == 200 and res.mimetype == "image/png"
    img = Image.open(io.BytesIO(res.data))
    assert img.width == size or (size < 200 and img.width >= size)
    assert decode(img) == [scan_url(placement.code)]
    if with_logo:  # the logo's red is really there, in the middle
        px = img.convert("RGB").getpixel((img.width // 2, img.width // 2))
        assert px[0] > 150 and px[2] < 120, px


@pytest.mark.parametrize("ec", ["L", "M", "Q", "H"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_error_correction_and_caption_language_decodes(
        client: FlaskClient, placement: Placement, ec: str, lang: str) -> None:
    res = client.get(f"/l/{placement.code}/qr.png?size=400&ec={ec}&lang={lang}")
    assert res.status_code == 200
    assert decode(res.data) == [scan_url(placement.code)]


def test_scanning_the_png_lands_in_a_whatsapp_chat_with_the_code(
        client: FlaskClient, placement: Placement, business: Business) -> None:
    """Scan → /l/CODE?s=qr → wa.me/<business number> with ref:CODE in the draft."""
    (url,) = decode(client.get(f"/l/{placement.code}/qr.png").data)
    digits, text = follow(client, url, **{"Accept-Language": "ja-JP,ja;q=0.9"})
    assert digits == business.whatsapp_number.lstrip("+")
    assert find_placement_code(text) == placement.code
    assert business.name in text and "こんにちは" in text
    funnel = client.application.extensions["gateway"].placements.funnel(business)[0]
    assert (funnel.scans, funnel.clicks) == (1, 0)


@pytest.fixture(params=["system font", "no font installed"])
def caption_font(request: pytest.FixtureRequest,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The machine's fonts, or none at all (Pillow's own, as on a bare machine)."""
    if request.param == "no font installed":
        monkeypatch.setattr(qr_fonts, "cjk_font_file", lambda bold=False: None)
        monkeypatch.setattr(qr_fonts, "_latin_font_file", lambda bold: None)
    qr_fonts.font.cache_clear()
    yield request.param
    qr_fonts.font.cache_clear()


def test_caption_is_drawn_under_the_code(placement: Placement, caption_font: str) -> None:
    url = scan_url(placement.code)
    opts = qr.QrOptions(size=512, lang="en")
    with_caption = Image.open(io.BytesIO(qr.render_png(url, opts, "Scan to chat", None)))
    without = Image.open(io.BytesIO(qr.render_png(
        url, qr.QrOptions(size=512, caption=False), "Scan to chat", None)))
    assert without.size == (512, 512) and with_caption.height > 540
    # Where the caption goes depends on the font's metrics (the quiet zone or the strip
    # added below): compare with the bare code on a canvas of the captioned size.
    canvas = Image.new("L", with_caption.size, 255)
    canvas.paste(without.convert("L"))
    drawn = ImageChops.difference(with_caption.convert("L"), canvas).getbbox()
    assert drawn is not None and drawn[1] > 512 * 0.85  # text below the code, not on it
    text = with_caption.convert("L").crop(drawn)
    assert text.getextrema()[0] < 100  # dark pixels: text was drawn
    assert decode(with_caption) == [url]


@pytest.mark.skipif(not qr_fonts.has_cjk_font(), reason="no Japanese font (fonts-noto-cjk)")
def test_japanese_caption_uses_a_font_with_japanese_glyphs(gw: Any, business: Business) -> None:
    font = qr_fonts.font(40)
    # A font without the glyph draws the same .notdef box for every kana; this one does not.
    masks = {ch: bytes(font.getmask(ch)) for ch in "スキャチ"}
    assert len(set(masks.values())) == 4
    assert "スキャンして" in gw.placements.caption(business, "ja")


def test_without_a_japanese_font_the_caption_falls_back_to_english(
        gw: Any, business: Business, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(qr_fonts, "cjk_font_file", lambda bold=False: None)
    qr_fonts.warn_no_cjk.cache_clear()
    with caplog.at_level(logging.WARNING, logger="gateway.qr"):
        caption = gw.placements.caption(business, "ja")
    assert caption == "Scan to chat with Sakura Coffee on WhatsApp"
    assert "fonts-noto-cjk" in caplog.text
    qr_fonts.warn_no_cjk.cache_clear()


@pytest.mark.parametrize("with_logo", [False, True], ids=["plain", "logo"])
def test_poster_pdf_rasterised_decodes(client: FlaskClient, placement: Placement, gw: Any,
                                       business: Business, logo_file: Path,
                                       with_logo: bool, artifacts: Path) -> None:
    if with_logo:
        gw.placements.set_logo(business, logo_file.read_bytes())
    res = client.get(f"/l/{placement.code}/poster.pdf")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    assert res.data.startswith(b"%PDF")
    page = rasterise_pdf(res.data, 150)
    # A6 portrait: 105 x 148 mm
    assert abs(page.width / page.height - 105 / 148) < 0.01
    assert decode(page) == [scan_url(placement.code)]
    page.save(artifacts / f"placement-poster-{'logo' if with_logo else 'plain'}.png")
    if shutil.which("pdftoppm"):  # poppler too, where installed
        out = Path(artifacts) / "poster-poppler"
        pdf = out.with_suffix(".pdf")
        pdf.write_bytes(res.data)
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(out)],
                       check=True)
        assert decode(Image.open(out.with_suffix(".png"))) == [scan_url(placement.code)]


def test_poster_names_the_business_and_the_short_link(gw: Any, business: Business,
                                                      placement: Placement) -> None:
    text = gw.placements.poster_text(placement, business)
    assert text.name == "Sakura Coffee"
    assert text.short_link == f"gateway.example.test/l/{placement.code}"
    if qr_fonts.has_cjk_font():
        assert text.cta == ["WhatsApp でお気軽にチャット", "Chat with us on WhatsApp"]


def test_svg_is_well_formed_and_escapes_the_name(placement: Placement, logo_file: Path) -> None:
    import xml.etree.ElementTree as ET

    svg = qr.render_svg(scan_url(placement.code), qr.QrOptions(size=300, logo=True),
                        "Scan to chat with <Tom & Jerry's> on WhatsApp", str(logo_file))
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag.endswith("svg") and root.get("width") == "300"
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "<Tom & Jerry's>" in texts


@pytest.mark.browser
@pytest.mark.parametrize("with_logo", [False, True], ids=["plain", "logo"])
def test_svg_rendered_by_chromium_decodes(client: FlaskClient, placement: Placement, gw: Any,
                                          business: Business, logo_file: Path,
                                          with_logo: bool, artifacts: Path) -> None:
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed")
    if with_logo:
        gw.placements.set_logo(business, logo_file.read_bytes())
    res = client.get(f"/l/{placement.code}/qr.svg?size=480&logo={int(with_logo)}&lang=ja")
    assert res.status_code == 200 and res.mimetype == "image/svg+xml"
    svg_file = artifacts / f"placement-{'logo' if with_logo else 'plain'}.svg"
    svg_file.write_bytes(res.data)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 600, "height": 700})
        page.goto(svg_file.as_uri())
        shot = page.screenshot()
    assert decode(shot) == [scan_url(placement.code)]
