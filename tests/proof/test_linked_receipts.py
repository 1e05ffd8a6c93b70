"""A receipt asked for by WhatsApp user ID covers the linked number's events and the link;
every entry still checks against the ledger with nothing but the public key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from gateway.core.consent import Business, Capture
from gateway.core.identity import PHONE, USER_ID, Identifier
from gateway.proof import receipts
from tests.proof.test_receipts import public_key

BSUID = "JP.13491208655302741918"


def test_a_linked_receipt_verifies(client: FlaskClient, auth: dict[str, str], gw: Any,
                                   business: Business) -> None:
    at = datetime.now(UTC) - timedelta(hours=1)
    gw.service.capture(Capture(business="demo", phone="+819012345678", channel="api",
                               method="api", topics=("offers",), wording_kind="web_form",
                               occurred_at=at), business)
    gw.service.capture(Capture(business="demo", phone="", user_id=BSUID, channel="whatsapp",
                               method="keyword", action="opt_out", topics=None,
                               occurred_at=at + timedelta(minutes=5)), business)
    gw.service.link(business, Identifier(PHONE, "+819012345678"), Identifier(USER_ID, BSUID),
                    evidence={"provider": "meta", "message_id": "wamid.L"},
                    occurred_at=datetime.now(UTC))
    client.post("/api/v1/ledger/checkpoints", headers=auth)
    for copy in ("auditor", "customer"):
        r = client.get(f"/api/v1/contacts/{BSUID}/receipt?copy={copy}", headers=auth).get_json()
        assert receipts.verify_receipt(r, public_key()) == []
        ocg = r["x-ocg"]
        assert [e["action"] for e in ocg["events"]] == ["opt_in", "opt_out", "link"]
        assert ocg["status"] == "dpv:ConsentWithdrawn" or ocg["withdrawals"]
        assert len({e["subjectRef"] for e in ocg["events"]}) == 2
        shown = {i["identifier"] for i in ocg["identifiers"]}
        assert (BSUID in shown) == (copy == "customer")
    tampered = dict(r, **{"x-ocg": {**ocg, "events": [
        {**ocg["events"][0], "subjectRef": ocg["events"][1]["subjectRef"]}, *ocg["events"][1:]]}})
    assert any("subject_ref" in p for p in receipts.verify_receipt(tampered, public_key()))
