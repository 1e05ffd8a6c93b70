"""Fixtures of the placements tests; everything here runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image, ImageDraw

from gateway.core.codes import find_placement_code
from gateway.core.consent import Business, Capture, Recorded
from gateway.placements.model import Placement
from tests.conftest import PUBLIC_BASE, make_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path)


@pytest.fixture
def placement(gw: Any, business: Business) -> Placement:
    return gw.placements.create(business, kind="store", label="Shibuya store")


@pytest.fixture
def logo_file(tmp_path: Path) -> Path:
    """A colourful logo, wider than tall, with transparency."""
    img = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, 299, 199), radius=40, fill=(220, 30, 60, 255))
    draw.ellipse((90, 40, 210, 160), fill=(255, 200, 0, 255))
    path = tmp_path / "logo.png"
    img.save(path)
    return path


def decode(image: Image.Image | bytes) -> list[str]:
    """Every QR code zxing-cpp (an independent decoder) finds in the image."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return [r.text for r in zxingcpp.read_barcodes(image.convert("RGB"))
            if r.format == zxingcpp.BarcodeFormat.QRCode]


def scan_url(code: str) -> str:
    return f"{PUBLIC_BASE}/l/{code}?s=qr"


def follow(client: FlaskClient, url: str, **headers: str) -> tuple[str, str]:
    """Open a scanned URL like a phone: returns (wa.me digits, prefilled text)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_BASE
    res = client.get(f"{parts.path}?{parts.query}", headers=headers)
    assert res.status_code == 302, res.data[:300]
    target = urlsplit(res.headers["Location"])
    assert (target.scheme, target.netloc) == ("https", "wa.me")
    return target.path.strip("/"), parse_qs(target.query)["text"][0]


def chat_opt_in(gw: Any, business: Business, text: str, *, phone: str,
                first_message_at: datetime, conversation_ref: str,
                message_id: str) -> tuple[dict[str, Any] | None, Recorded]:
    """What the messaging area does: attribute the first message, then record the yes.

    The lead's signed-WhatsApp end-to-end test replaces this with a real webhook.
    """
    code = find_placement_code(text)
    found = gw.placements.attribution(business, code, first_message_at,
                                      conversation_ref=conversation_ref) if code else None
    evidence: dict[str, Any] = {"wamid": message_id, "body": "YES"}
    channel = "whatsapp"
    if found is not None:
        channel = found["channel"]
        evidence = {**found["evidence"], **evidence}
    recorded = gw.service.capture(Capture(
        business=business.slug, phone=phone, channel=channel, method="keyword",
        topics=("offers",), wording_kind="whatsapp", language="ja",
        occurred_at=first_message_at, idempotency_key=message_id, evidence=evidence),
        business)
    return found, recorded
