"""The username journeys of docs/identities.md, against the real HTTP endpoints (gunicorn).

    .venv/bin/python bench/identity_journey.py [--database-url postgresql://…]

A username user (WhatsApp user ID, no number) opts in through the Meta webhook dialog and
stops later; a number opted in on the web is stopped from a username-only chat and blocked
once a delivery links the two; a user ID change carries consent to the new ID. Every Meta
request is signed as Meta signs it (HMAC-SHA256 of the raw body); every answer is printed.
Not a timed benchmark: a demonstration anyone can run.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import Gunicorn, bench_env, prepare, reset_postgres, workdir  # noqa: E402

BSUID, NEW_BSUID, WA_ID = "JP.13491208655302741918", "JP.98765432101234567890", "819012345678"
PNID = "100000000000001"


class Client:
    def __init__(self, port: int, key: str, secret: str):
        self.base, self.key, self.secret = f"http://127.0.0.1:{port}", key, secret
        self.n = 0

    def call(self, method: str, path: str, body: Any = None, *, meta: bool = False) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        if meta and data is not None:
            headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(
                self.secret.encode(), data, hashlib.sha256).hexdigest()
        else:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as res:  # noqa: S310 - loopback
                return res.status, json.loads(res.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def meta(self, value: dict[str, Any], field: str = "messages") -> Any:
        value = {"messaging_product": "whatsapp", "metadata": {
            "display_phone_number": "81345678901", "phone_number_id": PNID}, **value}
        return self.call("POST", "/hooks/meta/whatsapp", {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": field, "value": value}]}]}, meta=True)

    def text(self, body: str, *, user: str = BSUID, wa_id: str | None = None,
             row: str | None = None) -> Any:
        self.n += 1
        message: dict[str, Any] = {"from_user_id": user, "id": f"wamid.J{self.n:08d}",
                                   "timestamp": str(int(time.time()) - 100 + self.n)}
        if row:
            message.update(type="interactive", interactive={
                "type": "list_reply", "list_reply": {"id": row, "title": row}})
        else:
            message.update(type="text", text={"body": body})
        contact: dict[str, Any] = {"profile": {"name": "Sheena", "username": "sheena.n"},
                                   "user_id": user}
        if wa_id:
            message["from"], contact["wa_id"] = wa_id, wa_id
        return self.meta({"contacts": [contact], "messages": [message]})

    def ask(self, **who: str) -> str:
        query = "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in who.items())
        _status, answer = self.call("GET", f"/api/v1/eligibility?topic=offers&{query}")
        shown = {k: answer.get(k) for k in ("allowed", "reason", "decided_by") if k in answer}
        return json.dumps(shown)


def journeys(c: Client) -> None:
    print("1. a username user (no number) opts in and later stops")
    print("   eligibility by user_id before:", c.ask(user_id=BSUID))
    print("   'hello' from the user ID   ->", c.text("こんにちは"))
    print("   picks 'offers' in the list ->", c.text("", row="topic:offers"))
    print("   eligibility by user_id     :", c.ask(user_id=BSUID))
    print("   'STOP'                      ->", c.text("STOP"))
    print("   eligibility by user_id     :", c.ask(user_id=BSUID))
    print("2. a number opted in on the web; a STOP arrives from the username; then a link")
    print("   web opt-in (API)           ->", c.call("POST", "/api/v1/consents", {
        "phone": "+" + WA_ID, "topics": ["offers"], "channel": "web_form",
        "wording_kind": "web_form",
        "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))})[0])
    print("   eligibility by phone       :", c.ask(phone="+" + WA_ID))
    print("   a delivery shows both      ->", c.text("hi", wa_id=WA_ID))
    print("   eligibility by phone       :", c.ask(phone="+" + WA_ID))
    print("3. the user ID changes (system message user_changed_user_id)")
    print("   system message             ->", c.meta({"messages": [{
        "from_user_id": NEW_BSUID, "id": "wamid.SYS1", "timestamp": str(int(time.time())),
        "type": "system", "system": {"type": "user_changed_user_id", "user_id": NEW_BSUID,
                                     "previous_user_id": BSUID}}]}))
    print("   eligibility by new user_id :", c.ask(user_id=NEW_BSUID))
    status, view = c.call("GET", f"/api/v1/contacts/{BSUID}")
    print(f"   contact view by user ID    : {status}, {len(view['events'])} events, "
          f"{len(view['links'])} links")
    status, verify = c.call("GET", "/api/v1/ledger/verify")
    print(f"   ledger verify              : {status}, {json.dumps(verify)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        reset_postgres(args.database_url)
    env = bench_env(args.database_url, workdir())
    ctx = prepare(env)
    ctx["gw"].store.update_business("bench", settings={"meta_phone_number_id": PNID})
    server = Gunicorn(env, workers=1)
    try:
        journeys(Client(server.port, ctx["key"], env["META_APP_SECRET"]))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
