"""Where each looked-for stem's words are in a record's texts, kept per generation: a search
that lists a record again (a popular page, a query sharing a word with an earlier one) finds
its snippet words without scanning the answer again.

    spans = SpanCache(1 << 20)                 # at most ~1 MB of entries
    memo = spans.memo((row, "answer"))         # that text's stem -> its hits, a dict
    memo.get("diabet")                         # None until looked for; () when none
    memo.keep({"diabet": (("diabet", 4, 12),)}, 1)  # counted against the budget

A generation never changes, so an entry never goes stale; the least recently used texts go
first when the budget is spent. The budget is in estimated bytes (`hits_bytes`: a fixed cost
per text, per stem and per hit, from `caches.sizeof` of MedQuAD's), not in entries: an
answer's stem can have a hundred hits or none. Thread-safe (a stem's hits are found by
whichever thread asks first, the same for all).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

Hit = tuple[str, int, int]  # (stem, start, end) of a matched word

TEXT_BYTES = 330  # a text's memo: its key, the dict and the LRU's link
STEM_BYTES = 100  # a stem's entry in it: the dict's slot and the tuple (the stem string is
# the analyzer's, shared)
HIT_BYTES = 120  # a hit: its tuple of three and its two offsets


def hits_bytes(hits: tuple[Hit, ...]) -> int:
    """An estimate of what one stem's entry holds (as `SpanMemo.keep` counts it)."""
    return STEM_BYTES + HIT_BYTES * len(hits)


class SpanMemo(dict):  # type: ignore[type-arg]
    """One text's stem -> hits (a dict read in C); stems are stored by `keep`, which counts
    their bytes (one count and one lock for a search's new stems)."""

    __slots__ = ("_key", "_owner", "bytes")

    def __init__(self, owner: SpanCache, key: Hashable) -> None:
        self._owner = owner
        self._key = key
        self.bytes = TEXT_BYTES

    def keep(self, found: dict[str, tuple[Hit, ...]], hits: int) -> None:
        """Keep `found`, stems not kept yet holding `hits` hits in all (a stem another
        thread kept meanwhile is replaced by the same hits, and counted again: a few bytes
        over, never under)."""
        self.update(found)
        self._owner._grew(self, STEM_BYTES * len(found) + HIT_BYTES * hits)


class SpanCache:
    """An LRU of `SpanMemo`s by text key, bounded by their estimated bytes."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError(f"a cache needs a positive budget in bytes, not {max_bytes}")
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, SpanMemo] = OrderedDict()  # oldest first
        self._bytes = 0
        self._lock = threading.Lock()

    def memo(self, key: Hashable) -> SpanMemo:
        """The memo of the text `key` names (empty the first time), now the most recent."""
        items = self._items
        found = items.get(key)  # (a text met again, the usual case, takes no lock: the
        # look-up and the move are each one step under the GIL)
        if found is not None:
            try:  # (not contextlib.suppress: a Python-level context manager per call)
                items.move_to_end(key)
            except KeyError:  # dropped meanwhile: still right to use
                return found
            return found
        with self._lock:
            found = items.get(key)
            if found is not None:
                return found
            found = items[key] = SpanMemo(self, key)
            self._bytes += found.bytes
            if self._bytes > self.max_bytes:
                self._trim()
            return found

    def _grew(self, memo: SpanMemo, n: int) -> None:
        with self._lock:
            memo.bytes += n
            if self._items.get(memo._key) is memo:  # (else dropped already: not counted)
                self._bytes += n
                if self._bytes > self.max_bytes:
                    self._trim()

    def _trim(self) -> None:
        """Drop the least recently used texts until within budget (the newest stays)."""
        items = self._items
        while self._bytes > self.max_bytes and len(items) > 1:
            self._bytes -= items.popitem(last=False)[1].bytes

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        """The estimated bytes held now."""
        return self._bytes
