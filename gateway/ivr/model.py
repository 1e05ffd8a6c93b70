"""Values the IVR state machine exchanges with the channel and the store (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from gateway.core.consent import Business, Wording

DEFAULT_THRESHOLD = 0.6  # speech below this confidence is confirmed with a key press


# -- what the machine exchanges with the channel ----------------------------------------------

@dataclass(frozen=True)
class Say:
    """One sentence to speak; ``id``/``sha256`` identify its wording in the evidence."""

    text: str
    lang: str
    id: str
    sha256: str


@dataclass(frozen=True)
class Gather:
    step: str
    input: str  # "dtmf" or "dtmf speech"
    language: str | None = None  # Twilio locale, for speech recognition
    num_digits: int | None = 1
    finish_on_key: str | None = None
    timeout: int = 6
    hints: str | None = None


@dataclass(frozen=True)
class Record:
    step: str
    max_length: int = 10
    timeout: int = 3
    finish_on_key: str = "#"


@dataclass(frozen=True)
class Reply:
    says: tuple[Say, ...]
    gather: Gather | None = None
    record: Record | None = None

    @property
    def hangup(self) -> bool:
        return self.gather is None and self.record is None


@dataclass(frozen=True)
class Answer:
    """One Twilio request to a step URL: keys, speech or a recording (all optional)."""

    at: datetime
    digits: str | None = None
    speech: str | None = None
    confidence: float | None = None
    recording_url: str | None = None
    recording_sid: str | None = None
    recording_duration: str | None = None


@dataclass(frozen=True)
class Decision:
    """What the caller chose; the channel turns it into a Capture and records it."""

    action: str  # opt_in / opt_out
    topics: tuple[str, ...] | None
    method: str  # dtmf / speech


@dataclass(frozen=True)
class Transition:
    reply: Reply
    decision: Decision | None = None


@dataclass(frozen=True)
class Context:
    """What a step needs besides the state: the business and its current IVR wordings."""

    business: Business
    wordings: Mapping[str, Wording]  # language -> current "ivr" wording

    @property
    def threshold(self) -> float:
        try:
            return float(self.business.settings.get("ivr_speech_confidence", DEFAULT_THRESHOLD))
        except (TypeError, ValueError):
            return DEFAULT_THRESHOLD

    @property
    def record_consent(self) -> bool:
        return bool(self.business.settings.get("ivr_record_consent"))


@dataclass
class CallState:
    """Everything known about one call; JSON-serialisable (see :meth:`to_json`)."""

    call_sid: str
    business_id: int
    languages: list[str]
    started_at: str
    step: str = "language"
    lang: str | None = None
    attempts: int = 0
    number_tries: int = 0
    phone: str | None = None  # E.164 the consent is for
    source: str | None = None  # caller_id / keyed
    caller_status: str = "ok"  # ok / withheld / not_mobile
    caller_raw: str = ""  # From as Twilio sent it (personal data)
    candidate: str | None = None  # keyed number waiting for confirmation
    keyed: str | None = None  # digits as keyed (personal data)
    stir_verstat: str | None = None
    pending: dict[str, Any] | None = None  # low-confidence speech awaiting a key press
    topic_index: int = 0
    chosen: list[str] = field(default_factory=list)
    consent_topics: list[str] | None = None  # chosen, waiting for the optional recording
    inputs: list[str] = field(default_factory=list)  # how each deciding answer was given
    log: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[dict[str, str]] = field(default_factory=list)  # heard before this step
    wording: dict[str, dict[str, Any]] = field(default_factory=dict)
    recording: dict[str, Any] | None = None
    confirmation: dict[str, str] | None = None
    choice: str | None = None  # the request's answer: all / topics / declined / opt_out
    outcome: str | None = None  # opt_in / opt_out / declined / no_topics / no_answer / ...
    decided_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallState:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


# -- what the store keeps per call ---------------------------------------------------------

@dataclass(frozen=True)
class IvrCall:
    call_sid: str
    business_id: int
    seq: int
    state: dict[str, Any]
    finished: bool
    created_at: datetime


@dataclass(frozen=True)
class StepWrite:
    """What one processed request leaves behind."""

    n: int
    step: str
    answer: dict[str, Any]
    twiml: str
    state: dict[str, Any]
    subject_ref: str | None
    outcome: str | None
    event_id: str | None = None
