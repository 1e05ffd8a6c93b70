"""The printable receipt page's content: times in the business's zone, labels in ja/en."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.core.business_settings import DEFAULT_ACCENT, accent, ink_on
from gateway.core.consent import Business
from gateway.core.phones import readable
from gateway.proof.evidence_labels import labelled
from gateway.proof.texts import CHANNEL_LABELS, METHOD_LABELS, WITHDRAWAL, label, t

MAX_INLINE_LOGO = 256 << 10  # a bigger logo is linked, not embedded in the saved page

ZONES = {"JP": "Asia/Tokyo"}


def _zone(biz: Business) -> ZoneInfo:
    try:
        return ZoneInfo(str(biz.settings.get("timezone") or ZONES.get(biz.country, "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(value: str | None, biz: Business, lang: str) -> str:
    """An ISO UTC timestamp shown in the business's time zone, in the reader's language."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(_zone(biz))
    zone = moment.tzname() or ""
    if lang == "ja":
        return f"{moment:%Y年%m月%d日 %H:%M:%S} ({zone})"
    return f"{moment:%d %b %Y, %H:%M:%S} {zone}"


def receipt_page(receipt: dict[str, Any], biz: Business, lang: str) -> dict[str, Any]:
    """What ``templates/proof/receipt.html`` shows: the API's ``?format=html`` and the
    dashboard both render it with this context."""
    ocg = receipt["x-ocg"]
    topics = {topic.key: topic.label(lang) for topic in biz.topics}
    return dict(
        r=receipt, ocg=ocg, lang=lang, biz=biz,
        t=lambda key, **kw: t(key, lang, business=biz.name, **kw),
        channel=lambda key: label(CHANNEL_LABELS, key, lang),
        method=lambda key: label(METHOD_LABELS, key, lang),
        topic=lambda key: topics.get(key, key),
        when=lambda value: local_time(value, biz, lang),
        withdraw=[line.format(business=biz.name) for line in WITHDRAWAL[lang]],
        evidence=lambda values: labelled(values or {}, lang),
        number=readable,
        colour=accent(biz.settings) or DEFAULT_ACCENT,
        colour_ink=ink_on(accent(biz.settings) or DEFAULT_ACCENT),
        logo=logo_source(biz),
    )


def logo_source(biz: Business) -> str | None:
    """The logo as a data: URI, so a saved receipt shows it offline (None: no logo)."""
    path = biz.settings.get("logo_path")
    if not isinstance(path, str) or not path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if len(data) > MAX_INLINE_LOGO:
        return f"/b/{biz.slug}/logo.png"
    return "data:image/png;base64," + base64.b64encode(data).decode()
