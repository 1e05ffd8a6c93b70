"""The contacts workspace's store query on SQLite and PostgreSQL: every filter returns exactly
its contacts whichever way a page is read, and a walk through the pages sees each contact
once while the ledger grows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import gateway.store.contacts_query as query
from gateway.admin.contact_filters import ContactFilter, ContactPage
from gateway.core.consent import Business, Capture
from gateway.core.identity import PHONE, USER_ID, Identifier

NOW = datetime.now(UTC).replace(microsecond=0)
BSUID = "JP.13491208655302741918"
# How a page finds its rows (gateway.store.contacts_query): as shipped; always from the
# smallest indexed part; never from one (walk or scan everything).
STRATEGIES = {"default": {}, "driven": {"WINDOW": 1, "SMALL_DRIVER": 0},
              "walked": {"WINDOW": 1, "MAX_DRIVEN": -1}}


def num(n: int, block: int = 1234) -> str:
    return f"+8190{block}{n:04d}"


def cap(gw: Any, business: Business, phone: str, days_ago: float, *,
        topics: tuple[str, ...] = ("offers",), channel: str = "web_form",
        method: str = "checkbox", **kw: Any) -> Any:
    capture = Capture(business=business.slug, phone=phone, channel=channel, method=method,
                      topics=topics, wording_kind=kw.pop("wording_kind", "web_form"),
                      occurred_at=NOW - timedelta(days=days_ago), **kw)
    return gw.service.capture(capture, business)


def ref(gw: Any, business: Business, identifier: str) -> str:
    return gw.service.ref(business, identifier)


@pytest.fixture
def people(gw: Any, business: Business) -> dict[str, int]:
    """Contacts with known states, channels, placements, dates, erasure and links."""
    cap(gw, business, num(1), 30, personal={"name": "Aiko Tanaka"})
    cap(gw, business, num(2), 20, topics=("offers", "newsletter"), channel="qr",
        method="button", wording_kind="whatsapp", evidence={"placement_code": "QRSHOP01"})
    cap(gw, business, num(3), 10, topics=("newsletter",), channel="link", method="button",
        wording_kind="whatsapp", evidence={"placement": {"code": "LINKAD02"}})
    cap(gw, business, num(3), 5, topics=("newsletter",), channel="sms", method="keyword",
        action="opt_out", wording_kind=None)
    cap(gw, business, num(4), 3, pending=True, personal={"name": "=HYPERLINK(\"x\")"})
    cap(gw, business, num(5), 400, topics=("order_updates",), channel="ivr", method="dtmf",
        wording_kind="ivr")
    cap(gw, business, num(6), 50, personal={"name": "Erased Person"})
    gw.proof.erase(business, num(6), actor="test")  # withdraws every topic, now
    cap(gw, business, num(7), 60, personal={"username": "kenji_w"})
    gw.service.link(business, Identifier(PHONE, num(7)), Identifier(USER_ID, BSUID),
                    evidence={"wamid": "wamid.LINK"}, occurred_at=NOW - timedelta(days=59))
    cap(gw, business, "", 2, user_id="JP.99999999999999999999", channel="whatsapp",
        method="button", wording_kind="whatsapp")
    gw.store.touch_inbound(business.id, ref(gw, business, num(9)), num(9),
                           NOW - timedelta(days=1))
    ids = {}
    for key, identifier in {**{f"p{n}": num(n) for n in (1, 2, 3, 4, 5, 6, 7, 9)},
                            "bsuid": BSUID, "uid": "JP.99999999999999999999"}.items():
        found = gw.admin_store.contact_by_ref(business.id, ref(gw, business, identifier))
        ids[key] = found.id
    return ids


def walk(gw: Any, business: Business, flt: ContactFilter, size: int = 3,
         between: Any = None) -> list[int]:
    """Every page from the first, following the next links; ``between(n)`` runs after page n."""
    seen: list[int] = []
    page: ContactPage = gw.admin_store.contacts_page(business.id, flt, size=size)
    n = 1
    while True:
        assert page.number == n
        seen += [c.id for c in page.contacts]
        if between:
            between(n)
        if page.next is None:
            return seen
        page = gw.admin_store.contacts_page(business.id, flt, after=page.next, size=size)
        n += 1


CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "everyone": ({}, ["p9", "p6", "uid", "p4", "p3", "p2", "p1", "bsuid", "p7", "p5"]),
    "offers in": ({"topic": "offers", "status": "opted_in"}, ["uid", "p2", "p1", "p7"]),
    "newsletter out": ({"topic": "newsletter", "status": "opted_out"}, ["p6", "p3"]),
    "pending": ({"status": "pending"}, ["p4"]),
    "any state, order_updates": ({"topic": "order_updates"}, ["p6", "p5"]),
    "opted out of anything": ({"status": "opted_out"}, ["p6", "p3"]),
    "channel qr": ({"channel": "qr"}, ["p2"]),
    "channel sms": ({"channel": "sms"}, ["p3"]),
    "channel admin (erasure opt-out)": ({"channel": "admin"}, ["p6"]),
    "placement code": ({"placement": "QRSHOP01"}, ["p2"]),
    "placement object": ({"placement": "LINKAD02"}, ["p3"]),
    "placement unknown": ({"placement": "NOPE0000"}, []),
    "activity last 15 days": ({"since": NOW - timedelta(days=15)},
                              ["p9", "p6", "uid", "p4", "p3"]),
    "activity 25-100 days ago": ({"since": NOW - timedelta(days=100),
                                  "until": NOW - timedelta(days=25)}, ["p1", "bsuid", "p7"]),
    "erased": ({"erased": True}, ["p6"]),
    "not erased, web form": ({"erased": False, "channel": "web_form"}, ["p4", "p1", "p7"]),
    "linked": ({"linked": True}, ["bsuid", "p7"]),
    "not linked, opted in": ({"linked": False, "status": "opted_in"}, ["uid", "p2", "p1",
                                                                        "p5"]),
    "name": ({"text": "tanaka"}, ["p1"]),
    "username": ({"text": "KENJI"}, ["p7"]),
    "digits": ({"text": "0005", "digits": "0005"}, ["p5"]),
    "like wildcards are literal": ({"text": "%"}, []),
    "combination": ({"topic": "offers", "status": "opted_in", "channel": "qr",
                     "since": NOW - timedelta(days=25), "erased": False}, ["p2"]),
}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_each_filter_returns_exactly_its_contacts(gw: Any, business: Business,
                                                  people: dict[str, int], strategy: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in STRATEGIES[strategy].items():
        monkeypatch.setattr(query, name, value)
    for case, (fields, expected) in CASES.items():
        flt = ContactFilter(**fields)
        want = [people[k] for k in expected]
        assert walk(gw, business, flt) == want, case
        exported = [c.id for block in gw.admin_store.contact_blocks(business.id, flt, block=2)
                    for c in block]
        assert exported == want, case


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_exact_number_and_created_order(gw: Any, business: Business, people: dict[str, int],
                                        strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in STRATEGIES[strategy].items():
        monkeypatch.setattr(query, name, value)
    exact = ContactFilter(refs=(ref(gw, business, num(3)),), text="090")
    assert walk(gw, business, exact) == [people["p3"]]
    by_created = walk(gw, business, ContactFilter(dates="created"))
    rows = [c for block in gw.admin_store.contact_blocks(business.id, ContactFilter())
            for c in block]
    assert by_created == [c.id for c in sorted(rows, key=lambda c: (c.created_at, c.id),
                                               reverse=True)]
    recent = ContactFilter(dates="created", since=NOW - timedelta(hours=1))
    assert set(walk(gw, business, recent)) == {c.id for c in rows}  # all added just now


def test_paging_sees_every_contact_once_while_events_arrive(gw: Any, business: Business
                                                            ) -> None:
    phones = [num(n) for n in range(100, 160)]
    for i, phone in enumerate(phones):  # one a day, oldest last
        cap(gw, business, phone, 1 + i, idempotency_key=f"first-{i}")
    start = {c.id for block in gw.admin_store.contact_blocks(business.id, ContactFilter())
             for c in block}

    def meanwhile(n: int) -> None:
        cap(gw, business, phones[-n], 0.01 * n, idempotency_key=f"later-{n}")  # not yet seen
        cap(gw, business, phones[n - 1], 0.02 * n, idempotency_key=f"again-{n}")  # seen
        cap(gw, business, num(n, 8888), 0.03, idempotency_key=f"new-{n}")
        cap(gw, business, phones[30], 200 + n, idempotency_key=f"old-{n}")  # backdated

    seen = walk(gw, business, ContactFilter(), size=7, between=meanwhile)
    assert len(seen) == len(set(seen))
    assert set(seen) == start
    by_created = walk(gw, business, ContactFilter(dates="created"), size=7,
                      between=lambda n: cap(gw, business, phones[-n], 0.001, topics=(
                          "newsletter",), idempotency_key=f"created-walk-{n}"))
    assert len(by_created) == len(set(by_created)) and set(by_created) >= start


def test_previous_pages_mirror_next_pages(gw: Any, business: Business,
                                          people: dict[str, int]) -> None:
    store = gw.admin_store
    pages = [store.contacts_page(business.id, ContactFilter(), size=3)]
    while pages[-1].next is not None:
        pages.append(store.contacts_page(business.id, ContactFilter(), after=pages[-1].next,
                                         size=3))
    back = pages[-1]
    for expected in reversed(pages[:-1]):
        assert back.previous is not None
        back = store.contacts_page(business.id, ContactFilter(), before=back.previous, size=3)
        assert [c.id for c in back.contacts] == [c.id for c in expected.contacts]
        assert back.number == expected.number
    assert back.previous is None and back.number == 1


def test_a_walk_outrun_by_changes_starts_again(gw: Any, business: Business,
                                               people: dict[str, int],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query, "MAX_MOVED", 1)
    first = gw.admin_store.contacts_page(business.id, ContactFilter(), size=3)
    cap(gw, business, num(1), 0.5, idempotency_key="move-1")
    assert not gw.admin_store.contacts_page(business.id, ContactFilter(), after=first.next,
                                            size=3).restarted
    cap(gw, business, num(2), 0.5, idempotency_key="move-2")
    again = gw.admin_store.contacts_page(business.id, ContactFilter(), after=first.next, size=3)
    assert again.restarted and again.next is not None


def test_topics_and_identifiers_on_the_page(gw: Any, business: Business,
                                            people: dict[str, int]) -> None:
    page = gw.admin_store.contacts_page(business.id, ContactFilter(), size=20)
    by_id = {c.id: c for c in page.contacts}
    assert by_id[people["p2"]].topics == {"offers": "opted_in", "newsletter": "opted_in"}
    assert by_id[people["p3"]].topics == {"newsletter": "opted_out"}
    assert by_id[people["p6"]].phone is None and by_id[people["p6"]].erased_at is not None
    assert by_id[people["bsuid"]].user_id == BSUID and by_id[people["bsuid"]].linked
    assert by_id[people["p9"]].topics == {}  # wrote, never consented
    assert by_id[people["p5"]].last_activity_at == NOW - timedelta(days=400)
