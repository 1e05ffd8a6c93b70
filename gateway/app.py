"""The composition root: the only module that wires gateway/ and channels/ together."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.core.config import Settings
from gateway.core.consent import CHANNELS
from gateway.core.outbox import Handler
from gateway.core.service import ConsentService
from gateway.imports.importer import OUTBOX_KIND as IMPORT_KIND
from gateway.imports.importer import Importer
from gateway.messaging.service import Messaging
from gateway.messaging.whatsapp_send import make_whatsapp_sender
from gateway.placements.service import PlacementService
from gateway.proof.service import ProofService
from gateway.store import Database, SqlStore
from gateway.store.admin_store import AdminStore
from gateway.store.bulk_store import BulkStore
from gateway.store.confirmation_store import SqlConfirmations
from gateway.store.consent_store import utcnow
from gateway.store.export_store import ExportStore
from gateway.store.imports_store import ImportStore
from gateway.store.ivr_store import SqlIvrStore
from gateway.store.messaging_store import SqlMessagingStore
from gateway.store.outbox_store import SqlOutbox
from gateway.store.placement_store import SqlPlacementStore
from gateway.store.proof_store import SqlProofStore
from gateway.store.revocation_store import SqlAnswerLog
from gateway.web.confirmations import ConfirmationService

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Gateway:
    """What views and commands need, built once per app (no module-level state)."""

    settings: Settings
    db: Database
    store: SqlStore
    service: ConsentService
    outbox: SqlOutbox
    # kind -> handler run by `optin-gateway worker` (whatsapp sends, change notifications)
    outbox_handlers: dict[str, Handler] = field(default_factory=dict)
    confirmations: ConfirmationService | None = None  # double opt-in codes (web area)
    proof: ProofService | None = None  # receipts, checkpoints, erasure, webhooks
    placements: PlacementService | None = None  # QR codes, tracked links, attribution
    answers: SqlAnswerLog | None = None  # eligibility answers for the honour report
    admin_store: AdminStore | None = None  # the /admin dashboard queries
    ivr: SqlIvrStore | None = None  # IVR call state per CallSid (channels/voice.py)
    messaging: Messaging | None = None  # SMS and WhatsApp conversations
    imports: Importer | None = None  # CSV import jobs (docs/imports.md)
    exports: ExportStore | None = None  # streamed state and ledger exports


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass DATABASE_URL etc.)."""
    settings = Settings.load(config)
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_bulk_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.public_base_url
                                   and settings.public_base_url.startswith("https")),
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    app.config.update({k: v for k, v in (config or {}).items() if k.isupper()})
    # Behind a proxy: trust one hop for scheme/host so signatures check the public URL.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    from channels import ADAPTERS
    from gateway import admin, api
    from gateway import http as web
    from gateway.imports import api as api_imports
    from gateway.placements import api as api_placements
    from gateway.proof import api as api_proof

    db = Database(settings.database_url)
    store = SqlStore(db, clock=utcnow)
    channels = frozenset(CHANNELS | {a.CHANNEL for a in ADAPTERS})
    service = ConsentService(store, subject_key=settings.subject_key, clock=utcnow,
                             allowed_channels=channels)
    outbox = SqlOutbox(db, utcnow)
    gateway = Gateway(settings, db, store, service, outbox)
    app.extensions["gateway"] = gateway
    gateway.confirmations = ConfirmationService(SqlConfirmations(db, utcnow), service, utcnow)
    gateway.placements = PlacementService(
        SqlPlacementStore(db, utcnow), subject_key=settings.subject_key, clock=utcnow,
        public_base_url=settings.public_base_url, instance_path=settings.instance_path)
    proof = ProofService(SqlProofStore(db, utcnow), store, service, outbox, settings, utcnow)
    gateway.proof = proof
    service.listeners.append(proof.on_recorded)  # change notifications, suppression lifts
    service.suppressed = proof.suppressed  # re-import block after an erasure
    service.suppressed_refs = proof.suppressed_refs
    gateway.outbox_handlers["webhook"] = proof.deliver_webhook
    gateway.answers = SqlAnswerLog(db, utcnow)  # honour-deadline report (issue 9)
    service.answer_log = gateway.answers.record
    service.bulk_answer_log = gateway.answers.record_many
    gateway.admin_store = AdminStore(db, utcnow)
    gateway.ivr = ivr_store = SqlIvrStore(db, utcnow)
    proof.exporters.append(lambda b, _phone, ref: {"ivr_calls": ivr_store.export(b.id, ref)})
    proof.erasers.append(lambda b, _phone, ref: {"ivr_calls": ivr_store.erase(b.id, ref)})
    gateway.messaging = Messaging(SqlMessagingStore(db, utcnow), service, store, peers=gateway)
    gateway.outbox_handlers["whatsapp_send"] = make_whatsapp_sender(settings, store.business_by_id)
    gateway.imports = Importer(store, ImportStore(db, BulkStore(db, utcnow), utcnow), service,
                               outbox, settings.instance_path / "imports", utcnow)
    gateway.exports = ExportStore(db)
    gateway.outbox_handlers[IMPORT_KIND] = gateway.imports.handle_outbox

    csrf = CSRFProtect(app)
    web.init_app(app)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer-token API: no cookies, so no CSRF
    app.register_blueprint(api_proof.bp)
    csrf.exempt(api_proof.bp)
    app.register_blueprint(api_placements.bp)
    csrf.exempt(api_placements.bp)
    app.register_blueprint(admin.bp)  # staff dashboard: session + CSRF on every form
    app.register_blueprint(api_imports.bp)
    csrf.exempt(api_imports.bp)
    for adapter in ADAPTERS:
        app.register_blueprint(adapter.bp)
        if getattr(adapter, "CSRF_EXEMPT", False):
            csrf.exempt(adapter.bp)  # provider webhooks: signature-checked instead
    logging.getLogger("gateway").setLevel(logging.INFO)
    return app
