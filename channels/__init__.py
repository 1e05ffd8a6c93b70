"""Channel adapters: each turns one channel's input into a ``Capture``.

Dependency rule (checked by tests/architecture/): an adapter may import ``gateway.core``,
the areas' modules and ``gateway.http``, and calls services only (the one write path
``gw().service.capture(...)``, ``gw().messaging``, ``gw().ivr``...); it never imports
``gateway.store``, the outbox or SQLAlchemy, and takes nothing but services and settings
from the container. A new channel is one module here plus one line in ``ADAPTERS``.
Each module exposes ``CHANNEL`` (its source-channel name) and ``bp`` (a
Flask blueprint); ``CSRF_EXEMPT = True`` marks signature-checked webhooks.
"""

from __future__ import annotations

from types import ModuleType

from channels import links, meta_whatsapp, twilio_messaging, voice, web_form, widget

ADAPTERS: tuple[ModuleType, ...] = (
    web_form, widget, links, voice, twilio_messaging, meta_whatsapp,
)
