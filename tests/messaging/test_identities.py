"""People WhatsApp shows by user ID (BSUID) alone, or with a number, through the signed Meta
and Twilio endpoints: nothing is dropped, nothing is recorded under a made-up number, and an
opt-out under any linked identifier wins (on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from gateway.core.consent import Business, Capture
from tests.messaging.conftest import (
    CUSTOMER,
    CUSTOMER_WA,
    meta_post,
    twilio_wa,
    wamid,
)

BSUID = "JP.13491208655302741918"
NEW_BSUID = "JP.98765432101234567890"
PNID, DISPLAY = "100000000000001", "81345678901"


def change(field: str, value: dict[str, Any]) -> dict[str, Any]:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": DISPLAY, "phone_number_id": PNID}, **value}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": field, "value": value}]}]}


def username_text(body: str, *, user: str = BSUID, at: int | None = None,
                  wa_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """Reference payload (a): a username user writes; no wa_id unless ``wa_id``."""
    contact: dict[str, Any] = {"profile": {"name": "Sheena", "username": "sheena.n"},
                               "user_id": user}
    message: dict[str, Any] = {"from_user_id": user, "id": wamid(),
                               "timestamp": str(at or int(time.time()) - 60), "type": "text",
                               "text": {"body": body}, **extra}
    if wa_id:
        contact["wa_id"], message["from"] = wa_id, wa_id
    return change("messages", {"contacts": [contact], "messages": [message]})


def username_reply(row_id: str, *, user: str = BSUID) -> dict[str, Any]:
    body = username_text("", user=user)
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update(type="interactive", interactive={
        "type": "list_reply", "list_reply": {"id": row_id, "title": row_id}})
    del message["text"]
    return body


def preference_stop(*, user: str = BSUID, at: int | None = None) -> dict[str, Any]:
    """Reference payload (b): "Stop promotions", by user ID."""
    return change("user_preferences", {
        "contacts": [{"profile": {"name": "Sheena"}, "user_id": user}],
        "user_preferences": [{"user_id": user, "category": "marketing_messages",
                              "value": "stop", "detail": "User requested to stop marketing "
                              "messages", "timestamp": at or int(time.time()) - 30}]})


def user_id_changed(*, old: str = BSUID, new: str = NEW_BSUID) -> dict[str, Any]:
    """Reference payload (c): the user's BSUID changed (system message)."""
    return change("messages", {"messages": [{
        "from_user_id": new, "id": wamid(), "timestamp": str(int(time.time()) - 10),
        "type": "system", "system": {"type": "user_changed_user_id",
                                      "body": "User Sheena changed", "user_id": new,
                                      "previous_user_id": old}}]})


def ask(gw: Any, business: Business, topic: str = "offers", **who: str) -> Any:
    return gw.service.eligibility(business, who.get("phone"), topic, user_id=who.get("user_id"))


def test_a_username_users_opt_in_and_later_stop(client: FlaskClient, gw: Any,
                                                business: Business) -> None:
    assert ask(gw, business, user_id=BSUID).reason == "no_consent"  # unknown BSUID
    assert meta_post(client, username_text("こんにちは")).json["handled"] == 1
    question = [i.payload["message"] for i in gw.outbox.items("whatsapp_send")][-1]
    assert question["recipient"] == BSUID and "to" not in question  # replies by user ID
    meta_post(client, username_reply("topic:offers"))
    answer = ask(gw, business, user_id=BSUID)
    assert answer.allowed and answer.user_id == BSUID and answer.phone == ""
    meta_post(client, username_text("STOP"))
    after = ask(gw, business, user_id=BSUID)
    assert not after.allowed and after.reason == "opted_out"
    state = gw.store.contact_state(business.id, gw.service.ref(business, BSUID))
    assert state.user_id == BSUID and state.phone is None and state.username == "sheena.n"
    with gw.db.reading() as s:  # nothing under a made-up number
        from sqlalchemy import text
        phones = s.execute(text("SELECT phone FROM contacts WHERE phone IS NOT NULL")).all()
    assert phones == []
    assert gw.store.verify("demo").ok


def test_reference_payloads_through_the_signed_endpoint(client: FlaskClient, gw: Any,
                                                        business: Business) -> None:
    meta_post(client, username_text("hello"))
    meta_post(client, username_reply("topics:all"))
    assert ask(gw, business, user_id=BSUID).allowed
    assert meta_post(client, preference_stop()).json["handled"] == 1  # (b)
    assert ask(gw, business, user_id=BSUID).reason == "opted_out"
    assert ask(gw, business, "order_updates", user_id=BSUID).allowed  # utility stays
    assert meta_post(client, user_id_changed()).json["handled"] == 1  # (c)
    moved = ask(gw, business, "order_updates", user_id=NEW_BSUID)
    assert moved.allowed and moved.decided_by == BSUID  # consent follows the person
    assert ask(gw, business, user_id=NEW_BSUID).reason == "opted_out"
    # ...but never back: what the new ID agrees to does not revive the old one.
    links = gw.service.linked(business.id, [gw.service.ref(business, NEW_BSUID)])
    assert [link.kind for link in links] == ["moved"]


def test_a_stop_by_user_id_reaches_the_number_once_linked(client: FlaskClient, gw: Any,
                                                          business: Business) -> None:
    """The phone opted in on the web; a STOP comes from a username-only delivery; when a
    later delivery shows the number and the user ID together, the phone is blocked."""
    gw.service.capture(Capture(business="demo", phone=CUSTOMER, channel="web_form",
                               method="checkbox", topics=("offers",), wording_kind="web_form",
                               occurred_at=datetime.now(UTC) - timedelta(minutes=5)), business)
    assert ask(gw, business, phone=CUSTOMER).allowed
    meta_post(client, username_text("STOP", at=int(time.time()) - 50))
    assert ask(gw, business, phone=CUSTOMER).allowed  # not linked yet: nothing is known
    meta_post(client, username_text("hi", wa_id=CUSTOMER_WA))  # number and user ID together
    answer = ask(gw, business, phone=CUSTOMER)
    assert not answer.allowed and answer.reason == "opted_out" and answer.decided_by == BSUID


def test_the_same_pair_in_two_deliveries_is_linked_once(client: FlaskClient, gw: Any,
                                                        business: Business) -> None:
    for _ in range(2):
        meta_post(client, username_text("hi", wa_id=CUSTOMER_WA))
    links = gw.service.linked(business.id, [gw.service.ref(business, CUSTOMER)])
    assert len(links) == 1 and links[0].kind == "same"
    link_events = [e for e in gw.service.contact(business, CUSTOMER)[2]
                   if str(e.action) == "link"]
    assert len(link_events) == 1 and "+81" not in str(dict(link_events[0].evidence))


def test_a_131050_failure_naming_a_user_id_stops_marketing(client: FlaskClient, gw: Any,
                                                           business: Business) -> None:
    meta_post(client, username_text("hello"))
    meta_post(client, username_reply("topics:all"))
    status = change("messages", {"statuses": [{
        "id": wamid(), "status": "failed", "timestamp": str(int(time.time())),
        "recipient_user_id": BSUID, "errors": [{"code": 131050, "title": "stopped"}]}]})
    assert meta_post(client, status).json["handled"] == 1
    assert ask(gw, business, user_id=BSUID).reason == "opted_out"


def test_twilio_sender_without_a_number(client: FlaskClient, gw: Any,
                                        business: Business) -> None:
    res = twilio_wa(client, "STOP", frm=BSUID)
    assert res.status_code == 200
    assert gw.store.contact_state(business.id, gw.service.ref(business, BSUID)).exists
    assert ask(gw, business, user_id=BSUID).reason == "opted_out"


def test_twilio_external_user_id_links_the_number(client: FlaskClient, gw: Any,
                                                  business: Business) -> None:
    twilio_wa(client, "hello", ExternalUserIdentifier=BSUID)
    twilio_wa(client, "hi again", ExternalUserId=BSUID)  # the other name seen in the wild
    links = gw.service.linked(business.id, [gw.service.ref(business, CUSTOMER)])
    assert len(links) == 1
    twilio_wa(client, "STOP", frm=BSUID)  # later, without the number
    answer = ask(gw, business, phone=CUSTOMER)
    assert answer.reason == "opted_out" and answer.decided_by == BSUID
