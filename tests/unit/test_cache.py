"""The per-process TTL cache in front of rarely changing rows."""

from __future__ import annotations

import time

from gateway.store.cache import TTLCache


def test_hits_expire_and_none_is_not_cached() -> None:
    cache, calls = TTLCache(ttl=0.05), []

    def load() -> str | None:
        calls.append(1)
        return None if len(calls) == 1 else f"v{len(calls)}"

    assert cache.get("k", load) is None  # a missing row may appear: not cached
    assert cache.get("k", load) == "v2"
    assert cache.get("k", load) == "v2" and len(calls) == 2
    time.sleep(0.06)
    assert cache.get("k", load) == "v3"
    cache.clear()
    assert cache.get("k", load) == "v4"


def test_forever_entries_and_size_bound() -> None:
    cache = TTLCache(ttl=0.0, max_entries=2)
    assert cache.get("a", lambda: 1, forever=True) == 1
    assert cache.get("a", lambda: 2, forever=True) == 1
    cache.get("b", lambda: 3, forever=True)
    cache.get("c", lambda: 4, forever=True)  # over the bound: starts afresh
    assert cache.get("a", lambda: 5, forever=True) == 5
