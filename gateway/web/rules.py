"""Pure rules of the web channel: wa.me links, framing policy, countries, evidence URLs.

No Flask and no SQL here (tests/architecture/), so the rules are testable alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

import phonenumbers

from gateway.core.business_settings import ORIGIN as _ORIGIN
from gateway.core.consent import Business
from gateway.core.limits import text_problem
from gateway.core.phones import wa_digits

MAX_URL = 2000


def wa_me_url(e164: str, text: str) -> str:
    """``https://wa.me/<digits>?text=…``: the only kind of link the web channel sends people to."""
    return f"https://wa.me/{wa_digits(e164)}?text={quote(text, safe='')}"


def page_language(wanted: str, business: Business) -> str:
    """The page language: the visitor's choice if the business has wordings in it."""
    return wanted if wanted in business.languages else business.languages[0]


def allowed_origins(settings: Mapping[str, Any]) -> list[str]:
    """Valid origins from ``settings["frame_ancestors"]`` (a list or a space-separated string)."""
    raw = settings.get("frame_ancestors") or []
    items: Iterable[Any] = raw.split() if isinstance(raw, str) else raw
    return [str(o).rstrip("/") for o in items if isinstance(o, str) and
            _ORIGIN.match(o.rstrip("/"))]


def is_origin(value: str) -> bool:
    """Whether ``value`` is an origin accepted for ``frame_ancestors``."""
    return bool(_ORIGIN.match(value.rstrip("/")))


def origin_allowed(origin: str | None, settings: Mapping[str, Any]) -> bool:
    """Whether a page of ``origin`` may frame the widget form (``*.`` covers subdomains)."""
    if not origin:
        return False
    origin = origin.rstrip("/").lower()
    scheme, _, rest = origin.partition("://")
    for allowed in allowed_origins(settings):
        allowed = allowed.lower()
        if allowed == origin:
            return True
        a_scheme, _, a_rest = allowed.partition("://")
        if a_rest.startswith("*.") and a_scheme == scheme and rest.endswith(a_rest[1:]):
            return True
    return False


def widget_csp(settings: Mapping[str, Any]) -> str:
    """The widget page's CSP: only its own resources, framed only by the listed origins."""
    ancestors = " ".join(["'self'", *allowed_origins(settings)])
    return ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            f"base-uri 'none'; frame-ancestors {ancestors}")


# Hosted pages: framing is refused by the app-wide "X-Frame-Options: DENY".
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "base-uri 'none'")


def evidence_url(value: str | None) -> str | None:
    """An http(s) URL kept as evidence, or None for anything else (or absurdly long)."""
    if not value or len(value) > MAX_URL or text_problem(value, MAX_URL):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


# Regions the geocoding table names in no language.
MISSING_NAMES = {
    "AC": {"en": "Ascension Island", "ja": "アセンション島"},
    "TA": {"en": "Tristan da Cunha", "ja": "トリスタン・ダ・クーニャ"},
    "XK": {"en": "Kosovo", "ja": "コソボ"},
}


@lru_cache(maxsize=4)
def _countries(lang: str) -> tuple[tuple[str, str], ...]:
    # Imported here, not at the top: the package behind it loads the whole geocoding table
    # (~100 MB of memory), which only processes that draw the country list should pay.
    from phonenumbers.geodata.locale import LOCALE_DATA

    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        names = MISSING_NAMES.get(region) or LOCALE_DATA.get(region, {})
        name = names.get(lang) or names.get("en") or region
        while name.startswith("*"):  # "*aa": same as another language's entry
            name = names.get(name[1:], region)
        code = phonenumbers.country_code_for_region(region)
        out.append((region, f"{name} (+{code})"))
    collate = (lambda item: item[1]) if lang == "en" else (lambda item: item[0])
    return tuple(sorted(out, key=collate))


def country_choices(lang: str, first: str) -> list[tuple[str, str]]:
    """(ISO code, "Japan (+81)") for every region, the business's country first."""
    choices = list(_countries(lang))
    top = [c for c in choices if c[0] == first]
    return top + [c for c in choices if c[0] != first]
