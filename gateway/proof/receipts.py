"""Consent receipts: ISO/IEC TS 27560 (via W3C DPV) shaped, Kantara CR v1.1 compatible.

Built from domain objects only (pure: no Flask, no SQL), so the same function serves the
JSON API, the printable page and offline checks. :func:`verify_receipt` re-checks a receipt
with nothing but the gateway's public key: entry hashes, wording hashes, Merkle inclusion
in the signed checkpoint, the checkpoint signature and the receipt's own signature.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from gateway.core import ledger
from gateway.core.consent import Action, Business, ConsentEvent, Status, Wording
from gateway.core.identity import is_bsuid
from gateway.core.phones import mask
from gateway.proof import checkpoints, merkle
from gateway.proof.records import CheckpointRecord, LedgerEntry
from gateway.proof.texts import TERMINATION, WITHDRAWAL

KANTARA_VERSION = "KI-CR-v1.1.0"
SCHEMA = "ocg-receipt/1"
CONFORMS_TO = "https://w3id.org/dpv/schema/dpv-27560#receipt-full"
RECEIPT_NS = uuid.UUID("6f0c2a64-51b3-4c55-9a1e-3d1f0b7c2e90")
THIRD_PARTY = "WhatsApp Business Platform (Meta)"

# How the customer indicated consent -> DPV consent type. "api"/"admin" only relay what the
# business says happened elsewhere, so they claim less than an explicit act seen by us.
EXPLICIT_METHODS = frozenset({"checkbox", "keyword", "dtmf", "speech", "button", "signature"})
STATE_DPV = {"opted_in": "dpv:ConsentGiven", "pending": "dpv:ConsentRequested",
             "opted_out": "dpv:ConsentWithdrawn"}


def consent_type(method: str) -> str:
    return ("dpv:ExplicitlyExpressedConsent" if method in EXPLICIT_METHODS
            else "dpv:ExpressedConsent")


def _epoch(ts: datetime) -> int:
    return int(ts.timestamp())


def _event_state(event: ConsentEvent, earlier_given: set[str]) -> str:
    if event.action is Action.LINK:
        return "x-ocg:IdentifiersLinked"  # not a consent: two identifiers of this person
    if event.action is Action.OPT_OUT:
        return "dpv:ConsentWithdrawn"
    if event.status is Status.PENDING:
        return "dpv:ConsentRequested"
    if earlier_given & set(event.topics):
        return "dpv:RenewedConsentGiven"
    return "dpv:ConsentGiven"


def _proof_json(entry: LedgerEntry, cp: CheckpointRecord | None,
                path: Sequence[bytes] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "seq": entry.seq, "hash": entry.hash, "prevHash": entry.prev_hash,
        "entry": entry.payload, "leafIndex": entry.seq - 1,
        "leafHash": merkle.entry_leaf(entry.hash).hex(), "inclusionProof": None,
    }
    if cp is not None and path is not None:
        out["inclusionProof"] = {"treeSize": cp.size, "rootHash": cp.root,
                                 "auditPath": [p.hex() for p in path]}
    return out


def _event_json(event: ConsentEvent, entry: LedgerEntry | None, wording: Wording | None,
                state: str, cp: CheckpointRecord | None, path: Sequence[bytes] | None,
                personal: bool) -> dict[str, Any]:
    notice = None
    if event.wording is not None:
        text = wording.text if wording else None
        notice = {"id": event.wording.id, "version": event.wording.version,
                  "language": event.wording.language, "sha256": event.wording.sha256,
                  "text": text, "textMatchesHash": text is not None and hashlib.sha256(
                      text.encode()).hexdigest() == event.wording.sha256}
    out: dict[str, Any] = {
        "eventId": event.event_id,
        "subjectRef": event.subject_ref,  # which of the person's identifiers it was under
        "eventState": state,
        "eventType": consent_type(event.method) if event.action is Action.OPT_IN else None,
        "action": str(event.action),
        "status": str(event.status),
        "topics": list(event.topics),
        "allTopics": event.all_topics,
        "channel": "whatsapp",  # what was consented to (R7); the source is sourceChannel
        "sourceChannel": event.channel,
        "method": event.method,
        "occurredAt": ledger.iso(event.occurred_at),
        "recordedAt": ledger.iso(event.recorded_at) if event.recorded_at else None,
        "indicatedBy": "subject" if event.channel != "admin" else (event.actor or "staff"),
        "actor": event.actor,
        "language": event.language,
        "notice": notice,
        "policy": {"id": event.policy_id, "version": event.policy_version},
        "evidence": dict(event.evidence),
        "ledger": _proof_json(entry, cp, path) if entry else None,
    }
    if personal:
        out["personal"] = dict(event.personal)
    return out


def shown(identifier: str | None, customer: bool) -> str | None:
    """An identifier as a receipt copy shows it: whole for the person, masked for others."""
    if not identifier or customer:
        return identifier
    if is_bsuid(identifier):
        return identifier[:5] + "*" * max(len(identifier) - 7, 0) + identifier[-2:]
    return mask(identifier)


def build_receipt(*, business: Business, e164: str, subject_ref: str,
                  events: Sequence[ConsentEvent], state: Mapping[str, Mapping[str, Any]],
                  wordings: Mapping[str, Wording], entries: Mapping[str, LedgerEntry],
                  checkpoint: CheckpointRecord | None,
                  proofs: Mapping[str, Sequence[bytes]], public_key: Mapping[str, Any] | None,
                  copy: str, lang: str, generated_at: datetime,
                  erased_at: datetime | None = None,
                  identifiers: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """The receipt of one person: every event, its notice, evidence and ledger proof.

    ``e164`` is the identifier asked about: a phone number or a WhatsApp user ID.
    ``copy`` is ``"customer"`` (full identifiers and personal data, for the person themself)
    or ``"auditor"`` (masked, no personal data). ``state`` maps topic -> status, since,
    event_id; ``proofs`` maps event_id -> Merkle audit path against ``checkpoint``;
    ``identifiers`` maps each linked subject ref to its phone number or user ID.
    """
    customer = copy == "customer"
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.seq or 0))
    given: set[str] = set()
    events_json = []
    for event in ordered:
        state_dpv = _event_state(event, given)
        if event.action is Action.OPT_IN and event.status is Status.CONFIRMED:
            given |= set(event.topics)
        wording = wordings.get(event.wording.id) if event.wording else None
        events_json.append(_event_json(event, entries.get(event.event_id), wording, state_dpv,
                                       checkpoint, proofs.get(event.event_id), customer))
    in_force = [e for e in ordered if e.action is Action.OPT_IN and e.status is Status.CONFIRMED]
    anchor = in_force[-1] if in_force else (ordered[-1] if ordered else None)
    statuses = {str(v["status"]) for v in state.values()}
    overall = ("dpv:ConsentGiven" if "opted_in" in statuses else "dpv:ConsentRequested"
               if "pending" in statuses else "dpv:ConsentWithdrawn" if statuses
               else "dpv:ConsentUnknown")
    last_seq = max((e.seq or 0 for e in ordered), default=0)
    receipt_id = uuid.uuid5(RECEIPT_NS, f"{business.slug}:{subject_ref}:{last_seq}:{copy}")
    settings = business.settings
    withdraw = [line.format(business=business.name) for line in WITHDRAWAL.get(lang, WITHDRAWAL["en"])]
    purposes = []
    for key, topic_state in state.items():
        topic = business.topic(key)
        category = topic.category if topic else "marketing"
        purposes.append({
            "purpose": topic.label(lang) if topic else key,
            "purposeCategory": [category],
            "consentType": "EXPLICIT",
            "piiCategory": ["WhatsApp user ID" if is_bsuid(e164) else "phone number"],
            "primaryPurpose": category == "utility",
            "termination": TERMINATION.get(lang, TERMINATION["en"]),
            "thirdPartyDisclosure": True,
            "thirdPartyName": THIRD_PARTY,
            "x-topic": key,
            "x-status": STATE_DPV.get(str(topic_state["status"]), "dpv:ConsentUnknown"),
            "x-since": ledger.iso(topic_state["since"]),
            "x-eventId": topic_state["event_id"],
        })
    cp_json = None
    if checkpoint is not None:
        cp_json = {"size": checkpoint.size, "rootHash": checkpoint.root,
                   "origin": checkpoint.origin, "keyId": checkpoint.key_id,
                   "note": checkpoint.note, "createdAt": ledger.iso(checkpoint.created_at)}
    personal_name = next((e.personal.get("name") or e.personal.get("profile_name")
                          for e in reversed(ordered) if e.personal), None)
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": business.country,
        "language": lang,
        "consentTimestamp": _epoch(anchor.occurred_at) if anchor else None,
        "collectionMethod": anchor.channel if anchor else None,
        "consentReceiptID": str(receipt_id),
        "piiPrincipalId": shown(e164, customer),
        "piiControllers": [{
            "piiController": business.name,
            "contact": settings.get("privacy_contact") or business.name,
            "address": {"addressCountry": business.country},
            "email": settings.get("privacy_email") or "",
            "phone": settings.get("privacy_phone") or business.whatsapp_number,
        }],
        "policyUrl": settings.get("privacy_policy_url") or "",
        "services": [{"service": f"WhatsApp messages from {business.name}",
                      "purposes": purposes}],
        "sensitive": False,
        "spiCat": [],
        "x-ocg": {
            "schema": SCHEMA,
            "conformsTo": CONFORMS_TO,
            "copy": "customer" if customer else "auditor",
            "generatedAt": ledger.iso(generated_at),
            "business": {"slug": business.slug, "name": business.name,
                         "whatsappNumber": business.whatsapp_number},
            "subjectRef": subject_ref,
            "name": personal_name if customer else None,
            "status": overall,
            "channel": "whatsapp",
            "events": events_json,
            "withdrawals": [{"eventId": e.event_id, "occurredAt": ledger.iso(e.occurred_at),
                             "sourceChannel": e.channel, "method": e.method,
                             "topics": list(e.topics), "allTopics": e.all_topics}
                            for e in ordered if e.action is Action.OPT_OUT],
            "withdrawal": withdraw,
            "identifiers": [{"subjectRef": ref, "identifier": shown(value, customer)}
                            for ref, value in sorted((identifiers or {}).items())],
            "links": [{"eventId": e.event_id, "kind": (e.evidence.get("link") or {}).get("kind"),
                       "from": (e.evidence.get("link") or {}).get("from"),
                       "to": (e.evidence.get("link") or {}).get("to"),
                       "occurredAt": ledger.iso(e.occurred_at)}
                      for e in ordered if e.action is Action.LINK],
            "erasedAt": ledger.iso(erased_at) if erased_at else None,
            "ledger": {"algorithm": "sha256-chain+rfc9162-merkle", "checkpoint": cp_json,
                       "publicKey": dict(public_key) if public_key else None},
        },
    }


def signing_input(receipt: Mapping[str, Any]) -> bytes:
    """The canonical bytes a receipt signature covers: everything but ``signature``."""
    return ledger.canonical({k: v for k, v in receipt.items() if k != "signature"})


def verify_receipt(receipt: Mapping[str, Any], public_key: bytes) -> list[str]:
    """Every problem found in ``receipt`` using only the public key; [] means it checks out."""
    problems: list[str] = []
    sig = receipt.get("signature")
    if not sig:
        problems.append("receipt is not signed")
    elif not checkpoints.verify_detached(str(sig), signing_input(receipt), public_key):
        problems.append("receipt signature does not verify")
    ocg = receipt.get("x-ocg") or {}
    cp_json = (ocg.get("ledger") or {}).get("checkpoint")
    root = None
    if cp_json:
        try:
            cp = checkpoints.open_checkpoint(cp_json["note"], [public_key])
            root = cp.root
            if cp.size != cp_json["size"] or cp.root_hex != cp_json["rootHash"]:
                problems.append("checkpoint fields differ from its signed note")
        except checkpoints.BadNote as exc:
            problems.append(f"checkpoint: {exc}")
    for ev in ocg.get("events", []):
        tag = f"event {ev.get('eventId')}"
        led = ev.get("ledger") or {}
        entry = led.get("entry") or {}
        if ledger.entry_hash(led.get("prevHash", ""), entry) != led.get("hash"):
            problems.append(f"{tag}: ledger entry does not match its hash")
        notice = ev.get("notice")
        claimed = {"event_id": ev.get("eventId"), "action": ev.get("action"),
                   "subject_ref": ev.get("subjectRef", ocg.get("subjectRef")),
                   "topics": ev.get("topics"), "occurred_at": ev.get("occurredAt"),
                   "channel": ev.get("sourceChannel"), "evidence": ev.get("evidence"),
                   "wording_sha256": notice["sha256"] if notice else None}
        stored = {"event_id": entry.get("event_id"), "action": entry.get("action"),
                  "subject_ref": entry.get("subject_ref"),
                  "topics": entry.get("topics"), "occurred_at": entry.get("occurred_at"),
                  "channel": entry.get("channel"), "evidence": entry.get("evidence"),
                  "wording_sha256": (entry.get("wording") or {}).get("sha256")}
        for key, value in claimed.items():
            if stored[key] != value:
                problems.append(f"{tag}: {key} differs from the ledger entry")
        if notice and notice.get("text") is not None and hashlib.sha256(
                notice["text"].encode()).hexdigest() != notice["sha256"]:
            problems.append(f"{tag}: wording text does not match its hash")
        proof = led.get("inclusionProof")
        if proof is not None:
            path = [bytes.fromhex(p) for p in proof["auditPath"]]
            leaf = merkle.entry_leaf(led["hash"])
            if root is None or proof["rootHash"] != root.hex() or not merkle.verify_inclusion(
                    led["seq"] - 1, proof["treeSize"], leaf, path, root):
                problems.append(f"{tag}: inclusion proof does not verify against the checkpoint")
    return problems

