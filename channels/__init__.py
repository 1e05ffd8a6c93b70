"""Channel adapters: each turns one channel's input into a ``Capture``.

Dependency rule (checked by tests/test_boundaries.py): an adapter may import
``gateway`` domain modules and ``gateway.web``, and calls the one write path
``gw().service.capture(...)``; it never imports ``gateway.store`` or
SQLAlchemy. A new channel is one module here plus one line in ``ADAPTERS``.
Each module exposes ``CHANNEL`` (its source-channel name) and ``bp`` (a
Flask blueprint); ``CSRF_EXEMPT = True`` marks signature-checked webhooks.
"""

from __future__ import annotations

from types import ModuleType

from channels import links, meta_whatsapp, twilio_messaging, voice, web_form, widget

ADAPTERS: tuple[ModuleType, ...] = (
    web_form, widget, links, voice, twilio_messaging, meta_whatsapp,
)
