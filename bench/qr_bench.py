"""QR images per second: PNG with and without logo, SVG, A6 poster PDF; then cached via HTTP.

    .venv/bin/python bench/qr_bench.py [--seconds 3]

Renders are uncached (each call draws the code again); the last line measures what a
printer or a browser gets from ``/l/<code>/qr.png`` once the image is in the LRU cache.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.placements import fonts as qr_fonts  # noqa: E402
from gateway.placements import qr  # noqa: E402
from gateway.placements.qr import PosterText  # noqa: E402
from gateway.placements.texts import CAPTION  # noqa: E402

URL = "https://gateway.example.test/l/K7Q2ZPAB?s=qr"
NAME = "Sakura Coffee"


def rate(label: str, fn: Callable[[], bytes], seconds: float) -> None:
    fn()  # warm up: fonts, logo
    n, size = 0, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        size = len(fn())
        n += 1
    elapsed = time.perf_counter() - start
    print(f"{label:<36} {n / elapsed:8.1f} per s   {1000 * elapsed / n:7.2f} ms each"
          f"   {size / 1024:7.1f} KiB")


def logo(folder: Path) -> str:
    img = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, 299, 199), radius=40, fill=(220, 30, 60, 255))
    draw.ellipse((90, 40, 210, 160), fill=(255, 200, 0, 255))
    path = folder / "logo.png"
    img.save(path)
    return str(path)


def cached_http(seconds: float, folder: Path) -> None:
    from gateway.app import create_app
    from gateway.cli import setup_business

    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "SECRET_KEY": "b",
                      "SUBJECT_KEY": "b", "INSTANCE_PATH": str(folder / "instance"),
                      "PUBLIC_BASE_URL": "https://gateway.example.test"})
    gw = app.extensions["gateway"]
    gw.db.upgrade()
    business = setup_business(gw.store, slug="demo", name=NAME, whatsapp="+81345678901",
                              country="JP", languages=("ja", "en"))
    code = gw.placements.create(business, kind="store", label="bench").code
    client = app.test_client()
    rate("GET /l/<code>/qr.png (cached)", lambda: client.get(f"/l/{code}/qr.png").data,
         seconds)
    rate("GET /l/<code> (302 + hit recorded)", lambda: client.get(f"/l/{code}?s=qr").data,
         seconds)
    gw.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        logo_path = logo(folder)
        ja = CAPTION["ja"].format(name=NAME)
        print(f"Japanese font: {qr_fonts.cjk_font_file() or 'none (English captions)'}")
        for size in (256, 512, 1024):
            rate(f"PNG {size}px, caption", lambda s=size: qr.render_png(
                URL, qr.QrOptions(size=s, lang="ja"), ja, None), args.seconds)
        rate("PNG 512px, caption + logo", lambda: qr.render_png(
            URL, qr.QrOptions(size=512, logo=True, lang="ja"), ja, logo_path), args.seconds)
        rate("SVG, caption", lambda: qr.render_svg(
            URL, qr.QrOptions(lang="ja"), ja, None), args.seconds)
        rate("SVG, caption + logo", lambda: qr.render_svg(
            URL, qr.QrOptions(logo=True, lang="ja"), ja, logo_path), args.seconds)
        text = PosterText(NAME, ["WhatsApp でお気軽にチャット", "Chat with us on WhatsApp"],
                          ["カメラで読み取るとチャットが開きます。", "Point your camera at the code."],
                          ["「停止」でいつでも止められます。", "Reply STOP at any time."],
                          "またはこちら： / or open:", "gateway.example.test/l/K7Q2ZPAB",
                          "K7Q2ZPAB")
        rate("A6 poster PDF (300 dpi) + logo", lambda: qr.render_poster(
            URL, text, logo_path), args.seconds)
        img = Image.open(io.BytesIO(qr.render_png(URL, qr.QrOptions(), ja, None)))
        assert img.width == 512
        cached_http(args.seconds, folder)


if __name__ == "__main__":
    main()
