"""Rendered QR codes and posters, and the small per-process cache that keeps them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rendered:
    body: bytes
    mimetype: str
    etag: str


class ImageCache:
    """A small thread-safe LRU of rendered images, bounded in entries and bytes."""

    def __init__(self, max_items: int = 256, max_bytes: int = 64 << 20):
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, Rendered] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_make(self, key: str, make: Callable[[], Rendered]) -> Rendered:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        made = make()  # outside the lock: rendering takes milliseconds
        with self._lock:
            if key not in self._items:
                self._items[key] = made
                self._bytes += len(made.body)
            while self._items and (len(self._items) > self.max_items
                                   or self._bytes > self.max_bytes):
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old.body)
        return made
