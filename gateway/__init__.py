"""Opt-in Gateway: one place where every WhatsApp opt-in and opt-out lands.

This package root deliberately imports nothing, so that importing the pure
domain modules (``gateway.normaliser`` and friends) never pulls in Flask or
SQLAlchemy. Use ``gateway.app.create_app`` for the web application.
"""
