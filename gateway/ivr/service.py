"""The IVR use cases: start a call, take one answer, replay what was already said.

The call flow itself is the pure state machine in :mod:`gateway.ivr.flow`; this service keeps
each call's state per CallSid through the :class:`IvrCalls` port, records the caller's
decision through the one write path (``ConsentService.capture``) and makes a retried request
change nothing. ``channels/voice.py`` parses Twilio's form, signs step URLs and renders
replies as TwiML: it hands the service a ``render`` function and gets TwiML back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol

from gateway.core.consent import Business, Wording
from gateway.core.errors import GatewayError
from gateway.core.phones import mask
from gateway.core.service import ConsentService
from gateway.ivr import flow
from gateway.ivr.capture import to_capture
from gateway.ivr.model import Answer, CallState, Context, IvrCall, Reply, StepWrite

log = logging.getLogger("gateway.ivr")

# TwiML of a reply whose action URLs carry step number n (the channel signs them).
Render = Callable[[Reply, int], str]


class IvrCalls(Protocol):
    """Call state per CallSid; ``gateway.store.ivr_store.SqlIvrStore`` implements it."""

    def start(self, call_sid: str, business_id: int, w: StepWrite) -> bool: ...
    def load(self, call_sid: str) -> IvrCall | None: ...
    def advance(self, call_sid: str, w: StepWrite) -> bool: ...
    def reply_for(self, call_sid: str, n: int) -> str | None: ...
    def count(self, business_id: int | None = None) -> tuple[int, int]: ...
    def export(self, business_id: int, subject_ref: str) -> list[dict[str, Any]]: ...
    def erase(self, business_id: int, subject_ref: str) -> int: ...
    def purge(self, before: datetime) -> int: ...


class _Wordings(Mapping[str, Wording]):
    """The business's current ``ivr`` wordings, fetched only when a step needs one."""

    def __init__(self, business: Business, service: ConsentService):
        self.business = business
        self.service = service
        self.cache: dict[str, Wording | None] = {}

    def __getitem__(self, lang: str) -> Wording:
        if lang not in self.cache:
            self.cache[lang] = self.service.current_wording(self.business.id, "ivr", lang)
        found = self.cache[lang]
        if found is None:
            raise KeyError(lang)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.business.languages)

    def __len__(self) -> int:
        return len(self.business.languages)


def answer_json(answer: Answer, step: str) -> dict[str, Any]:
    """What the step row keeps of a request (a keyed number is personal: the row is erased
    with the call)."""
    return {"step": step, "at": answer.at.isoformat(), "digits": answer.digits,
            "speech": answer.speech, "confidence": answer.confidence,
            "recording_sid": answer.recording_sid, "recording_url": answer.recording_url}


class IvrService:
    """Calls through the flow; ``None`` from a method means "refuse the request" (403)."""

    def __init__(self, calls: IvrCalls, service: ConsentService):
        self.calls = calls
        self.service = service

    def _context(self, business: Business) -> Context:
        return Context(business, _Wordings(business, self.service))

    def _ref(self, business: Business, st: CallState) -> str | None:
        return self.service.ref(business, st.phone) if st.phone else None

    def replay(self, call_sid: str, n: int) -> str | None:
        """The TwiML already sent for request ``n`` of the call (Twilio retried it)."""
        return self.calls.reply_for(call_sid, n)

    def begin(self, business: Business, call_sid: str, caller: str | None,
              stir_verstat: str | None, render: Render) -> str | None:
        """A new call: greet in the business's language(s) and start the flow."""
        known = self.calls.load(call_sid)
        if known is not None:
            return self.replay(call_sid, 0) if known.business_id == business.id else None
        now = self.service.clock()
        st, reply = flow.start(call_sid, business, caller, at=now, stir_verstat=stir_verstat,
                               ctx=self._context(business))
        body = render(reply, 1)
        write = StepWrite(n=0, step="start", answer={"at": now.isoformat()}, twiml=body,
                          state=st.to_json(), subject_ref=self._ref(business, st),
                          outcome=st.outcome)
        if not self.calls.start(call_sid, business.id, write):
            return self.replay(call_sid, 0)  # the same call delivered twice at once
        log.info("ivr call %s for %s from %s (%s)", call_sid, business.slug,
                 mask(st.phone), st.caller_status)
        return body

    def answer(self, business: Business, call_sid: str, step: str, n: int, answer: Answer,
               sender: str | None, render: Render) -> str | None:
        """One answer (keys, speech, recording or silence) to request ``n``, at ``step``."""
        call = self.calls.load(call_sid)
        if call is None or call.business_id != business.id or n > call.seq:
            return None
        if n < call.seq:
            return self.replay(call_sid, n)  # Twilio retried a request already answered
        st = CallState.from_json(call.state)
        if st.step != step or st.finished:
            return None
        transition = flow.advance(st, answer, self._context(business))
        reply, event_id = transition.reply, None
        if transition.decision is not None:
            capture = to_capture(st, transition.decision, business,
                                 key=f"ivr:{call_sid}:{step}:{n}", sender=sender, at=answer.at)
            try:
                event_id = self.service.capture(capture, business).event.event_id
            except GatewayError as exc:
                # e.g. the business's IVR wording lost its name: say so, record nothing.
                log.error("ivr call %s: consent not recorded: %s", call_sid, exc.code)
                st.outcome = "failed"
                reply = Reply((flow.say("unavailable", st.lang or st.languages[0]),))
        body = render(reply, n + 1)
        write = StepWrite(n=n, step=step, answer=answer_json(answer, step), twiml=body,
                          state=st.to_json(), subject_ref=self._ref(business, st),
                          outcome=st.outcome, event_id=event_id)
        if not self.calls.advance(call_sid, write):
            return self.replay(call_sid, n)  # a concurrent duplicate got there first
        return body

    # -- what other areas and commands need of the calls --------------------------------------

    def load(self, call_sid: str) -> IvrCall | None:
        return self.calls.load(call_sid)

    def count(self, business_id: int | None = None) -> tuple[int, int]:
        """(calls, steps) stored."""
        return self.calls.count(business_id)

    def export(self, business_id: int, subject_ref: str) -> list[dict[str, Any]]:
        """The calls held on one number (data-access request)."""
        return self.calls.export(business_id, subject_ref)

    def erase(self, business_id: int, subject_ref: str) -> int:
        return self.calls.erase(business_id, subject_ref)

    def purge(self, before: datetime) -> int:
        """Retention: drop call state older than ``before``; consent events stay."""
        return self.calls.purge(before)
