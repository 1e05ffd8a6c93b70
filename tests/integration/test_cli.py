"""The optin-gateway command, through Click's runner on a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import text

from gateway.cli import main


def run(app_config: dict[str, Any], monkeypatch: Any, *args: str, input: str | None = None
        ) -> Any:
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_init_create_key_admin_and_verify(app_config: dict[str, Any], monkeypatch: Any,
                                          gw: Any) -> None:
    assert run(app_config, monkeypatch, "init-db").exit_code == 0
    res = run(app_config, monkeypatch, "create-business", "ramen", "--name", "Ramen Ya",
              "--whatsapp", "03-1234-5678", "--country", "jp", "--twilio-number",
              "050-3123-4567", "--language", "ja", "--language", "en")
    assert res.exit_code == 0, res.output
    business = gw.store.get_business("ramen")
    assert business.whatsapp_number == "+81312345678" and business.country == "JP"
    assert gw.store.current_wording(business.id, "ivr", "ja") is not None
    key = run(app_config, monkeypatch, "create-api-key", "ramen").output.strip()
    assert key.startswith("og_") and "\n" not in key
    assert gw.store.authenticate_api_key(key)[0].slug == "ramen"
    res = run(app_config, monkeypatch, "create-admin", "kana", "--role", "viewer",
              input="s3cret-pass\ns3cret-pass\n")
    assert res.exit_code == 0
    assert "s3cret" not in gw.store.get_admin("kana").password_hash
    assert run(app_config, monkeypatch, "verify-ledger").exit_code == 0
    dup = run(app_config, monkeypatch, "create-business", "ramen", "--name", "X", "--whatsapp",
              "03-1234-5678", "--country", "JP")
    assert dup.exit_code != 0


def test_verify_ledger_exits_1_and_names_the_bad_entry(app_config: dict[str, Any],
                                                      monkeypatch: Any, gw: Any, client: Any,
                                                      auth: dict[str, str]) -> None:
    for n in range(3):
        client.post("/api/v1/consents", headers=auth,
                    json={"phone": f"090-1234-000{n}", "topics": ["offers"]})
    with gw.db.writing() as s:
        if gw.db.dialect == "postgresql":
            s.execute(text("ALTER TABLE consent_events DISABLE TRIGGER consent_events_no_change"))
        else:
            s.execute(text("DROP TRIGGER consent_events_no_update"))
        s.execute(text("UPDATE consent_events SET topics = '[\"newsletter\"]' WHERE seq = 2"))
    res = run(app_config, monkeypatch, "verify-ledger", "demo")
    assert res.exit_code == 1
    assert "seq 2" in res.output and "BROKEN" in res.output


def test_demo_sets_up_a_fresh_directory(tmp_path: Path, monkeypatch: Any) -> None:
    for var in ("DATABASE_URL", "SECRET_KEY", "SUBJECT_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "inst"))
    res = CliRunner().invoke(main, ["demo"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "API key:   og_" in res.output and "/b/demo/optin" in res.output
    assert (tmp_path / "inst" / "optin-gateway.db").exists()
    again = CliRunner().invoke(main, ["demo"], catch_exceptions=False)
    assert again.exit_code == 0  # idempotent: reuses the business, prints a new key


def test_policy_switch_changes_new_checks_but_not_old_events(
        app_config: dict[str, Any], monkeypatch: Any, gw: Any, client: Any,
        auth: dict[str, str]) -> None:
    plain = "Sakura Coffee: messages about your orders and our offers. Reply STOP to stop."
    # Under the default (WhatsApp-specific) policy a wording without "WhatsApp" is refused.
    res = client.post("/api/v1/wordings", headers=auth,
                      json={"kind": "general", "language": "en", "text": plain})
    assert res.status_code == 422
    first = client.post("/api/v1/consents", headers=auth,
                        json={"phone": "090-1234-0001", "topics": ["offers"]}).get_json()
    assert first["policy"] == {"id": "whatsapp-specific", "version": 1}

    res = run(app_config, monkeypatch, "configure-business", "demo", "--policy",
              "meta-general-2024-11")
    assert res.exit_code == 0 and "meta-general-2024-11" in res.output
    gw.store.cache.clear()  # a running server sees the CLI's change within the cache TTL
    res = client.post("/api/v1/wordings", headers=auth,
                      json={"kind": "general", "language": "en", "text": plain})
    assert res.status_code == 201
    second = client.post("/api/v1/consents", headers=auth, json={
        "phone": "090-1234-0002", "topics": ["offers"], "wording_kind": "general",
        "language": "en"}).get_json()
    assert second["policy"] == {"id": "meta-general-2024-11", "version": 1}
    assert second["wording"]["id"] == "demo-general-en-v1"

    view = client.get("/api/v1/contacts/090-1234-0001", headers=auth).get_json()
    assert view["events"][0]["policy"] == {"id": "whatsapp-specific", "version": 1}
    assert gw.store.verify("demo").ok


def test_configure_business_checks_what_the_settings_page_checks(
        app_config: dict[str, Any], monkeypatch: Any, gw: Any, business: Any) -> None:
    bad = run(app_config, monkeypatch, "configure-business", "demo", "--frame-ancestor",
              "https://shop.example; script-src *")
    assert bad.exit_code == 2 and "--frame-ancestor" in bad.output
    assert "is not a site address" in bad.output
    assert run(app_config, monkeypatch, "configure-business", "demo", "--accent",
               "red").exit_code == 2
    gw.store.update_business("demo", languages=["ja"])
    ok = run(app_config, monkeypatch, "configure-business", "demo", "--language", "ja",
             "--language", "en", "--accent", "#6B3E26", "--frame-ancestor",
             "https://shop.example/")
    assert ok.exit_code == 0, ok.output
    gw.store.cache.clear()
    business = gw.store.get_business("demo")
    assert business.languages == ("ja", "en")
    assert business.settings["accent"] == "#6b3e26"
    assert business.settings["frame_ancestors"] == ["https://shop.example"]
    assert business.settings["twilio_numbers"]  # a column, kept as it was
    # Every kind of wording exists in the language just added.
    kinds = {w.kind for w in gw.store.list_wordings(business.id) if w.language == "ja"}
    assert kinds <= {w.kind for w in gw.store.list_wordings(business.id) if w.language == "en"}
