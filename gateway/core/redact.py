"""Personal identifiers out of every log line: phone numbers and WhatsApp user IDs.

Modules log masked numbers on purpose (``phones.mask``); this is the net under them, for
what they cannot control: request lines in access logs (``/api/v1/contacts/+8190…``), a
driver's error message quoting a row, a traceback. :func:`install` puts it in the logging
record factory, so every logger of the process (the gateway's, gunicorn's access and error
logs, werkzeug's, SQLAlchemy's) writes redacted lines.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from gateway.core.phones import mask

# A number as it appears in text or in a URL: +8190..., %2B8190..., 8190... (a wa_id), or
# written with separators (090-1234-5678, +81 90 1234 5678). Dates (2026-12-06) and short
# counts are left alone; a 9+ digit run is masked even when it is not a phone number.
_NUMBER = re.compile(
    r"(?<![\w.%])(?P<plus>\+|%2[Bb])?"
    r"(?P<digits>\d{9,15}|\d{1,4}[- ]\d{2,5}[- ]\d{3,4}(?:[- ]\d{3,4})?)(?![\w])")
# A business-scoped user ID: CC.<id> or CC.ENT.<id> (issue of 2026: usernames).
_BSUID = re.compile(r"(?<![\w.])(?P<cc>[A-Z]{2}\.(?:ENT\.)?)(?P<id>[A-Za-z0-9]{6,128})(?![\w])")


def _number(match: re.Match[str]) -> str:
    return mask("+" + re.sub(r"\D", "", match.group("digits")))


def _bsuid(match: re.Match[str]) -> str:
    found = match.group("id")
    return f"{match.group('cc')}{found[:2]}{'*' * (len(found) - 4)}{found[-2:]}"


def redact(text: str) -> str:
    """``text`` with every phone number and user ID masked (their ends kept)."""
    return _BSUID.sub(_bsuid, _NUMBER.sub(_number, text))


def install() -> None:
    """Redact every log record this process creates (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is the caller's bug, not ours
            return record
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info))
                                     .rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
