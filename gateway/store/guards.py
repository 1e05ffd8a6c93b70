"""Keys from outside (an id in a URL, a username typed at sign-in) before they reach SQL.

PostgreSQL refuses to even compare a text containing a NUL byte, and a value longer than
its column cannot be a key in it: such a key finds nothing, instead of an error.
"""

from __future__ import annotations

from gateway.core.limits import scrub, text_problem


def findable(value: str | None, max_length: int) -> bool:
    """Could ``value`` be a key of a column holding ``max_length`` characters?"""
    return value is not None and text_problem(value, max_length) is None


def storable(value: str, max_length: int) -> str:
    """``value`` made storable in such a column (an attempt's username, kept as typed)."""
    return scrub(value, max_length, multiline=False)
