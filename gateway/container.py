"""The composition root: builds every store and service once and wires them together.

This is the only module that picks concrete adapters (the SQL stores, the Graph API sender)
and connects one area's service to another's (the proof area listens to the consent
service, messaging reaches confirmations and placements through the container). It imports
no web framework: ``gateway.app`` puts the container on the Flask app, the CLI gets it from
there, and views reach it through ``gateway.http.gw``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gateway.core.clock import utcnow
from gateway.core.config import Settings
from gateway.core.consent import CHANNELS
from gateway.core.outbox import Handler
from gateway.core.service import ConsentService
from gateway.imports.importer import OUTBOX_KIND as IMPORT_KIND
from gateway.imports.importer import Importer
from gateway.ivr.service import IvrService
from gateway.messaging.service import Messaging
from gateway.messaging.whatsapp_send import make_whatsapp_sender
from gateway.placements.service import PlacementService
from gateway.proof.service import ProofService
from gateway.store import Database, SqlStore
from gateway.store.admin_store import AdminStore
from gateway.store.bulk_store import BulkStore
from gateway.store.confirmation_store import SqlConfirmations
from gateway.store.delivery_store import SqlDeliveryStore
from gateway.store.export_store import ExportStore
from gateway.store.imports_store import ImportStore
from gateway.store.ivr_store import SqlIvrStore
from gateway.store.messaging_store import SqlMessagingStore
from gateway.store.outbox_store import SqlOutbox
from gateway.store.placement_store import SqlPlacementStore
from gateway.store.proof_store import SqlProofStore
from gateway.store.revocation_store import SqlAnswerLog
from gateway.web.service import ConfirmationService


@dataclass
class Gateway:
    """What views and commands need, built once per app (no module-level state)."""

    settings: Settings
    db: Database
    store: SqlStore
    service: ConsentService  # the one write path, eligibility, business and wording lookups
    outbox: SqlOutbox
    confirmations: ConfirmationService  # double opt-in codes (web area)
    proof: ProofService  # receipts, checkpoints, erasure, webhooks
    placements: PlacementService  # QR codes, tracked links, attribution
    answers: SqlAnswerLog  # eligibility answers for the honour report
    admin_store: AdminStore  # the /admin dashboard's read queries
    ivr: IvrService  # IVR calls: the flow, their state per CallSid (channels/voice.py)
    imports: Importer  # CSV import jobs (docs/imports.md)
    exports: ExportStore  # streamed state and ledger exports
    # kind -> handler run by `optin-gateway worker` (whatsapp sends, change notifications)
    outbox_handlers: dict[str, Handler] = field(default_factory=dict)
    # SMS and WhatsApp conversations; they reach confirmations and placements through this
    # container, so it is set once the container exists.
    messaging: Messaging = field(init=False)


def build(settings: Settings, channels: Iterable[str] = ()) -> Gateway:
    """Every store and service for ``settings``; ``channels``: the adapters' channel names."""
    db = Database(settings.database_url)
    store = SqlStore(db, clock=utcnow, gather_window=settings.group_commit_window_ms / 1000)
    service = ConsentService(store, subject_key=settings.subject_key, clock=utcnow,
                             allowed_channels=frozenset(CHANNELS | set(channels)))
    outbox = SqlOutbox(db, utcnow)
    proof = ProofService(SqlProofStore(db, utcnow), store, service, outbox, settings, utcnow)
    service.listeners.append(proof.on_recorded)  # change notifications, suppression lifts
    service.suppressed = proof.suppressed  # re-import block after an erasure
    service.suppressed_refs = proof.suppressed_refs
    delivery = SqlDeliveryStore(db, utcnow)  # delivery facts and platform rules
    service.delivery = delivery  # eligibility: consent AND deliverable now
    answers = SqlAnswerLog(db, utcnow)  # honour-deadline report
    service.answer_log = answers.record
    service.bulk_answer_log = answers.record_many
    ivr = IvrService(SqlIvrStore(db, utcnow), service)
    proof.exporters.append(lambda b, _phone, ref: {"ivr_calls": ivr.export(b.id, ref)})
    proof.erasers.append(lambda b, _phone, ref: {"ivr_calls": ivr.erase(b.id, ref)})
    importer = Importer(store, ImportStore(db, BulkStore(db, utcnow), utcnow), service, outbox,
                        settings.instance_path / "imports", utcnow)
    confirmations = ConfirmationService(SqlConfirmations(db, utcnow), service, utcnow)
    placements = PlacementService(
        SqlPlacementStore(db, utcnow), subject_key=settings.subject_key, clock=utcnow,
        public_base_url=settings.public_base_url, instance_path=settings.instance_path)
    gateway = Gateway(
        settings, db, store, service, outbox, confirmations=confirmations, proof=proof,
        placements=placements, answers=answers, admin_store=AdminStore(db, utcnow), ivr=ivr,
        imports=importer, exports=ExportStore(db),
        outbox_handlers={
            "webhook": proof.deliver_webhook,
            "whatsapp_send": make_whatsapp_sender(settings, store.business_by_id),
            IMPORT_KIND: importer.handle_outbox,
        })
    gateway.messaging = Messaging(SqlMessagingStore(db, utcnow), service, store, outbox,
                                  peers=gateway, facts=delivery)
    platform = gateway.messaging.platform
    placements.signup_offered = lambda business: platform is not None and \
        platform.signup_offered(business, utcnow())  # In-App Signup: a platform rule
    return gateway
