"""The IVR commands of optin-gateway, through Click's runner on a real store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from click.testing import CliRunner

from gateway.cli import main
from tests.ivr.conftest import Call, events_of


def run(app_config: dict[str, Any], monkeypatch: Any, *args: str) -> Any:
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_configure_ivr_changes_the_call(app_config: dict[str, Any], monkeypatch: Any,
                                        call: Any, gw: Any, business: Any) -> None:
    gw.store.update_business("demo", settings={"frame_ancestors": ["https://shop.example"]})
    res = run(app_config, monkeypatch, "configure-ivr", "demo", "--record-consent",
              "--speech-confidence", "0.8", "--voice", "ja=Polly.Takumi")
    assert res.exit_code == 0, res.output
    assert "record consent on, speech confidence 0.8" in res.output
    settings = gw.store.get_business("demo").settings
    assert settings["frame_ancestors"] == ["https://shop.example"]  # kept
    assert settings["ivr_voices"] == {"ja": "Polly.Takumi"}
    c: Call = call()
    c.start()
    c.press("1")
    assert {s.get("voice") for s in c.gather.iter("Say")} == {"Polly.Takumi"}
    c.speak("はい", 0.7)  # below the business's 0.8: confirm with a key
    assert "「はい、すべてのお知らせ」と承りました" in c.text
    c.press("1")
    assert c.root is not None and c.root.find("Record") is not None

    bad = run(app_config, monkeypatch, "configure-ivr", "demo", "--voice", "fr=Polly.Lea")
    assert bad.exit_code != 0 and "use ja=VOICE or en=VOICE" in bad.output
    assert run(app_config, monkeypatch, "configure-ivr", "nope").exit_code != 0


def test_purge_old_call_state(app_config: dict[str, Any], monkeypatch: Any, call: Any,
                              gw: Any, business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.press("1")
    res = run(app_config, monkeypatch, "purge-ivr-calls", "--days", "30")
    assert "removed 0 IVR call(s)" in res.output and gw.ivr.count() == (1, 3)
    later = gw.service.clock() + timedelta(days=31)
    assert gw.ivr.purge(later) == 1 and gw.ivr.count() == (0, 0)
    assert len(events_of(gw, business)) == 1  # the consent itself stays


def test_set_ivr_wording_is_spoken_and_recorded(app_config: dict[str, Any], monkeypatch: Any,
                                               call: Any, gw: Any, business: Any) -> None:
    text = ("Sakura Coffee can send you WhatsApp messages. Press 1 for all topics, 2 to "
            "choose, 9 for no thanks, 8 to stop all WhatsApp messages from Sakura Coffee.")
    res = run(app_config, monkeypatch, "set-ivr-wording", "demo", "--lang", "en", text)
    assert res.exit_code == 0, res.output
    assert res.output.startswith("demo-ivr-en-v2 sha256 ")
    for bad, why in (("Press 1, 2, 9 or 8 for WhatsApp messages.", "name"),
                     ("Sakura Coffee messages: press 1, 2, 9 or 8.", "WhatsApp"),
                     ("Sakura Coffee on WhatsApp: press 1 or 2.", "9, 8 not mentioned")):
        out = run(app_config, monkeypatch, "set-ivr-wording", "demo", "--lang", "en", bad)
        assert out.exit_code != 0 and why in out.output, out.output
    c: Call = call()
    c.start()
    c.press("2")
    assert text in c.text
    c.press("1")
    [event] = events_of(gw, business)
    assert event.wording.id == "demo-ivr-en-v2"
