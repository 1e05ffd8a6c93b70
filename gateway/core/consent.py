"""The consent domain: what a channel captures and what the ledger keeps.

Pure standard library on purpose: the rules here must be testable without a
web framework or a database (see tests/architecture/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from gateway.core.delivery import Deliverability


class Action(StrEnum):
    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"
    # Not a consent: two identifiers of one person (gateway.core.subjects), in the ledger
    # like every proof. Never a capture's action.
    LINK = "link"


class Status(StrEnum):
    CONFIRMED = "confirmed"
    PENDING = "pending"  # double opt-in waiting for confirmation: never eligible


CHANNELS = frozenset(
    {"web_form", "widget", "checkout", "sms", "ivr", "whatsapp", "qr", "link", "ad", "paper",
     "api", "admin"}
)
METHODS = frozenset(
    {"checkbox", "keyword", "dtmf", "speech", "button", "signature", "api", "admin", "provider"}
)


@dataclass(frozen=True)
class Topic:
    """A kind of message a contact may choose (R8)."""

    key: str
    category: str  # the WhatsApp template category it is sent as (gateway.core.delivery)
    labels: Mapping[str, str]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.key


DEFAULT_TOPICS: tuple[Topic, ...] = (
    Topic("order_updates", "utility", {"en": "Order and delivery updates", "ja": "注文・配送のお知らせ"}),
    Topic("offers", "marketing", {"en": "Offers and promotions", "ja": "お得なキャンペーン情報"}),
    Topic("newsletter", "marketing", {"en": "Newsletter", "ja": "ニュースレター"}),
    Topic(
        "product_recommendations",
        "marketing",
        {"en": "Product recommendations", "ja": "おすすめ商品のご案内"},
    ),
)


@dataclass(frozen=True)
class Policy:
    """The opt-in policy an event was judged under (R7 policy note)."""

    id: str
    version: int
    requires_whatsapp: bool


POLICIES: Mapping[str, Policy] = MappingProxyType(
    {
        # The brief's rule: the wording must say WhatsApp and name the business.
        "whatsapp-specific": Policy("whatsapp-specific", 1, requires_whatsapp=True),
        # Meta's opt-in policy of November 2024: messaging in general, business named.
        "meta-general-2024-11": Policy("meta-general-2024-11", 1, requires_whatsapp=False),
    }
)
DEFAULT_POLICY = "whatsapp-specific"


@dataclass(frozen=True)
class Business:
    """A tenant, as the domain sees it."""

    id: int
    slug: str
    name: str
    whatsapp_number: str  # E.164
    country: str  # ISO 3166 alpha-2, default region for national numbers
    languages: tuple[str, ...] = ("ja", "en")
    topics: tuple[Topic, ...] = DEFAULT_TOPICS
    aliases: tuple[str, ...] = ()  # other spellings of the name, e.g. katakana
    double_opt_in: bool = False
    policy_id: str = DEFAULT_POLICY
    opt_out_scope: str = "business"  # "business", "whatsapp_numbers" or "sender"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def topic_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.topics)

    def topic(self, key: str) -> Topic | None:
        return next((t for t in self.topics if t.key == key), None)

    @property
    def policy(self) -> Policy:
        return POLICIES.get(self.policy_id, POLICIES[DEFAULT_POLICY])

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Wording:
    """One immutable version of the text shown or spoken when asking for consent."""

    id: str
    business_id: int
    kind: str  # which capture it is used for: web_form, sms, ivr, paper, ...
    language: str
    version: int
    text: str
    sha256: str
    inline: bool = False  # sent with a capture (API), never the "current" wording of its kind


@dataclass(frozen=True)
class Capture:
    """What a channel adapter hands to the normaliser: raw, as the channel gave it."""

    business: str  # slug
    phone: str  # as given; "" when the person is known by user_id alone
    channel: str
    method: str
    action: str = Action.OPT_IN
    topics: tuple[str, ...] | None = None  # None: all topics (opt-outs only)
    country: str | None = None
    wording_id: str | None = None
    wording_kind: str | None = None  # use the business's current wording of this kind...
    language: str | None = None  # ...in this language
    wording_text: str | None = None  # or the exact text shown (kept as an inline version)
    occurred_at: datetime | str | None = None
    idempotency_key: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    personal: Mapping[str, Any] = field(default_factory=dict)  # name, IP...: erasable vault
    pending: bool = False  # double opt-in: recorded, but not eligible until confirmed
    phone_is_wa_id: bool = False  # digits without "+" from WhatsApp (WaId, wa_id)
    sender: str | None = None  # the business number the signal arrived on (opt-out scope)
    actor: str | None = None  # who wrote it: api key id, staff user, "twilio"...
    # SHA-256 of the request that carried it (API): the same idempotency key with another
    # request is a conflict, whatever field differs.
    fingerprint: str | None = None
    user_id: str | None = None  # WhatsApp business-scoped user ID, when there is no phone


@dataclass(frozen=True)
class WordingRef:
    id: str
    version: int
    language: str
    sha256: str


@dataclass(frozen=True)
class ConsentEvent:
    """One canonical, immutable opt-in or opt-out."""

    event_id: str
    business_id: int
    business_slug: str
    phone: str  # E.164, "" for a subject known by user_id (or once erased)
    subject_ref: str  # keyed digest of the identifier: what the ledger hashes (R9, erasure)
    action: Action
    status: Status
    topics: tuple[str, ...]
    all_topics: bool
    channel: str
    method: str
    wording: WordingRef | None
    policy_id: str
    policy_version: int
    language: str | None
    occurred_at: datetime
    idempotency_key: str
    evidence: Mapping[str, Any]
    personal: Mapping[str, Any]
    sender: str | None = None
    actor: str | None = None
    fingerprint: str | None = None  # of the request (API); not part of the ledger entry
    user_id: str | None = None  # the BSUID the subject is, when it is not a phone number
    # Set by the ledger when recorded:
    seq: int | None = None
    recorded_at: datetime | None = None
    prev_hash: str | None = None
    hash: str | None = None


@dataclass(frozen=True)
class Recorded:
    """The outcome of one write: the stored event and whether this call created it."""

    event: ConsentEvent
    created: bool


@dataclass(frozen=True)
class Eligibility:
    """The answer to 'may I send a template on this topic to this number?'."""

    allowed: bool
    # consented, no_consent, opted_out, topic_not_chosen, pending_confirmation, or when
    # consented but not deliverable: gateway.core.delivery.REASONS
    reason: str
    phone: str
    topic: str
    event_id: str | None = None
    since: datetime | None = None
    rule: str = ""
    window_open_until: datetime | None = None
    user_id: str | None = None  # the BSUID asked about (phone is then "")
    decided_by: str | None = None  # the identifier the deciding event was recorded under
    # The platform's side (gateway.core.delivery): ``allowed`` is consent AND deliverable
    # now; ``reason`` / ``rule`` then name the platform's block. The consent alone:
    category: str = ""  # the template category the topic is sent as
    consent: bool | None = None  # None: no platform check was made (allowed says it all)
    consent_reason: str = ""
    consent_rule: str = ""
    deliverable: Deliverability | None = None


# What an event makes each of its topics.
STATE_OF = {
    (Action.OPT_IN, Status.CONFIRMED): "opted_in",
    (Action.OPT_IN, Status.PENDING): "pending",
    (Action.OPT_OUT, Status.CONFIRMED): "opted_out",
}

# A point in time: a datetime, or (the bulk path) its fixed-width UTC text, which sorts alike.
Moment = TypeVar("Moment", datetime, str)


def supersedes(action: Action, new_status: str, occurred_at: Moment, current_status: str,
               current_at: Moment) -> bool:
    """Does an event replace a topic's current state? Shared by ``record`` and the bulk path.

    Order by when the customer acted; a tie goes to the opt-out (design rule 2). A repeated
    form that still needs confirming never downgrades a confirmed consent.
    """
    newer = occurred_at > current_at or (occurred_at == current_at and action is Action.OPT_OUT)
    downgrade = new_status == "pending" and current_status == "opted_in"
    return newer and not downgrade
