"""The messaging area: SMS and WhatsApp conversations, keywords, provider opt-out signals.

``conversation`` is the dialog as a pure state machine, ``keywords`` what a message means,
``service`` runs inbound messages through both and records consent, ``whatsapp_send`` is the
outbox worker's Graph API sender; ``cli`` signs webhook requests for replay
(docs/messaging.md). The webhooks are channels (``channels/twilio_messaging.py``,
``channels/meta_whatsapp.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.registry import Registry


def register(registry: Registry) -> None:
    """This area's hook: its commands (imported here, so the pure modules stay Flask-free)."""
    from gateway.messaging import cli

    registry.commands(*cli.COMMANDS)
