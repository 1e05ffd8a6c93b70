"""Staff sign-in: sessions, roles, the business a user may see, throttled failures, headers."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.security import check_password_hash, generate_password_hash

from gateway.admin.blueprint import bp
from gateway.admin.forms import ButtonForm, LoginForm
from gateway.admin.records import StaffUser
from gateway.admin.texts import text
from gateway.core.consent import Business
from gateway.core.i18n import pick_language
from gateway.http import gw

FAIL_WINDOW = timedelta(minutes=15)
# Throttling must never let a stranger lock an account: a hard limit applies per address
# (and per username from one address); across addresses the account only slows down, and
# not for an address that signed in as that user before.
USER_LIMIT = 5  # failed sign-ins per username from one address in the window
IP_LIMIT = 20  # failed sign-ins per client address in the window
ACCOUNT_SLOWDOWN = 10  # failures of a username from anywhere before each try must wait
MAX_WAIT = timedelta(seconds=60)  # ...2, 4, 8... seconds after the last one, at most this
KNOWN_ADDRESS = timedelta(days=30)
SESSION_MAX_AGE = timedelta(hours=12)
OPEN_ENDPOINTS = frozenset({"admin.login"})
# POSTs that act on the user's own session, not on data: allowed for viewers too.
SELF_POSTS = frozenset({"admin.login", "admin.logout"})

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


@cache
def _dummy_hash() -> str:
    """Checked for unknown users, so a wrong username costs as long as a wrong password."""
    return generate_password_hash(secrets.token_hex(16))


def _fingerprint(password_hash: str) -> str:
    """Bound into the session: a password change ends every existing session."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def current_user() -> StaffUser:
    return g.admin_user  # type: ignore[no-any-return]


def current_business() -> Business | None:
    return g.admin_business  # type: ignore[no-any-return]


def is_admin() -> bool:
    user = g.get("admin_user")
    return user is not None and user.role == "admin"


def lang() -> str:
    """The dashboard language of this request: ja or en."""
    return str(g.get("admin_lang", "en"))


def t(key: str, **params: Any) -> str:
    """A dashboard text in the current language."""
    return text(key, g.get("admin_lang", "en"), **params)


def _language() -> str:
    requested = request.args.get("lang")
    if requested in ("ja", "en"):
        session["admin_lang"] = requested
        return requested
    remembered = session.get("admin_lang")
    if remembered in ("ja", "en"):
        return str(remembered)
    return pick_language(None, [lang for lang, _q in request.accept_languages])


def _session_user() -> StaffUser | None:
    uid = session.get("admin_uid")
    if not isinstance(uid, int):
        return None
    now = gw().admin_store.clock().timestamp()
    since = session.get("admin_since")
    if not isinstance(since, int | float) or now - since > SESSION_MAX_AGE.total_seconds():
        session.clear()
        return None
    user = gw().admin_store.staff_by_id(uid)
    if user is None or session.get("admin_pw") != _fingerprint(user.password_hash):
        session.clear()
        return None
    return user


def _business(user: StaffUser) -> Business | None:
    """The business shown: the user's own, or (unbound users) ?b=, remembered, or the first."""
    store = gw().store
    requested = request.args.get("b")
    if user.business_id is not None:
        business = store.business_by_id(user.business_id)
        if requested and (business is None or requested != business.slug):
            abort(404)  # another business's data is simply not there for this user
        return business
    if requested:
        business = store.get_business(requested)
        if business is None:
            abort(404)
        session["admin_business"] = business.slug
        return business
    slug = session.get("admin_business")
    business = store.get_business(slug) if isinstance(slug, str) else None
    if business is None:
        businesses = store.list_businesses()
        business = businesses[0] if businesses else None
    return business


@bp.before_request
def _guard() -> Any:
    g.admin_lang = _language()
    g.admin_user = None
    g.admin_business = None
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    user = _session_user()
    if user is None:
        if request.path.startswith("/admin/api/"):
            return jsonify({"error": {"code": "unauthorized", "message": "Sign in first.",
                                      "field": None}}), 401
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    g.admin_user = user
    if request.method == "POST" and request.endpoint not in SELF_POSTS and user.role != "admin":
        abort(403)  # viewers are read-only, whatever the form
    g.admin_business = _business(user)
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    # A page may narrow or adapt the policy (the printable receipt carries its own styles).
    response.headers["Content-Security-Policy"] = g.get("csp_override") or CSP
    # Pages hold personal data and one-time API keys: never keep them in a cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


@bp.context_processor
def _template_globals() -> dict[str, Any]:
    user = g.get("admin_user")
    businesses = gw().store.list_businesses() if user and user.business_id is None else []
    return {"t": t, "lang": g.get("admin_lang", "en"), "user": user,
            "business": g.get("admin_business"), "businesses": businesses,
            "is_admin": is_admin(), "logout_form": ButtonForm(), "self_url": _self_url}


def _self_url(**overrides: Any) -> str:
    """This page with some query parameters changed (language, period)."""
    if request.method != "GET" or request.endpoint is None:
        return url_for("admin.overview", **overrides)
    args = {k: v for k, v in request.args.items() if k not in overrides}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **overrides)


def _safe_next(target: str | None) -> str:
    """Only a path inside /admin: never an open redirect to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/admin") \
                and "\\" not in target and not target.startswith("//"):
            return target
    return url_for("admin.overview")


def _throttled(store: Any, username: str, ip: str) -> int | None:
    """Seconds this attempt must wait, or None when it may go ahead."""
    now = store.clock()
    seen = store.login_picture(username, ip, now - FAIL_WINDOW, now - KNOWN_ADDRESS)
    if seen.by_ip >= IP_LIMIT or seen.by_pair >= USER_LIMIT:
        return int(FAIL_WINDOW.total_seconds())
    if seen.by_user >= ACCOUNT_SLOWDOWN and not seen.known_address and seen.last_user_failure:
        delay = min(timedelta(seconds=2 ** (seen.by_user - ACCOUNT_SLOWDOWN + 1)), MAX_WAIT)
        left = (seen.last_user_failure + delay - now).total_seconds()
        if left > 0:
            return int(left) + 1
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in; failures are throttled per username and per client address."""
    if request.method == "GET" and _session_user() is not None:
        return redirect(url_for("admin.overview"))
    form = LoginForm()
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        username = (form.username.data or "").strip()
        ip = request.remote_addr or "unknown"
        store = gw().admin_store
        wait = _throttled(store, username, ip)
        if wait is not None:
            error, status = t("login.limited", minutes=max(1, -(-wait // 60))), 429
            headers["Retry-After"] = str(wait)
        else:
            user = store.staff_by_name(username)
            ok = check_password_hash(user.password_hash if user else _dummy_hash(),
                                     form.password.data or "") and user is not None
            store.record_login(username, ip, ok)
            if ok and user is not None:
                lang = session.get("admin_lang")
                session.clear()  # a fresh session: nothing from before the sign-in survives
                session["admin_uid"] = user.id
                session["admin_since"] = int(store.clock().timestamp())
                session["admin_pw"] = _fingerprint(user.password_hash)
                session["admin_sid"] = secrets.token_urlsafe(16)
                if lang:
                    session["admin_lang"] = lang
                return redirect(_safe_next(request.args.get("next")))
            error = t("login.failed")
    elif request.args.get("out"):
        flash(t("logged_out"))
    return render_template("admin/login.html", form=form, error=error), status, headers


@bp.post("/logout")
def logout() -> Any:
    lang = session.get("admin_lang")
    session.clear()
    if lang:
        session["admin_lang"] = lang
    return redirect(url_for("admin.login", out=1))
