"""Ed25519 keys, C2SP checkpoint notes, detached receipt signatures, webhook signatures."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.proof import checkpoints, merkle
from gateway.proof import signing as webhook_signing
from tests.proof.conftest import OTHER_KEY, SIGNING_KEY


def signer(key: str = SIGNING_KEY, name: str = "gateway.example.test/ledger"
           ) -> checkpoints.Signer:
    return checkpoints.Signer(checkpoints.load_private_key(key), name)


def test_key_formats_all_give_the_same_key() -> None:
    raw = base64.b64decode(SIGNING_KEY)
    pem = Ed25519PrivateKey.from_private_bytes(raw).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    publics = {signer(k).public for k in (SIGNING_KEY, raw.hex(), pem)}
    assert len(publics) == 1
    for bad in ("", "too-short", base64.b64encode(b"x" * 31).decode()):
        with pytest.raises(checkpoints.BadKey):
            checkpoints.load_private_key(bad)


def test_key_id_and_verifier_key_follow_c2sp() -> None:
    s = signer()
    expected = hashlib.sha256(s.name.encode() + b"\n\x01" + s.public).digest()[:4]
    assert s.key_id == expected
    name, hex_id, b64 = s.public_info()["note_verifier_key"].split("+")
    assert name == s.name and hex_id == expected.hex()
    assert base64.b64decode(b64) == b"\x01" + s.public
    assert checkpoints.parse_public_key(s.public_info()["note_verifier_key"]) == s.public
    assert checkpoints.parse_public_key(s.public_info()["public_key_pem"]) == s.public


def test_checkpoint_note_round_trip_and_forgeries() -> None:
    s = signer()
    root = merkle.root([merkle.leaf_hash(bytes([i])) for i in range(5)])
    cp = s.checkpoint("gateway.example.test/demo/consent-ledger", 5, root)
    body, _, sig_line = cp.note.partition("\n\n")
    assert body.split("\n") == ["gateway.example.test/demo/consent-ledger", "5",
                                base64.b64encode(root).decode()]
    assert sig_line.startswith("\u2014 gateway.example.test/ledger ")
    opened = checkpoints.open_checkpoint(cp.note, [s.public])
    assert (opened.size, opened.root, opened.origin) == (5, root, cp.origin)

    with pytest.raises(checkpoints.BadNote, match="not signed by"):
        checkpoints.open_checkpoint(cp.note, [signer(OTHER_KEY).public])
    forged_by_other = signer(OTHER_KEY).checkpoint(cp.origin, 5, root).note
    with pytest.raises(checkpoints.BadNote):
        checkpoints.open_checkpoint(forged_by_other, [s.public])
    bigger = cp.note.replace("\n5\n", "\n6\n", 1)
    with pytest.raises(checkpoints.BadNote, match="does not verify"):
        checkpoints.open_checkpoint(bigger, [s.public])
    other_root = cp.note.replace(base64.b64encode(root).decode(),
                                 base64.b64encode(b"\0" * 32).decode())
    with pytest.raises(checkpoints.BadNote, match="does not verify"):
        checkpoints.open_checkpoint(other_root, [s.public])
    with pytest.raises(checkpoints.BadNote):
        checkpoints.open_checkpoint("no signature here\n", [s.public])


def test_detached_jws_over_a_payload() -> None:
    s = signer()
    jws = checkpoints.sign_detached(b'{"a":1}', s)
    header, empty, _sig = jws.split(".")
    assert empty == "" and b'"alg":"EdDSA"' in base64.urlsafe_b64decode(header + "==")
    assert checkpoints.verify_detached(jws, b'{"a":1}', s.public)
    assert not checkpoints.verify_detached(jws, b'{"a":2}', s.public)
    assert not checkpoints.verify_detached(jws, b'{"a":1}', signer(OTHER_KEY).public)
    assert not checkpoints.verify_detached("garbage", b'{"a":1}', s.public)


def test_webhook_signature_verifies_and_rejects_tampering_and_replays() -> None:
    body = b'{"type":"consent.opt_in"}'
    headers = webhook_signing.sign(body, "whsec_test", timestamp=1_800_000_000)
    assert headers["X-OptIn-Signature"].startswith("sha256=")
    assert webhook_signing.verify(body, headers, "whsec_test", now=1_800_000_010)
    lower = {k.lower(): v for k, v in headers.items()}
    assert webhook_signing.verify(body, lower, "whsec_test", now=1_800_000_010)
    assert not webhook_signing.verify(body + b" ", headers, "whsec_test", now=1_800_000_010)
    assert not webhook_signing.verify(body, headers, "whsec_other", now=1_800_000_010)
    # Replay an hour later: refused; and a fresh timestamp on the old signature fails too.
    assert not webhook_signing.verify(body, headers, "whsec_test", now=1_800_003_600)
    moved = {**headers, "X-OptIn-Timestamp": str(int(time.time()))}
    assert not webhook_signing.verify(body, moved, "whsec_test")
    assert not webhook_signing.verify(body, {}, "whsec_test")
