"""The SMS / WhatsApp opt-in dialog as a pure state machine.

``advance(business, state, inbound, ctx) -> Outcome``: from the conversation's state and one
inbound message, the replies to send, the captures to record and the new state. No I/O:
the caller (``gateway.messaging.service``) loads and saves the state and records the captures
through the one write path.

Flows (methods M1, M4, M5 of the rules):

* WhatsApp (M1): a first message gets, once per contact, a short "we'll reply shortly" and the
  business's ``whatsapp`` wording with the topics (a list on Meta, numbers on Twilio). A first
  message alone is never an opt-in; only a topic choice answering that question is.
* SMS (M4): the business's ``sms`` wording ("continue on WhatsApp? reply YES"), then the
  topics, then the opt-in is recorded with channel ``sms`` and that wording.
* An answer that is unclear is asked again once; then the dialog goes quiet, so the
  customer's actual conversation with staff is never blocked. A question expires after 24 h.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gateway.core.consent import Action, Business, Capture, Wording
from gateway.messaging.keywords import Classified, Intent, classify, detect_language
from gateway.messaging.texts import setting_text, text

STEP_EXPIRY = timedelta(hours=24)
NEW, IDLE, AWAIT_YES, AWAIT_TOPICS = "new", "idle", "await_yes", "await_topics"
AWAITING = (AWAIT_YES, AWAIT_TOPICS)
MAX_LIST_TOPICS = 8  # WhatsApp lists hold 10 rows: "all", 8 topics, "no thanks"
ROW_TITLE, ROW_DESCRIPTION = 24, 72  # WhatsApp list row limits (characters)


@dataclass(frozen=True)
class Inbound:
    """One customer message, provider details already unpacked by the adapter."""

    provider: str  # "twilio" or "meta"
    message_id: str  # MessageSid / wamid: the idempotency key of anything it causes
    channel: str  # "sms" or "whatsapp"
    phone: str  # E.164; "" for a person WhatsApp shows by user ID alone (a username user)
    occurred_at: datetime
    text: str = ""
    button_id: str | None = None  # interactive reply id (ours: topics:all, topic:<key>, optin:no)
    sender: str | None = None  # the business number it arrived on (E.164)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    personal: Mapping[str, Any] = field(default_factory=dict)
    provider_keyword: str | None = None  # Twilio OptOutType: STOP / START / HELP
    attribution: Mapping[str, Any] | None = None  # {"channel": "ad"|"qr"|"link", "evidence"}
    confirmation: bool | None = None  # a confirm:NNNNNN code was found: did it confirm?
    interactive: bool = False  # the provider can show lists (Meta)
    user_id: str | None = None  # the WhatsApp business-scoped user ID (BSUID), if given
    parent_user_id: str | None = None  # CC.ENT.… for linked portfolios, if given

    @property
    def who(self) -> str:
        """The identifier the message is recorded under: the number, else the user ID."""
        return self.phone or self.user_id or ""

    def subject(self) -> dict[str, Any]:
        """A Capture's who: by phone (the service links a user ID seen with it), else by
        user ID alone; never a made-up number."""
        return {"phone": self.phone} if self.phone else {"phone": "", "user_id": self.user_id}


@dataclass(frozen=True)
class State:
    """What the dialog remembers between messages (one row per contact, channel, sender)."""

    step: str = NEW
    language: str | None = None
    attribution: Mapping[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    updated_at: datetime | None = None
    asked_at: datetime | None = None
    asked_count: int = 0
    wording_id: str | None = None  # the exact wording shown in the question
    question_message_id: str | None = None  # the inbound message the question answered
    yes_message_id: str | None = None  # SMS: the YES that led to the topic question
    retries: int = 0

    def data(self) -> dict[str, Any]:
        """The fields without their own column (stored as JSON)."""
        return {"asked_at": self.asked_at.isoformat() if self.asked_at else None,
                "asked_count": self.asked_count, "wording_id": self.wording_id,
                "question_message_id": self.question_message_id,
                "yes_message_id": self.yes_message_id, "retries": self.retries}


@dataclass(frozen=True)
class Choice:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Reply:
    """One outgoing message; ``choices`` become an interactive list where supported."""

    text: str
    choices: tuple[Choice, ...] = ()
    button: str = ""
    section: str = ""


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...]
    captures: tuple[Capture, ...]
    state: State
    intent: str


@dataclass(frozen=True)
class Context:
    """What the dialog may look up: wordings and the contact's current opt-ins."""

    wording: Callable[[str, str], Wording | None]  # (kind, language) -> current wording
    opted_in: frozenset[str] = frozenset()
    now: datetime | None = None


def is_fresh(state: State | None, now: datetime) -> bool:
    """True when this message starts a conversation (none yet, or quiet for 24 hours)."""
    return state is None or state.updated_at is None or now - state.updated_at > STEP_EXPIRY


def _setting(business: Business, key: str, default: Any) -> Any:
    value = business.settings.get(key)
    return default if value is None else value


def _interpret(inbound: Inbound, business: Business) -> Classified:
    keyword = (inbound.provider_keyword or "").upper()
    if keyword == "STOP":
        return Classified(Intent.OPT_OUT, None, "twilio_opt_out_type")
    if keyword == "START":
        return Classified(Intent.OPT_IN, None, "twilio_opt_out_type")
    if keyword == "HELP":
        return Classified(Intent.HELP, None, "twilio_opt_out_type")
    bid = inbound.button_id or ""
    if bid == "topics:all":
        return Classified(Intent.CHOICE, business.topic_keys, "button")
    if bid.startswith("topic:") and bid[6:] in business.topic_keys:
        return Classified(Intent.CHOICE, (bid[6:],), "button")
    if bid == "optin:no":
        return Classified(Intent.DECLINE, None, "button")
    if bid == "optin:yes":
        return Classified(Intent.OPT_IN, None, "button")
    result = classify(inbound.text, business.topics)
    if result.intent is Intent.UNKNOWN and bid:
        result = classify(bid, business.topics)  # template quick replies carry a payload
    return result


class _Dialog:
    """One step of the dialog; holds what every branch needs."""

    def __init__(self, business: Business, state: State, inbound: Inbound, ctx: Context):
        self.b = business
        self.inbound = inbound
        self.ctx = ctx
        self.now = ctx.now or inbound.occurred_at
        self.lang = self._language(state)
        self.state = dataclasses.replace(state, language=self.lang, updated_at=self.now)
        self.sms = inbound.channel == "sms"

    def _language(self, state: State) -> str:
        detected = detect_language(self.inbound.text)
        for lang in (detected, state.language, *self.b.languages):
            if lang and lang in self.b.languages:
                return lang
        return self.b.languages[0] if self.b.languages else "en"

    def t(self, key: str, **params: Any) -> str:
        return text(key, self.lang, name=self.b.name, **params)

    def topics_text(self, keys: tuple[str, ...]) -> str:
        labels = [t.label(self.lang) for t in self.b.topics if t.key in keys]
        return text("list_sep", self.lang).join(labels)

    def numbered(self) -> str:
        return "\n".join(f"{i}. {t.label(self.lang)}" for i, t in enumerate(self.b.topics, 1))

    def frequency(self) -> str:
        return setting_text(self.b.settings.get("message_frequency"), self.lang,
                            text("frequency", self.lang))

    def out(self, intent: str, replies: list[Reply], captures: list[Capture] | None = None,
            **changes: Any) -> Outcome:
        return Outcome(tuple(replies), tuple(captures or ()),
                       dataclasses.replace(self.state, **changes), intent)

    # -- captures -------------------------------------------------------------------------

    def _evidence(self, classified: Classified, **extra: Any) -> dict[str, Any]:
        i = self.inbound
        evidence: dict[str, Any] = {"provider": i.provider, "message_id": i.message_id,
                                    "body": i.text, "rule": classified.rule}
        if i.button_id:
            evidence["button_id"] = i.button_id
        if i.provider_keyword:
            evidence["opt_out_type"] = i.provider_keyword
        evidence.update({k: v for k, v in i.evidence.items() if k not in evidence})
        evidence.update({k: v for k, v in extra.items() if v is not None})
        return evidence

    def opt_out(self, classified: Classified, topics: tuple[str, ...] | None,
                **extra: Any) -> Capture:
        i = self.inbound
        return Capture(
            business=self.b.slug, **i.subject(), channel=i.channel,
            method="button" if i.button_id else "keyword", action=Action.OPT_OUT,
            topics=topics, occurred_at=i.occurred_at, language=self.lang,
            idempotency_key=f"{i.provider}:{i.message_id}",
            evidence=self._evidence(classified, **extra), personal=dict(i.personal),
            sender=i.sender, actor=i.provider)

    def opt_in(self, classified: Classified, topics: tuple[str, ...]) -> Capture:
        i = self.inbound
        attribution = self.state.attribution or {}
        evidence = self._evidence(
            classified, question_prompted_by=self.state.question_message_id,
            question_asked_at=self.state.asked_at, yes_message_id=self.state.yes_message_id)
        # Placement / ad evidence is merged in; the message's own evidence wins on a clash.
        for key, value in dict(attribution.get("evidence") or {}).items():
            evidence.setdefault(key, value)
        return Capture(
            business=self.b.slug, **i.subject(),
            channel=str(attribution.get("channel") or i.channel),
            method="button" if i.button_id else "keyword", action=Action.OPT_IN,
            topics=topics, wording_id=self.state.wording_id, language=self.lang,
            occurred_at=i.occurred_at, idempotency_key=f"{i.provider}:{i.message_id}",
            evidence=evidence, personal=dict(i.personal), sender=i.sender, actor=i.provider)

    # -- questions ------------------------------------------------------------------------

    def _wording(self, kind: str) -> Wording | None:
        for lang in (self.lang, *self.b.languages):
            wording = self.ctx.wording(kind, lang)
            if wording is not None:
                return wording
        return None

    def ask(self, intent: str, prefix: list[Reply] | None = None) -> Outcome:
        """The opt-in question: the SMS 'continue on WhatsApp?' or the WhatsApp topic list."""
        kind = "sms" if self.sms else "whatsapp"
        wording = self._wording(kind)
        if wording is None:  # no wording: we may not ask (R6/R7), so we stay quiet
            return self.out(intent, list(prefix or []), step=IDLE)
        self.lang = wording.language if wording.language in self.b.languages else self.lang
        changes = dict(step=AWAIT_YES if self.sms else AWAIT_TOPICS, asked_at=self.now,
                       asked_count=self.state.asked_count + 1, wording_id=wording.id,
                       question_message_id=self.inbound.message_id, yes_message_id=None,
                       retries=0, language=self.lang)
        if self.sms:
            return self.out(intent, [*(prefix or []), Reply(wording.text)], **changes)
        body = f"{wording.text}\n\n{self.t('how_to_choose')}\n{self.numbered()}"
        return self.out(intent, [*(prefix or []), Reply(body, *self._list())], **changes)

    def _list(self) -> tuple[tuple[Choice, ...], str, str]:
        if not self.inbound.interactive:
            return (), "", ""
        rows = [Choice("topics:all", self.t("row_all")[:ROW_TITLE])]
        for topic in self.b.topics[:MAX_LIST_TOPICS]:
            label = topic.label(self.lang)
            rows.append(Choice(f"topic:{topic.key}", label[:ROW_TITLE],
                               label[:ROW_DESCRIPTION] if len(label) > ROW_TITLE else ""))
        rows.append(Choice("optin:no", self.t("row_none")[:ROW_TITLE]))
        return tuple(rows), self.t("list_button"), self.t("list_section")

    def ask_topics_sms(self, intent: str) -> Outcome:
        body = f"{self.t('sms_topics')}\n{self.numbered()}"
        return self.out(intent, [Reply(body)], step=AWAIT_TOPICS, retries=0,
                        yes_message_id=self.inbound.message_id)

    def reask(self, intent: str) -> Outcome:
        if self.state.retries >= 1:  # asked again once already: go quiet, never block
            return self.out(intent, [], step=IDLE, retries=0)
        key = "sms_reask" if self.sms and self.state.step == AWAIT_YES else "reask"
        return self.out(intent, [Reply(self.t(key))], retries=self.state.retries + 1)

    # -- the step -------------------------------------------------------------------------

    def run(self, expired: bool) -> Outcome:
        i, b = self.inbound, self.b
        if i.confirmation is not None:
            key = "confirmed" if i.confirmation else "confirm_unknown"
            return self.out("confirmation", [Reply(self.t(key))], step=IDLE,
                            asked_count=self.state.asked_count + (1 if i.confirmation else 0))
        c = _interpret(i, b)
        step = self.state.step
        if c.intent is Intent.OPT_OUT:
            return self.stop(c)
        if c.intent is Intent.HELP:
            contact = setting_text(b.settings.get("help_contact"), self.lang, b.whatsapp_number)
            body = self.t("help", frequency=self.frequency(), contact=contact)
            if self.sms:
                body += self.t("rates") if self.lang == "ja" else " " + self.t("rates")
            return self.out("help", [Reply(body)])
        if c.intent is Intent.CHOICE and step == AWAIT_TOPICS and c.topics:
            return self.record(c, c.topics)
        if c.intent is Intent.DECLINE and step in AWAITING:
            capture = self.opt_out(c, None, declined=True)
            return self.out("decline", [Reply(self.t("declined"))], [capture], step=IDLE,
                            retries=0)
        if c.intent is Intent.OPT_IN:
            if step == AWAIT_YES:
                return self.ask_topics_sms("opt_in")
            if step == AWAIT_TOPICS:
                return self.reask("opt_in")
            return self.ask("opt_in")
        if step in AWAITING:
            return self.reask(str(c.intent))
        if expired and c.intent is Intent.CHOICE:
            return self.ask("choice_expired", [Reply(self.t("expired"))])
        if i.attribution:  # a QR code, link or ad invited them to opt in: ask
            return self.ask("attributed")
        if step == NEW and self.first_contact_question():
            intro = Reply(self.t("first_contact"))
            if self.sms:
                outcome = self.ask("first_contact")
                if outcome.replies:
                    merged = f"{intro.text}\n\n{outcome.replies[0].text}"
                    return dataclasses.replace(outcome, replies=(Reply(merged),))
                return outcome
            return self.ask("first_contact", [intro])
        return self.out(str(c.intent), [], step=IDLE if step == NEW else step)

    def first_contact_question(self) -> bool:
        """Ask on first contact? Business setting; never if already opted in to everything."""
        key = "sms_ask_whatsapp" if self.sms else "whatsapp_first_contact_question"
        mode = _setting(self.b, key, "once")
        if mode in (False, "never") or set(self.b.topic_keys) <= self.ctx.opted_in:
            return False
        if mode in ("once", True):
            return self.state.asked_count == 0
        return True  # "always": every new conversation

    def stop(self, c: Classified) -> Outcome:
        topics = c.topics
        if self.sms and not _setting(self.b, "sms_opt_out_ends_whatsapp", True):
            return self.out("opt_out", [Reply(self.t("sms_opt_out_only_sms"))], step=IDLE,
                            retries=0)
        capture = self.opt_out(c, topics)
        if topics and set(topics) != set(self.b.topic_keys):
            reply = self.t("opted_out_topics", topics=self.topics_text(topics))
        else:
            reply = self.t("opted_out_all")
        # A topic-scoped STOP leaves an open question open; a full STOP ends it.
        step = self.state.step if topics and self.state.step in AWAITING else IDLE
        return self.out("opt_out", [Reply(reply)], [capture], step=step, retries=0)

    def record(self, c: Classified, topics: tuple[str, ...]) -> Outcome:
        capture = self.opt_in(c, topics)
        body = self.t("confirm_optin", topics=self.topics_text(topics),
                      frequency=self.frequency())
        if self.sms:
            body += self.t("rates") if self.lang == "ja" else " " + self.t("rates")
        return self.out("opt_in", [Reply(body)], [capture], step=IDLE, retries=0)


def advance(business: Business, state: State | None, inbound: Inbound, ctx: Context) -> Outcome:
    """One inbound message through the dialog."""
    now = ctx.now or inbound.occurred_at
    expired = False
    if is_fresh(state, now):
        previous = state or State()
        expired = previous.step in AWAITING
        state = State(step=NEW, language=previous.language, started_at=now,
                      asked_count=previous.asked_count)
    assert state is not None
    if state.step in AWAITING and state.asked_at and now - state.asked_at > STEP_EXPIRY:
        state, expired = dataclasses.replace(state, step=IDLE, retries=0), True
    if inbound.attribution:
        state = dataclasses.replace(state, attribution=dict(inbound.attribution))
    return _Dialog(business, state, inbound, ctx).run(expired)
