"""Realistic demo consent for ``optin-gateway demo``: every channel, 30 days, some opt-outs.

Everything is written through ``gw.service.capture`` with the evidence each channel records,
so the demo exercises the real write path and ledger. A fixed random seed and stable
idempotency keys make a rerun record nothing new. One campaign — the autumn Instagram ad
with a short new wording — has a clearly worse opt-out rate, so the R10 flag shows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.admin.demo_placements import seed_placements
from gateway.core.consent import Action, Business, Capture, Wording

SEED = 20241124
# The R10 story: v2 (short and salesy) ran in the autumn ad and people opted out; v3
# rewrote it in plain words, went live three days ago and is the current text.
AD_WORDING = ("{name}の秋のセール情報を WhatsApp で受け取る！ 今すぐ登録。"
              "（停止は「停止」と返信）")
REWORDED = ("{name}から、セールなど選んだ種類のお知らせを WhatsApp でお送りしてもよろしいですか？"
            "受け取りたい種類を選んでください。「停止」と返信すればいつでも停止できます。")
REWORDED_DAYS = 3


@dataclass(frozen=True)
class Plan:
    channel: str
    contacts: int
    opt_out: float  # probability that a contact later opts out
    recent_days: int = 30  # opt-ins spread over this many last days


PLANS = (
    Plan("web_form", 55, 0.04), Plan("widget", 35, 0.04), Plan("checkout", 70, 0.03),
    Plan("sms", 30, 0.05), Plan("ivr", 20, 0.05), Plan("whatsapp", 50, 0.03),
    Plan("qr", 45, 0.04), Plan("link", 25, 0.04), Plan("ad", 50, 0.50, recent_days=12),
    Plan("paper", 20, 0.0), Plan("api", 30, 0.03),
)
PLACEMENTS = {
    "qr": [("SHBY7K2Q", "Shibuya store counter / 渋谷店レジ"), ("FEST4M9P", "Coffee festival booth")],
    "link": [("IGBIO3TX", "Instagram bio link"), ("NWSL8R5C", "Newsletter footer")],
    "ad": [("AUTM6H2W", "Autumn sale ad (Instagram)"), ("BRND2Z7N", "Brand ad (Facebook)")],
}
WORDING_KIND = {"qr": "whatsapp", "link": "whatsapp", "ad": "whatsapp"}
METHOD = {"web_form": "checkbox", "widget": "checkbox", "checkout": "checkbox", "sms": "keyword",
          "ivr": "dtmf", "whatsapp": "button", "qr": "button", "link": "button", "ad": "button",
          "paper": "signature", "api": "api"}
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田"]
GIVEN = ["陽菜", "蓮", "結衣", "湊", "葵", "悠真", "さくら", "大翔", "美咲", "翔太", "花子", "健"]
LATIN = ["Emma Wilson", "Liam Chen", "Sofia Rossi", "Noah Kim", "Mia Garcia", "Lucas Martin"]
UA = ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _wording(gw: Any, business: Business, template: str) -> Wording:
    """A Japanese WhatsApp wording with this text: the stored one, or a new version."""
    text = template.format(name=business.name)
    for wording in gw.store.list_wordings(business.id):
        if wording.kind == "whatsapp" and wording.language == "ja" and wording.text == text:
            return wording  # type: ignore[no-any-return]
    return gw.store.add_wording(business.id, "whatsapp", "ja", text)  # type: ignore[no-any-return]


def _first_versions(gw: Any, business: Business) -> dict[tuple[str, str], str]:
    """(kind, language) -> id of version 1: the default texts every other capture shows."""
    return {(w.kind, w.language): w.id for w in gw.store.list_wordings(business.id)
            if w.version == 1}


def _evidence(rng: random.Random, channel: str, business: Business, at: datetime, i: int,
              lang: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(evidence, personal, idempotency key) in the shape each channel records."""
    site = "https://sakura-coffee.example"
    ip = f"203.0.113.{rng.randint(1, 254)}"
    wamid = "wamid.HBgM" + _hex(rng, 24).upper()
    if channel in ("web_form", "widget"):
        sub = _hex(rng, 16)
        page = f"{site}/{'contact' if channel == 'web_form' else 'menu'}"
        return ({"form_id": "hosted-optin" if channel == "web_form" else "widget",
                 "form_version": 1, "submission_id": sub, "page_url": page,
                 "user_agent": rng.choice(UA), "language": lang},
                {"ip": ip}, f"{channel}:{sub}")
    if channel == "checkout":
        order = f"SC-{10000 + i}"
        return ({"order_id": order, "page_url": f"{site}/checkout", "box": "unticked-by-default",
                 "user_agent": rng.choice(UA)}, {"ip": ip}, f"checkout:{order}")
    if channel == "sms":
        sid = "SM" + _hex(rng, 32)
        return ({"MessageSid": sid, "Body": "はい" if lang == "ja" else "YES",
                 "To": business.settings["twilio_numbers"][0]}, {}, sid)
    if channel == "ivr":
        sid = "CA" + _hex(rng, 32)
        return ({"CallSid": sid, "step": "consent", "Digits": "1",
                 "To": business.settings["twilio_numbers"][0]}, {}, f"{sid}:consent")
    if channel == "whatsapp":
        return ({"wamid": wamid, "button_payload": "optin_all", "conversation": "support"},
                {}, wamid)
    if channel in PLACEMENTS:
        weights = [4, 1] if channel == "ad" else [3, 2]
        code, label = rng.choices(PLACEMENTS[channel], weights=weights)[0]
        via = "scan" if channel == "qr" else "click"
        delay = rng.randint(8, 240)
        evidence: dict[str, Any] = {
            "placement_code": code, "placement_kind": channel, "placement_label": label,
            "placement_via": via,
            ("scanned_at" if via == "scan" else "clicked_at"):
                (at - timedelta(seconds=delay)).isoformat(),
            "seconds_to_first_message": delay, "wamid": wamid, "button_payload": "optin_all"}
        if channel == "ad":
            evidence["referral"] = {"source_type": "ad", "source_id": f"1202{_hex(rng, 8)}",
                                    "ctwa_clid": "ARA" + _hex(rng, 20)}
        return evidence, {}, wamid
    if channel == "paper":
        ref = f"PAPER-{at:%Y%m}-{i:04d}"
        return ({"form_ref": ref, "store": "渋谷店", "staff": rng.choice(["tanaka", "mori"]),
                 "scan": f"paper/{ref}.pdf"}, {}, f"paper:{ref}")
    crm = f"CRM-{50000 + i}"
    return {"crm_id": crm, "source": "loyalty-app"}, {}, f"api:{crm}"


def _opt_out(rng: random.Random, ref: str, topics: tuple[str, ...]) -> dict[str, Any]:
    """How a contact stops: mostly STOP on WhatsApp, sometimes SMS, the IVR or the web."""
    how = rng.choices(["whatsapp", "sms", "ivr", "web_form"], weights=[6, 2, 1, 1])[0]
    chosen = None if rng.random() < 0.6 else topics[:1]  # everything, or just one topic
    evidence, method = {
        "whatsapp": ({"wamid": f"wamid.OUT{ref}", "Body": "停止"}, "keyword"),
        "sms": ({"MessageSid": f"SMOUT{ref}", "Body": "STOP"}, "keyword"),
        "ivr": ({"CallSid": f"CAOUT{ref}", "step": "consent", "Digits": "8"}, "dtmf"),
        "web_form": ({"form_id": "hosted-optout", "submission_id": f"out{ref}"}, "checkbox"),
    }[how]
    return {"channel": how, "method": method, "evidence": evidence, "topics": chosen}


def _sender(channel: str, business: Business) -> str | None:
    if channel in ("sms", "ivr"):
        return str(business.settings["twilio_numbers"][0])
    if channel in ("whatsapp", "qr", "link", "ad"):
        return business.whatsapp_number
    return None


def seed_demo(gw: Any, business: Business, *, now: datetime | None = None,
              seed: int = SEED) -> dict[str, int]:
    """Record the demo contacts; returns how many events this call created (0 on rerun)."""
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    first = _first_versions(gw, business)
    ad_wording = _wording(gw, business, AD_WORDING)
    reworded = _wording(gw, business, REWORDED)
    topics_all = business.topic_keys
    created = {"opt_ins": 0, "opt_outs": 0}
    i = 0
    for plan in PLANS:
        for _n in range(plan.contacts):
            i += 1
            phone = f"+81{rng.choice(['90', '80', '70'])}{rng.randint(10_000_000, 99_999_999)}"
            lang = "en" if rng.random() < 0.15 else "ja"
            name = rng.choice(LATIN) if lang == "en" else rng.choice(FAMILY) + " " + \
                rng.choice(GIVEN)
            # More recent days are busier: the shop is growing. Every random draw happens
            # whatever the clock says, so a rerun on another day replays the same contacts.
            age = timedelta(days=plan.recent_days * (1 - rng.random() ** 0.8))
            hour, minute = rng.randint(0, 12), rng.randint(0, 59)  # 09:00-21:59 in Japan
            at = (now - age).replace(hour=hour, minute=minute, second=0)
            if at > now - timedelta(minutes=5):
                at -= timedelta(days=1)
            k = rng.choice([1, 1, 2, 2, 3, 4])
            topics = tuple(sorted(rng.sample(topics_all, k), key=topics_all.index))
            if plan.channel == "checkout" and "order_updates" not in topics:
                topics = ("order_updates", *topics)
            evidence, personal, key = _evidence(rng, plan.channel, business, at, i, lang)
            if rng.random() < 0.85:
                field = "profile_name" if plan.channel in WORDING_KIND or \
                    plan.channel == "whatsapp" else "name"
                personal[field] = name
            kind = WORDING_KIND.get(plan.channel, plan.channel)
            wording_id = first[(kind, lang)]
            ad_campaign = plan.channel == "ad" and evidence.get("placement_code") == "AUTM6H2W"
            if ad_campaign and lang == "ja":
                wording_id = reworded.id if at >= now - timedelta(days=REWORDED_DAYS) else \
                    ad_wording.id
            result = gw.service.capture(Capture(
                business=business.slug, phone=phone, channel=plan.channel,
                method=METHOD[plan.channel], action=Action.OPT_IN, topics=topics,
                wording_id=wording_id, language=lang,
                occurred_at=at, idempotency_key=f"demo:{key}", evidence=evidence,
                personal=personal, actor="demo" if plan.channel in ("paper", "api") else None,
                sender=_sender(plan.channel, business)), business)
            created["opt_ins"] += result.created
            rate = plan.opt_out if wording_id == ad_wording.id else \
                (0.04 if plan.channel == "ad" else plan.opt_out)
            leaves = rng.random() < rate
            delay = timedelta(hours=rng.uniform(2, 24 * 6))
            out = _opt_out(rng, f"{i:04d}", topics)
            later = at + delay
            if not leaves or later >= now:
                continue
            result = gw.service.capture(Capture(
                business=business.slug, phone=phone, channel=out["channel"],
                method=out["method"], action=Action.OPT_OUT, topics=out["topics"],
                occurred_at=later, idempotency_key=f"demo:out:{i:04d}",
                evidence=out["evidence"], sender=_sender(out["channel"], business)), business)
            created["opt_outs"] += result.created
    seed_placements(gw, business, now=now, seed=seed)  # the placements those codes name
    return created
