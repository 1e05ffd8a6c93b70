"""Checking signed checkpoints against the chain: the stored ones and notes kept elsewhere.

Pure functions over entry hashes in seq order; the service fetches them from the store.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.core import ledger
from gateway.core.consent import Business
from gateway.proof import checkpoints, merkle
from gateway.proof.records import CheckpointRecord


@dataclass(frozen=True)
class ProofVerification:
    """The chain check plus the checkpoint check; ``problem`` names the first bad thing."""

    ok: bool
    entries: int
    businesses: int
    checkpoints: int
    problem: ledger.Problem | None = None
    checkpoint_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "entries": self.entries,
                               "businesses": self.businesses, "checkpoints": self.checkpoints}
        if self.problem:
            p = self.problem
            out["first_bad"] = {"business": p.business, "seq": p.seq, "event_id": p.event_id,
                                "reason": p.reason}
            if self.checkpoint_id is not None:
                out["first_bad"]["checkpoint_id"] = self.checkpoint_id
        return out


def check_checkpoints(business: Business, rows: list[CheckpointRecord],
                      trusted: Sequence[bytes], entry_hashes: Iterable[tuple[int, str]]
                      ) -> tuple[ledger.Problem, int] | None:
    """The first stored checkpoint whose signature, fields or root no longer match the chain
    (with its id), or None when every one holds."""
    def problem(row: CheckpointRecord, reason: str) -> tuple[ledger.Problem, int]:
        return ledger.Problem(business.slug, row.size, "",
                              f"checkpoint #{row.id} (size {row.size}): {reason}"), row.id

    if rows and not trusted:
        return problem(rows[0], "LEDGER_SIGNING_KEY is not set, so signatures cannot "
                                "be checked")
    for row in rows:
        try:
            cp = checkpoints.open_checkpoint(row.note, trusted)
        except checkpoints.BadNote as exc:
            return problem(row, f"signature: {exc}")
        if (cp.size, cp.root_hex, cp.origin) != (row.size, row.root, row.origin):
            return problem(row, "its size/root columns differ from the signed note")
    by_size = sorted(rows, key=lambda r: (r.size, r.id))
    acc = merkle.Accumulator()
    head_hash = ledger.GENESIS
    pending = iter(by_size)
    current = next(pending, None)
    for _seq, digest in entry_hashes:
        if current is None:
            break
        acc.append(merkle.entry_leaf(digest))
        head_hash = digest
        while current is not None and current.size == acc.size:
            if acc.root().hex() != current.root:
                return problem(current, "the first entries no longer have the signed "
                                        "Merkle root: the ledger was rewritten since")
            if head_hash != current.head_hash:
                return problem(current, "the entry at this size no longer has the "
                                        "signed head hash")
            current = next(pending, None)
    if current is not None:
        return problem(current, f"the chain has only {acc.size} entries: entries signed "
                                "in this checkpoint were removed")
    return None


def check_notes(notes: Iterable[str], trusted: Sequence[bytes], leaves: Sequence[bytes],
                origins: Collection[str]) -> list[dict[str, Any]]:
    """Each note's verdict against the chain's Merkle ``leaves``; ``origins``: the log names
    this business's checkpoints were signed under."""
    results = []
    for note in notes:
        try:
            cp = checkpoints.open_checkpoint(note, trusted)
        except checkpoints.BadNote as exc:
            results.append({"ok": False, "reason": f"signature: {exc}"})
            continue
        out = {"size": cp.size, "root_hash": cp.root_hex, "origin": cp.origin}
        if cp.origin not in origins:
            results.append({**out, "ok": False, "reason": "checkpoint of another log"})
        elif cp.size > len(leaves):
            results.append({**out, "ok": False, "reason": f"the chain has only "
                            f"{len(leaves)} entries: signed entries were removed"})
        elif merkle.root(leaves[:cp.size]) != cp.root:
            results.append({**out, "ok": False, "reason": "the chain was rewritten "
                            "since this checkpoint was signed"})
        else:
            results.append({**out, "ok": True})
    return results
