"""Formatting for the dashboard: the business's time zone, local times, percentages."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_timezones

from gateway.core.consent import Business
from gateway.core.phones import readable


@lru_cache(maxsize=256)
def _zone_for(setting: str | None, number: str) -> tzinfo:
    names: tuple[str, ...] = (setting,) if setting else ()
    if not names:
        try:
            zones = number_timezones.time_zones_for_number(phonenumbers.parse(number))
        except phonenumbers.NumberParseException:
            zones = ()
        # A country with one zone (Japan) is certain; several (the US) would be a guess.
        names = tuple(zones) if len(zones) == 1 else ()
    for name in names:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return UTC


def business_tz(business: Business) -> tzinfo:
    """settings["timezone"], else the single zone of its WhatsApp number, else UTC."""
    setting = business.settings.get("timezone")
    return _zone_for(setting if isinstance(setting, str) else None, business.whatsapp_number)


def local(value: datetime | None, tz: tzinfo, with_seconds: bool = False) -> str:
    """``2026-11-24 18:05`` in the business's zone (the zone is named on the page)."""
    if value is None:
        return "—"
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else
                                         "%Y-%m-%d %H:%M")


def tz_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def phone(e164: str | None) -> str:
    """+81 90-1234-5678: the international format people read (E.164 stays in the data)."""
    return readable(e164)


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"
