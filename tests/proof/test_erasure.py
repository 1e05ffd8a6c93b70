"""Erasure keeps the ledger verifiable, removes every copy of the number, blocks re-import."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from gateway.cli import main
from gateway.core.consent import Capture
from gateway.core.errors import InvalidCapture
from tests.proof.conftest import PHONE, dump_text, opt_in

DIGITS = PHONE.lstrip("+")


def import_capture(phone: str = PHONE, job: str = "job-7", **extra: Any) -> Capture:
    """What the imports area records for one CSV row."""
    return Capture(business="demo", phone=phone, channel="paper", method="signature",
                   topics=("offers",), wording_kind="paper", actor=f"import:{job}",
                   occurred_at=extra.pop("occurred_at", "2026-10-01T10:00:00+09:00"),
                   evidence={"row": 3}, **extra)


def erase(client: FlaskClient, auth: dict[str, str], phone: str = PHONE, **body: Any) -> Any:
    return client.post(f"/api/v1/contacts/{phone}/erase", headers=auth, json=body or None)


def test_erasure_removes_the_number_everywhere_and_the_ledger_still_verifies(
        client: FlaskClient, auth: dict[str, str], gw: Any, business: Any) -> None:
    opt_in(client, auth, "checkout", name="山田 太郎")
    opt_in(client, auth, "web_form")
    opt_in(client, auth, "api", phone="+819011112222", name="Other Person")
    # Queued work that carries the number (as a WhatsApp send would).
    gw.outbox.enqueue("whatsapp_send", {"to": DIGITS, "text": "hi"}, "send:1", business.id)
    gw.outbox.enqueue("whatsapp_send", {"to": "819011112222", "text": "hi"}, "send:2",
                      business.id)
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    before = dump_text(gw)
    assert PHONE in before and "山田 太郎" in before

    res = erase(client, auth, "090-1234-5678", reason="customer asked by phone")
    assert res.status_code == 200, res.get_json()
    out = res.get_json()
    assert out["removed"] == {"contact": True, "personal_rows": 1, "outbox_items": 1}
    assert out["suppressed"] is True and out["ledger_residue_seqs"] == []

    after = dump_text(gw)
    assert PHONE not in after and DIGITS not in after and "山田 太郎" not in after
    assert "+819011112222" in after and "Other Person" in after  # nobody else touched
    assert client.get("/api/v1/ledger/verify", headers=auth).get_json()["ok"] is True

    # Sending is blocked: the erasure withdrew every topic by an ordinary opt-out event.
    ask = client.get(f"/api/v1/eligibility?phone={PHONE}&topic=order_updates", headers=auth)
    assert ask.get_json()["allowed"] is False and ask.get_json()["reason"] == "opted_out"
    withdrawal = gw.proof.store.event_by_id(business, out["withdrawal_event_id"])
    assert withdrawal.action == "opt_out" and withdrawal.actor.startswith("erasure:")
    # The receipt still proves what happened, without personal data.
    r = client.get(f"/api/v1/contacts/{PHONE}/receipt?copy=customer", headers=auth).get_json()
    assert r["x-ocg"]["erasedAt"] and r["x-ocg"]["name"] is None
    assert [e["action"] for e in r["x-ocg"]["events"]] == ["opt_in", "opt_in", "opt_out"]
    assert all("personal" not in e or e["personal"] == {} for e in r["x-ocg"]["events"])
    audit = gw.proof.store.audit_entries(business.id)
    assert [a.action for a in audit] == ["erase"] and audit[0].detail["reason"] == \
        "customer asked by phone"
    assert PHONE not in str(audit[0].detail)


def test_re_import_is_refused_until_a_fresh_direct_opt_in(client: FlaskClient,
                                                         auth: dict[str, str], gw: Any) -> None:
    opt_in(client, auth, "checkout")
    assert erase(client, auth).status_code == 200
    with pytest.raises(InvalidCapture) as exc:
        gw.service.capture(import_capture())
    assert exc.value.code == "suppressed_after_erasure" and exc.value.status == 422
    assert "erased" in exc.value.message("en") and "消去" in exc.value.message("ja")
    assert PHONE not in dump_text(gw)  # the refused import stored nothing

    # A direct opt-in dated before the erasure (an old paper form typed in) is recorded but
    # neither lifts the suppression nor revives consent: the erasure's opt-out is later.
    old = opt_in(client, auth, "paper", occurred_at="2026-01-05T10:00:00+09:00")
    assert old["action"] == "opt_in"
    assert gw.proof.suppressed(1, gw.service.ref(gw.store.get_business("demo"), PHONE))
    ask = client.get(f"/api/v1/eligibility?phone={PHONE}&topic=product_recommendations",
                     headers=auth).get_json()
    assert ask["allowed"] is False
    with pytest.raises(InvalidCapture):
        gw.service.capture(import_capture(job="job-8"))

    # The person opts in again themselves, now: suppression lifted, imports work again.
    fresh = opt_in(client, auth, "web_form")
    business = gw.store.get_business("demo")
    ref = gw.service.ref(business, PHONE)
    suppression = gw.proof.store.suppression(business.id, ref)
    assert suppression.lifted_by_event_id == fresh["event_id"] and not suppression.active
    assert gw.service.capture(import_capture(job="job-9")).created
    assert [a.action for a in gw.proof.store.audit_entries(business.id, ref)] == [
        "erase", "suppression_lifted"]


def test_pending_double_opt_in_does_not_lift_and_imports_of_others_still_work(
        client: FlaskClient, auth: dict[str, str], gw: Any, business: Any) -> None:
    opt_in(client, auth, "api")
    erase(client, auth)
    gw.service.capture(Capture(business="demo", phone=PHONE, channel="web_form",
                               method="checkbox", topics=("offers",), wording_kind="web_form",
                               pending=True))
    assert gw.proof.suppressed(business.id, gw.service.ref(business, PHONE))
    assert gw.service.capture(import_capture(phone="+819033334444")).created


def test_export_holds_everything_before_and_what_is_left_after(client: FlaskClient,
                                                               auth: dict[str, str]) -> None:
    opt_in(client, auth, "checkout", name="山田 太郎")
    client.post("/api/v1/opt-outs", headers=auth, json={"phone": PHONE, "topics": ["offers"]})
    data = client.get(f"/api/v1/contacts/{PHONE}/export", headers=auth).get_json()
    assert data["phone"] == PHONE and data["contact"]["name"] == "山田 太郎"
    assert data["contact"]["phone"] == PHONE and data["suppression"] is None
    assert [e["action"] for e in data["events"]] == ["opt_in", "opt_out"]
    assert data["events"][0]["personal"] == {"name": "山田 太郎"}
    assert data["events"][0]["evidence"]["order_id"] == "A-1001"
    assert "WhatsApp" in data["events"][0]["wording_text"]
    assert data["topics"]["order_updates"]["status"] == "opted_in"
    assert data["receipt"]["piiPrincipalId"] == PHONE  # the person's own copy

    erase(client, auth)
    left = client.get(f"/api/v1/contacts/{PHONE}/export", headers=auth).get_json()
    assert left["contact"]["phone"] is None and left["contact"]["name"] is None
    assert left["contact"]["erased_at"] and left["suppression"]["active"] is True
    assert all(e["personal"] == {} for e in left["events"])
    assert [a["action"] for a in left["audit"]] == ["erase"]
    unknown = client.get("/api/v1/contacts/%2B819077778888/export", headers=auth)
    assert unknown.status_code == 404


def test_erasing_an_unknown_number_still_suppresses_it(client: FlaskClient,
                                                       auth: dict[str, str], gw: Any,
                                                       business: Any) -> None:
    res = erase(client, auth, "+819055556666")
    assert res.status_code == 200 and res.get_json()["removed"]["contact"] is False
    with pytest.raises(InvalidCapture):
        gw.service.capture(import_capture(phone="+819055556666"))
    assert "819055556666" not in dump_text(gw)


def test_erase_command(app_config: dict[str, Any], monkeypatch: Any, client: FlaskClient,
                       auth: dict[str, str], gw: Any) -> None:
    opt_in(client, auth, "paper", name="Hanako")
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    refused = runner.invoke(main, ["erase", "demo", "090-1234-5678"], input="n\n")
    assert refused.exit_code == 1 and PHONE in dump_text(gw)
    res = runner.invoke(main, ["erase", "demo", "090-1234-5678", "--yes", "--actor", "dpo"],
                        catch_exceptions=False)
    assert res.exit_code == 0 and '"suppressed": true' in res.output
    assert PHONE not in dump_text(gw) and "Hanako" not in dump_text(gw)
    assert runner.invoke(main, ["verify-ledger", "demo"]).exit_code == 0
    exported = runner.invoke(main, ["export-contact", "demo", PHONE], catch_exceptions=False)
    assert exported.exit_code == 0 and '"erased_at"' in exported.output
    audit = gw.proof.store.audit_entries(1)
    assert audit[-1].actor == "cli:dpo"


def test_erased_number_in_evidence_is_reported(client: FlaskClient, auth: dict[str, str],
                                               gw: Any) -> None:
    # A careless integration put the number in evidence: hashed into the ledger, so it
    # cannot be erased; the report says where instead of claiming a clean erasure.
    opt_in(client, auth, "api", evidence={"from": PHONE})
    out = erase(client, auth).get_json()
    assert out["ledger_residue_seqs"] == [1]

