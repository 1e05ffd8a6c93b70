"""Staff sign-in: passwords, throttling, session cookie and its lifetime, logout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from gateway.admin import auth
from tests.admin.conftest import PASSWORD, login


def _cookie(response: Any) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_pages_need_a_login(client: FlaskClient, staff: dict[str, int]) -> None:
    res = client.get("/admin/sources?days=7")
    assert res.status_code == 302
    assert res.headers["Location"] == "/admin/login?next=/admin/sources?days%3D7"
    res = client.get("/admin/api/sources")
    assert res.status_code == 401 and res.json["error"]["code"] == "unauthorized"
    assert client.post("/admin/api-keys", data={"label": "x"}).status_code == 302


def test_good_login_sets_a_fresh_secure_session(client: FlaskClient, staff: dict[str, int]
                                                ) -> None:
    page = client.get("/admin/login")
    assert page.status_code == 200 and b'name="password"' in page.data
    with client.session_transaction() as s:
        s["planted"] = "by an attacker before the login"  # session fixation attempt
    res = login(client, "boss", query_string={"next": "/admin/contacts?q=5678"})
    assert res.status_code == 302 and res.headers["Location"] == "/admin/contacts?q=5678"
    cookie = _cookie(res)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie  # PUBLIC_BASE_URL is https in the tests
    with client.session_transaction() as s:
        assert "planted" not in s and s["admin_uid"] == staff["boss"]
        assert len(s["admin_sid"]) >= 16
    assert client.get("/admin/").status_code == 200


def test_wrong_password_and_unknown_user_fail_alike(client: FlaskClient, staff: dict[str, int],
                                                    gw: Any) -> None:
    for username, password in (("boss", "wrong"), ("nobody", PASSWORD), ("", "")):
        res = login(client, username, password)
        assert res.status_code == 200
        assert (b"Wrong username or password" in res.data) == bool(username)
        with client.session_transaction() as s:
            assert "admin_uid" not in s
    assert client.get("/admin/").status_code == 302
    assert gw.admin_store.recent_failures("boss", "127.0.0.1",
                                          gw.admin_store.clock() - timedelta(minutes=1)) == (1, 2)


def test_failed_logins_are_throttled_per_username(client: FlaskClient, staff: dict[str, int]
                                                  ) -> None:
    for _ in range(auth.USER_LIMIT):
        assert b"Wrong username" in login(client, "boss", "guess").data
    res = login(client, "boss")  # even the right password waits now
    assert res.status_code == 429 and b"Too many failed sign-ins" in res.data
    with client.session_transaction() as s:
        assert "admin_uid" not in s
    # another user from another address is not affected
    res = login(client, "viewer", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert res.status_code == 302


def test_failed_logins_are_throttled_per_address(client: FlaskClient, staff: dict[str, int],
                                                 gw: Any) -> None:
    for n in range(auth.IP_LIMIT):
        login(client, f"guess{n}", "x", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert login(client, "boss", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 429
    assert login(client, "boss", environ_base={"REMOTE_ADDR": "203.0.113.10"}).status_code == 302


def test_throttle_window_passes(client: FlaskClient, staff: dict[str, int], gw: Any,
                                monkeypatch: Any) -> None:
    for _ in range(auth.USER_LIMIT):
        login(client, "boss", "guess")
    assert login(client, "boss").status_code == 429
    later = gw.admin_store.clock() + auth.FAIL_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr(gw.admin_store, "clock", lambda: later)
    assert login(client, "boss").status_code == 302


def test_logout_is_a_post_and_ends_the_session(boss: FlaskClient) -> None:
    assert boss.get("/admin/logout").status_code == 405
    res = boss.post("/admin/logout")
    assert res.status_code == 302 and res.headers["Location"] == "/admin/login?out=1"
    assert boss.get("/admin/").status_code == 302
    assert b"You are signed out" in boss.get("/admin/login?out=1").data


def test_password_change_and_age_end_sessions(boss: FlaskClient, gw: Any, staff: dict[str, int],
                                              monkeypatch: Any) -> None:
    assert boss.get("/admin/").status_code == 200
    later = gw.admin_store.clock() + auth.SESSION_MAX_AGE + timedelta(minutes=1)
    monkeypatch.setattr(gw.admin_store, "clock", lambda: later)
    assert boss.get("/admin/").status_code == 302  # older than 12 hours
    monkeypatch.undo()
    assert login(boss, "boss").status_code == 302
    assert boss.get("/admin/").status_code == 200
    from sqlalchemy import update

    from gateway.store.tables import AdminUserRow

    with gw.db.writing() as s:
        s.execute(update(AdminUserRow).where(AdminUserRow.id == staff["boss"]).values(
            password_hash=generate_password_hash("new pass", method="pbkdf2:sha256:1000")))
    assert boss.get("/admin/").status_code == 302


def test_next_never_leaves_the_admin(client: FlaskClient, staff: dict[str, int]) -> None:
    for target in ("https://evil.example/", "//evil.example/admin", "/b/demo/optin",
                   "/admin\\@evil.example", "javascript:alert(1)"):
        res = login(client, "boss", query_string={"next": target})
        assert res.headers["Location"] == "/admin/", target
        client.post("/admin/logout")


def test_created_admin_logs_in_with_the_cli_hash(client: FlaskClient, gw: Any) -> None:
    """`optin-gateway create-admin` stores werkzeug's default (scrypt) hash: it works here."""
    gw.store.create_admin("kana", generate_password_hash("s3cret-pass"), "viewer", None)
    assert login(client, "kana", "s3cret-pass").status_code == 302
