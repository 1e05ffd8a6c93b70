"""RFC 9162 Merkle trees against the RFC 6962 reference vectors, plus round trips."""

from __future__ import annotations

import random

import pytest

from gateway.proof import merkle

h = bytes.fromhex
LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
               "606162636465666768696a6b6c6d6e6f"]
LEAVES = [merkle.leaf_hash(h(x)) for x in LEAF_INPUTS]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path) and (first, second, proof) from the CT test data.
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def test_roots_match_the_reference_for_every_size() -> None:
    for n in range(len(LEAVES) + 1):
        assert merkle.root(LEAVES[:n]).hex() == ROOTS[n]
        assert merkle.Tree(LEAVES[:n]).root().hex() == ROOTS[n]
        acc = merkle.Accumulator()
        for leaf in LEAVES[:n]:
            acc.append(leaf)
        assert acc.root().hex() == ROOTS[n] and acc.size == n


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_vectors(index: int, size: int, path: list[str]) -> None:
    proof = merkle.inclusion_proof(index, LEAVES[:size])
    assert [p.hex() for p in proof] == path
    assert merkle.verify_inclusion(index, size, LEAVES[index], proof, h(ROOTS[size]))
    assert not merkle.verify_inclusion(index, size, LEAVES[index], proof, h(ROOTS[size - 1]))
    assert not merkle.verify_inclusion(index, size, LEAVES[(index + 1) % size], proof,
                                       h(ROOTS[size]))


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_vectors(first: int, second: int, path: list[str]) -> None:
    proof = merkle.consistency_proof(first, LEAVES[:second])
    assert [p.hex() for p in proof] == path
    assert merkle.verify_consistency(first, second, proof, h(ROOTS[first]), h(ROOTS[second]))
    if first != second:
        assert not merkle.verify_consistency(first, second, proof, h(ROOTS[first - 1] if first
                                             > 1 else ROOTS[2]), h(ROOTS[second]))


def test_every_proof_of_many_tree_shapes_round_trips_and_tampering_fails() -> None:
    rng = random.Random(9162)
    for size in range(1, 48):
        leaves = [merkle.leaf_hash(rng.randbytes(rng.randint(0, 12))) for _ in range(size)]
        tree = merkle.Tree(leaves)
        root = tree.root()
        for i in range(size):
            proof = tree.inclusion_proof(i)
            assert merkle.verify_inclusion(i, size, leaves[i], proof, root)
            flipped = bytes([leaves[i][0] ^ 1]) + leaves[i][1:]
            assert not merkle.verify_inclusion(i, size, flipped, proof, root)
        for first in range(1, size + 1):
            proof = tree.consistency_proof(first)
            old = merkle.root(leaves[:first])
            assert merkle.verify_consistency(first, size, proof, old, root)
            if first < size:
                assert not merkle.verify_consistency(first, size, proof, root, root)


def test_out_of_range_requests_are_refused() -> None:
    with pytest.raises(IndexError):
        merkle.inclusion_proof(3, LEAVES[:3])
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, LEAVES)
    assert not merkle.verify_inclusion(8, 8, LEAVES[0], [], h(ROOTS[8]))
    assert not merkle.verify_consistency(3, 2, [LEAVES[0]], h(ROOTS[3]), h(ROOTS[2]))
