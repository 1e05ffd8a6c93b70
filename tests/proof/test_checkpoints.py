"""Checkpoints catch what a bare hash chain cannot: tampering, forgeries and rewritten tails."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import text

from gateway.cli import main
from gateway.proof import checkpoints
from tests.proof.conftest import OTHER_KEY, break_append_only, opt_in


def fill(client: FlaskClient, auth: dict[str, str], n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        opt_in(client, auth, "api", phone=f"+81901{i:07d}")


def verify(client: FlaskClient, auth: dict[str, str]) -> dict[str, Any]:
    return dict(client.get("/api/v1/ledger/verify", headers=auth).get_json())


def cli(app_config: dict[str, Any], monkeypatch: Any, *args: str) -> Any:
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_checkpoint_signs_the_head_once_and_verifies(client: FlaskClient, auth: dict[str, str],
                                                     gw: Any) -> None:
    assert client.post("/api/v1/ledger/checkpoints", headers=auth).get_json() == {
        "checkpoint": None, "created": False}  # empty ledger: nothing to sign
    fill(client, auth, 3)
    first = client.post("/api/v1/ledger/checkpoints", headers=auth)
    assert first.status_code == 201
    cp = first.get_json()["checkpoint"]
    again = client.post("/api/v1/ledger/checkpoints", headers=auth)
    assert again.status_code == 200 and again.get_json()["checkpoint"]["id"] == cp["id"]
    key = client.get("/api/v1/ledger/public-key").get_json()
    opened = checkpoints.open_checkpoint(cp["note"], [base64.b64decode(key["public_key"])])
    assert opened.size == 3 and opened.root_hex == cp["root_hash"]
    assert opened.origin == "gateway.example.test/demo/consent-ledger"
    fill(client, auth, 2, start=3)
    assert client.post("/api/v1/ledger/checkpoints", headers=auth).status_code == 201
    listed = client.get("/api/v1/ledger/checkpoints", headers=auth).get_json()["checkpoints"]
    assert [c["size"] for c in listed] == [5, 3]
    assert verify(client, auth) == {"ok": True, "entries": 5, "businesses": 1, "checkpoints": 2}


def test_a_tampered_row_is_named(client: FlaskClient, auth: dict[str, str], gw: Any) -> None:
    fill(client, auth, 4)
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    break_append_only(gw)
    with gw.db.writing() as s:
        s.execute(text("UPDATE consent_events SET topics = '[\"newsletter\"]' WHERE seq = 3"))
    bad = verify(client, auth)
    assert bad["ok"] is False and bad["first_bad"]["seq"] == 3
    assert "hash does not match" in bad["first_bad"]["reason"]


def test_truncated_tail_rebuilt_with_recomputed_hashes_is_caught_by_the_checkpoint(
        client: FlaskClient, auth: dict[str, str], gw: Any, business: Any) -> None:
    fill(client, auth, 5)
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    # The attacker deletes entries 4-5 (say, two opt-outs), then appends a forged entry with
    # correctly recomputed hashes and moves the chain head: the bare chain verifies again.
    break_append_only(gw)
    with gw.db.writing() as s:
        s.execute(text("DELETE FROM consent_events WHERE seq > 3"))
        s.execute(text("UPDATE ledger_heads SET seq = 3, hash = (SELECT hash FROM consent_events "
                       "WHERE seq = 3)"))
    fill(client, auth, 1, start=100)  # a new, properly hashed entry at seq 4
    assert gw.store.verify("demo").ok  # the chain alone cannot tell
    bad = verify(client, auth)
    assert bad["ok"] is False and bad["first_bad"]["seq"] == 5
    assert "checkpoint" in bad["first_bad"]["reason"] and "removed" in bad["first_bad"]["reason"]
    # Rebuilt to the same length, too: the signed root no longer matches.
    fill(client, auth, 1, start=101)
    assert gw.store.verify("demo").ok
    bad = verify(client, auth)
    assert bad["ok"] is False and "signed Merkle root" in bad["first_bad"]["reason"]
    # And the gateway refuses to sign a new head over the rewritten history.
    fill(client, auth, 1, start=102)
    res = client.post("/api/v1/ledger/checkpoints", headers=auth)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "ledger_broken"


def test_forged_checkpoints_are_caught(client: FlaskClient, auth: dict[str, str], gw: Any,
                                       business: Any) -> None:
    fill(client, auth, 4)
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    row = gw.proof.store.latest_checkpoint(business.id)
    assert verify(client, auth)["ok"]

    def set_cols(**cols: Any) -> None:
        with gw.db.writing() as s:
            assignments = ", ".join(f"{k} = :{k}" for k in cols)
            s.execute(text(f"UPDATE ledger_checkpoints SET {assignments} WHERE id = :id"),
                      {**cols, "id": row.id})

    # 1. Signed with another key.
    other = checkpoints.Signer(checkpoints.load_private_key(OTHER_KEY), "gateway.example.test/ledger")
    forged = other.checkpoint(row.origin, row.size, bytes.fromhex(row.root)).note
    set_cols(note=forged)
    bad = verify(client, auth)
    assert not bad["ok"] and bad["first_bad"]["checkpoint_id"] == row.id
    assert "not signed by the gateway" in bad["first_bad"]["reason"]
    # 2. The signed note edited to claim a smaller size: signature breaks.
    set_cols(note=row.note.replace("\n4\n", "\n3\n", 1), size=3)
    assert "does not verify" in verify(client, auth)["first_bad"]["reason"]
    # 3. Columns edited, note left alone.
    set_cols(note=row.note, size=3)
    assert "columns differ" in verify(client, auth)["first_bad"]["reason"]
    set_cols(size=4, root="ab" * 32)
    assert "columns differ" in verify(client, auth)["first_bad"]["reason"]
    set_cols(root=row.root)
    assert verify(client, auth)["ok"]


def test_cli_checkpoint_and_verify_ledger(app_config: dict[str, Any], monkeypatch: Any,
                                          client: FlaskClient, auth: dict[str, str], gw: Any,
                                          tmp_path: Any) -> None:
    fill(client, auth, 2)
    res = cli(app_config, monkeypatch, "checkpoint", "demo")
    assert res.exit_code == 0 and "signed checkpoint" in res.output and "size 2" in res.output
    assert "unchanged" in cli(app_config, monkeypatch, "checkpoint").output
    ok = cli(app_config, monkeypatch, "verify-ledger", "demo")
    assert ok.exit_code == 0 and "1 signed checkpoint(s)" in ok.output

    # A note kept outside the database still convicts a rewrite that also deleted the rows.
    note = tmp_path / "cp.txt"
    note.write_text(gw.proof.store.latest_checkpoint(1).note)
    assert cli(app_config, monkeypatch, "verify-checkpoint", "demo", str(note)).exit_code == 0
    break_append_only(gw)
    with gw.db.writing() as s:
        s.execute(text("DELETE FROM ledger_checkpoints"))
        s.execute(text("DELETE FROM consent_events WHERE seq = 2"))
        s.execute(text("UPDATE ledger_heads SET seq = 1, hash = (SELECT hash FROM consent_events "
                       "WHERE seq = 1)"))
    fill(client, auth, 1, start=50)
    assert cli(app_config, monkeypatch, "verify-ledger", "demo").exit_code == 0  # rows agree
    res = cli(app_config, monkeypatch, "verify-checkpoint", "demo", str(note))
    assert res.exit_code == 1 and "rewritten" in res.output
    api = client.post("/api/v1/ledger/checkpoints/verify", headers=auth,
                      json={"notes": [note.read_text()]}).get_json()
    assert api["ok"] is False and "rewritten" in api["results"][0]["reason"]


def test_cli_names_a_broken_checkpoint(app_config: dict[str, Any], monkeypatch: Any,
                                       client: FlaskClient, auth: dict[str, str], gw: Any) -> None:
    fill(client, auth, 2)
    cli(app_config, monkeypatch, "checkpoint")
    with gw.db.writing() as s:
        s.execute(text("UPDATE ledger_checkpoints SET size = 1"))
    res = cli(app_config, monkeypatch, "verify-ledger")
    assert res.exit_code == 1 and "checkpoint #1" in res.output and "BROKEN" in res.output


def test_without_a_key_checkpoints_are_refused_clearly(app_config: dict[str, Any],
                                                       tmp_path: Any) -> None:
    from gateway.app import create_app

    app = create_app({**app_config, "LEDGER_SIGNING_KEY": None,
                      "INSTANCE_PATH": str(tmp_path / "nokey")})
    try:
        app.extensions["gateway"].db.upgrade()
        res = app.test_client().get("/api/v1/ledger/public-key")
        assert res.status_code == 503 and res.get_json()["error"]["code"] == "signing_key_missing"
    finally:
        app.extensions["gateway"].db.dispose()


def test_a_malformed_key_stops_start_up_with_a_clear_message(app_config: dict[str, Any]
                                                             ) -> None:
    from gateway.app import create_app
    from gateway.core.config import ConfigError

    with pytest.raises(ConfigError, match="LEDGER_SIGNING_KEY must be an Ed25519 private key"):
        create_app({**app_config, "LEDGER_SIGNING_KEY": "not-a-key"})
