"""RFC 9162 (Certificate Transparency v2) Merkle trees over a business's ledger entries.

Leaf ``i`` (0-based) is ledger entry ``seq = i + 1``; its leaf input is the entry's 32-byte
chain hash, so ``leaf_hash = SHA-256(0x00 || entry_hash)`` and an interior node is
``SHA-256(0x01 || left || right)``. A signed root of size ``n`` therefore commits to the
first ``n`` entries; an inclusion proof shows one entry is among them in O(log n) hashes,
without revealing any other row (what a receipt carries).

Pure standard library; the algorithms are those of RFC 9162 §2.1 and pass the RFC 6962
reference vectors (tests/proof/test_merkle.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash of one leaf input."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def entry_leaf(entry_hash_hex: str) -> bytes:
    """The leaf hash of a ledger entry, from its hex chain hash."""
    return leaf_hash(bytes.fromhex(entry_hash_hex))


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Accumulator:
    """Append leaf hashes one at a time; the root of the tree so far at any moment.

    Keeps one perfect subtree per set bit of the size (O(log n) memory), so a verifier can
    stream millions of entries and compare the root at every checkpoint size on the way.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (subtree size, hash), sizes decreasing
        self.size = 0

    def append(self, leaf: bytes) -> None:
        size, node = 1, leaf
        while self._stack and self._stack[-1][0] == size:
            left_size, left = self._stack.pop()
            size, node = left_size + size, node_hash(left, node)
        self._stack.append((size, node))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _size, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def root(leaves: Iterable[bytes]) -> bytes:
    """MTH(D[n]) of a list of leaf hashes."""
    acc = Accumulator()
    for leaf in leaves:
        acc.append(leaf)
    return acc.root()


class Tree:
    """A fixed list of leaf hashes with memoised subtree hashes, for several proofs at once.

    The first proof costs O(n) hashes; later ones reuse the cached subtrees (a receipt asks
    for one proof per event of a contact against the same checkpoint).
    """

    MEMO_MIN = 16  # cache subtrees at least this large: ~n/8 entries, most of the work

    def __init__(self, leaves: Sequence[bytes]):
        self.leaves = leaves
        self._memo: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return len(self.leaves)

    def mth(self, lo: int, hi: int) -> bytes:
        """MTH of leaves[lo:hi]."""
        if hi - lo == 0:
            return EMPTY_ROOT
        if hi - lo == 1:
            return self.leaves[lo]
        cached = self._memo.get((lo, hi))
        if cached is not None:
            return cached
        k = _split(hi - lo)
        value = node_hash(self.mth(lo, lo + k), self.mth(lo + k, hi))
        if hi - lo >= self.MEMO_MIN:
            self._memo[(lo, hi)] = value
        return value

    def root(self) -> bytes:
        return self.mth(0, self.size)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """PATH(m, D[n]): the audit path of leaf ``index``."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is not in a tree of size {self.size}")
        out: list[bytes] = []
        lo, hi, m = 0, self.size, index
        while hi - lo > 1:
            k = _split(hi - lo)
            if m < k:
                out.append(self.mth(lo + k, hi))
                hi = lo + k
            else:
                out.append(self.mth(lo, lo + k))
                lo, m = lo + k, m - k
        return out[::-1]  # collected from the top; the path runs leaf-to-root

    def consistency_proof(self, first: int) -> list[bytes]:
        """PROOF(m, D[n]): shows the tree of size ``first`` is a prefix of this one."""
        if not 0 < first <= self.size:
            raise ValueError(f"no consistency proof from size {first} to {self.size}")
        out: list[bytes] = []
        lo, hi, m, complete = 0, self.size, first, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                out.append(self.mth(lo + k, hi))
                hi = lo + k
            else:
                out.append(self.mth(lo, lo + k))
                lo, m, complete = lo + k, m - k, False
        if not complete:
            out.append(self.mth(lo, hi))
        return out[::-1]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) for one leaf of ``leaves``."""
    return Tree(leaves).inclusion_proof(index)


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) from size ``first`` to the tree of all ``leaves``."""
    return Tree(leaves).consistency_proof(first)


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes],
                     root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove ``leaf`` at ``index`` in the tree ``root_hash``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(first: int, second: int, path: Sequence[bytes], first_root: bytes,
                       second_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (first, first_root) a prefix of (second, second_root)?"""
    if first == second:
        return not path and first_root == second_root
    if not 0 < first < second or not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
