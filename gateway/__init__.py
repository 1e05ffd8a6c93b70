"""Opt-in Gateway: one place where every WhatsApp opt-in and opt-out lands.

The package root imports nothing, so that importing a pure module (``gateway.core`` and
each area's domain modules) never pulls in Flask or SQLAlchemy. The README's layout section
says which folder holds what; ``gateway.app.create_app`` builds the web application.
"""
