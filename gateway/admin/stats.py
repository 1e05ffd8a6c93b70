"""Source quality (R10): opt-in counts and opt-out rates over consent events.

Pure functions over :class:`gateway.core.consent.ConsentEvent` sequences: no SQL, no Flask
(tests/admin/test_stats.py checks the imports). The store hands over the events of a
window; everything here is arithmetic on them, so it is tested with scripted events.

Definitions
-----------
* A *cohort member* is a (group, contact) pair: the contact opted in (confirmed) through
  that group — a source channel, a placement or a wording version — inside the window.
  Its opt-in time is the first such opt-in; its topics are the union of those opt-ins.
* The member *opted out* when the contact has any opt-out at or after that time naming at
  least one of those topics (an opt-out of everything names every topic). A tie counts
  as an opt-out, as in the ledger's ordering rule.
* The *opt-out rate* of a group = members who opted out / members.
* The *baseline* of a group = the pooled rate of every other group of the same kind
  (the rest of the business), so a bad source does not hide inside its own baseline.
* A group is *flagged* when it is clearly above its baseline: both sides have at least
  ``MIN_SAMPLE`` members, the one-sided two-proportion z-test gives z >= ``Z_CRITICAL``
  (p < 0.01), and the rate is at least ``MIN_LIFT`` above the baseline (so a huge
  business is not alarmed by a statistically sure but negligible difference).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from gateway.core.consent import Action, ConsentEvent, Status

MIN_SAMPLE = 20  # members on each side before a flag is considered
Z_CRITICAL = 2.326  # one-sided 1 % level
MIN_LIFT = 0.05  # at least 5 percentage points above the baseline
WILSON_Z = 1.96  # 95 % interval shown next to each rate
NEW_DAYS = 14  # a group first seen this recently is marked "new"

KeyFn = Callable[[ConsentEvent], str | None]


def by_channel(event: ConsentEvent) -> str | None:
    """Group key: the source channel."""
    return event.channel


def by_placement(event: ConsentEvent) -> str | None:
    """Group key: the placement code in the evidence.

    The placements area's attribution writes ``placement_code``; ``placement`` (a code, or
    a dict with ``code``) is accepted too, for API clients that send their own evidence.
    """
    value = event.evidence.get("placement_code") or event.evidence.get("placement")
    if isinstance(value, Mapping):
        value = value.get("code")
    return str(value) if value not in (None, "") else None


def by_wording(event: ConsentEvent) -> str | None:
    """Group key: the wording version id (e.g. ``demo-whatsapp-ja-v2``)."""
    return event.wording.id if event.wording else None


GROUPINGS: dict[str, KeyFn] = {"channel": by_channel, "placement": by_placement,
                               "wording": by_wording}


def wilson(successes: int, n: int, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 0) for an empty sample."""
    if n == 0:
        return 0.0, 0.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """z statistic of p1 - p2 with the pooled standard error; None when undefined."""
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None
    return (x1 / n1 - x2 / n2) / se


@dataclass(frozen=True)
class GroupRate:
    """The opt-out rate of one group, against the rest of the business."""

    key: str
    members: int
    opted_out: int
    rate: float
    low: float
    high: float
    baseline_members: int
    baseline_opted_out: int
    baseline_rate: float
    z: float | None
    flagged: bool
    reason: str  # above_baseline, ok, small_sample
    first_seen: datetime
    new: bool

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "members": self.members, "opted_out": self.opted_out,
                "rate": round(self.rate, 4), "low": round(self.low, 4),
                "high": round(self.high, 4), "baseline_rate": round(self.baseline_rate, 4),
                "baseline_members": self.baseline_members,
                "z": None if self.z is None else round(self.z, 2), "flagged": self.flagged,
                "reason": self.reason, "new": self.new,
                "first_seen": self.first_seen.isoformat()}


@dataclass(frozen=True)
class RateTable:
    """Every group of one kind, worst first, with the business-wide rate."""

    groups: list[GroupRate]
    members: int
    opted_out: int

    @property
    def rate(self) -> float:
        return self.opted_out / self.members if self.members else 0.0

    @property
    def flagged(self) -> list[GroupRate]:
        return [g for g in self.groups if g.flagged]


@dataclass
class _Member:
    since: datetime
    topics: set[str] = field(default_factory=set)


def _confirmed_opt_ins(events: Iterable[ConsentEvent], start: datetime, end: datetime
                       ) -> Iterable[ConsentEvent]:
    return (e for e in events if e.action is Action.OPT_IN and e.status is Status.CONFIRMED
            and start <= e.occurred_at <= end)


def first_seen(events: Iterable[ConsentEvent], key: KeyFn) -> dict[str, datetime]:
    """The first confirmed opt-in per group among ``events`` (what "new" is judged on)."""
    seen: dict[str, datetime] = {}
    for e in events:
        group = key(e) if e.action is Action.OPT_IN and e.status is Status.CONFIRMED else None
        if group is not None and (group not in seen or e.occurred_at < seen[group]):
            seen[group] = e.occurred_at
    return seen


def opt_out_rates(events: Iterable[ConsentEvent], key: KeyFn, *, start: datetime,
                  end: datetime, history: Mapping[str, datetime] | None = None) -> RateTable:
    """Opt-out rate per group for opt-ins in [start, end], each against its baseline.

    ``history`` gives each group's first opt-in over a longer look-back (see
    :func:`first_seen`); without it, a group's first opt-in inside the window is used.
    A group is *new* when that first opt-in is less than ``NEW_DAYS`` before ``end``.
    """
    events = list(events)
    members: dict[str, dict[str, _Member]] = defaultdict(dict)
    first: dict[str, datetime] = {}
    for e in sorted(_confirmed_opt_ins(events, start, end), key=lambda e: e.occurred_at):
        group = key(e)
        if group is None:
            continue
        first.setdefault(group, e.occurred_at)
        member = members[group].setdefault(e.subject_ref, _Member(e.occurred_at))
        member.topics.update(e.topics)
    opt_outs: dict[str, list[ConsentEvent]] = defaultdict(list)
    for e in events:
        if e.action is Action.OPT_OUT:
            opt_outs[e.subject_ref].append(e)

    def left(ref: str, m: _Member) -> bool:
        return any(o.occurred_at >= m.since and m.topics.intersection(o.topics)
                   for o in opt_outs.get(ref, ()))

    counts = {g: (len(ms), sum(left(ref, m) for ref, m in ms.items()))
              for g, ms in members.items()}
    total_n = sum(n for n, _ in counts.values())
    total_x = sum(x for _, x in counts.values())
    groups = []
    for group, (n, x) in counts.items():
        bn, bx = total_n - n, total_x - x
        z = two_proportion_z(x, n, bx, bn)
        rate, base = x / n, (bx / bn if bn else 0.0)
        enough = n >= MIN_SAMPLE and bn >= MIN_SAMPLE
        flagged = enough and z is not None and z >= Z_CRITICAL and rate - base >= MIN_LIFT
        reason = "above_baseline" if flagged else ("ok" if enough else "small_sample")
        low, high = wilson(x, n)
        seen = min(first[group], (history or {}).get(group, first[group]))
        groups.append(GroupRate(group, n, x, rate, low, high, bn, bx, base, z, flagged,
                                reason, seen, seen >= end - timedelta(days=NEW_DAYS)))
    groups.sort(key=lambda g: (not g.flagged, -g.rate, -g.members, g.key))
    return RateTable(groups, total_n, total_x)


def local_days(end: datetime, days: int, tz: tzinfo) -> list[date]:
    """The last ``days`` calendar days in ``tz``, oldest first, ending with ``end``'s day."""
    last = end.astimezone(tz).date()
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]


def daily_counts(events: Iterable[ConsentEvent], key: KeyFn, *, end: datetime, days: int,
                 tz: tzinfo, action: Action = Action.OPT_IN) -> dict[str, object]:
    """Events per local day and group: ``{"labels": [...], "series": {group: [...]}}``.

    Counts events (not contacts), confirmed only; series are ordered by their total.
    """
    labels = local_days(end, days, tz)
    index = {d: i for i, d in enumerate(labels)}
    series: dict[str, list[int]] = {}
    for e in events:
        if e.action is not action or e.status is not Status.CONFIRMED or e.occurred_at > end:
            continue
        day = index.get(e.occurred_at.astimezone(tz).date())
        group = key(e)
        if day is None or group is None:
            continue
        series.setdefault(group, [0] * len(labels))[day] += 1
    ordered = dict(sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0])))
    return {"labels": [d.isoformat() for d in labels], "series": ordered}


def totals(events: Iterable[ConsentEvent], *, start: datetime, end: datetime
           ) -> dict[str, int]:
    """Confirmed opt-in and opt-out events, and distinct contacts, in [start, end]."""
    ins = outs = 0
    contacts_in: set[str] = set()
    contacts_out: set[str] = set()
    for e in events:
        if not start <= e.occurred_at <= end or e.status is not Status.CONFIRMED:
            continue
        if e.action is Action.OPT_IN:
            ins += 1
            contacts_in.add(e.subject_ref)
        else:
            outs += 1
            contacts_out.add(e.subject_ref)
    return {"opt_ins": ins, "opt_outs": outs, "contacts_in": len(contacts_in),
            "contacts_out": len(contacts_out)}
