"""The platform's delivery rules as pure functions (gateway.core.delivery): no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.core.delivery import (
    DELIVERABLE,
    EXPERIMENT_HOLDOUT,
    FREE_IN_WINDOW,
    MARKETING,
    NO_MARKETING_LIMIT,
    NOT_DELIVERED,
    UNDELIVERABLE,
    UTILITY,
    PlatformRule,
    Rules,
    country_of,
    decide,
    failure_fact,
    free_entry_fact,
    make_rule,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
US_RULE = PlatformRule(NOT_DELIVERED, "US", MARKETING, datetime(2025, 4, 1, tzinfo=UTC), "Meta")
RULES = Rules([US_RULE,
               PlatformRule(NO_MARKETING_LIMIT, "JP", MARKETING, datetime(2024, 2, 6, tzinfo=UTC),
                            "Meta"),
               PlatformRule(FREE_IN_WINDOW, "*", UTILITY, datetime(2025, 7, 1, tzinfo=UTC),
                            "Meta", until=datetime(2026, 10, 1, tzinfo=UTC))])


def failed(code: str, hours_ago: float = 1, provider: str = "meta") -> object:
    fact = failure_fact(provider, code, NOW - timedelta(hours=hours_ago), source_id="s",
                        evidence={})
    assert fact is not None
    return fact


def test_failures_map_to_facts_with_their_ends() -> None:
    limit = failure_fact("meta", "131049", NOW, source_id="w1", evidence={})
    assert limit is not None and limit.until == NOW + timedelta(hours=24)
    assert failure_fact("twilio", "63032", NOW, source_id="SM1", evidence={}).kind == \
        EXPERIMENT_HOLDOUT  # type: ignore[union-attr]
    assert failure_fact("twilio", "63024", NOW, source_id="SM2", evidence={}).kind == \
        UNDELIVERABLE  # type: ignore[union-attr]
    assert failure_fact("meta", "131047", NOW, source_id="w2", evidence={}) is None
    assert failure_fact("twilio", "131049", NOW, source_id="w3", evidence={}) is None


def test_nothing_known_is_deliverable() -> None:
    assert decide(MARKETING, "IN", [], None, RULES, NOW) is DELIVERABLE


def test_marketing_limit_blocks_marketing_only_and_ends() -> None:
    facts = [failed("131049")]
    blocked = decide(MARKETING, "IN", facts, None, RULES, NOW)
    assert (blocked.ok, blocked.reason) == (False, "marketing_limit")
    assert blocked.until == NOW + timedelta(hours=23)
    assert decide(UTILITY, "IN", facts, None, RULES, NOW).ok
    assert decide(MARKETING, "IN", facts, None, RULES, NOW + timedelta(hours=23, seconds=1)).ok
    # Off for a user or a business number in an excluded country; lifted inside the window.
    assert decide(MARKETING, "JP", facts, None, RULES, NOW).ok
    assert decide(MARKETING, "IN", facts, None, RULES, NOW, business_country="JP").ok
    assert decide(MARKETING, "IN", facts, NOW - timedelta(minutes=5), RULES, NOW).ok


def test_holdout_lifts_inside_a_service_or_free_entry_window() -> None:
    facts = [failed("130472")]
    assert decide(MARKETING, "IN", facts, None, RULES, NOW).reason == "experiment_holdout"
    assert decide(MARKETING, "IN", facts, NOW - timedelta(hours=2), RULES, NOW).ok
    free = free_entry_fact("meta", NOW - timedelta(hours=30), source_id="w", evidence={})
    inside = decide(MARKETING, "IN", [*facts, free], None, RULES, NOW)
    assert inside.ok and inside.free_window_until == NOW + timedelta(hours=42)


def test_undeliverable_blocks_everything_until_the_person_writes() -> None:
    facts = [failed("131026", hours_ago=3)]
    for category in (MARKETING, UTILITY, "authentication"):
        assert decide(category, "IN", facts, None, RULES, NOW).reason == "undeliverable"
    assert decide(UTILITY, "IN", facts, NOW - timedelta(hours=1), RULES, NOW).ok
    assert not decide(UTILITY, "IN", facts, NOW - timedelta(hours=5), RULES, NOW).ok


def test_a_standing_rule_outlasts_any_fact_and_applies_from_its_start() -> None:
    answer = decide(MARKETING, "US", [failed("131049")], None, RULES, NOW)
    assert (answer.reason, answer.until) == ("country_rule", None)
    assert answer.source is not None and answer.source["country"] == "US"
    assert decide(MARKETING, "US", [], None, RULES, datetime(2025, 3, 31, tzinfo=UTC)).ok
    assert decide(UTILITY, "US", [], None, RULES, NOW).ok


def test_free_window_depends_on_the_pricing_rule_in_force() -> None:
    window_from = NOW - timedelta(hours=1)
    assert decide(UTILITY, "IN", [], window_from, RULES, NOW).free_window_until is None
    before = datetime(2026, 9, 1, tzinfo=UTC)  # utility in the window was free until 1 Oct
    free = decide(UTILITY, "IN", [], before - timedelta(hours=1), RULES, before)
    assert free.free_window_until == before + timedelta(hours=23)
    assert decide(MARKETING, "IN", [], before - timedelta(hours=1), RULES, before) \
        .free_window_until is None


@pytest.mark.parametrize(("identifier", "country"), [
    ("+14155550100", "US"), ("+14165550100", "CA"), ("+17875550100", "PR"),
    ("+819012345678", "JP"), ("+447400123456", "GB"), ("+919812345678", "IN"),
    ("US.13491208655302741918", "US"), ("JP.ENT.1349", "JP"), ("", None), ("+999", None)])
def test_country_of(identifier: str, country: str | None) -> None:
    assert country_of(identifier) == country


def test_prefixes_let_most_numbers_skip_the_country_look_up() -> None:
    assert set(RULES.prefixes(NOT_DELIVERED, MARKETING, NOW)) == {"+1", "US."}
    assert RULES.prefixes(NOT_DELIVERED, UTILITY, NOW) == ()
    anywhere = Rules([PlatformRule(NOT_DELIVERED, "*", UTILITY, NOW, "s")])
    assert anywhere.prefixes(NOT_DELIVERED, UTILITY, NOW) == ("",)


@pytest.mark.parametrize(("args", "problem"), [
    (("nope", "US", None), "kind"), ((NOT_DELIVERED, "XX", None), "ISO 3166"),
    ((NOT_DELIVERED, "USA", None), "ISO 3166"), ((NOT_DELIVERED, "US", "promo"), "category")])
def test_rules_are_checked(args: tuple[str, str, str | None], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        make_rule(*args, since=NOW, source="https://example.test")
    with pytest.raises(ValueError, match="source"):
        make_rule(NOT_DELIVERED, "US", None, since=NOW, source=" ")
    with pytest.raises(ValueError, match="after"):
        make_rule(NOT_DELIVERED, "us", None, since=NOW, until=NOW, source="s")
    assert make_rule(NOT_DELIVERED, "us", MARKETING, since=NOW, source=" s ").country == "US"
