"""Placement use cases: create/retire, visits of ``/l/<code>``, images, attribution, funnel.

Pure Python over a store port (no Flask, no SQLAlchemy). Reached as ``gw().placements``.
Attribution is evidence of where a person came from, never consent: the consent is the
answer they give in the chat, recorded through ``ConsentService.capture``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from gateway.core.codes import new_placement_code
from gateway.core.consent import Business
from gateway.core.errors import Conflict
from gateway.core.limits import scrub, text_problem
from gateway.placements import fonts as qr_fonts
from gateway.placements import qr, texts
from gateway.placements.images import ImageCache, Rendered
from gateway.placements.model import (
    CLOCK_SKEW,
    KINDS,
    MAX_LABEL,
    STALE_AFTER,
    STATUSES,
    Funnel,
    Hit,
    Placement,
    PlacementError,
    PlacementNotFound,
    attribution_channel,
    attribution_evidence,
    build_messages,
    clean_code,
    clean_signup_id,
    is_bot,
    is_whatsapp_url,
    message_language,
    short_link,
    signup_url,
    signup_wordings,
    tracked_url,
    wa_me_url,
)

__all__ = ["ImageCache", "PlacementService", "Rendered", "Visit"]
log = logging.getLogger("gateway.placements")
MAX_LOGO_BYTES = 2 << 20
LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


class PlacementStore(Protocol):
    """The port the service needs; ``gateway.store.placement_store`` implements it."""

    def create(self, *, business_id: int, code: str, kind: str, label: str,
               messages: dict[str, str], topic: str | None, actor: str | None,
               signup_id: str | None = None) -> Placement: ...
    def find(self, code: str) -> tuple[Placement, Business] | None: ...
    def by_signup(self, business_id: int, signup_id: str) -> Placement | None: ...
    def get(self, business_id: int, code: str) -> Placement | None: ...
    def list(self, business_id: int, status: str | None = None) -> list[Placement]: ...
    def retire(self, business_id: int, code: str) -> Placement: ...
    def add_hit(self, placement: Placement, *, at: datetime, via: str, bot: bool,
                user_agent: str | None, referrer: str | None, ip_hash: str | None,
                lang: str | None) -> None: ...
    def last_hit(self, placement_id: int, not_after: datetime) -> Hit | None: ...
    def chat(self, placement_id: int, conversation_ref: str) -> Any: ...
    def add_chat(self, placement: Placement, *, conversation_ref: str,
                 first_message_at: datetime, stale: bool, channel: str | None,
                 evidence: dict[str, Any]) -> Any: ...
    def funnel_counts(self, business_id: int, placements: list[Placement],
                      since: datetime | None = None, until: datetime | None = None
                      ) -> dict[str, dict[str, int]]: ...
    def set_business_setting(self, business_id: int, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class Visit:
    """What ``/l/<code>`` should answer: a redirect, or which friendly page."""

    outcome: str  # redirect, unknown, retired, unavailable
    lang: str
    location: str | None = None
    business: Business | None = None


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _referrer(raw: str | None) -> str | None:
    """Origin and path only: a query string may carry someone's search or e-mail."""
    if not raw:
        return None
    try:
        parts = urlsplit(scrub(raw, 2000, multiline=False))
        hostname = parts.hostname
    except ValueError:  # "http://[::1": not a URL a browser sends
        return None
    if parts.scheme not in ("http", "https") or not hostname:
        return None
    return f"{parts.scheme}://{hostname}{parts.path}"[:500]


class PlacementService:
    """Create placements, answer visits, render codes, attribute chats, count the funnel."""

    def __init__(self, store: PlacementStore, *, subject_key: bytes,
                 clock: Callable[[], datetime], public_base_url: str | None,
                 instance_path: Path, cache: ImageCache | None = None,
                 stale_after: timedelta = STALE_AFTER):
        self.store = store
        self.subject_key = subject_key
        self.clock = clock
        self.public_base_url = public_base_url
        self.instance_path = instance_path
        self.cache = cache or ImageCache()
        self.stale_after = stale_after
        # Does Meta offer In-App Signup to this business (a platform rule)? Set by the
        # container; None: signup links cannot be made.
        self.signup_offered: Callable[[Business], bool] | None = None

    # -- placements -----------------------------------------------------------------------

    def base(self, fallback: str | None = None) -> str:
        """The public base URL printed in codes (PUBLIC_BASE_URL; else the request's)."""
        return (self.public_base_url or fallback or "http://127.0.0.1:5000").rstrip("/")

    def create(self, business: Business, *, kind: str, label: str, topic: str | None = None,
               messages: Mapping[str, str] | None = None, actor: str | None = None,
               signup_id: str | None = None) -> Placement:
        """A new active placement with a fresh unguessable code; with ``signup_id``, an
        In-App Signup link (where Meta offers it) whose ``messages`` are its wording."""
        if kind not in KINDS:
            raise PlacementError("bad_field", field="kind", field_name="kind",
                                 detail="one of " + ", ".join(KINDS))
        label = (label or "").strip()
        if not label or text_problem(label, MAX_LABEL):
            raise PlacementError("bad_field", field="label", field_name="label",
                                 detail=f"1 to {MAX_LABEL} characters, no control characters")
        if topic is not None and topic not in business.topic_keys:
            raise PlacementError("bad_field", field="topic", field_name="topic",
                                 detail="one of " + ", ".join(business.topic_keys))
        if signup_id is not None:
            signup_id = clean_signup_id(signup_id)
            if self.signup_offered is None or not self.signup_offered(business):
                raise PlacementError("bad_field", field="signup_id", field_name="signup_id",
                                     detail="Meta does not offer In-App Signup for this "
                                            "business's number")
        for _attempt in range(5):
            code = new_placement_code()
            built = signup_wordings(business, messages) if signup_id else \
                build_messages(business, code, messages)
            try:
                return self.store.create(business_id=business.id, code=code, kind=kind,
                                         label=label, messages=built, topic=topic, actor=actor,
                                         signup_id=signup_id)
            except Conflict:
                continue  # 31^8 codes: a collision is rare, two in a row rarer still
        raise Conflict("conflict", field="code")

    def get(self, business: Business, code: str) -> Placement:
        clean = clean_code(code)
        found = self.store.get(business.id, clean) if clean else None
        if found is None:
            raise PlacementNotFound(field="code", value=code[:20])
        return found

    def list(self, business: Business, status: str | None = None) -> list[Placement]:
        if status is not None and status not in STATUSES:
            raise PlacementError("bad_field", field="status", field_name="status",
                                 detail="active or retired")
        return self.store.list(business.id, status)

    def retire(self, business: Business, code: str) -> Placement:
        """Stop a code: its link and images answer 410 from now on; its history stays."""
        return self.store.retire(business.id, self.get(business, code).code)

    def links(self, placement: Placement, base: str | None = None) -> dict[str, Any]:
        """Every URL of a placement, for the API, the CLI and the admin."""
        root = self.base(base)
        link = tracked_url(root, placement.code)
        return {"link": link, "qr_url": tracked_url(root, placement.code, scan=True),
                "short_link": short_link(root, placement.code),
                "qr_png": f"{link}/qr.png", "qr_svg": f"{link}/qr.svg",
                "poster_pdf": f"{link}/poster.pdf"}

    # -- visits ---------------------------------------------------------------------------

    def ip_hash(self, ip: str | None) -> str | None:
        """Keyed hash of the visitor's IP: counts unique visitors, reveals nobody."""
        if not ip:
            return None
        return hmac.digest(self.subject_key, f"ip:{ip}".encode(), "sha256").hex()

    def visit(self, code: str, *, scan: bool, lang: str, user_agent: str | None = None,
              referrer: str | None = None, ip: str | None = None, record: bool = True
              ) -> Visit:
        """Record a click/scan and say where to send the visitor (only ever wa.me)."""
        clean = clean_code(code)
        found = self.store.find(clean) if clean else None
        if found is None:
            return Visit("unknown", lang)
        placement, business = found
        if not placement.active:
            return Visit("retired", lang, business=business)
        msg_lang = message_language(lang, placement, business)
        try:
            location = signup_url(business.whatsapp_number, placement.signup_id) \
                if placement.signup_id else \
                wa_me_url(business.whatsapp_number, placement.messages[msg_lang])
        except ValueError:
            log.error("placement %s: business %s has no usable WhatsApp number",
                      placement.code, business.slug)
            return Visit("unavailable", lang, business=business)
        if not is_whatsapp_url(location):  # defence in depth: never redirect elsewhere
            log.error("placement %s: refused a non-WhatsApp target", placement.code)
            return Visit("unavailable", lang, business=business)
        if record:
            ua = scrub(user_agent, 300, multiline=False) or None
            try:
                self.store.add_hit(placement, at=self.clock(), via="qr" if scan else "link",
                                   bot=is_bot(ua), user_agent=ua, referrer=_referrer(referrer),
                                   ip_hash=self.ip_hash(ip), lang=lang)
            except Exception:  # noqa: BLE001 - the customer still reaches the chat
                log.exception("placement %s: could not record the visit", placement.code)
        return Visit("redirect", lang, location=location, business=business)

    def signup_link(self, business: Business, signup_id: str) -> Placement | None:
        """The In-App Signup link a ``user_preferences`` signup names (retired ones too:
        the deep link may still be shared)."""
        return self.store.by_signup(business.id, signup_id[:64])

    def resolve(self, code: str) -> tuple[Placement, Business] | None:
        clean = clean_code(code)
        return self.store.find(clean) if clean else None

    # -- attribution ----------------------------------------------------------------------

    def attribution(self, business: Business, code: str | None, first_message_at: datetime,
                    *, conversation_ref: str) -> dict[str, Any] | None:
        """Where the first message of a conversation came from, or None.

        Records "chat started" for the funnel (once per conversation). Returns
        ``{"channel": "qr" | "link" | "ad", "evidence": {...}}`` when the code is this
        business's active placement and was scanned/clicked within ``stale_after`` before
        the message; None for an unknown, other business's or retired code (nothing
        recorded) and for a stale one (recorded as a stale chat, not attributed).
        """
        clean = clean_code(code)
        placement = self.store.get(business.id, clean) if clean else None
        if placement is None or not placement.active:
            log.info("attribution: %s code for %s", "retired" if placement else "unknown",
                     business.slug)
            return None
        ref = conversation_ref if len(conversation_ref) <= 200 else \
            "sha256:" + hashlib.sha256(conversation_ref.encode()).hexdigest()
        at = _aware(first_message_at)
        row = self.store.chat(placement.id, ref)
        if row is None:
            hit = self.store.last_hit(placement.id, at + CLOCK_SKEW)
            if hit is None or at - hit.at > self.stale_after:
                evidence = {"placement_code": placement.code, "stale": True,
                            "last_hit_at": hit.at.isoformat() if hit else None}
                row = self.store.add_chat(placement, conversation_ref=ref, first_message_at=at,
                                          stale=True, channel=None, evidence=evidence)
            else:
                row = self.store.add_chat(
                    placement, conversation_ref=ref, first_message_at=at, stale=False,
                    channel=attribution_channel(placement.kind, hit.via),
                    evidence=attribution_evidence(placement, hit, at))
        if row.stale:
            return None
        return {"channel": row.channel, "evidence": dict(row.evidence)}

    # -- funnel ---------------------------------------------------------------------------

    def funnel(self, business: Business, code: str | None = None, *,
               since: datetime | None = None, until: datetime | None = None) -> list[Funnel]:
        """One funnel per placement (all of the business's, or the one ``code``)."""
        placements = [self.get(business, code)] if code else self.store.list(business.id)
        counts = self.store.funnel_counts(business.id, placements, since, until)
        return [Funnel(p.code, p.kind, p.label, p.status, **counts.get(p.code, {}))
                for p in placements]

    # -- images ---------------------------------------------------------------------------

    def logo_path(self, business: Business) -> str | None:
        path = business.settings.get("logo_path")
        if path and Path(path).is_file():
            return str(path)
        if path:
            log.warning("business %s: logo %s is missing; codes without logo", business.slug,
                        path)
        return None

    def caption(self, business: Business, lang: str) -> str:
        """The call to action under a code; English when Japanese cannot be drawn."""
        caption = texts.text(texts.CAPTION, lang, name=business.name)
        if not qr.caption_language(lang, caption):
            caption = texts.text(texts.CAPTION, "en", name=business.name)
        return caption

    def render(self, placement: Placement, business: Business, fmt: str,
               opts: qr.QrOptions | None = None, base: str | None = None) -> Rendered:
        """PNG/SVG code or PDF poster of a placement, from the cache when possible."""
        url = tracked_url(self.base(base), placement.code, scan=True)
        logo = self.logo_path(business)
        stamp = Path(logo).stat().st_mtime if logo else None
        opts = opts or qr.QrOptions(lang=business.languages[0])
        key = repr((fmt, url, business.name, opts if fmt != "pdf" else None, logo, stamp,
                    qr_fonts.has_cjk_font()))
        etag = hashlib.sha256(key.encode()).hexdigest()[:32]

        def make() -> Rendered:
            if fmt == "png":
                body = qr.render_png(url, opts, self.caption(business, opts.lang),
                                     logo if opts.logo else None)
                return Rendered(body, "image/png", etag)
            if fmt == "svg":
                body = qr.render_svg(url, opts, self.caption(business, opts.lang),
                                     logo if opts.logo else None)
                return Rendered(body, "image/svg+xml", etag)
            return Rendered(qr.render_poster(url, self.poster_text(placement, business, base),
                                             logo, placement.created_at),
                            "application/pdf", etag)

        return self.cache.get_or_make(key, make)

    def poster_text(self, placement: Placement, business: Business,
                    base: str | None = None) -> qr.PosterText:
        """Poster wording: the business's first language first, then the other."""
        langs = [lang for lang in (*business.languages, "ja", "en") if lang in ("ja", "en")]
        langs = list(dict.fromkeys(langs))
        if not qr_fonts.has_cjk_font():
            qr_fonts.warn_no_cjk()
            langs = ["en"]
        name = business.name

        def each(key: str) -> list[str]:
            return [texts.poster(key, lang, name=name) for lang in langs]

        return qr.PosterText(name=name, cta=each("cta"), how=each("how"),
                             consent=each("consent"), link_label=" / ".join(each("or")),
                             short_link=short_link(self.base(base), placement.code),
                             code=placement.code)

    def set_logo(self, business: Business, data: bytes) -> str:
        """Check an uploaded logo, keep it as PNG in the instance folder, use it from now on."""
        if not data or len(data) > MAX_LOGO_BYTES:
            raise PlacementError("bad_field", field="logo", field_name="logo",
                                 detail=f"an image of at most {MAX_LOGO_BYTES >> 20} MB")
        try:
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in LOGO_FORMATS or img.width * img.height > qr.MAX_LOGO_PIXELS:
                    raise PlacementError("bad_field", field="logo", field_name="logo",
                                         detail="PNG, JPEG, WebP or GIF up to 4096x4096")
                img.load()
                clean = img.convert("RGBA")
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            raise PlacementError("bad_field", field="logo", field_name="logo",
                                 detail="not an image") from None
        folder = self.instance_path / "logos"
        folder.mkdir(parents=True, exist_ok=True)
        out = io.BytesIO()
        clean.save(out, "PNG")
        path = folder / f"{business.id}-{hashlib.sha256(out.getvalue()).hexdigest()[:12]}.png"
        path.write_bytes(out.getvalue())
        self.store.set_business_setting(business.id, "logo_path", str(path))
        return str(path)
