"""QR code images (PNG, SVG) and the printable A6 poster (PDF), with ``qrcode`` + Pillow.

Pure rendering: no Flask, no database. The URL to encode, the caption and the logo path
come from the caller; options from a request are validated by :func:`parse_options`.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from PIL import Image, ImageDraw, ImageOps
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from gateway.placements import fonts as qr_fonts
from gateway.placements.model import PlacementError

EC_LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q,
             "H": ERROR_CORRECT_H}
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 128, 2048, 512
QUIET = 4  # modules of white border the QR spec asks for
LOGO_SHARE = 0.22  # logo width / code width: ~5% of the area, well inside H's 30%
MAX_LOGO_PIXELS = 4096 * 4096
A6_300DPI = (1240, 1748)  # 105 x 148 mm at 300 dpi
BRAND = (18, 140, 126)  # WhatsApp teal: readable white text on it
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class QrOptions:
    """What a request may choose; everything bounded."""

    size: int = DEFAULT_SIZE
    ec: str = "M"
    logo: bool = False
    caption: bool = True
    lang: str = "en"

    @property
    def level(self) -> str:
        return "H" if self.logo else self.ec  # a logo hides modules: always the highest level


def _flag(args: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (args.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE | _FALSE:
        return raw in _TRUE
    raise PlacementError("bad_field", field=name, field_name=name, detail="use 1 or 0")


def parse_options(args: Mapping[str, str], *, lang: str, has_logo: bool) -> QrOptions:
    """``size`` (128-2048 px), ``ec`` (L/M/Q/H), ``logo``, ``caption`` (1/0), ``lang``."""
    raw_size = (args.get("size") or "").strip()
    size = DEFAULT_SIZE
    if raw_size:
        if not raw_size.isdigit() or not MIN_SIZE <= int(raw_size) <= MAX_SIZE:
            raise PlacementError("bad_field", field="size", field_name="size",
                                 detail=f"a whole number of pixels from {MIN_SIZE} to {MAX_SIZE}")
        size = int(raw_size)
    ec = (args.get("ec") or "M").strip().upper()
    if ec not in EC_LEVELS:
        raise PlacementError("bad_field", field="ec", field_name="ec",
                             detail="one of L, M, Q, H")
    logo = _flag(args, "logo", has_logo)
    if logo and not has_logo:
        raise PlacementError("bad_field", field="logo", field_name="logo",
                             detail="this business has no logo yet (upload one first)")
    return QrOptions(size, ec, logo, _flag(args, "caption", True), lang)


def matrix(url: str, level: str) -> list[list[bool]]:
    """The modules of the smallest QR code holding ``url`` at ``level``, no quiet zone."""
    code = qrcode.QRCode(error_correction=EC_LEVELS[level], border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _qr_image(modules: list[list[bool]], box: int) -> Image.Image:
    """The code with its quiet zone, ``box`` px a module, greyscale."""
    n = len(modules)
    small = Image.frombytes("L", (n, n), bytes(0 if dark else 255 for row in modules
                                                for dark in row))
    small = ImageOps.expand(small, QUIET, fill=255)
    return small.resize(((n + 2 * QUIET) * box,) * 2, Image.Resampling.NEAREST)


@functools.lru_cache(maxsize=16)
def _logo(path: str, _mtime: float) -> Image.Image:
    with Image.open(path) as img:
        if img.width * img.height > MAX_LOGO_PIXELS:
            raise ValueError("logo too large")
        return img.convert("RGBA")


def load_logo(path: str) -> Image.Image:
    """The logo as RGBA (cached until the file changes)."""
    return _logo(path, Path(path).stat().st_mtime)


def _paste_logo(canvas: Image.Image, logo: Image.Image, centre: tuple[int, int], width: int,
                pad: int) -> None:
    mark = logo.copy()
    mark.thumbnail((width, width), Image.Resampling.LANCZOS)
    side = max(mark.width, mark.height) + 2 * pad
    x0, y0 = centre[0] - side // 2, centre[1] - side // 2
    ImageDraw.Draw(canvas).rounded_rectangle((x0, y0, x0 + side, y0 + side), radius=pad,
                                             fill="white")
    canvas.paste(mark, (centre[0] - mark.width // 2, centre[1] - mark.height // 2), mark)


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy wrap: Latin words stay whole, CJK may break between any two characters."""
    lines: list[str] = []
    line = ""
    for token in re.findall(r"[A-Za-z0-9'’.,!?&@/:-]+|\s+|.", text):
        candidate = line + token
        if line.strip() and measure(candidate.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.strip())
    return lines


def caption_language(lang: str, caption: str) -> bool:
    """Whether a caption can be drawn as is (warns once when Japanese cannot)."""
    if qr_fonts.needs_cjk(caption) and not qr_fonts.has_cjk_font():
        qr_fonts.warn_no_cjk()
        return False
    return True


def render_png(url: str, opts: QrOptions, caption: str | None, logo_path: str | None) -> bytes:
    """A PNG ``opts.size`` px wide: the code, optional logo, optional caption below."""
    modules = matrix(url, opts.level)
    total = len(modules) + 2 * QUIET
    box = max(2, opts.size // total)
    code = _qr_image(modules, box)
    width = max(opts.size, code.width)
    lines: list[str] = []
    font = None
    if caption and opts.caption:
        font = qr_fonts.font(max(12, width // 22))
        lines = wrap(caption, width * 0.92, font.getlength)
    line_h = int(font.size * 1.35) if font is not None and hasattr(font, "size") else 0
    height = width + (len(lines) * line_h + line_h // 2 if lines else 0)
    mode = "RGB" if opts.logo else "L"
    canvas = Image.new(mode, (width, height), "white")
    offset = (width - code.width) // 2
    canvas.paste(code, (offset, offset))
    if opts.logo and logo_path:
        inner = len(modules) * box
        _paste_logo(canvas, load_logo(logo_path), (width // 2, width // 2),
                    int(inner * LOGO_SHARE), max(box, 2))
    if lines and font is not None:
        draw = ImageDraw.Draw(canvas)
        y = offset + code.height - box  # one module into the quiet zone, never on the code
        for line in lines:
            draw.text((width // 2, y), line, font=font, fill="black", anchor="ma")
            y += line_h
    out = io.BytesIO()
    canvas.save(out, "PNG", compress_level=6)
    return out.getvalue()


def render_svg(url: str, opts: QrOptions, caption: str | None, logo_path: str | None) -> bytes:
    """A scalable SVG: one path for the modules, optional embedded logo and caption text."""
    modules = matrix(url, opts.level)
    n = len(modules)
    total = n + 2 * QUIET
    runs: list[str] = []
    for y, row in enumerate(modules):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET} {y + QUIET}h{x - start}v1h-{x - start}z")
            x += 1
    font_px = 1.6  # caption size in module units
    lines: list[str] = []
    if caption and opts.caption:
        measure_font = qr_fonts.font(100)
        lines = wrap(caption, total * 0.92,
                     lambda s: measure_font.getlength(s) * font_px / 100)
    height = total + (len(lines) * font_px * 1.35 + font_px * 0.5 if lines else 0)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total} {height:g}" '
        f'width="{opts.size}" height="{round(opts.size * height / total)}" '
        'shape-rendering="crispEdges">',
        f'<rect width="{total}" height="{height:g}" fill="#fff"/>',
        f'<path fill="#000" d="{"".join(runs)}"/>',
    ]
    if opts.logo and logo_path:
        side = n * LOGO_SHARE
        mark = load_logo(logo_path).copy()
        mark.thumbnail((256, 256), Image.Resampling.LANCZOS)
        data = io.BytesIO()
        mark.save(data, "PNG")
        x0 = (total - side) / 2
        parts.append(f'<rect x="{x0 - 0.5:g}" y="{x0 - 0.5:g}" width="{side + 1:g}" '
                     f'height="{side + 1:g}" rx="0.6" fill="#fff"/>')
        parts.append(f'<image x="{x0:g}" y="{x0:g}" width="{side:g}" height="{side:g}" '
                     'preserveAspectRatio="xMidYMid meet" href="data:image/png;base64,'
                     f'{base64.b64encode(data.getvalue()).decode()}"/>')
    y = total - QUIET / 2 + font_px
    for line in lines:
        parts.append(f'<text x="{total / 2:g}" y="{y:.2f}" font-size="{font_px}" '
                     'text-anchor="middle" shape-rendering="auto" font-family="\'Noto Sans CJK '
                     'JP\', \'Hiragino Sans\', \'Yu Gothic\', Meiryo, sans-serif">'
                     f'{escape(line)}</text>')
        y += font_px * 1.35
    parts.append("</svg>")
    return "\n".join(parts).encode("utf-8")


@dataclass(frozen=True)
class PosterText:
    """Everything printed on the poster, already in the right language(s)."""

    name: str
    cta: list[str]  # call to action, one line per language
    how: list[str]
    consent: list[str]
    link_label: str
    short_link: str
    code: str


def render_poster(url: str, text: PosterText, logo_path: str | None,
                  created: datetime | None = None) -> bytes:
    """A one-page A6 PDF (300 dpi): name, call to action in ja+en, the code, the short link."""
    width, height = A6_300DPI
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    margin = 80
    inner = width - 2 * margin

    band = 250
    draw.rectangle((0, 0, width, band), fill=BRAND)
    title = qr_fonts.font(96, bold=True)
    name_lines = wrap(text.name, inner, title.getlength)[:2]
    size = 96 if len(name_lines) == 1 else 72
    title = qr_fonts.font(size, bold=True)
    y = band // 2 - (len(name_lines) * size * 1.2) / 2
    for line in name_lines:
        draw.text((width // 2, y), line, font=title, fill="white", anchor="ma")
        y += size * 1.2

    y = band + 50
    for i, line in enumerate(text.cta):
        f = qr_fonts.font(64 if i == 0 else 50, bold=True)
        for part in wrap(line, inner, f.getlength):
            draw.text((width // 2, y), part, font=f, fill=BRAND if i == 0 else "black",
                      anchor="ma")
            y += int(f.size * 1.3)

    note = qr_fonts.font(34)
    notes = [[part for line in block for part in wrap(line, inner, note.getlength)]
             for block in (text.how, text.consent)]
    footer = 56 + 80 + sum(len(b) * 44 + 14 for b in notes) + 60
    y += 16
    modules = matrix(url, "H" if logo_path else "Q")
    total = len(modules) + 2 * QUIET
    box = max(4, min(900 // total, int(height - y - footer) // total))
    code = _qr_image(modules, box)
    page.paste(code, ((width - code.width) // 2, int(y)))
    if logo_path:
        _paste_logo(page, load_logo(logo_path), (width // 2, int(y) + code.width // 2),
                    int(len(modules) * box * LOGO_SHARE), box)
    y += code.width

    small = qr_fonts.font(40)
    link = qr_fonts.font(46, bold=True)
    draw.text((width // 2, y), text.link_label, font=small, fill=(82, 96, 109), anchor="ma")
    y += 56
    draw.text((width // 2, y), text.short_link, font=link, fill="black", anchor="ma")
    y += 80
    for block in notes:
        for part in block:
            draw.text((width // 2, y), part, font=note, fill=(31, 41, 51), anchor="ma")
            y += 44
        y += 14
    tiny = qr_fonts.font(26)
    draw.text((width - 30, height - 24), text.code, font=tiny, fill=(150, 150, 150),
              anchor="rs")

    out = io.BytesIO()
    stamp = time.gmtime((created or datetime(2026, 1, 1, tzinfo=UTC)).timestamp())
    # Fixed dates keep the bytes stable for one placement (ETags, caches, tests).
    page.save(out, "PDF", resolution=300, quality=92, subsampling=0, title=f"{text.name} QR",
              creator="Opt-in Gateway", producer="Opt-in Gateway", creationDate=stamp,
              modDate=stamp)
    return out.getvalue()
