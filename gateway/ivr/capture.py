"""What an IVR call leaves in the ledger: the capture, its evidence and its erasable part."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.core.consent import Business, Capture
from gateway.ivr import texts as T
from gateway.ivr.model import CallState, Decision

# Which answer decided, in words a receipt reader understands.
CHOICES = {"all": "all_topics", "topics": "topic_by_topic", "opt_out": "stop_all_whatsapp"}
# Names the prompt set in the evidence; stored in ledger entries since the first IVR call,
# so it keeps the module's old name.
PROMPT_SET = "gateway.ivr_texts"


def evidence(st: CallState) -> dict[str, Any]:
    """What proves the call (no phone number in it: the ledger hashes evidence)."""
    lang = st.lang or st.languages[0]
    out: dict[str, Any] = {
        "call_sid": st.call_sid,
        "caller_number_source": st.source,
        "caller_id_status": st.caller_status,
        "stir_verstat": st.stir_verstat,
        "language": lang,
        "locale": T.LOCALES.get(lang),
        "wording": st.wording,
        "steps": st.log,
        "started_at": st.started_at,
        "decided_at": st.decided_at,
        "confirmation_prompt": st.confirmation,
        "choice": CHOICES.get(st.choice or ""),
        "prompt_set": PROMPT_SET,
    }
    if st.recording is not None:
        out["recording"] = st.recording
    return out


def personal(st: CallState) -> dict[str, Any]:
    """The caller's raw caller ID and keyed digits: erasable, kept out of the ledger hash."""
    out: dict[str, Any] = {"caller_id": st.caller_raw or None}
    if st.keyed:
        out["keyed_number"] = st.keyed
    return out


def to_capture(st: CallState, decision: Decision, business: Business, *, key: str,
               sender: str | None, at: datetime) -> Capture:
    """The Capture for the write path, built from the call's state."""
    assert st.phone
    lang = st.lang or st.languages[0]
    wording = st.wording.get(lang)
    return Capture(
        business=business.slug, phone=st.phone, channel="ivr", method=decision.method,
        action=decision.action, topics=decision.topics, country=business.country,
        wording_id=wording["id"] if wording else None, language=lang, occurred_at=at,
        idempotency_key=key, evidence=evidence(st), personal=personal(st), sender=sender,
        actor="twilio")
