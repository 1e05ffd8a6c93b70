"""Exceptions raised by the consent core.

    GatewayError
     ├── InvalidCapture          bad input from a channel; nothing was written (HTTP 422/400)
     │    ├── InvalidPhone        not a number that can receive WhatsApp messages
     │    ├── InvalidTopics       unknown topic, or no topic on an opt-in
     │    ├── InvalidWording      wording missing, or not naming the business / WhatsApp
     │    ├── InvalidTime         in the future, or without a time zone
     │    └── StoreRejected       a value the database refused (a bulk row goes to the report)
     ├── NotFound                business, contact, wording or code does not exist (404)
     ├── Conflict                idempotency key reused for a different event (409)
     │    └── WriteConflict       a concurrent writer got there first; nothing was written
     └── Unauthorized            missing or wrong credentials (401)

    StoreUnavailable             the database cannot be reached or stayed locked; nothing
                                 was written; try again (503). Deliberately not a
                                 GatewayError: handlers that skip one bad item of a
                                 webhook delivery must not acknowledge an outage.

Every error carries a stable ``code``, the ``field`` it concerns (if any) and
a message a person understands, in English and Japanese (see ``gateway.i18n``).
"""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    """Base class; ``code`` is stable and machine-readable."""

    status = 400
    code = "error"

    def __init__(self, code: str | None = None, *, field: str | None = None, **params: Any):
        self.code = code or self.code
        self.field = field
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        """The human message in ``lang`` (``en`` or ``ja``)."""
        from gateway.core.i18n import error_message

        return error_message(self.code, lang, self.params)


class InvalidCapture(GatewayError):
    status = 422
    code = "invalid"


class InvalidPhone(InvalidCapture):
    code = "invalid_phone"


class InvalidTopics(InvalidCapture):
    code = "unknown_topic"


class InvalidWording(InvalidCapture):
    code = "wording_missing"


class InvalidTime(InvalidCapture):
    code = "time_invalid"


class StoreRejected(InvalidCapture):
    """Raised by the store instead of its driver's data error: what was being written is
    refused, nothing of the transaction was kept."""

    code = "store_rejected"


class NotFound(GatewayError):
    status = 404
    code = "not_found"


class Conflict(GatewayError):
    status = 409
    code = "conflict"


class WriteConflict(Conflict):
    """Raised by the store instead of its driver's error, so callers can retry without
    knowing SQL: the transaction wrote nothing."""

    code = "write_conflict"


class Unauthorized(GatewayError):
    status = 401
    code = "unauthorized"


class StoreUnavailable(Exception):
    """Raised by the store instead of its driver's operational error (connection lost,
    database locked past the timeout, disk full): nothing was written, a retry may work."""

    status = 503
    code = "store_unavailable"

    def message(self, lang: str = "en") -> str:
        from gateway.core.i18n import error_message

        return error_message(self.code, lang, {})
