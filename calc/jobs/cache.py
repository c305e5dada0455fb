"""A process-wide least-recently-used cache bounded in entries and in bytes (each entry's pickled size)."""
from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from calc.jobs import settings


class BoundedCache:
    def __init__(self, max_bytes: float | None = None, max_entries: int | None = None):
        self.max_bytes = int((max_bytes or settings.CACHE_MB) * 1024 * 1024) if max_bytes is None else int(max_bytes)
        self.max_entries = max_entries or settings.CACHE_ENTRIES
        self._d: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        with self._lock:
            hit = self._d.get(key)
            if hit is None:
                return default
            self._d.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: Any) -> Any:
        try:
            size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:               # an unpicklable value is not kept
            return value
        if size > self.max_bytes:
            return value
        with self._lock:
            old = self._d.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._d[key] = (value, size)
            self._bytes += size
            while self._d and (self._bytes > self.max_bytes or len(self._d) > self.max_entries):
                _, (_, s) = self._d.popitem(last=False)
                self._bytes -= s
        return value

    def get_or(self, key: Hashable, make: Callable[[], Any]) -> Any:
        hit = self.get(key, _MISS)
        return hit if hit is not _MISS else self.put(key, make())

    @property
    def nbytes(self) -> int:
        return self._bytes

    def keys(self) -> list:
        with self._lock:
            return list(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self._bytes = 0


_MISS = object()
RESULTS = BoundedCache()
