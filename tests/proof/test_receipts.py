"""Receipts through the API for every channel that exists now: contents, proofs, HTML."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from gateway.cli import main
from gateway.proof import checkpoints, receipts
from tests.proof.conftest import CHANNEL_CAPTURES, PHONE, SIGNING_KEY, opt_in

KANTARA_REQUIRED = ["version", "jurisdiction", "consentTimestamp", "collectionMethod",
                    "consentReceiptID", "piiPrincipalId", "policyUrl", "services",
                    "sensitive", "spiCat", "piiControllers", "language"]


def receipt(client: FlaskClient, auth: dict[str, str], phone: str = PHONE, **params: str
            ) -> Any:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/contacts/{phone}/receipt?{query}", headers=auth)


def public_key() -> bytes:
    return checkpoints.Signer(checkpoints.load_private_key(SIGNING_KEY), "x").public


@pytest.mark.parametrize("channel", sorted(CHANNEL_CAPTURES))
def test_receipt_of_each_channel_names_notice_method_evidence_and_proof(
        client: FlaskClient, auth: dict[str, str], gw: Any, channel: str) -> None:
    event = opt_in(client, auth, channel, occurred_at="2026-11-20T10:00:00+09:00")
    assert client.post("/api/v1/ledger/checkpoints", headers=auth).status_code == 201
    res = receipt(client, auth)
    assert res.status_code == 200
    r = res.get_json()
    for key in KANTARA_REQUIRED:
        assert key in r, key
    assert r["version"] == "KI-CR-v1.1.0" and r["jurisdiction"] == "JP"
    assert r["collectionMethod"] == channel
    assert r["consentTimestamp"] == int(datetime(2026, 11, 20, 1, tzinfo=UTC).timestamp())
    assert r["piiPrincipalId"] == "+8190****5678"  # auditor copy: masked
    assert r["piiControllers"][0]["piiController"] == "Sakura Coffee"
    purposes = r["services"][0]["purposes"]
    topic = CHANNEL_CAPTURES[channel]["topics"][0]
    assert [p["x-topic"] for p in purposes] == [topic]
    assert purposes[0]["x-status"] == "dpv:ConsentGiven"
    assert purposes[0]["thirdPartyName"] == "WhatsApp Business Platform (Meta)"
    ocg = r["x-ocg"]
    assert ocg["conformsTo"].endswith("dpv-27560#receipt-full") and ocg["channel"] == "whatsapp"
    (ev,) = ocg["events"]
    assert ev["eventId"] == event["event_id"] and ev["sourceChannel"] == channel
    assert ev["method"] == event["method"] and ev["eventState"] == "dpv:ConsentGiven"
    assert ev["policy"] == {"id": "whatsapp-specific", "version": 1}
    assert ev["evidence"] == {k: v for k, v in CHANNEL_CAPTURES[channel]["evidence"].items()}
    wording = gw.store.get_wording(event["wording"]["id"])
    assert ev["notice"]["text"] == wording.text and ev["notice"]["textMatchesHash"] is True
    assert "WhatsApp" in wording.text and "Sakura Coffee" in wording.text
    assert ev["notice"]["sha256"] == wording.sha256 and ev["notice"]["language"] == "ja"
    assert ev["ledger"]["seq"] == 1 and ev["ledger"]["hash"] == event["ledger"]["hash"]
    assert ev["ledger"]["inclusionProof"]["treeSize"] == 1
    assert "personal" not in ev and ocg["name"] is None
    assert receipts.verify_receipt(r, public_key()) == []


def test_receipt_lists_every_withdrawal_and_proves_each_event(
        client: FlaskClient, auth: dict[str, str]) -> None:
    opt_in(client, auth, "web_form", occurred_at="2026-11-01T09:00:00+09:00")
    opt_in(client, auth, "checkout", occurred_at="2026-11-02T09:00:00+09:00",
           name="山田 太郎")
    opt_in(client, auth, "api", phone="+819099990000")  # someone else, same ledger
    out = client.post("/api/v1/opt-outs", headers=auth, json={
        "phone": "09012345678", "topics": ["newsletter"],
        "occurred_at": "2026-11-03T09:00:00+09:00"})
    assert out.status_code == 201
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    opt_in(client, auth, "paper", occurred_at="2026-11-04T09:00:00+09:00")  # after it
    r = receipt(client, auth, copy="customer", lang="en").get_json()
    ocg = r["x-ocg"]
    assert [e["action"] for e in ocg["events"]] == ["opt_in", "opt_in", "opt_out", "opt_in"]
    assert [w["topics"] for w in ocg["withdrawals"]] == [["newsletter"]]
    states = {p["x-topic"]: p["x-status"] for p in r["services"][0]["purposes"]}
    assert states == {"newsletter": "dpv:ConsentWithdrawn", "order_updates": "dpv:ConsentGiven",
                      "product_recommendations": "dpv:ConsentGiven"}
    assert r["piiPrincipalId"] == PHONE and ocg["name"] == "山田 太郎"
    assert ocg["events"][1]["personal"] == {"name": "山田 太郎"}
    proved = [e["ledger"]["inclusionProof"] is not None for e in ocg["events"]]
    assert proved == [True, True, True, False]  # the last one is after the checkpoint
    assert ocg["ledger"]["checkpoint"]["size"] == 4
    assert r["language"] == "en" and r["services"][0]["purposes"][0]["purpose"] == "Newsletter"
    assert receipts.verify_receipt(r, public_key()) == []


def test_a_tampered_receipt_fails_offline_verification(client: FlaskClient,
                                                       auth: dict[str, str]) -> None:
    opt_in(client, auth, "paper")
    opt_in(client, auth, "api")
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    r = receipt(client, auth).get_json()
    key = public_key()
    assert receipts.verify_receipt(r, key) == []

    edited = json.loads(json.dumps(r))
    edited["x-ocg"]["events"][0]["topics"] = ["offers", "newsletter"]
    problems = receipts.verify_receipt(edited, key)
    assert "receipt signature does not verify" in problems
    assert any("topics differs from the ledger entry" in p for p in problems)

    # Even re-signed by someone else, an edited entry no longer matches its hash or the tree.
    entry = json.loads(json.dumps(r))
    entry["x-ocg"]["events"][0]["ledger"]["entry"]["topics"] = ["offers"]
    assert any("does not match its hash" in p for p in receipts.verify_receipt(entry, key))
    proof = json.loads(json.dumps(r))
    proof["x-ocg"]["events"][1]["ledger"]["hash"] = "0" * 64
    assert any("inclusion proof" in p for p in receipts.verify_receipt(proof, key))
    wording = json.loads(json.dumps(r))
    wording["x-ocg"]["events"][0]["notice"]["text"] += " (and SMS)"
    assert any("wording text" in p for p in receipts.verify_receipt(wording, key))


def test_verify_receipt_command(client: FlaskClient, auth: dict[str, str], tmp_path: Any
                                ) -> None:
    opt_in(client, auth, "checkout")
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    r = receipt(client, auth).get_json()
    good = tmp_path / "receipt.json"
    good.write_text(json.dumps(r, ensure_ascii=False))
    key = client.get("/api/v1/ledger/public-key").get_json()["public_key"]
    res = CliRunner().invoke(main, ["verify-receipt", str(good), "--public-key", key])
    assert res.exit_code == 0 and "verifies" in res.output
    r["x-ocg"]["events"][0]["occurredAt"] = "2020-01-01T00:00:00.000000Z"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(r))
    res = CliRunner().invoke(main, ["verify-receipt", str(bad), "--public-key", key])
    assert res.exit_code == 1 and "occurred_at differs" in res.output


HOSTILE_NAME = "<script>alert(1)</script>"


@pytest.mark.parametrize(("lang", "words"), [
    ("ja", ["同意記録の証明書", "表示・案内した文言（原文）", "同意の撤回", "お客様控え"]),
    ("en", ["Consent receipt", "Exact wording shown or heard", "Consent withdrawn",
            "Customer copy"]),
])
def test_html_receipt_in_both_languages_shows_the_wording_escaped(
        client: FlaskClient, auth: dict[str, str], gw: Any, business: Any, lang: str,
        words: list[str]) -> None:
    text = "Sakura Coffee の <b>WhatsApp</b> お知らせ <img src=x onerror=alert(2)> に同意"
    wording = gw.store.add_wording(business.id, "web_form", "ja", text)
    opt_in(client, auth, "web_form", wording_id=wording.id, name=HOSTILE_NAME,
           evidence={"page_url": "https://x.example/?q=<script>alert(3)</script>",
                     "pre_ticked": False})
    client.post("/api/v1/opt-outs", headers=auth, json={"phone": PHONE})
    res = receipt(client, auth, format="html", lang=lang, copy="customer")
    assert res.status_code == 200 and res.mimetype == "text/html"
    page = res.get_data(as_text=True)
    for word in words:
        assert word in page
    assert f'<html lang="{lang}">' in page
    assert "&lt;b&gt;WhatsApp&lt;/b&gt;" in page and "<b>WhatsApp</b>" not in page
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the name, escaped
    assert PHONE in page and wording.sha256 in page
    assert "@media print" in page
    masked = receipt(client, auth, format="html", lang=lang).get_data(as_text=True)
    assert PHONE not in masked and "+8190****5678" in masked and "alert(1)" not in masked


def test_receipt_errors(client: FlaskClient, auth: dict[str, str]) -> None:
    missing = receipt(client, auth, phone="+819055550000")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "contact_unknown"
    opt_in(client, auth)
    for params in ({"copy": "everyone"}, {"format": "pdf"}, {"lang": "fr"}):
        res = receipt(client, auth, **params)
        assert res.status_code == 400 and res.get_json()["error"]["field"] in params
    assert client.get(f"/api/v1/contacts/{PHONE}/receipt").status_code == 401
    assert receipt(client, auth, phone="not-a-number").status_code == 422
