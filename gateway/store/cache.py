"""A small per-process cache for rows that change rarely (businesses, wordings, API keys).

Hot paths (every webhook, every API call) would otherwise read the same business row and
wording again and again. Entries live ``ttl`` seconds, so a change made by another process
(a new wording, a revoked key, a business setting) is seen everywhere within that time;
changes made through this process clear the cache at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
_MISSING = object()


class TTLCache:
    def __init__(self, ttl: float = 5.0, max_entries: int = 10_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._data: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T], *, forever: bool = False) -> T:
        """The cached value, or ``load()``; ``None`` results are not cached (may appear)."""
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key, _MISSING)
        if hit is not _MISSING:
            expires, value = hit  # type: ignore[misc]
            if expires > now:
                return value  # type: ignore[return-value]
        value = load()
        if value is not None:
            with self._lock:
                if len(self._data) >= self.max_entries:
                    self._data.clear()
                self._data[key] = (float("inf") if forever else now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
