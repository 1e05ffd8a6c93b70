"""Will WhatsApp deliver it? The platform's delivery rules, beside consent (docs/delivery.md).

Consent says whether the person agreed; since 2025 the platform also refuses or caps sends
that have consent. This module is the pure part: template categories, the delivery facts a
failed send or a conversation leaves behind (each with its source and an end), the
operator-editable platform rules (country, category, since, source) and the decision
"deliverable now, or why not and until when". Facts are never consent events: a 131049 is
not an opt-out and ends nothing the person chose.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException

# -- template categories -------------------------------------------------------------------

MARKETING = "marketing"
UTILITY = "utility"
AUTHENTICATION = "authentication"
CATEGORIES = (MARKETING, UTILITY, AUTHENTICATION)

# -- windows and how long each fact lasts ----------------------------------------------------

SERVICE_WINDOW = timedelta(hours=24)  # after the person's last message or WhatsApp call [M4]
FREE_ENTRY_WINDOW = timedelta(hours=72)  # ad / page button chat answered in time [YC3]
# Meta: do not retry a 131049 sooner than 24 hours [M5].
MARKETING_LIMIT_RETRY = timedelta(hours=24)
# Meta gives no end to a holdout; a failed experiment send is not billed, so one retry a
# month costs little and notices a person who left the experiment.
HOLDOUT_RECHECK = timedelta(days=30)
# Not on WhatsApp, old app, terms not accepted: may change any day; a week between tries.
UNDELIVERABLE_RECHECK = timedelta(days=7)

# -- facts ---------------------------------------------------------------------------------

MARKETING_LIMIT = "marketing_limit"
EXPERIMENT_HOLDOUT = "experiment_holdout"
UNDELIVERABLE = "undeliverable"
FREE_ENTRY_POINT = "free_entry_point"
FACT_KINDS = (MARKETING_LIMIT, EXPERIMENT_HOLDOUT, UNDELIVERABLE, FREE_ENTRY_POINT)
COUNTRY_RULE = "country_rule"  # a reason from a platform rule, not a fact
REASONS = (COUNTRY_RULE, UNDELIVERABLE, MARKETING_LIMIT, EXPERIMENT_HOLDOUT)

# (provider, error code) of a failed send -> the fact it leaves. Twilio's codes are its
# own names for Meta's (Twilio's error pages and code mapping; docs/delivery.md).
FAILURES: Mapping[tuple[str, str], str] = {
    ("meta", "131049"): MARKETING_LIMIT, ("twilio", "63049"): MARKETING_LIMIT,
    ("meta", "130472"): EXPERIMENT_HOLDOUT, ("twilio", "63032"): EXPERIMENT_HOLDOUT,
    ("meta", "131026"): UNDELIVERABLE, ("twilio", "63024"): UNDELIVERABLE,
}
LASTS: Mapping[str, timedelta] = {
    MARKETING_LIMIT: MARKETING_LIMIT_RETRY, EXPERIMENT_HOLDOUT: HOLDOUT_RECHECK,
    UNDELIVERABLE: UNDELIVERABLE_RECHECK, FREE_ENTRY_POINT: FREE_ENTRY_WINDOW,
}
BLOCKS: Mapping[str, frozenset[str]] = {  # the categories a fact stops
    MARKETING_LIMIT: frozenset({MARKETING}), EXPERIMENT_HOLDOUT: frozenset({MARKETING}),
    UNDELIVERABLE: frozenset(CATEGORIES), FREE_ENTRY_POINT: frozenset(),
}
RULE_TEXT = {
    COUNTRY_RULE: "the platform does not deliver {category} templates to numbers in "
                  "{country} (platform rule since {since}; source: {source})",
    MARKETING_LIMIT: "per-user marketing limit (error {code}): retry no sooner than 24 h "
                     "after the failure; not an opt-out",
    EXPERIMENT_HOLDOUT: "marketing experiment holdout (error {code}): marketing reaches "
                        "this person only inside a service or free entry point window",
    UNDELIVERABLE: "message undeliverable (error {code}): not a WhatsApp user, an old app "
                   "or terms not accepted; tried again after a week or once they write",
}


@dataclass(frozen=True)
class DeliveryFact:
    """What a send or a conversation showed about reaching one subject, until when."""

    kind: str
    occurred_at: datetime
    until: datetime | None
    code: str = ""  # the provider's error code, if any
    provider: str = ""  # meta, twilio, gateway
    source_id: str = ""  # the status / message id that showed it
    evidence: Mapping[str, Any] = field(default_factory=dict)
    subject_ref: str = ""

    def active(self, now: datetime) -> bool:
        return self.until is None or self.until > now


def failure_fact(provider: str, code: str, at: datetime, *, source_id: str,
                 evidence: Mapping[str, Any]) -> DeliveryFact | None:
    """The fact a failed send leaves, or None when its error says nothing about delivery."""
    kind = FAILURES.get((provider, str(code).strip()))
    if kind is None:
        return None
    return DeliveryFact(kind, at, at + LASTS[kind], str(code).strip(), provider, source_id,
                        evidence)


def free_entry_fact(provider: str, answered_at: datetime, *, source_id: str,
                    evidence: Mapping[str, Any], until: datetime | None = None
                    ) -> DeliveryFact:
    """An ad or page-button chat the business answered within 24 h: 72 h free from the
    answer (or until the end Meta states)."""
    return DeliveryFact(FREE_ENTRY_POINT, answered_at, until or answered_at + FREE_ENTRY_WINDOW,
                        "", provider, source_id, evidence)


# -- platform rules (data an operator edits: docs/delivery.md) -------------------------------

NOT_DELIVERED = "not_delivered"  # templates of a category to a country are not delivered
NO_MARKETING_LIMIT = "no_marketing_limit"  # the per-user marketing limit is off there
FREE_IN_WINDOW = "free_in_window"  # templates of a category are free in the service window
NO_SIGNUP = "no_signup"  # In-App Signup links are not offered there
RULE_KINDS = (NOT_DELIVERED, NO_MARKETING_LIMIT, FREE_IN_WINDOW, NO_SIGNUP)
ANY = "*"


@dataclass(frozen=True)
class PlatformRule:
    kind: str
    country: str  # ISO 3166 alpha-2, or "*" for every country
    category: str | None  # None: every category
    since: datetime
    source: str
    until: datetime | None = None
    note: str = ""
    id: int | None = None

    def applies(self, country: str | None, category: str | None, now: datetime) -> bool:
        return (self.country in (ANY, country) and self.category in (None, category)
                and self.since <= now and (self.until is None or now < self.until))


def make_rule(kind: str, country: str, category: str | None, *, since: datetime,
              source: str, until: datetime | None = None, note: str = "") -> PlatformRule:
    """A checked rule: a known kind, a country (ISO alpha-2 or "*"), a category or None,
    a source (where the platform said it) and an end after its start."""
    country = country.strip().upper()
    if kind not in RULE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(RULE_KINDS)}")
    if country != ANY and (len(country) != 2 or not country.isalpha() or
                           country not in phonenumbers.SUPPORTED_REGIONS):
        raise ValueError("country must be an ISO 3166 alpha-2 code (e.g. US) or *")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)} (or none)")
    if not source.strip() or len(source) > 500 or len(note) > 200:
        raise ValueError("a source (where the platform says so) of at most 500 characters "
                         "is required; a note of at most 200")
    if until is not None and until <= since:
        raise ValueError("until must come after since")
    return PlatformRule(kind, country, category, since, source.strip(), until, note.strip())


class Rules:
    """The rules as loaded, with the look-ups the hot path needs."""

    def __init__(self, rules: Iterable[PlatformRule] = ()):
        self.all = tuple(rules)
        self._prefixes: dict[tuple[str, str | None, int], tuple[str, ...]] = {}

    def find(self, kind: str, country: str | None, category: str | None, now: datetime
             ) -> PlatformRule | None:
        return next((r for r in self.all if r.kind == kind and r.applies(country, category,
                                                                         now)), None)

    def prefixes(self, kind: str, category: str | None, now: datetime) -> tuple[str, ...]:
        """Beginnings of the identifiers a rule may touch ("+1", "US."): everything else
        skips the country look-up. ("",) when a rule covers every country."""
        key = (kind, category, int(now.timestamp()) // 60)
        if key not in self._prefixes:
            found: set[str] = set()
            for rule in self.all:
                if rule.kind != kind or not rule.applies(rule.country, category, now):
                    continue
                if rule.country == ANY:
                    found = {""}
                    break
                code = phonenumbers.country_code_for_region(rule.country)
                found |= {f"+{code}"} if code else set()
                found.add(f"{rule.country}.")
            self._prefixes[key] = tuple(sorted(found))
        return self._prefixes[key]


class DeliveryReads(Protocol):
    """What eligibility reads of delivery: ``gateway.store.delivery_store`` implements it."""

    def facts(self, business_id: int, refs: Iterable[str], now: datetime
              ) -> dict[str, list[DeliveryFact]]: ...
    def history(self, business_id: int, refs: Iterable[str], limit: int = 100
                ) -> list[DeliveryFact]: ...
    def rules(self) -> Rules: ...


# -- where a number or user ID is from -------------------------------------------------------

_NANP: dict[str, str] = {}  # "+1NPA" -> region: the area code decides in the +1 plan
_LOCK = threading.Lock()


def country_of(identifier: str) -> str | None:
    """ISO country of an E.164 number (libphonenumber), or of a user ID by its prefix (the
    BSUID's ``CC.``; whether Meta always uses the number's country there is uncertain)."""
    if not identifier:
        return None
    if not identifier.startswith("+"):
        return identifier[:2] if identifier[2:3] == "." else None
    for width in (1, 2, 3):
        digits = identifier[1:1 + width]
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(digits)) if digits.isdigit() else None
        if regions:
            break
    else:
        return None
    if len(regions) == 1:
        return None if regions[0] == "001" else regions[0]
    key = identifier[:5] if regions[0] == "US" else identifier
    found = _NANP.get(key)
    if found is None:
        try:
            found = phonenumbers.region_code_for_number(phonenumbers.parse(identifier))
        except NumberParseException:
            found = None
        if found and regions[0] == "US":
            with _LOCK:
                _NANP[key] = found
    return found


def limit_off(rules: Rules, now: datetime, *countries: str | None) -> bool:
    """Is the per-user marketing limit off for a send between these countries?"""
    return any(rules.find(NO_MARKETING_LIMIT, c, MARKETING, now) is not None
               for c in countries if c)


# -- the decision -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Deliverability:
    """Will the platform deliver a template of ``category`` now? With why not and until."""

    ok: bool
    reason: str | None = None  # REASONS
    until: datetime | None = None  # when the block ends (None: while the rule stands)
    since: datetime | None = None
    rule: str = ""
    source: Mapping[str, Any] | None = None  # the fact or the platform rule behind it
    free_window_until: datetime | None = None
    window_open_until: datetime | None = None  # the 24-hour service window


DELIVERABLE = Deliverability(True)


def _fact_source(fact: DeliveryFact) -> dict[str, Any]:
    return {"type": "delivery_fact", "kind": fact.kind, "provider": fact.provider,
            "code": fact.code or None, "source_id": fact.source_id or None,
            "occurred_at": fact.occurred_at}


def decide(category: str, country: str | None, facts: Sequence[DeliveryFact],
           last_inbound_at: datetime | None, rules: Rules, now: datetime,
           business_country: str | None = None) -> Deliverability:
    """Deliverable now? Every block that applies is weighed; the answer names the one that
    lasts longest (a rule that stands beats any fact). ``country``: the person's;
    ``business_country``: the business number's (Meta lifts the per-user marketing limit
    for either in its excluded countries)."""
    window = last_inbound_at + SERVICE_WINDOW if last_inbound_at is not None and \
        last_inbound_at + SERVICE_WINDOW > now else None
    free = max((f.until for f in facts if f.kind == FREE_ENTRY_POINT and f.active(now)
                and f.until is not None), default=None)
    blocks: list[tuple[str, datetime | None, datetime, str, dict[str, Any]]] = []
    rule = rules.find(NOT_DELIVERED, country, category, now)
    if rule is not None:
        blocks.append((COUNTRY_RULE, rule.until, rule.since, RULE_TEXT[COUNTRY_RULE].format(
            category=category, country=country, since=rule.since.date().isoformat(),
            source=rule.source), {"type": "platform_rule", "id": rule.id, "kind": rule.kind,
                                  "country": rule.country, "category": rule.category,
                                  "since": rule.since, "source": rule.source}))
    for fact in facts:
        if not fact.active(now) or category not in BLOCKS.get(fact.kind, ()):
            continue
        if fact.kind == UNDELIVERABLE and last_inbound_at is not None and \
                last_inbound_at >= fact.occurred_at:
            continue  # they wrote since: they are on WhatsApp now
        if fact.kind == MARKETING_LIMIT and (window is not None or limit_off(
                rules, now, country, business_country)):
            continue  # in-window marketing is not capped; some countries have no cap
        if fact.kind == EXPERIMENT_HOLDOUT and (window is not None or free is not None):
            continue  # held-out people still get marketing inside an open window
        blocks.append((fact.kind, fact.until, fact.occurred_at,
                       RULE_TEXT[fact.kind].format(code=fact.code or "?"), _fact_source(fact)))
    in_window_free = window is not None and rules.find(
        FREE_IN_WINDOW, country, category, now) is not None
    free = max([d for d in (free, window if in_window_free else None) if d], default=None)
    if not blocks:
        if free is None and window is None:
            return DELIVERABLE
        return Deliverability(True, free_window_until=free, window_open_until=window)
    # The block that lasts longest decides ("while the rule stands" beats any end).
    reason, until, since, text, source = max(blocks, key=lambda b: (b[1] is None, b[1] or now))
    return Deliverability(False, reason, until, since, text, source, free, window)
