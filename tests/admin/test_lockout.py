"""Nobody can lock staff out by failing their password: limits hold per address, and the
account only slows down for addresses it has never signed in from."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from gateway.admin import auth
from tests.admin.conftest import login

HOME = {"REMOTE_ADDR": "198.51.100.20"}


def attacker(n: int) -> dict[str, str]:
    return {"REMOTE_ADDR": f"203.0.113.{n}"}


def test_failures_from_elsewhere_never_lock_the_owner_out(client: FlaskClient, gw: Any,
                                                          staff: dict[str, int]) -> None:
    for _ in range(auth.USER_LIMIT + 3):  # one address: limited after USER_LIMIT failures
        login(client, "boss", "guess", environ_base=attacker(1))
    assert login(client, "boss", environ_base=attacker(1)).status_code == 429
    res = login(client, "boss", environ_base=HOME)  # the owner, elsewhere: not affected
    assert res.status_code == 302


def test_a_distributed_guess_slows_the_account_but_not_a_known_address(
        client: FlaskClient, gw: Any, staff: dict[str, int]) -> None:
    assert login(client, "boss", environ_base=HOME).status_code == 302  # a known address
    client.post("/admin/logout")
    for n in range(auth.ACCOUNT_SLOWDOWN):  # a different address each try
        assert login(client, "boss", "guess", environ_base=attacker(n)).status_code == 200
    slowed = login(client, "boss", "guess", environ_base=attacker(99))
    assert slowed.status_code == 429 and 0 < int(slowed.headers["Retry-After"]) <= 60
    assert login(client, "boss", environ_base=HOME).status_code == 302
    # A new address of the owner waits at most MAX_WAIT, then gets in.
    client.post("/admin/logout")
    later = gw.admin_store.clock() + auth.MAX_WAIT + timedelta(seconds=1)
    gw.admin_store.clock = lambda: later
    assert login(client, "boss", environ_base={"REMOTE_ADDR": "192.0.2.44"}).status_code == 302


def test_x_forwarded_for_is_ignored_unless_proxies_are_configured(
        client: FlaskClient, gw: Any, staff: dict[str, int]) -> None:
    for n in range(auth.IP_LIMIT):  # a spoofed header per try: all from one real address
        login(client, f"guess{n}", "x", headers={"X-Forwarded-For": f"192.0.2.{n}"})
    res = login(client, "boss", headers={"X-Forwarded-For": "192.0.2.200"})
    assert res.status_code == 429
