"""Demo placements for ``optin-gateway demo``: the codes the demo opt-ins name, with scans.

The demo consent (``demo_data.seed_demo``) carries placement codes in its evidence; this
creates those placements (plus one retired poster) and the scans, clicks and chats that led
to them, so the Placements & QR page shows a believable funnel. The opt-ins and opt-outs in
the funnel are the real demo events. A placement that exists already is left alone, so a
rerun adds nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from gateway.core.consent import Action, Business
from gateway.placements.model import Placement, build_messages

# code, kind, label, days before now it was created, topic preset, days ago retired
DEMO_PLACEMENTS = (
    ("SHBY7K2Q", "store", "Shibuya store counter / 渋谷店レジ", 42, None, None),
    ("FEST4M9P", "event", "Coffee festival booth", 38, "offers", None),
    ("IGBIO3TX", "website", "Instagram bio link", 45, None, None),
    ("NWSL8R5C", "other", "Newsletter footer", 44, "newsletter", None),
    ("AUTM6H2W", "ad", "Autumn sale ad (Instagram)", 13, "offers", None),
    ("BRND2Z7N", "ad", "Brand ad (Facebook)", 36, None, None),
    ("SMMR5P3K", "poster", "Summer menu poster (station)", 120, None, 40),
)
# Visits that led to no chat, per attributed opt-in: ads are clicked far more than answered.
EXTRA_VISITS = {"store": 1.3, "event": 1.7, "website": 2.4, "other": 1.9, "ad": 3.2,
                "poster": 0.0}
QUIET_CHATS = 0.3  # chats started that ended without an opt-in, per opt-in
UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari")
BOT_UA = "WhatsApp/2.24.10 A"


@contextmanager
def _clock_at(store: Any, at: datetime) -> Iterator[None]:
    """Creation and retirement times in the past (the store stamps them with its clock)."""
    clock = store.clock
    store.clock = lambda: at
    try:
        yield
    finally:
        store.clock = clock


def _hit(gw: Any, rng: random.Random, placement: Placement, at: datetime, via: str,
         bot: bool = False) -> None:
    gw.placements.store.add_hit(
        placement, at=at, via=via, bot=bot, user_agent=BOT_UA if bot else rng.choice(UA),
        referrer=None, ip_hash=gw.placements.ip_hash(f"demo-{rng.randint(1, 400)}"),
        lang="en" if rng.random() < 0.15 else "ja")


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def seed_placements(gw: Any, business: Business, *, now: datetime, seed: int) -> int:
    """Create the demo placements that do not exist yet; returns how many were created."""
    service = gw.placements
    if service is None:
        return 0
    rng = random.Random(seed)
    store = service.store
    attributed: dict[str, list[Any]] = defaultdict(list)
    for event in gw.admin_store.events_since(business, now - timedelta(days=90)):
        code = event.evidence.get("placement_code")
        if event.action == Action.OPT_IN and isinstance(code, str):
            attributed[code].append(event)
    created = 0
    for code, kind, label, age, topic, retired in DEMO_PLACEMENTS:
        if store.get(business.id, code) is not None:
            continue
        born = now - timedelta(days=age)
        with _clock_at(store, born):
            placement = store.create(
                business_id=business.id, code=code, kind=kind, label=label,
                messages=build_messages(business, code), topic=topic, actor="demo")
        end = now - timedelta(days=retired) if retired else now
        for event in attributed.get(code, []):
            via = "qr" if "scanned_at" in event.evidence else "link"
            seen = datetime.fromisoformat(event.evidence.get("scanned_at")
                                          or event.evidence.get("clicked_at")
                                          or event.occurred_at.isoformat())
            _hit(gw, rng, placement, seen, via)
            store.add_chat(placement, conversation_ref=f"demo:{event.evidence.get('wamid')}",
                           first_message_at=event.occurred_at, stale=False,
                           channel=event.channel, evidence={"placement_code": code})
        via = "qr" if kind in ("store", "event", "poster") else "link"
        opt_ins = len(attributed.get(code, []))
        for _ in range(round(opt_ins * EXTRA_VISITS[kind]) + (60 if retired else 0)):
            _hit(gw, rng, placement, _between(rng, born, end), via)
        for n in range(round(opt_ins * QUIET_CHATS) + (9 if retired else 0)):
            at = _between(rng, born, end - timedelta(minutes=5))
            _hit(gw, rng, placement, at, via)
            store.add_chat(placement, conversation_ref=f"demo:quiet:{code}:{n}",
                           first_message_at=at + timedelta(minutes=rng.randint(1, 4)),
                           stale=False, channel="qr" if via == "qr" else
                           ("ad" if kind == "ad" else "link"), evidence={"placement_code": code})
        for _ in range(rng.randint(2, 6)):  # link previews: counted apart, not as visits
            _hit(gw, rng, placement, _between(rng, born, end), "link", bot=True)
        if retired:
            with _clock_at(store, end):
                store.retire(business.id, code)
        created += 1
    return created
