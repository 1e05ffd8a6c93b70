"""A business's look on customer pages: its accent colour as a stylesheet, its logo file.

Pages run under a strict CSP (no inline style), so the colour travels as a small stylesheet
of its own (``/b/<slug>/brand.css``); text on the accent is black or white, whichever
contrasts more (WCAG relative luminance), so any colour a business picks stays readable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.core.business_settings import DEFAULT_ACCENT, accent, ink_on

__all__ = ["DEFAULT_ACCENT", "brand_css", "brand_version", "logo_file"]


def brand_css(settings: Mapping[str, Any]) -> str:
    """The stylesheet that gives customer pages the business's colour (empty: default)."""
    colour = accent(settings)
    if colour is None:
        return "/* default colours */\n"
    ink = ink_on(colour)
    return (f":root{{--brand:{colour};--brand-ink:{ink}}}\n"
            "button.primary,a.button.primary{background:var(--brand);color:var(--brand-ink)}\n"
            "button.primary:hover,a.button.primary:hover{background:var(--brand);"
            "filter:brightness(.92)}\n"
            ".brand-bar{border-bottom-color:var(--brand)}\n"
            ".consent{border-left-color:var(--brand)}\n")


def brand_version(settings: Mapping[str, Any]) -> str:
    """Changes whenever the colour or the logo does: pages link ``?v=`` to refresh caches."""
    key = f"{accent(settings)}|{settings.get('logo_path') or ''}"
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def logo_file(settings: Mapping[str, Any]) -> Path | None:
    """The business's logo (a PNG the placements service re-encoded), if it exists."""
    path = settings.get("logo_path")
    if isinstance(path, str) and path and Path(path).is_file():
        return Path(path)
    return None
