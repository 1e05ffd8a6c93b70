"""Every consumer by phone or by WhatsApp user ID: eligibility (single and batch), the
contact view, receipts, exports, erasure, the ledger; never one accepted as the other."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business, Capture
from gateway.core.identity import PHONE, USER_ID, Identifier
from tests.imports.helpers import write_csv

BSUID = "JP.13491208655302741918"
PHONE_NO = "+819012345678"
T0 = datetime.now(UTC) - timedelta(hours=2)


def opt_in(gw: Any, business: Business, at: datetime = T0, **who: str) -> None:
    gw.service.capture(Capture(business="demo", channel="api", method="api",
                               topics=("offers", "order_updates"), wording_kind="web_form",
                               occurred_at=at, phone=who.get("phone", ""),
                               user_id=who.get("user_id")), business)


def opt_out(gw: Any, business: Business, at: datetime, **who: str) -> None:
    gw.service.capture(Capture(business="demo", channel="api", method="api",
                               action="opt_out", topics=("offers",), occurred_at=at,
                               phone=who.get("phone", ""), user_id=who.get("user_id")),
                       business)


def link(gw: Any, business: Business) -> None:
    gw.service.link(business, Identifier(PHONE, PHONE_NO), Identifier(USER_ID, BSUID),
                    evidence={"provider": "meta", "message_id": "wamid.X"},
                    occurred_at=datetime.now(UTC))


def get(client: FlaskClient, auth: dict[str, str], query: str) -> Any:
    return client.get(f"/api/v1/eligibility?topic=offers&{query}", headers=auth)


def test_eligibility_by_user_id_and_by_phone(client: FlaskClient, auth: dict[str, str],
                                            gw: Any, business: Business) -> None:
    assert get(client, auth, f"user_id={BSUID}").get_json()["reason"] == "no_consent"
    opt_in(gw, business, phone=PHONE_NO)
    assert get(client, auth, f"user_id={BSUID}").get_json()["reason"] == "no_consent"
    opt_out(gw, business, T0 + timedelta(minutes=30), user_id=BSUID)
    assert get(client, auth, "phone=%2B819012345678").get_json()["allowed"] is True
    link(gw, business)  # a later delivery shows both: the earlier STOP now counts
    by_phone = get(client, auth, "phone=%2B819012345678").get_json()
    assert (by_phone["allowed"], by_phone["reason"], by_phone["decided_by"]) == \
        (False, "opted_out", BSUID)
    by_user = get(client, auth, f"user_id={BSUID}").get_json()
    assert by_user["user_id"] == BSUID and by_user["phone"] is None
    assert by_user["reason"] == "opted_out" and by_user["decided_by"] is None
    utility = client.get(f"/api/v1/eligibility?topic=order_updates&user_id={BSUID}",
                         headers=auth).get_json()
    assert utility["allowed"] is True and utility["decided_by"] == PHONE_NO


@pytest.mark.parametrize(("query", "status", "code"), [
    (f"phone={BSUID}", 422, "phone_is_user_id"),
    ("user_id=%2B819012345678", 422, "invalid_user_id"),
    ("user_id=jp.123", 422, "invalid_user_id"),
    (f"phone=%2B819012345678&user_id={BSUID}", 400, "bad_field"),
    ("", 400, "missing_field"),
])
def test_never_one_identifier_for_the_other(client: FlaskClient, auth: dict[str, str],
                                            business: Business, query: str, status: int,
                                            code: str) -> None:
    res = get(client, auth, query)
    assert res.status_code == status and res.get_json()["error"]["code"] == code


def test_captures_by_user_id_and_with_both(client: FlaskClient, auth: dict[str, str],
                                          gw: Any, business: Business) -> None:
    body = {"topics": ["offers"], "wording_kind": "web_form"}
    alone = client.post("/api/v1/consents", headers=auth, json={**body, "user_id": BSUID})
    assert alone.status_code == 201 and alone.get_json()["user_id"] == BSUID
    assert alone.get_json()["phone"] is None
    both = client.post("/api/v1/consents", headers=auth,
                       json={**body, "phone": "090-5555-0001", "user_id": "JP.555"})
    assert both.status_code == 201
    assert len(gw.service.linked(business.id, [gw.service.ref(business, "JP.555")])) == 1
    bad = client.post("/api/v1/consents", headers=auth, json={**body, "phone": BSUID})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "phone_is_user_id"
    wrong = client.post("/api/v1/consents", headers=auth, json={**body, "user_id": "+8190"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["field"] == "user_id"


def test_batch_with_a_mix_of_both(client: FlaskClient, auth: dict[str, str], gw: Any,
                                  business: Business) -> None:
    opt_in(gw, business, phone=PHONE_NO)
    opt_out(gw, business, T0 + timedelta(minutes=30), user_id=BSUID)
    link(gw, business)
    opt_in(gw, business, user_id="JP.777")
    lines = [PHONE_NO, json.dumps({"user_id": BSUID}), "JP.777", json.dumps({"phone": BSUID}),
             json.dumps({"user_id": "+819011112222"}), "090-9999-0000"]
    res = client.post("/api/v1/eligibility?topic=offers", headers=auth,
                      data="\n".join(lines).encode())
    answers = [json.loads(line) for line in res.data.splitlines()]
    assert [(a.get("reason"), (a.get("error") or {}).get("code")) for a in answers] == [
        ("opted_out", None), ("opted_out", None), ("consented", None),
        (None, "phone_is_user_id"), (None, "invalid_user_id"), ("no_consent", None)]
    assert answers[0]["decided_by"] == BSUID and answers[2]["user_id"] == "JP.777"


def test_contact_receipt_export_and_ledger_include_links(
        client: FlaskClient, auth: dict[str, str], gw: Any, business: Business) -> None:
    opt_in(gw, business, phone=PHONE_NO)
    opt_out(gw, business, T0 + timedelta(minutes=30), user_id=BSUID)
    link(gw, business)
    view = client.get(f"/api/v1/contacts/{BSUID}", headers=auth).get_json()
    assert view["user_id"] == BSUID and len(view["links"]) == 1
    assert {e["action"] for e in view["events"]} == {"opt_in", "opt_out", "link"}
    receipt = client.get(f"/api/v1/contacts/{BSUID}/receipt", headers=auth).get_json()
    ocg = receipt["x-ocg"]
    assert len(ocg["links"]) == 1 and len(ocg["identifiers"]) == 2
    assert BSUID not in json.dumps(receipt) and PHONE_NO not in json.dumps(receipt)  # auditor
    export = client.get(f"/api/v1/contacts/{BSUID}/export", headers=auth).get_json()
    assert {i["identifier"] for i in export["identifiers"]} == {PHONE_NO, BSUID}
    state = client.get("/api/v1/exports/state.csv", headers=auth).data.decode()
    assert BSUID in state
    ledger = client.get("/api/v1/exports/ledger.jsonl", headers=auth).data.decode()
    entries = [json.loads(line).get("entry") for line in ledger.splitlines()[1:]]
    assert [e["action"] for e in entries] == ["opt_in", "opt_out", "link"]
    assert BSUID not in ledger and "9012345678" not in ledger  # refs only, never raw IDs
    assert gw.store.verify("demo").ok


def test_erasure_by_user_id_erases_every_linked_identifier(
        client: FlaskClient, auth: dict[str, str], gw: Any, business: Business) -> None:
    opt_in(gw, business, phone=PHONE_NO)
    link(gw, business)
    res = client.post(f"/api/v1/contacts/{BSUID}/erase", headers=auth).get_json()
    assert res["identifiers_erased"] == 2 and res["withdrawal_event_ids"]
    for who in (PHONE_NO, BSUID):
        state = gw.store.contact_state(business.id, gw.service.ref(business, who))
        assert state.phone is None and state.user_id is None
    assert get(client, auth, "phone=%2B819012345678").get_json()["allowed"] is False


def test_concurrent_deliveries_of_one_pair_record_one_link(gw: Any, business: Business) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            link(gw, business)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(gw.service.linked(business.id, [gw.service.ref(business, BSUID)])) == 1
    link_events = [e for e in gw.service.contact(business, PHONE_NO)[2] if e.action == "link"]
    assert len(link_events) == 1 and gw.store.verify("demo").ok


def test_imports_take_a_user_id_column(gw: Any, business: Business, tmp_path: Path) -> None:
    header = ("phone", "user_id", "topics", "occurred_at")
    at = "2026-10-01T10:00:00+09:00"
    rows = [["", BSUID, "offers", at], ["090-4444-0001", "JP.444", "offers", at],
            ["JP.999", "", "offers", at], ["", "+819011110000", "offers", at]]
    path = write_csv(tmp_path / "f.csv", rows, header=header)
    job = gw.imports.run(gw.imports.create_job(business, path, source="cli", actor="t").id)
    assert (job.recorded, job.failed) == (2, 2)
    assert gw.service.eligibility(business, None, "offers", user_id=BSUID).allowed
    assert gw.service.eligibility(business, None, "offers", user_id="JP.444").allowed
    codes = sorted(e[2] for e in gw.imports.jobs.iter_errors(job.id))
    assert codes == ["invalid_user_id", "phone_is_user_id"]
