"""Signed ledger checkpoints (C2SP signed notes over RFC 9162 tree heads) and Ed25519 keys.

A checkpoint is the text

    <origin>\\n<tree size>\\n<base64 Merkle root>\\n

signed as a C2SP note (c2sp.org/signed-note, c2sp.org/tlog-checkpoint): a blank line, then
``— <key name> base64(key id || Ed25519 signature)``. Any tool that speaks the format
(e.g. golang.org/x/mod/sumdb/note) can check it with the verifier key the gateway publishes
at ``GET /api/v1/ledger/public-key``.

Pure: depends on ``cryptography`` only (no Flask, no SQL).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"  # C2SP signature type byte
DASH = "\u2014"


class BadKey(ValueError):
    """A configured key cannot be read; the message says what format is expected."""


def load_private_key(value: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS#8), base64 of the raw 32 bytes, or 64 hex digits."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise BadKey("LEDGER_SIGNING_KEY is a PEM key, but not an Ed25519 one")
        return key
    raw: bytes | None = None
    if len(text) == 64:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(text, validate=True)
        except binascii.Error:
            raw = None
    if raw is None or len(raw) != 32:
        raise BadKey("LEDGER_SIGNING_KEY must be an Ed25519 private key: PEM, or the raw "
                        "32 bytes as base64 (e.g. `openssl rand -base64 32`) or as 64 hex digits")
    return Ed25519PrivateKey.from_private_bytes(raw)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, public: bytes) -> bytes:
    """C2SP key id: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    """The note verifier key string: ``<name>+<hex key id>+<base64(0x01 || key)>``."""
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ED25519 + public).decode()}"


def parse_public_key(value: str) -> bytes:
    """Raw 32 public-key bytes from base64, a verifier key string, or a PEM public key."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise BadKey("not an Ed25519 public key")
        return raw_public(key)
    if text.count("+") >= 2 and not text.endswith("="):
        text = text.rsplit("+", 1)[1]
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise BadKey("not a base64 public key") from None
    if len(raw) == 33 and raw[:1] == ED25519:
        raw = raw[1:]
    if len(raw) != 32:
        raise BadKey("an Ed25519 public key is 32 bytes")
    return raw


@dataclass(frozen=True)
class Checkpoint:
    """What a signed note says: which log, how many entries, which root."""

    origin: str
    size: int
    root: bytes
    note: str  # the full signed note text

    @property
    def root_hex(self) -> str:
        return self.root.hex()


class Signer:
    """The gateway's ledger key: signs checkpoint notes and receipts."""

    def __init__(self, private: Ed25519PrivateKey, name: str):
        if not name or any(c.isspace() or c == "+" for c in name):
            raise BadKey(f"bad key name {name!r}: no spaces or '+'")
        self._private = private
        self.name = name
        self.public = raw_public(private.public_key())
        self.key_id = key_id(name, self.public)

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def public_info(self) -> dict[str, Any]:
        """Everything a verifier needs, in the usual encodings."""
        pem = self._private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"algorithm": "Ed25519", "key_name": self.name, "key_id": self.key_id.hex(),
                "public_key": base64.b64encode(self.public).decode(),
                "public_key_pem": pem.decode(),
                "note_verifier_key": verifier_key(self.name, self.public)}

    def checkpoint(self, origin: str, size: int, root: bytes) -> Checkpoint:
        """Sign the tree head ``(size, root)`` of the log ``origin`` as a C2SP note."""
        body = checkpoint_body(origin, size, root)
        sig = base64.b64encode(self.key_id + self.sign(body.encode())).decode()
        return Checkpoint(origin, size, root, f"{body}\n{DASH} {self.name} {sig}\n")


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    if not origin or "\n" in origin:
        raise ValueError("bad checkpoint origin")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


class BadNote(ValueError):
    """The note is malformed, or no trusted key's signature on it verifies."""


def open_checkpoint(note: str, trusted: Iterable[bytes]) -> Checkpoint:
    """Verify ``note`` with one of the ``trusted`` raw public keys and parse it; or raise."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise BadNote("not a signed note (no blank line before the signatures)")
    text += "\n"
    keys = list(trusted)
    verified = False
    for line in sigs[:-1].split("\n"):
        if not line.startswith(DASH + " "):
            raise BadNote("malformed signature line")
        try:
            name, b64 = line[2:].split(" ")
            blob = base64.b64decode(b64, validate=True)
        except (ValueError, binascii.Error):
            raise BadNote("malformed signature line") from None
        for public in keys:
            if blob[:4] != key_id(name, public):
                continue  # C2SP: signatures from unknown keys are ignored
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], text.encode())
            except InvalidSignature:
                raise BadNote(f"the signature by {name} does not verify") from None
            verified = True
    if not verified:
        raise BadNote("not signed by the gateway's ledger key")
    lines = text.split("\n")
    if len(lines) < 4:
        raise BadNote("a checkpoint has an origin, a size and a root")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except (ValueError, binascii.Error):
        raise BadNote("bad size or root line") from None
    if size < 0 or len(root) != 32 or lines[1] != str(size):
        raise BadNote("bad size or root line")
    return Checkpoint(lines[0], size, root, note)


# -- receipt signatures: detached JWS (RFC 7515 App. F), EdDSA over canonical JSON ------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_detached(payload: bytes, signer: Signer) -> str:
    """``<header>..<signature>``: a compact JWS with the payload left out."""
    header = _b64url(b'{"alg":"EdDSA","kid":"' + signer.key_id.hex().encode() + b'"}')
    signature = signer.sign(f"{header}.{_b64url(payload)}".encode())
    return f"{header}..{_b64url(signature)}"


def verify_detached(jws: str, payload: bytes, public: bytes) -> bool:
    """Check a detached JWS made by :func:`sign_detached` over ``payload``."""
    try:
        header, empty, signature = jws.split(".")
        if empty:
            return False
        Ed25519PublicKey.from_public_bytes(public).verify(
            _unb64url(signature), f"{header}.{_b64url(payload)}".encode())
    except (ValueError, InvalidSignature, binascii.Error):
        return False
    return True


def trusted_keys(signer: Signer | None, extra: Iterable[str] = ()) -> list[bytes]:
    """The current public key plus older ones still trusted after a key rotation."""
    keys = [signer.public] if signer else []
    keys += [parse_public_key(k) for k in extra if k.strip()]
    return keys

