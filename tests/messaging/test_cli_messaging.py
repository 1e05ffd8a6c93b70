"""The signing helpers print signatures the real endpoints accept."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask
from twilio.request_validator import RequestValidator

from gateway.cli import main
from gateway.core.consent import Business
from tests.conftest import META_SECRET, PUBLIC_BASE, TWILIO_TOKEN
from tests.messaging.conftest import meta_delivery, meta_message


def run(app_config: dict[str, Any], monkeypatch: Any, *args: str) -> Any:
    """The real console command, configured like the app under test (same database)."""
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _curl_parts(line: str) -> tuple[str, dict[str, str], list[str]]:
    words = shlex.split(line)
    assert words[:4] == ["curl", "-s", "-X", "POST"]
    headers = dict(w.split(": ", 1) for w in words[words.index("-H") + 1::2]
                   if ": " in w)
    data = [words[i + 1] for i, w in enumerate(words) if w == "--data-urlencode"]
    return words[4], headers, data


def test_sign_twilio_prints_a_request_the_endpoint_accepts(app: Flask, gw: Any,
                                                           business: Business,
                                                           app_config: dict[str, Any],
                                                           monkeypatch: Any) -> None:
    params = ["From=+819012345678", "To=+815031234567", "Body=はい", "MessageSid=SM42"]
    result = run(app_config, monkeypatch, "sign-twilio", "/hooks/twilio/messaging", *params)
    assert result.exit_code == 0, result.output
    signature_line, curl = result.output.strip().splitlines()
    url, headers, data = _curl_parts(curl)
    assert url == PUBLIC_BASE + "/hooks/twilio/messaging"
    form = dict(d.split("=", 1) for d in data)
    expected = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    assert signature_line == f"X-Twilio-Signature: {expected}"
    response = app.test_client().post("/hooks/twilio/messaging", data=form, headers=headers)
    assert response.status_code == 200 and b"<Message>" in response.data


def test_sign_twilio_with_a_business_token_and_target(gw: Any, business: Business,
                                                      app_config: dict[str, Any],
                                                      monkeypatch: Any) -> None:
    gw.store.update_business("demo", settings={"twilio_auth_token": "own"})
    result = run(app_config, monkeypatch, "sign-twilio",
                 "https://public.example/hooks/twilio/status", "MessageSid=SM1", "--business",
                 "demo", "--target", "http://127.0.0.1:8000/hooks/twilio/status")
    assert result.exit_code == 0, result.output
    url, headers, _ = _curl_parts(result.output.splitlines()[1])
    assert url == "http://127.0.0.1:8000/hooks/twilio/status"
    assert headers["X-Twilio-Signature"] == RequestValidator("own").compute_signature(
        "https://public.example/hooks/twilio/status", {"MessageSid": "SM1"})
    bad = run(app_config, monkeypatch, "sign-twilio", "/x", "no-equals-sign")
    assert bad.exit_code != 0 and "Param=Value" in bad.output


def test_sign_meta_prints_a_request_the_endpoint_accepts(app: Flask, gw: Any, business: Business,
                                                         tmp_path: Path, app_config: dict[str, Any],
                                                         monkeypatch: Any) -> None:
    body = tmp_path / "stop.json"
    body.write_text(json.dumps(meta_delivery(meta_message(text="STOP")), ensure_ascii=False))
    result = run(app_config, monkeypatch, "sign-meta", str(body))
    assert result.exit_code == 0, result.output
    signature_line, curl = result.output.strip().splitlines()
    words = shlex.split(curl)
    header = next(w for w in words if w.startswith("X-Hub-Signature-256: "))
    assert signature_line == header
    assert words[-1] == f"@{body}"
    response = app.test_client().post("/hooks/meta/whatsapp", data=body.read_bytes(), headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": header.split(": ", 1)[1]})
    assert response.status_code == 200 and response.json["handled"] == 1
    assert gw.store.count_events(business.id) == 1
    other = run(app_config, monkeypatch, "sign-meta", str(body), "--secret", "x")
    assert other.exit_code == 0 and other.output.splitlines()[0] != signature_line
    assert META_SECRET not in other.output


def test_messaging_settings_change_the_dialog(client: Any, gw: Any, business: Business,
                                              app_config: dict[str, Any],
                                              monkeypatch: Any) -> None:
    from tests.messaging.conftest import sms, twiml_messages

    result = run(app_config, monkeypatch, "messaging-settings", "demo",
                 "sms_ask_whatsapp=never", "twilio_auth_token=own-token",
                 'help_contact={"en": "hello@sakura.example", "ja": "03-1234-5678"}')
    assert result.exit_code == 0, result.output
    assert 'sms_ask_whatsapp = "never"' in result.output
    assert "own-token" not in result.output and 'twilio_auth_token = "(set)"' in result.output
    settings = gw.store.get_business("demo").settings
    assert settings["help_contact"]["en"] == "hello@sakura.example"
    assert settings["twilio_numbers"] == ["+815031234567"]  # the column is untouched
    assert twiml_messages(sms(client, "hello")) == []  # no WhatsApp question on SMS now
    assert "hello@sakura.example" in twiml_messages(sms(client, "HELP"))[0]
    unset = run(app_config, monkeypatch, "messaging-settings", "demo", "sms_ask_whatsapp=")
    assert 'sms_ask_whatsapp = "(default)"' in unset.output
    bad = run(app_config, monkeypatch, "messaging-settings", "demo", "colour=blue")
    assert bad.exit_code != 0 and "KEY=VALUE" in bad.output
