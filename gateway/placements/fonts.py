"""Fonts for QR captions and posters: a Japanese-capable font when the system has one.

Debian's ``fonts-noto-cjk`` (installed by ``.ci/run``) is looked for first, then any font
``fc-list :lang=ja`` knows. Without one, Japanese captions fall back to English (logged
once), since a caption in empty boxes would be worse than an English one.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger("gateway.qr")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

_CJK = {
    False: [("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
            ("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", 0),
            ("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", 0)],
    True: [("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 0)],
}
_LATIN = {
    False: ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"],
    True: ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
           "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"],
}


def _fc_list(pattern: str) -> list[tuple[str, int]]:
    """Fonts fontconfig says cover ``pattern`` (e.g. ``:lang=ja``), Sans ones first."""
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, "-f", "%{file}|%{index}|%{family}\n", pattern],  # noqa: S603
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found: list[tuple[str, int, str]] = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].isdigit():
            found.append((parts[0], int(parts[1]), parts[2]))
    found.sort(key=lambda f: ("Sans" not in f[2], "JP" not in f[2], f[0]))
    return [(path, index) for path, index, _ in found]


@functools.cache
def cjk_font_file(bold: bool = False) -> tuple[str, int] | None:
    """(path, face index) of a font with Japanese glyphs, or None."""
    candidates = [*_CJK[bold], *_CJK[False]] if bold else _CJK[False]
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    listed = _fc_list(":lang=ja:style=Bold" if bold else ":lang=ja") or _fc_list(":lang=ja")
    return listed[0] if listed else None


@functools.cache
def _latin_font_file(bold: bool) -> str | None:
    for path in _LATIN[bold] + _LATIN[False]:
        if Path(path).is_file():
            return path
    return None


@functools.cache
def warn_no_cjk() -> None:
    log.warning("no Japanese-capable font found (install fonts-noto-cjk, or any font that "
                "`fc-list :lang=ja` lists): QR captions and posters fall back to English")


def has_cjk_font() -> bool:
    return cjk_font_file() is not None


@functools.lru_cache(maxsize=64)
def font(size: int, *, bold: bool = False) -> Font:
    """A font of ``size`` px: Japanese-capable if there is one, else Latin, else Pillow's."""
    cjk = cjk_font_file(bold)
    if cjk is not None:
        return ImageFont.truetype(cjk[0], size, index=cjk[1])
    latin = _latin_font_file(bold)
    if latin is not None:
        return ImageFont.truetype(latin, size)
    return ImageFont.load_default(size)


def needs_cjk(text: str) -> bool:
    """True when ``text`` has characters a Latin font has no glyph for (kana, kanji...)."""
    return any(ord(c) > 0x2FFF for c in text)
