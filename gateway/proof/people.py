"""One person's proof, under every identifier they are known by: receipt and data export.

A person may be a phone number, one or more WhatsApp user IDs, or both, joined by links
(:mod:`gateway.core.subjects`). Their receipt and export gather the events of each linked
identifier and the link entries themselves, each event still naming the subject ref it was
recorded under, so a reader can check every entry against the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.core.consent import Business
from gateway.core.errors import NotFound
from gateway.core.serialize import event_json, ts
from gateway.core.service import ConsentService
from gateway.proof import merkle, receipts
from gateway.proof.ports import ConsentReads, ProofStore


def receipt(service: ConsentService, store: ProofStore, consent_store: ConsentReads,
            business: Business, phone: str, user_id: str | None, *, copy: str,
            lang: str | None, public_key: dict[str, Any] | None, now: datetime
            ) -> dict[str, Any]:
    """The unsigned receipt of the person ``phone`` or ``user_id`` names."""
    asked, state, events = service.contact(business, phone, user_id=user_id)
    ref = service.ref(business, asked.value)
    refs = {ref} | {e.subject_ref for e in events}
    entries = {e.event_id: e for r in sorted(refs) for e in store.ledger_entries(business, r)}
    wordings = {}
    for event in events:
        if event.wording and event.wording.id not in wordings:
            wordings[event.wording.id] = consent_store.get_wording(event.wording.id)
    cp = store.latest_checkpoint(business.id)
    proofs: dict[str, list[bytes]] = {}
    covered = [e for e in entries.values() if cp is not None and e.seq <= cp.size]
    if cp is not None and covered:
        tree = merkle.Tree([merkle.entry_leaf(h) for _s, h in
                            store.entry_hashes(business.id, upto=cp.size)])
        proofs = {e.event_id: tree.inclusion_proof(e.seq - 1) for e in covered}
    info = store.contact_info(business.id, ref)
    topic_state = {k: {"status": v.status, "since": v.since, "event_id": v.event_id}
                   for k, v in sorted(state.topics.items())}
    return receipts.build_receipt(
        business=business, e164=asked.value, subject_ref=ref, events=events,
        state=topic_state, wordings={k: v for k, v in wordings.items() if v},
        entries=entries, checkpoint=cp, proofs=proofs, public_key=public_key, copy=copy,
        lang=lang or business.languages[0], generated_at=now,
        erased_at=info.erased_at if info else None,
        identifiers=consent_store.identifiers(business.id, refs))


def export(service: ConsentService, store: ProofStore, consent_store: ConsentReads,
           business: Business, phone: str, user_id: str | None, *, now: datetime
           ) -> dict[str, Any]:
    """Everything held on the person, per identifier; ``subjects`` (ref, identifier) and
    ``has_events`` are for the caller (area hooks, the receipt), not the answer."""
    asked = service.identify(business, phone=phone or None, user_id=user_id)
    ref = service.ref(business, asked.value)
    links = service.linked(business.id, [ref])
    refs = sorted({ref} | {r for link in links for r in (link.a, link.b)})
    known = consent_store.identifiers(business.id, refs)
    infos = {r: store.contact_info(business.id, r) for r in refs}
    suppressions = {r: store.suppression(business.id, r) for r in refs}
    if infos[ref] is None and suppressions[ref] is None:
        raise NotFound("contact_unknown", field="user_id" if user_id else "phone")
    merged, _states, _links = service.person(business, ref)
    events = [e for r in refs for e in consent_store.contact_events(business, r)]
    seen = {e.event_id for e in events}
    events += [e for e in service.store.events_by_id(
        business, [link.event_id for link in links]) if e.event_id not in seen]
    events.sort(key=lambda e: (e.occurred_at, e.seq or 0))
    wordings = {e.wording.id: consent_store.get_wording(e.wording.id)
                for e in events if e.wording}
    return {
        "phone": asked.value if asked.is_phone else None,
        "user_id": None if asked.is_phone else asked.value,
        "identifier": asked.value, "business": business.slug, "subject_ref": ref,
        "generated_at": ts(now),
        "contact": _contact(infos[ref]),
        "identifiers": [{"subject_ref": r, "identifier": known.get(r),
                         "contact": _contact(infos[r])} for r in refs],
        "topics": {k: {"status": t.status, "since": ts(t.since), "event_id": t.event_id,
                       "channel": t.channel} for k, t in sorted(merged.topics.items())},
        "events": [{**event_json(e, personal=True), "wording_text": (
            wordings[e.wording.id].text if e.wording and wordings.get(e.wording.id)
            else None)} for e in events],
        "suppression": _suppression(suppressions[ref]),
        "audit": [{"at": ts(a.at), "actor": a.actor, "action": a.action,
                   "detail": a.detail} for r in refs for a in store.audit_entries(business.id, r)],
        "receipt": None, "other": {}, "has_events": bool(events),
        "subjects": [(r, known.get(r)) for r in refs],
    }


def _contact(info: Any) -> dict[str, Any] | None:
    if info is None:
        return None
    return {"phone": info.phone, "name": info.name, "wa_id": info.wa_id,
            "created_at": ts(info.created_at), "erased_at": ts(info.erased_at),
            "last_inbound_at": ts(info.last_inbound_at)}


def _suppression(found: Any) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"reason": found.reason, "since": ts(found.created_at), "active": found.active,
            "lifted_at": ts(found.lifted_at), "lifted_by_event_id": found.lifted_by_event_id}
