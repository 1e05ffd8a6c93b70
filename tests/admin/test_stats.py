"""Source-quality statistics on scripted events, with numbers worked out by hand."""

from __future__ import annotations

import ast
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.admin import stats
from gateway.core.consent import Action, ConsentEvent, Status, WordingRef

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=30)
ALL = ("order_updates", "offers", "newsletter", "product_recommendations")
_ids = itertools.count(1)


def ev(ref: str, action: str, channel: str, at: datetime, topics: tuple[str, ...] = ("offers",),
       *, status: str = "confirmed", evidence: dict[str, Any] | None = None,
       wording: str | None = None) -> ConsentEvent:
    n = next(_ids)
    return ConsentEvent(
        event_id=f"e{n}", business_id=1, business_slug="demo", phone="", subject_ref=ref,
        action=Action(action), status=Status(status), topics=topics,
        all_topics=set(topics) == set(ALL), channel=channel, method="checkbox",
        wording=WordingRef(wording, 1, "ja", "0" * 64) if wording else None,
        policy_id="whatsapp-specific", policy_version=1, language="ja", occurred_at=at,
        idempotency_key=f"k{n}", evidence=evidence or {}, personal={})


def cohort(channel: str, members: int, leavers: int, days_ago: float, prefix: str
           ) -> list[ConsentEvent]:
    """``members`` opt-ins on ``channel``; the first ``leavers`` opt out a day later."""
    at = NOW - timedelta(days=days_ago)
    events = [ev(f"{prefix}{i}", "opt_in", channel, at) for i in range(members)]
    events += [ev(f"{prefix}{i}", "opt_out", "whatsapp", at + timedelta(days=1))
               for i in range(leavers)]
    return events


SCRIPT = (cohort("web_form", 100, 5, 20, "w") + cohort("ad", 40, 14, 5, "a")
          + cohort("sms", 10, 2, 3, "s"))


def test_opt_out_rates_per_source_against_the_rest_of_the_business() -> None:
    table = stats.opt_out_rates(SCRIPT, stats.by_channel, start=START, end=NOW)
    assert (table.members, table.opted_out) == (150, 21)
    assert table.rate == pytest.approx(0.14)
    groups = {g.key: g for g in table.groups}
    ad = groups["ad"]
    assert (ad.members, ad.opted_out, ad.rate) == (40, 14, 0.35)
    assert (ad.baseline_members, ad.baseline_opted_out) == (110, 7)
    assert ad.baseline_rate == pytest.approx(7 / 110)
    # pooled p = 21/150 = 0.14; se = sqrt(0.14 * 0.86 * (1/40 + 1/110)) = 0.064066
    assert ad.z == pytest.approx(4.4698, abs=1e-4)
    assert (ad.low, ad.high) == (pytest.approx(0.22134, abs=1e-5), pytest.approx(0.50494, abs=1e-5))
    assert ad.flagged and ad.reason == "above_baseline" and ad.new
    web = groups["web_form"]
    assert (web.members, web.opted_out, web.rate) == (100, 5, 0.05)
    assert web.z == pytest.approx(-4.4925, abs=1e-4)
    assert not web.flagged and web.reason == "ok" and not web.new
    sms = groups["sms"]
    assert (sms.members, sms.opted_out, sms.reason, sms.flagged) == (10, 2, "small_sample", False)
    assert [g.key for g in table.groups] == ["ad", "sms", "web_form"]  # flagged first, then rate
    assert [g.key for g in table.flagged] == ["ad"]


def test_new_is_judged_on_the_longer_history() -> None:
    history = stats.first_seen(SCRIPT + [ev("old", "opt_in", "ad", NOW - timedelta(days=25))],
                               stats.by_channel)
    assert history["ad"] == NOW - timedelta(days=25)
    groups = {g.key: g for g in stats.opt_out_rates(
        SCRIPT, stats.by_channel, start=NOW - timedelta(days=7), end=NOW,
        history=history).groups}
    assert not groups["ad"].new  # first used 25 days ago, though the 7-day window starts later
    assert groups["sms"].new
    assert "web_form" not in groups  # no opt-in through it in the last 7 days


def test_who_counts_as_opted_out() -> None:
    t0 = NOW - timedelta(days=3)
    events = [
        # opted out of another topic only: not an opt-out of what they chose here
        ev("x1", "opt_in", "qr", t0, ("offers",)),
        ev("x1", "opt_out", "sms", t0 + timedelta(hours=1), ("newsletter",)),
        # opt-out of everything counts
        ev("x2", "opt_in", "qr", t0, ("offers",)),
        ev("x2", "opt_out", "sms", t0 + timedelta(hours=1), ALL),
        # an opt-out before this opt-in does not count against the source
        ev("x3", "opt_out", "sms", t0 - timedelta(days=1), ALL),
        ev("x3", "opt_in", "qr", t0, ("offers",)),
        # a tie goes to the opt-out (as in the ledger's ordering rule)
        ev("x4", "opt_in", "qr", t0, ("offers", "newsletter")),
        ev("x4", "opt_out", "whatsapp", t0, ("newsletter",)),
        # two opt-ins through the same source are one member; topics are their union
        ev("x5", "opt_in", "qr", t0, ("offers",)),
        ev("x5", "opt_in", "qr", t0 + timedelta(hours=2), ("newsletter",)),
        ev("x5", "opt_out", "whatsapp", t0 + timedelta(hours=3), ("newsletter",)),
        # not members: pending, or outside the window
        ev("x6", "opt_in", "qr", t0, status="pending"),
        ev("x7", "opt_in", "qr", NOW - timedelta(days=40)),
        ev("x7", "opt_out", "sms", NOW - timedelta(days=1), ALL),
    ]
    table = stats.opt_out_rates(events, stats.by_channel, start=START, end=NOW)
    (qr,) = table.groups
    assert (qr.key, qr.members, qr.opted_out) == ("qr", 5, 3)  # x2, x4, x5
    assert qr.baseline_members == 0 and qr.z is None and qr.reason == "small_sample"


def test_a_significant_but_small_difference_is_not_flagged() -> None:
    many = cohort("checkout", 10_000, 800, 4, "c") + cohort("web_form", 10_000, 500, 4, "f")
    groups = {g.key: g for g in stats.opt_out_rates(many, stats.by_channel, start=START,
                                                    end=NOW).groups}
    checkout = groups["checkout"]
    assert checkout.z == pytest.approx(8.6049, abs=1e-4)  # sure, but only 3 points higher
    assert checkout.rate - checkout.baseline_rate < stats.MIN_LIFT
    assert not checkout.flagged and checkout.reason == "ok"


def test_minimum_sample_on_both_sides() -> None:
    # 19 members with 19 opt-outs is dramatic, but below MIN_SAMPLE it is not judged.
    events = cohort("ivr", 19, 19, 2, "i") + cohort("web_form", 100, 1, 9, "w")
    groups = {g.key: g for g in stats.opt_out_rates(events, stats.by_channel, start=START,
                                                    end=NOW).groups}
    assert groups["ivr"].rate == 1.0 and groups["ivr"].reason == "small_sample"
    assert not groups["ivr"].flagged
    events = cohort("ivr", 20, 19, 2, "i") + cohort("web_form", 100, 1, 9, "w")
    groups = {g.key: g for g in stats.opt_out_rates(events, stats.by_channel, start=START,
                                                    end=NOW).groups}
    assert groups["ivr"].flagged


def test_wilson_and_z_edge_cases() -> None:
    assert stats.wilson(0, 0) == (0.0, 0.0)
    low, high = stats.wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.27754, abs=1e-5)
    low, high = stats.wilson(10, 10)
    assert low == pytest.approx(0.72246, abs=1e-5) and high == 1.0
    assert stats.two_proportion_z(0, 10, 0, 10) is None  # no variation at all
    assert stats.two_proportion_z(1, 0, 1, 10) is None


def test_group_keys_for_placement_and_wording() -> None:
    t0 = NOW - timedelta(days=1)
    events = [
        ev("p1", "opt_in", "qr", t0, evidence={"placement_code": "K7Q2ZP"}, wording="w-v1"),
        ev("p2", "opt_in", "link", t0, evidence={"placement": "LINK22"}, wording="w-v2"),
        ev("p3", "opt_in", "ad", t0, evidence={"placement": {"code": "AD3333"}}),
        ev("p4", "opt_in", "web_form", t0),
    ]
    assert [stats.by_placement(e) for e in events] == ["K7Q2ZP", "LINK22", "AD3333", None]
    assert [stats.by_wording(e) for e in events] == ["w-v1", "w-v2", None, None]
    table = stats.opt_out_rates(events, stats.by_placement, start=START, end=NOW)
    assert sorted(g.key for g in table.groups) == ["AD3333", "K7Q2ZP", "LINK22"]


def test_daily_counts_use_the_business_time_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    events = [
        ev("d1", "opt_in", "sms", datetime(2026, 11, 23, 16, 0, tzinfo=UTC)),  # 11-24 01:00 JST
        ev("d2", "opt_in", "sms", datetime(2026, 11, 23, 14, 0, tzinfo=UTC)),  # 11-23 23:00 JST
        ev("d3", "opt_in", "qr", datetime(2026, 11, 24, 2, 0, tzinfo=UTC)),
        ev("d4", "opt_in", "qr", datetime(2026, 11, 24, 3, 0, tzinfo=UTC), status="pending"),
        ev("d5", "opt_out", "qr", datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
        ev("d6", "opt_in", "qr", datetime(2026, 11, 1, 3, 0, tzinfo=UTC)),  # before the 7 days
    ]
    daily = stats.daily_counts(events, stats.by_channel, end=NOW, days=7, tz=tokyo)
    assert daily["labels"] == ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21",
                               "2026-11-22", "2026-11-23", "2026-11-24"]
    assert daily["series"] == {"sms": [0, 0, 0, 0, 0, 1, 1], "qr": [0, 0, 0, 0, 0, 0, 1]}
    outs = stats.daily_counts(events, stats.by_channel, end=NOW, days=7, tz=tokyo,
                              action=Action.OPT_OUT)
    assert outs["series"] == {"qr": [0, 0, 0, 0, 0, 0, 1]}
    utc = stats.daily_counts(events, stats.by_channel, end=NOW, days=2, tz=UTC)
    assert utc["series"] == {"sms": [2, 0], "qr": [0, 1]}


def test_totals() -> None:
    got = stats.totals(SCRIPT, start=NOW - timedelta(days=7), end=NOW)
    # ad (5 days ago) 40 opt-ins + 14 opt-outs; sms 10 + 2; web_form is older than 7 days
    assert got == {"opt_ins": 50, "opt_outs": 16, "contacts_in": 50, "contacts_out": 16}


def test_stats_module_is_pure() -> None:
    """No SQL and no Flask: the statistics are arithmetic on domain events."""
    path = Path(stats.__file__)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    assert not {n for n in names if n.split(".")[0] in ("flask", "sqlalchemy", "werkzeug")
                or n.startswith("gateway.store")}
