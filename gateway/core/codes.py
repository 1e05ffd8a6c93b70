"""Short codes carried in prefilled WhatsApp messages, and how to find them in a text.

Two kinds travel inside a ``wa.me`` prefilled text that the customer sends to the business:

* a **placement code** (QR code / tracked link), written ``ref:K7Q2ZP``; it is attribution
  evidence only — the customer may edit it away, and it never counts as consent;
* a **confirmation code** (double opt-in), written ``confirm:482913``; sending it on WhatsApp
  proves the number and confirms a pending web opt-in.

The formats are defined only here, so the link generators and the chat adapters agree.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

PLACEMENT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud, typed by hand
_PLACEMENT = re.compile(r"\bref\s*[:：]\s*([A-Za-z0-9]{6,12})\b", re.IGNORECASE)
_CONFIRM = re.compile(r"(?:\bconfirm|確認コード)\s*[:：]?\s*(\d{6})\b", re.IGNORECASE)


def new_placement_code(length: int = 8) -> str:
    return "".join(secrets.choice(PLACEMENT_ALPHABET) for _ in range(length))


def new_confirmation_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def placement_token(code: str) -> str:
    return f"ref:{code}"


def confirmation_token(code: str) -> str:
    return f"confirm:{code}"


def find_placement_code(text: str | None) -> str | None:
    """The placement code in a message, upper-cased, or None."""
    if not text:
        return None
    match = _PLACEMENT.search(unicodedata.normalize("NFKC", text))
    return match.group(1).upper() if match else None


def find_confirmation_code(text: str | None) -> str | None:
    if not text:
        return None
    match = _CONFIRM.search(unicodedata.normalize("NFKC", text))
    return match.group(1) if match else None
