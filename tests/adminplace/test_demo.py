"""The demo creates the placements its opt-ins name, with a believable funnel, once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.admin.demo_data import seed_demo
from gateway.admin.demo_placements import DEMO_PLACEMENTS
from gateway.core.consent import Business

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def test_demo_placements_match_the_demo_opt_ins(gw: Any, business: Business) -> None:
    seed_demo(gw, business, now=NOW)
    events = gw.admin_store.events_since(business, NOW - timedelta(days=90))
    named = Counter(e.evidence["placement_code"] for e in events
                    if e.action == "opt_in" and "placement_code" in e.evidence)
    placements = {p.code: p for p in gw.placements.list(business)}
    assert set(placements) == {row[0] for row in DEMO_PLACEMENTS} and set(named) < set(placements)
    funnels = {f.code: f for f in gw.placements.funnel(business)}
    for code, n in named.items():
        f = funnels[code]
        assert f.opt_ins == n and f.chats_started >= n and f.scans + f.clicks > f.chats_started
        assert placements[code].created_at < NOW - timedelta(days=10)
    assert funnels["SHBY7K2Q"].scans > 0 and funnels["SHBY7K2Q"].clicks == 0
    assert funnels["AUTM6H2W"].clicks > 0 and funnels["AUTM6H2W"].opt_outs > 0
    poster = placements["SMMR5P3K"]
    assert poster.status == "retired" and poster.retired_at is not None
    assert poster.retired_at < NOW - timedelta(days=30) and funnels["SMMR5P3K"].opt_ins == 0
    assert gw.placements.store.clock() > NOW  # the real clock is back after the back-dating
    # attribution keeps working on the demo codes: the funnel counts a new chat
    assert gw.placements.visit("SHBY7K2Q", scan=True, lang="ja",
                               user_agent="Mozilla/5.0 (iPhone)").outcome == "redirect"
    assert gw.placements.visit("SMMR5P3K", scan=True, lang="ja").outcome == "retired"
    # a rerun changes nothing
    before = {c: f.as_dict() for c, f in funnels.items()}
    seed_demo(gw, business, now=NOW + timedelta(hours=5))
    after = {f.code: f.as_dict() for f in gw.placements.funnel(business)}
    after["SHBY7K2Q"]["scans"] -= 1  # the visit above
    after["SHBY7K2Q"]["visits"] -= 1
    assert {c: {k: v for k, v in f.items() if k not in ("rates", "unique_visitors")}
            for c, f in after.items()} == \
        {c: {k: v for k, v in f.items() if k not in ("rates", "unique_visitors")}
         for c, f in before.items()}
