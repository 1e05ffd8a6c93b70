"""The contacts workspace's query: filters read from a query string, keyset page cursors,
and the plain records the store answers with (``gateway.store.contacts_query``).

Pure (no Flask, no SQL): the page (``views.contacts``) hands it ``request.args`` and shows
the problems it reports; the store turns a :class:`ContactFilter` into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from gateway.core.errors import GatewayError
from gateway.core.identity import is_bsuid
from gateway.core.identity import user_id as user_id_of
from gateway.core.limits import text_problem
from gateway.core.phones import to_e164

PAGE_SIZE = 50
STATUSES = ("opted_in", "opted_out", "pending")
DATE_FIELDS = ("activity", "created")
YES_NO = {"yes": True, "no": False}
MAX_QUERY = 100  # the search box's own maxlength
MAX_VALUE = 64  # any other parameter (a cursor is about 60 characters)
MIN_DIGITS = 4  # a shorter run of digits matches too much to mean a number
# Filter parameters (a link to the next page keeps them); the cursors come on top.
FILTER_ARGS = ("q", "topic", "status", "channel", "placement", "dates", "from", "to",
               "erased", "linked")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CURSOR = re.compile(r"[0-9]{1,19}(~[0-9]{1,19}){4}")
_MAX_ID = 2**63 - 1
_LATEST_MICROS = 253402300799999999  # 9999-12-31T23:59:59.999999Z


@dataclass(frozen=True)
class ContactFilter:
    """Which contacts a page or an export covers. Every part narrows; empty: every contact."""

    topic: str | None = None  # with status: that topic's state; alone: any state for it
    status: str | None = None  # opted_in, opted_out, pending (alone: for any topic)
    channel: str | None = None  # any of the contact's events came through it
    placement: str | None = None  # any of its events names this placement code
    dates: str = "activity"  # what since/until bound: last activity, or created
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC
    erased: bool | None = None
    linked: bool | None = None  # has a linked identifier (or not)
    refs: tuple[str, ...] = ()  # search: subject refs of the number or user ID typed
    text: str | None = None  # search: part of a name or username
    digits: str | None = None  # search: part of a number

    @property
    def searching(self) -> bool:
        return bool(self.refs or self.text or self.digits)


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or before) the row with activity ``at`` and ``id``, in
    the walk that began when the ledger head was at ``as_of_seq``, at ``as_of``."""

    as_of_seq: int
    as_of: datetime
    at: datetime
    id: int
    page: int  # the number of the page it leads to (shown only)

    def token(self) -> str:
        return "~".join(str(n) for n in (self.as_of_seq, _micros(self.as_of),
                                         _micros(self.at), self.id, self.page))

    @classmethod
    def parse(cls, token: str) -> Cursor | None:
        """The cursor in ``token``, or None for anything a page link never holds."""
        if not _CURSOR.fullmatch(token):
            return None
        seq, as_of, at, row_id, page = (int(part) for part in token.split("~"))
        if max(as_of, at) > _LATEST_MICROS or row_id > _MAX_ID or seq > _MAX_ID or \
                not 1 <= page <= 10**9:
            return None
        return cls(seq, _from_micros(as_of), _from_micros(at), row_id, page)


@dataclass(frozen=True)
class WorkspaceContact:
    id: int
    subject_ref: str
    phone: str | None  # None once erased, or for a contact known by user ID alone
    user_id: str | None
    username: str | None
    name: str | None
    created_at: datetime
    erased_at: datetime | None
    linked: bool
    last_activity_at: datetime  # its latest event (when the customer acted), else created_at
    topics: dict[str, str] = field(default_factory=dict)  # topic -> current status

    @property
    def identifier(self) -> str | None:
        return self.phone or self.user_id


@dataclass(frozen=True)
class ContactPage:
    contacts: list[WorkspaceContact]
    next: Cursor | None  # the following page, if any
    previous: Cursor | None  # the page before, if this is not the first
    number: int  # 1 for the first page
    restarted: bool = False  # so much changed since the walk began that it starts afresh


@dataclass(frozen=True)
class Problem:
    """Something in the query string the page could not use: a text key and its values."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class FilterRequest:
    """What the page reads from its query string."""

    filters: ContactFilter
    query: str = ""  # the search text, as typed (shown back in the box)
    exact: tuple[str, ...] = ()  # refs of a whole number / user ID (the contact opens)
    after: Cursor | None = None
    before: Cursor | None = None
    values: dict[str, str] = field(default_factory=dict)  # usable parameters, for links
    problems: list[Problem] = field(default_factory=list)


def read_filters(args: Mapping[str, str], *, topics: Collection[str],
                 channels: Collection[str], placements: Collection[str], tz: tzinfo,
                 country: str, ref_of: Callable[[str], str]) -> FilterRequest:
    """Filters from a query string. A value the page cannot use is left out and named in
    ``problems``; it never raises. ``ref_of`` gives the subject ref of an identifier."""
    out = FilterRequest(ContactFilter())
    values: dict[str, str] = {}
    for name in (*FILTER_ARGS, "after", "before"):
        raw = args.get(name) or ""
        value = raw.strip()
        if not value:
            continue
        problem = text_problem(value, MAX_QUERY if name == "q" else MAX_VALUE)
        if problem is not None:
            out.problems.append(Problem(f"workspace.err_{problem}", {"field": name}))
            continue
        values[name] = value
    choices: dict[str, tuple[Collection[str], str]] = {
        "topic": (topics, "workspace.err_topic"), "status": (STATUSES, "workspace.err_status"),
        "channel": (channels, "workspace.err_channel"),
        "placement": (placements, "workspace.err_placement"),
        "dates": (DATE_FIELDS, "workspace.err_value"), "erased": (YES_NO, "workspace.err_value"),
        "linked": (YES_NO, "workspace.err_value")}
    for name, (allowed, key) in choices.items():
        if name in values and values[name] not in allowed:
            out.problems.append(Problem(key, {"field": name, "value": values.pop(name)}))
    since = _day(values, "from", tz, out.problems)
    until = _day(values, "to", tz, out.problems)
    if since and until and since > until:
        out.problems.append(Problem("workspace.err_range"))
        values.pop("from"), values.pop("to")
        since = until = None
    for name in ("after", "before"):
        if name in values:
            cursor = Cursor.parse(values[name])
            if cursor is None:
                out.problems.append(Problem("workspace.err_cursor"))
                values.pop(name)
            setattr(out, name, cursor)
    refs, text, digits = _search(values.get("q", ""), country, ref_of)
    out.query, out.exact, out.values = values.get("q", ""), refs, values
    out.filters = ContactFilter(
        topic=values.get("topic"), status=values.get("status"), channel=values.get("channel"),
        placement=values.get("placement"), dates=values.get("dates", "activity"),
        since=since, until=until + timedelta(days=1) if until else None,
        erased=YES_NO.get(values.get("erased", "")), linked=YES_NO.get(values.get("linked", "")),
        refs=refs, text=text, digits=digits)
    return out


def _day(values: dict[str, str], name: str, tz: tzinfo, problems: list[Problem]
         ) -> datetime | None:
    """The start of a local day (YYYY-MM-DD, as a date input sends it), in UTC."""
    raw = values.get(name)
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw) if _DAY.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None or not 1970 <= day.year <= 9998:
        problems.append(Problem("workspace.err_date", {"field": name, "value": raw}))
        values.pop(name)
        return None
    return datetime.combine(day, time.min, tz).astimezone(UTC)


def _search(query: str, country: str, ref_of: Callable[[str], str]
            ) -> tuple[tuple[str, ...], str | None, str | None]:
    """A number in any format or a user ID (their subject refs), else a part of a name,
    username or number."""
    if not query:
        return (), None, None
    refs: list[str] = []
    try:
        if is_bsuid(query):  # a WhatsApp user ID is looked up as such, never as a number
            refs.append(ref_of(user_id_of(query)))
        else:
            refs.append(ref_of(to_e164(query, country)))
    except GatewayError:
        pass
    digits = "".join(ch for ch in query if ch.isdigit() and ch.isascii())
    return tuple(refs), query, digits if len(digits) >= MIN_DIGITS else None


def page_links(values: Mapping[str, str], page: ContactPage) -> dict[str, dict[str, str]]:
    """Query parameters of the next and previous page: the filters, and one cursor."""
    kept = {k: v for k, v in values.items() if k in FILTER_ARGS}
    links = {}
    if page.next is not None:
        links["next"] = {**kept, "after": page.next.token()}
    if page.previous is not None:
        links["previous"] = {**kept, "before": page.previous.token()}
    return links


def filter_values(values: Mapping[str, str]) -> dict[str, str]:
    """The filter parameters alone (the export link, the first page)."""
    return {k: v for k, v in values.items() if k in FILTER_ARGS}


def _micros(value: datetime) -> int:
    delta = value.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return max(0, (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds)


def _from_micros(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)
