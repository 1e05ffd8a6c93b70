"""The IVR call flow as a pure state machine (method M4): no Flask, no SQL, no TwiML.

A call is a :class:`CallState` (kept server-side per CallSid by the store); every Twilio
request is an :class:`Answer` to the step the state is in. :func:`start` and
:func:`advance` return a :class:`Reply` (what to say, then gather keys/speech, record, or
hang up) and, once the caller has decided, a :class:`Decision` the channel records through
the one write path. ``channels/voice.py`` renders replies as TwiML.

Flow: [language] → ([number] → [number_confirm] when caller ID is withheld or not a mobile)
→ [request] (1 all topics, 2 one by one, 9 no thanks, 8 stop all) → [topic]… → [record]
(optional) → confirmation and hang-up. Low-confidence speech goes through
[speech_confirm]; no input or a wrong key is asked again at most twice, then goodbye.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.core.consent import Action, Business
from gateway.ivr import texts as T
from gateway.ivr.capture import evidence, personal, to_capture
from gateway.ivr.input import interpret, parse_caller, parse_keyed, spoken_number
from gateway.ivr.model import (
    DEFAULT_THRESHOLD,
    Answer,
    CallState,
    Context,
    Decision,
    Gather,
    IvrCall,
    Record,
    Reply,
    Say,
    StepWrite,
    Transition,
)

__all__ = ["DEFAULT_THRESHOLD", "Answer", "CallState", "Context", "Decision", "Gather",
           "IvrCall", "Record", "Reply", "Say", "StepWrite", "Transition", "advance",
           "evidence", "interpret", "parse_caller", "parse_keyed", "personal",
           "spoken_number", "start", "to_capture"]

MAX_RETRIES = 2  # asked again at most twice, then goodbye
REQUEST_KEYS = {"1": "all", "2": "topics", "9": "declined", "8": "opt_out"}
HEARD = {"all": "heard_all", "declined": "heard_declined", "opt_out": "heard_opt_out",
         "yes": "heard_yes", "no": "heard_no"}


# -- helpers ------------------------------------------------------------------------------------

def say(key: str, lang: str, **params: object) -> Say:
    return Say(T.text(key, lang, **params), lang, f"ivr:{key}:{lang}", T.template_hash(key, lang))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _reply(st: CallState, says: list[Say], *, gather: Gather | None = None,
           record: Record | None = None) -> Reply:
    """Build a reply and remember what the caller heard, for the next step's evidence."""
    st.prompts = [{"id": s.id, "sha256": s.sha256} for s in says]
    return Reply(tuple(says), gather, record)


def _finish(st: CallState, outcome: str, key: str, business: Business) -> Reply:
    st.outcome = outcome
    return _reply(st, [say(key, st.lang or st.languages[0], name=business.name)])


# -- prompts (entering a step) ------------------------------------------------------------------

def _keys(step: str, lang: str | None, digits: int | None = 1) -> Gather:
    return Gather(step, "dtmf", T.LOCALES.get(lang or "", None), num_digits=digits)


def _speech(step: str, lang: str) -> Gather:
    return Gather(step, "dtmf speech", T.LOCALES[lang], num_digits=1, hints=T.HINTS[lang])


def _enter(st: CallState, step: str, ctx: Context, prefix: list[Say] | None = None,
           *, attempts: int = 0) -> Reply:
    st.step = step
    st.attempts = attempts
    return _prompt(st, ctx, list(prefix or []))


def _prompt(st: CallState, ctx: Context, says: list[Say]) -> Reply:
    biz = ctx.business
    lang = st.lang or st.languages[0]
    step = st.step
    if step == "language":
        return _reply(st, [*says, say("choose_ja", "ja"), say("choose_en", "en")],
                      gather=Gather("language", "dtmf", None, num_digits=1))
    if step == "number":
        intro = {"withheld": "caller_withheld", "not_mobile": "caller_not_mobile"}.get(
            st.caller_status, "number_again")
        if st.number_tries:
            intro = "number_again"
        return _reply(st, [*says, say(intro, lang)],
                      gather=Gather("number", "dtmf", T.LOCALES[lang], num_digits=None,
                                    finish_on_key="#", timeout=10))
    if step == "number_confirm":
        assert st.candidate
        digits = spoken_number(st.candidate, biz.country, lang)
        return _reply(st, [*says, say("number_readback", lang, digits=digits)],
                      gather=_keys("number_confirm", lang))
    if step == "request":
        wording = ctx.wordings.get(lang)
        if wording is None or st.phone is None:
            return _finish(st, "unavailable", "unavailable", biz)
        st.wording[lang] = {"id": wording.id, "version": wording.version,
                            "sha256": wording.sha256}
        key = "number_caller_id" if st.source == "caller_id" else "number_keyed"
        number = say(key, lang, digits=spoken_number(st.phone, biz.country, lang))
        request = Say(wording.text, lang, wording.id, wording.sha256)
        return _reply(st, [*says, number, request], gather=_speech("request", lang))
    if step == "speech_confirm":
        assert st.pending
        heard = T.text(HEARD[st.pending["choice"]], lang)
        return _reply(st, [*says, say("speech_confirm", lang, heard=heard)],
                      gather=_keys("speech_confirm", lang))
    if step == "topic":
        topic = biz.topics[st.topic_index]
        return _reply(st, [*says, say("topic_question", lang, label=topic.label(lang))],
                      gather=_speech("topic", lang))
    if step == "record":
        return _reply(st, [*says, say("record_intro", lang)], record=Record("record"))
    raise ValueError(f"unknown IVR step {step!r}")


def _retry(st: CallState, ctx: Context, reason: str, extra: list[Say] | None = None) -> Reply:
    """Ask the same step again, at most MAX_RETRIES times; then a polite goodbye."""
    st.attempts += 1
    if st.attempts > MAX_RETRIES:
        return _finish(st, "no_answer", "goodbye_no_answer", ctx.business)
    lang = st.lang or st.languages[0]
    prefix = extra if extra is not None else (
        [] if st.step == "language" else [say(reason, lang)])
    return _prompt(st, ctx, prefix)


# -- the machine --------------------------------------------------------------------------------

def start(call_sid: str, business: Business, caller: str | None, *, at: datetime,
          stir_verstat: str | None, ctx: Context) -> tuple[CallState, Reply]:
    """A new call: choose the language, or go straight to the number or the request."""
    languages = [lang for lang in business.languages if lang in T.LANGS] or ["en"]
    phone, status = parse_caller(caller, business.country)
    st = CallState(call_sid=call_sid, business_id=business.id, languages=languages,
                   started_at=_iso(at), phone=phone, caller_status=status,
                   source="caller_id" if phone else None, caller_raw=(caller or "")[:40],
                   stir_verstat=(stir_verstat or None))
    if len(languages) > 1:
        return st, _enter(st, "language", ctx)
    st.lang = languages[0]
    return st, _after_language(st, ctx)


def _after_language(st: CallState, ctx: Context) -> Reply:
    return _enter(st, "request" if st.phone else "number", ctx)


def _log(st: CallState, answer: Answer) -> dict[str, Any]:
    entry: dict[str, Any] = {"step": st.step, "at": _iso(answer.at), "prompts": st.prompts}
    if answer.recording_url or answer.recording_sid:
        entry["input"] = "recording"
    elif answer.digits:
        entry["input"] = "dtmf"
        # A keyed phone number is personal data: it goes to Capture.personal, not here.
        entry["digits"] = "(phone number)" if st.step == "number" else answer.digits[:20]
    elif answer.speech:
        entry["input"] = "speech"
        entry["speech"] = answer.speech[:200]
        entry["confidence"] = None if answer.confidence is None else f"{answer.confidence:.3f}"
    else:
        entry["input"] = "none"
    st.log.append(entry)
    return entry


def advance(st: CallState, answer: Answer, ctx: Context) -> Transition:
    """Apply one answer to the current step."""
    if st.finished:
        return Transition(Reply((), None, None))
    _log(st, answer)
    handler = _HANDLERS[st.step]
    return handler(st, answer, ctx)


def _no_input(answer: Answer) -> bool:
    return not answer.digits and not (answer.speech or "").strip()


def _on_language(st: CallState, answer: Answer, ctx: Context) -> Transition:
    lang = {"1": "ja", "2": "en"}.get(answer.digits or "")
    if lang is None or lang not in st.languages:
        return Transition(_retry(st, ctx, "no_input" if _no_input(answer) else "invalid"))
    st.lang = lang
    return Transition(_after_language(st, ctx))


def _on_number(st: CallState, answer: Answer, ctx: Context) -> Transition:
    if _no_input(answer):
        return Transition(_retry(st, ctx, "no_input"))
    e164 = parse_keyed(answer.digits or "", ctx.business.country)
    if e164 is None:
        lang = st.lang or st.languages[0]
        st.number_tries += 1
        return Transition(_retry(st, ctx, "invalid", [say("number_invalid", lang)]))
    st.candidate, st.keyed = e164, (answer.digits or "")[:20]
    return Transition(_enter(st, "number_confirm", ctx))


def _on_number_confirm(st: CallState, answer: Answer, ctx: Context) -> Transition:
    if answer.digits == "1" and st.candidate:
        st.phone, st.source, st.candidate = st.candidate, "keyed", None
        return Transition(_enter(st, "request", ctx))
    if answer.digits == "2":
        st.number_tries += 1
        st.candidate = None
        if st.number_tries > MAX_RETRIES:
            return Transition(_finish(st, "no_answer", "goodbye_no_answer", ctx.business))
        return Transition(_enter(st, "number", ctx, attempts=st.number_tries))
    return Transition(_retry(st, ctx, "no_input" if _no_input(answer) else "invalid"))


def _spoken(st: CallState, answer: Answer, ctx: Context, mapping: Mapping[str, str]
            ) -> tuple[str | None, bool]:
    """(choice, confident) for a speech answer; choice None if not understood."""
    meaning = interpret(answer.speech or "", st.lang or "en")
    choice = mapping.get(meaning or "")
    confident = answer.confidence is not None and answer.confidence >= ctx.threshold
    return choice, confident


def _ask_to_confirm(st: CallState, answer: Answer, ctx: Context, choice: str) -> Transition:
    st.pending = {"of": st.step, "choice": choice, "attempts": st.attempts,
                  "topic_index": st.topic_index}
    return Transition(_enter(st, "speech_confirm", ctx))


def _on_request(st: CallState, answer: Answer, ctx: Context) -> Transition:
    if answer.digits:
        choice = REQUEST_KEYS.get(answer.digits)
        if choice is None:
            return Transition(_retry(st, ctx, "invalid"))
        return _apply(st, choice, "dtmf", ctx, answer)
    if _no_input(answer):
        return Transition(_retry(st, ctx, "no_input"))
    choice, confident = _spoken(st, answer, ctx,
                                {"yes": "all", "no": "declined", "stop": "opt_out"})
    if choice is None:
        return Transition(_retry(st, ctx, "invalid"))
    if not confident:
        return _ask_to_confirm(st, answer, ctx, choice)
    return _apply(st, choice, "speech", ctx, answer)


def _on_topic(st: CallState, answer: Answer, ctx: Context) -> Transition:
    if answer.digits:
        choice = {"1": "yes", "2": "no"}.get(answer.digits)
        if choice is None:
            return Transition(_retry(st, ctx, "invalid"))
        return _apply(st, choice, "dtmf", ctx, answer)
    if _no_input(answer):
        return Transition(_retry(st, ctx, "no_input"))
    choice, confident = _spoken(st, answer, ctx, {"yes": "yes", "no": "no"})
    if choice is None:
        return Transition(_retry(st, ctx, "invalid"))
    if not confident:
        return _ask_to_confirm(st, answer, ctx, choice)
    return _apply(st, choice, "speech", ctx, answer)


def _on_speech_confirm(st: CallState, answer: Answer, ctx: Context) -> Transition:
    pending = st.pending or {}
    if answer.digits == "1":
        st.pending = None
        st.step = pending["of"]
        return _apply(st, pending["choice"], "dtmf", ctx, answer)
    if answer.digits == "2":
        # Not what they meant: back to the question, counted as one more try.
        st.pending = None
        st.step, st.topic_index = pending["of"], pending.get("topic_index", st.topic_index)
        st.attempts = pending.get("attempts", 0)
        return Transition(_retry(st, ctx, "invalid", []))
    return Transition(_retry(st, ctx, "no_input" if _no_input(answer) else "invalid"))


def _apply(st: CallState, choice: str, how: str, ctx: Context, answer: Answer) -> Transition:
    """Act on an understood answer of the request or topic step."""
    biz = ctx.business
    lang = st.lang or st.languages[0]
    st.inputs.append(how)
    if st.step == "topic":
        if choice == "yes":
            st.chosen.append(biz.topics[st.topic_index].key)
        st.topic_index += 1
        if st.topic_index < len(biz.topics):
            return Transition(_enter(st, "topic", ctx))
        if not st.chosen:
            return Transition(_finish(st, "no_topics", "no_topics", biz))
        return _consent(st, ctx, list(st.chosen), answer)
    st.choice = choice
    if choice == "all":
        return _consent(st, ctx, list(biz.topic_keys), answer)
    if choice == "topics":
        st.topic_index, st.chosen = 0, []
        return Transition(_enter(st, "topic", ctx, [say("topics_intro", lang)]))
    if choice == "declined":
        return Transition(_finish(st, "declined", "declined", biz))
    # "opt_out": key 8 / "stop": every topic of this business, at once (R5).
    st.decided_at = _iso(answer.at)
    reply = _finish(st, "opt_out", "done_opt_out", biz)
    st.confirmation = {"id": reply.says[0].id, "sha256": reply.says[0].sha256}
    return Transition(reply, Decision(Action.OPT_OUT, None, method(st)))


def _consent(st: CallState, ctx: Context, topics: list[str], answer: Answer) -> Transition:
    if ctx.record_consent and st.recording is None:
        st.consent_topics = topics
        st.decided_at = _iso(answer.at)
        return Transition(_enter(st, "record", ctx))
    biz = ctx.business
    lang = st.lang or st.languages[0]
    st.decided_at = st.decided_at or _iso(answer.at)
    labels = [t.label(lang) for t in biz.topics if t.key in topics]
    reply = _reply(st, [say("done_opt_in", lang, name=biz.name,
                            topics=T.join_list(labels, lang))])
    st.outcome = "opt_in"
    st.confirmation = {"id": reply.says[0].id, "sha256": reply.says[0].sha256}
    return Transition(reply, Decision(Action.OPT_IN, tuple(topics), method(st)))


def _on_record(st: CallState, answer: Answer, ctx: Context) -> Transition:
    # No audio (silence, hang-up) still leaves the key press as the consent; the
    # recording is supplementary evidence, and its absence is stated.
    sid = answer.recording_sid
    if not sid and answer.recording_url:
        # The action request may lack RecordingSid; the URL ends with it (/Recordings/RE…).
        tail = answer.recording_url.rstrip("/").rsplit("/", 1)[-1].split(".")[0]
        sid = tail if re.fullmatch(r"RE[0-9a-fA-F]{32}", tail) else None
    st.recording = {"sid": sid, "url": answer.recording_url,
                    "duration": answer.recording_duration,
                    "present": bool(answer.recording_url or answer.recording_sid)}
    return _consent(st, ctx, list(st.consent_topics or ()), answer)


_HANDLERS = {"language": _on_language, "number": _on_number,
             "number_confirm": _on_number_confirm, "request": _on_request,
             "speech_confirm": _on_speech_confirm, "topic": _on_topic, "record": _on_record}
STEPS = tuple(_HANDLERS)


def method(st: CallState) -> str:
    """speech if every deciding answer was spoken, else dtmf (a key press decided)."""
    return "speech" if st.inputs and all(i == "speech" for i in st.inputs) else "dtmf"
