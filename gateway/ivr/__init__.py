"""The IVR area: the phone call flow, its prompts in Japanese and English, call state.

``flow`` is the call as a pure state machine over ``model``, ``input`` reads keys and
speech, ``capture`` turns a decision into the capture and its evidence, ``service`` keeps
each call's state and records the caller's decision; ``cli`` configures it (docs/ivr.md).
The Twilio Voice webhook is a channel (``channels/voice.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.registry import Registry


def register(registry: Registry) -> None:
    """This area's hook: its commands (imported here, so the pure modules stay Flask-free)."""
    from gateway.ivr import cli

    registry.commands(*cli.COMMANDS)
