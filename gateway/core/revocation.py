"""Opt-out scope: which sends an opt-out ends, decided per business (issue 9, R5).

A business chooses what an opt-out received on one of its senders (an SMS number, a
WhatsApp number) ends:

* ``business`` (default): all WhatsApp messages from the business, whatever the sender;
* ``whatsapp_numbers``: an opt-out on any WhatsApp number ends all the business's WhatsApp
  numbers; one received on an SMS number ends only that SMS sender;
* ``sender``: only the sender it arrived on.

Opt-outs that arrive on no messaging sender (web page, IVR call, API, staff, import) always
apply to the whole business; a sender is written ``whatsapp:+E164`` or ``sms:+E164``.
Each opt-out event records the rule and what it applied to, so an old event stays
explainable after the setting changes.
"""

from __future__ import annotations

from typing import Any

SCOPES = ("business", "whatsapp_numbers", "sender")


def sender_address(kind: str, e164: str) -> str:
    """A sender as events store it: ``whatsapp:+8134…`` or ``sms:+8150…``."""
    return f"{kind}:{e164}"


def applies_to(setting: str, sender: str | None) -> str:
    """``business`` or ``sender``: what an opt-out received on ``sender`` ends."""
    if not sender or setting not in SCOPES or setting == "business":
        return "business"
    if not sender.startswith(("whatsapp:", "sms:")):
        return "business"  # a call or any other sender: no messaging sender to scope to
    if setting == "whatsapp_numbers" and sender.startswith("whatsapp:"):
        return "business"  # every WhatsApp number of the business: all WhatsApp sends
    return "sender"


def scope_evidence(setting: str, sender: str | None) -> dict[str, Any]:
    return {"rule": setting if setting in SCOPES else "business",
            "applies_to": applies_to(setting, sender), "sender": sender}


def describe(scope: dict[str, Any] | None, channel: str) -> str:
    """The eligibility rule text for an opt-out recorded with ``scope``."""
    if not scope or scope.get("applies_to") == "business":
        rule = f" (scope rule: {scope['rule']})" if scope and scope.get("rule") else ""
        return (f"R5: opt-out wins — an opt-out via {channel} ends WhatsApp messages from the "
                f"whole business{rule}")
    return (f"R5: opt-out wins — an opt-out via {channel} on {scope.get('sender')} ends sends "
            f"from that sender only (scope rule: {scope.get('rule')})")
