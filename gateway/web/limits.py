"""Rate limits for the public web forms: per client IP and per phone number.

Built on ``limits`` (the library under Flask-Limiter) and used explicitly by the form views
rather than as app-wide middleware, so webhooks and the API pay nothing for it. Storage is
in memory by default (one process) and Redis when ``REDIS_URL`` is set (several processes
or hosts share the counts). If the storage fails, the form stays open: losing a rate limit
for a while is better than refusing every visitor.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gateway.core.errors import GatewayError
from gateway.core.phones import to_e164

log = logging.getLogger("gateway.web_limits")

IP_LIMITS = "20 per minute; 200 per hour"  # shops and offices share one address
PHONE_LIMITS = "5 per hour; 20 per day"  # nobody needs to sign one number up more often


def phone_key(raw: str | None, country: str | None) -> str | None:
    """One key per number however it was typed; None when there is nothing to count."""
    if not raw or not raw.strip():
        return None
    try:
        return to_e164(raw, country)
    except GatewayError:
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", raw))
        return digits[-9:] or None


class WebRateLimiter:
    """Counts form submissions; ``allow`` says whether one more may go through."""

    def __init__(self, storage_uri: str = "memory://", ip_limits: str = IP_LIMITS,
                 phone_limits: str = PHONE_LIMITS):
        self.storage = storage_from_string(storage_uri)
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.ip_limits: list[RateLimitItem] = parse_many(ip_limits)
        self.phone_limits: list[RateLimitItem] = parse_many(phone_limits)

    def _hit(self, limits: list[RateLimitItem], *key: str) -> bool:
        # Check every window before counting, so a refused attempt does not use up another.
        if not all(self.strategy.test(item, *key) for item in limits):
            return False
        return all([self.strategy.hit(item, *key) for item in limits])

    def allow(self, scope: str, ip: str | None, phone: str | None) -> bool:
        """Count one submission from ``ip`` for ``phone``; False once a limit is reached."""
        try:
            if ip and not self._hit(self.ip_limits, scope, "ip", ip):
                return False
            return not phone or self._hit(self.phone_limits, scope, "phone", phone)
        except Exception:  # noqa: BLE001 - storage down: keep the form open, say so in the log
            log.warning("rate-limit storage unavailable; form submissions are not limited",
                        exc_info=True)
            return True
