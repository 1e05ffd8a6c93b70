"""Proof use cases: signed checkpoints, full verification, receipts, export, erasure, webhooks.

Pure orchestration over store ports (no Flask, no SQL): ``gateway.container`` builds one
:class:`ProofService`, registers :meth:`ProofService.on_recorded` as a consent listener,
``suppressed`` as the service's re-import check and ``deliver_webhook`` as the outbox
handler of kind ``webhook``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from gateway.core import ledger
from gateway.core.config import ConfigError, Settings
from gateway.core.consent import Action, Business, Capture, Recorded, Status
from gateway.core.errors import GatewayError, NotFound
from gateway.core.identity import is_bsuid
from gateway.core.outbox import GiveUp, OutboxItem
from gateway.core.phones import mask
from gateway.core.serialize import event_json, ts
from gateway.core.service import ConsentService
from gateway.proof import checkpoints, merkle, people, receipts, verification, webhooks
from gateway.proof.ports import ConsentReads, Outbox, ProofStore
from gateway.proof.records import CheckpointRecord, WebhookRecord
from gateway.proof.verification import ProofVerification

log = logging.getLogger("gateway.proof")

CACHE_SECONDS = 2.0  # how stale the per-business suppression flag may be in other processes

# area hooks: (business, e164, subject_ref) -> what that area holds / what it removed
SubjectHook = Callable[[Business, str, str], Mapping[str, Any]]


class SigningKeyMissing(GatewayError):
    status = 503
    code = "signing_key_missing"


class LedgerBroken(GatewayError):
    status = 409
    code = "ledger_broken"


@dataclass
class ProofService:
    store: ProofStore
    consent_store: ConsentReads
    service: ConsentService
    outbox: Outbox
    settings: Settings
    clock: Callable[[], datetime]
    # Other areas register what they hold per number (conversations, import rows...).
    exporters: list[SubjectHook] = field(default_factory=list)
    erasers: list[SubjectHook] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.signer: checkpoints.Signer | None = None
        if self.settings.ledger_signing_key:
            try:
                key = checkpoints.load_private_key(self.settings.ledger_signing_key)
                self.signer = checkpoints.Signer(key, self.key_name)
                self.trusted = checkpoints.trusted_keys(self.signer,
                                                        self.settings.ledger_trusted_keys)
            except (checkpoints.BadKey, ValueError) as exc:
                raise ConfigError(str(exc)) from None
        else:
            self.trusted = checkpoints.trusted_keys(None, self.settings.ledger_trusted_keys)
        self.box = webhooks.SecretBox(self.settings.subject_key)
        # business id -> (expires, has active suppressions): the consent listener runs on
        # every capture, so it must not cost a query each time.
        self._cache: dict[int, tuple[float, bool]] = {}

    def _any_suppressed(self, business_id: int) -> bool:
        now = time.monotonic()
        cached = self._cache.get(business_id)
        if cached is None or cached[0] < now:
            cached = (now + CACHE_SECONDS, self.store.has_active_suppressions(business_id))
            self._cache[business_id] = cached
        return cached[1]

    def forget(self, business_id: int) -> None:
        """Drop the cached suppression flag after a change made in this process."""
        self._cache.pop(business_id, None)

    # -- keys and checkpoints ---------------------------------------------------------------

    @property
    def host(self) -> str:
        base = self.settings.public_base_url
        return (urlsplit(base).hostname or "optin-gateway.local") if base else \
            "optin-gateway.local"

    @property
    def key_name(self) -> str:
        return f"{self.host}/ledger"

    def origin(self, business: Business) -> str:
        return f"{self.host}/{business.slug}/consent-ledger"

    def require_signer(self) -> checkpoints.Signer:
        if self.signer is None:
            raise SigningKeyMissing("signing_key_missing")
        return self.signer

    def public_key(self) -> dict[str, Any]:
        return self.require_signer().public_info()

    def checkpoint(self, business: Business, *, force: bool = False
                   ) -> tuple[CheckpointRecord | None, bool]:
        """Sign the head of ``business``'s chain; (checkpoint, created).

        Refuses to sign a chain that does not verify: a signature must never bless
        tampering. Nothing new since the last checkpoint: returns it, created False.
        """
        signer = self.require_signer()
        size, _head = self.store.head(business.id)
        latest = self.store.latest_checkpoint(business.id)
        if size == 0 or (latest is not None and latest.size == size and not force):
            return latest, False
        check = self.verify(business.slug)
        if not check.ok:
            assert check.problem is not None
            raise LedgerBroken(reason=check.problem.reason, seq=check.problem.seq)
        acc = merkle.Accumulator()
        head_hash = ledger.GENESIS
        for _seq, digest in self.store.entry_hashes(business.id, upto=size):
            acc.append(merkle.entry_leaf(digest))
            head_hash = digest
        cp = signer.checkpoint(self.origin(business), acc.size, acc.root())
        record = self.store.add_checkpoint(business.id, size=cp.size, root=cp.root_hex,
                                           head_hash=head_hash, origin=cp.origin,
                                           key_id=signer.key_id.hex(), note=cp.note)
        if record is None:  # another process signed the same size meanwhile
            return self.store.latest_checkpoint(business.id), False
        self._notify_checkpoint(business, record)
        return record, True

    def verify(self, slug: str | None = None) -> ProofVerification:
        """The hash chain(s), then every checkpoint: signature, fields, root against the chain."""
        chain = self.consent_store.verify(slug)
        businesses = self.consent_store.list_businesses()
        if slug is not None:
            businesses = [b for b in businesses if b.slug == slug]
        if not chain.ok:
            return ProofVerification(False, chain.entries, chain.businesses, 0, chain.problem)
        total = 0
        for business in businesses:
            rows = self.store.checkpoints(business.id)
            total += len(rows)
            bad = self._check_checkpoints(business, rows)
            if bad is not None:
                problem, cp_id = bad
                return ProofVerification(False, chain.entries, chain.businesses, total,
                                         problem, cp_id)
        return ProofVerification(True, chain.entries, chain.businesses, total)

    def _check_checkpoints(self, business: Business, rows: list[CheckpointRecord]
                           ) -> tuple[ledger.Problem, int] | None:
        return verification.check_checkpoints(business, rows, self.trusted,
                                              self.store.entry_hashes(business.id))

    def verify_notes(self, business: Business, notes: Iterable[str]) -> list[dict[str, Any]]:
        """Check checkpoints kept outside the database (by a webhook receiver, an auditor)."""
        hashes = [merkle.entry_leaf(h) for _s, h in self.store.entry_hashes(business.id)]
        origins = {self.origin(business)} | {r.origin for r in
                                             self.store.checkpoints(business.id)}
        return verification.check_notes(notes, self.trusted, hashes, origins)

    # -- receipts and export ----------------------------------------------------------------

    def receipt(self, business: Business, phone: str, *, copy: str = "auditor",
                lang: str | None = None, user_id: str | None = None) -> dict[str, Any]:
        """The signed receipt of one person, by phone or user ID, with every linked
        identifier's events and the links (404 if no consent was ever recorded)."""
        receipt = people.receipt(self.service, self.store, self.consent_store, business,
                                 phone, user_id, copy=copy, lang=lang,
                                 public_key=self.signer.public_info() if self.signer else None,
                                 now=self.clock())
        if self.signer is not None:
            receipt["signature"] = checkpoints.sign_detached(receipts.signing_input(receipt),
                                                             self.signer)
        return receipt

    def export(self, business: Business, phone: str, *, user_id: str | None = None
               ) -> dict[str, Any]:
        """Everything held on one person, under each of their identifiers (data access)."""
        out = people.export(self.service, self.store, self.consent_store, business, phone,
                            user_id, now=self.clock())
        asked = out["identifier"]
        if out["has_events"]:
            out["receipt"] = self.receipt(business, phone, user_id=user_id, copy="customer")
        for ref, value in out.pop("subjects"):
            for hook in self.exporters:
                out["other"].update(hook(business, value or asked, ref))
        del out["has_events"]
        return out

    # -- erasure ----------------------------------------------------------------------------

    def suppressed_refs(self, business_id: int) -> frozenset[str]:
        """Every suppressed subject ref of a business (bulk imports check rows against it)."""
        return self.store.active_suppressions(business_id)

    def suppressed(self, business_id: int, subject_ref: str) -> bool:
        """Is this keyed hash suppressed after an erasure (imports refused)?"""
        found = self.store.suppression(business_id, subject_ref)
        return bool(found and found.active)

    def erase(self, business: Business, phone: str, *, actor: str, reason: str = "request",
              user_id: str | None = None) -> dict[str, Any]:
        """Erase one person's personal data, under every identifier linked to the one given;
        keep the proof, a suppression and an audit row per identifier.

        No one may be messaged after their data is gone, so topics still opted in (or
        pending) are first withdrawn by an ordinary opt-out event (channel ``admin``, actor
        ``erasure:<who>``): the ledger, the state and the webhooks then all agree.
        """
        asked = self.service.identify(business, phone=phone or None, user_id=user_id)
        ref = self.service.ref(business, asked.value)
        links = self.service.linked(business.id, [ref])
        refs = sorted({ref} | {r for link in links for r in (link.a, link.b)})
        known = {r: v for r, v in self.consent_store.identifiers(business.id, refs).items()}
        known.setdefault(ref, asked.value)
        withdrawals, removed, other, residue = [], {}, {}, {}
        for each in refs:  # every identifier of the person
            value = known.get(each)
            state = self.consent_store.contact_state(business.id, each)
            if value and any(t.status in ("opted_in", "pending")
                             for t in state.topics.values()):
                who = {"phone": value} if not is_bsuid(value) else {"phone": "",
                                                                     "user_id": value}
                withdrawals.append(self.service.capture(Capture(
                    business=business.slug, **who, channel="admin", method="admin",
                    action=Action.OPT_OUT, topics=None, occurred_at=self.clock(),
                    idempotency_key=f"erasure:{each[:16]}:{self.clock().isoformat()}",
                    evidence={"reason": "erasure_request"}, actor=f"erasure:{actor}"[:80]),
                    business).event.event_id)
            counts = self.store.erase(business.id, each, value or "", actor=actor,
                                      reason="erased", detail={
                                          "reason": reason, "withdrawal_event_id":
                                          withdrawals[-1] if withdrawals else None})
            erased_at = counts.pop("erased_at")
            removed[each] = counts
            for hook in self.erasers:
                other.update(hook(business, value or "", each))
            found = self.store.ledger_mentions(business.id, each, value or "") if value else []
            if found:
                residue[each] = found
                log.warning("erasure of %s: the identifier is in hashed ledger fields of "
                            "seq %s", mask(value), found)
        self.forget(business.id)
        log.info("erased %s (%d identifier(s)) for %s by %s", mask(asked.value), len(refs),
                 business.slug, actor)
        return {"subject_ref": ref, "erased_at": ts(erased_at),
                "withdrawal_event_id": withdrawals[0] if withdrawals else None,
                "withdrawal_event_ids": withdrawals, "removed": removed[ref],
                "identifiers_erased": len(refs), "other": other, "suppressed": True,
                "ledger_residue_seqs": residue.get(ref, [])}

    # -- change notifications ---------------------------------------------------------------

    def add_webhook(self, business: Business, url: str, description: str, *, actor: str
                    ) -> tuple[WebhookRecord, str]:
        """Register an endpoint; the secret is returned once (stored encrypted)."""
        url = webhooks.check_url(url, allow_private=self.settings.webhook_allow_private)
        secret = webhooks.new_secret()
        record = self.store.create_webhook(business.id, url=url, description=description[:200],
                                           secret_encrypted=self.box.seal(secret),
                                           secret_hint=secret[-4:])
        self.store.audit(business.id, actor=actor, action="webhook_added",
                         detail={"webhook_id": record.id, "url": url})
        return record, secret

    def delete_webhook(self, business: Business, webhook_id: int, *, actor: str) -> None:
        if not self.store.delete_webhook(business.id, webhook_id):
            raise NotFound("webhook_unknown", field="id", value=str(webhook_id))
        self.store.audit(business.id, actor=actor, action="webhook_deleted",
                         detail={"webhook_id": webhook_id})

    def on_recorded(self, result: Recorded) -> None:
        """Consent listener: lift suppressions. (The event's notifications were queued in
        its own transaction by the store: gateway.store.notifications.)"""
        event = result.event
        if event.action is Action.OPT_IN and event.status is Status.CONFIRMED and \
                not (event.actor or "").startswith("import:") and \
                self._any_suppressed(event.business_id) and \
                self.suppressed(event.business_id, event.subject_ref):
            self.store.lift_suppression(event.business_id, event.subject_ref, event.event_id,
                                        event.occurred_at)

    def resync(self, business: Business, since: datetime) -> int:
        """Queue notifications of every event recorded since ``since`` (after an outage).

        Dedupe keys make this safe to repeat: what was queued before is not queued again.
        """
        queued = 0
        hooks = self.store.active_webhooks(business.id)
        for event_id in self.store.event_ids_since(business.id, since):
            for hook in hooks:
                queued += self.outbox.enqueue("webhook", {"webhook_id": hook.id,
                                                          "event_id": event_id},
                                              f"webhook:{hook.id}:{event_id}", business.id)
        return queued

    def _notify_checkpoint(self, business: Business, record: CheckpointRecord) -> None:
        for hook in self.store.active_webhooks(business.id):
            self.outbox.enqueue("webhook", {"webhook_id": hook.id, "checkpoint_id": record.id},
                                f"webhook:{hook.id}:checkpoint:{record.id}", business.id)

    def notification(self, business: Business, payload: Mapping[str, Any]
                     ) -> tuple[str, dict[str, Any]]:
        """(event id header, JSON body) of one queued notification."""
        if "checkpoint_id" in payload:
            cp = next((c for c in self.store.checkpoints(business.id)
                       if c.id == payload["checkpoint_id"]), None)
            if cp is None:
                raise GiveUp("checkpoint no longer exists")
            return f"checkpoint:{cp.id}", {
                "type": "ledger.checkpoint", "business": business.slug,
                "checkpoint": {"id": cp.id, "size": cp.size, "root_hash": cp.root,
                               "origin": cp.origin, "note": cp.note,
                               "created_at": ts(cp.created_at)}}
        event = self.store.event_by_id(business, str(payload["event_id"]))
        if event is None:
            raise GiveUp("event not found")
        data = event_json(event)
        kind = "identity.link" if event.action is Action.LINK else f"consent.{event.action}"
        return event.event_id, {"type": kind, "business": business.slug,
                                "event_id": event.event_id,
                                "contact_erased": not (event.phone or event.user_id),
                                "event": data}

    def deliver_webhook(self, item: OutboxItem) -> None:
        """Outbox handler of kind ``webhook``: one signed POST (retries via the outbox)."""
        hook = self.store.webhook(int(item.payload["webhook_id"]))
        if hook is None or hook.deleted_at is not None:
            raise GiveUp("webhook deleted")
        business = self.consent_store.business_by_id(hook.business_id)
        if business is None:
            raise GiveUp("business deleted")
        event_id, payload = self.notification(business, item.payload)
        try:
            secret = self.box.open(hook.secret_encrypted)
        except ValueError as exc:
            raise GiveUp(str(exc)) from None
        webhooks.post(hook.url, webhooks.body(payload), secret, event_id,
                      delivery=str(item.id), allow_private=self.settings.webhook_allow_private)
