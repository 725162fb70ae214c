"""One `IndexStore` per process; a `Session` per request that sees the newest generation.

    store = IndexStore(Path("index"))          # no I/O yet
    with store.searcher() as s:                # opens (once) the live generation
        result = indexer.search.search(s, "back pain")

Each `searcher()` call looks at the small CURRENT pointer file (one `stat`: it is read again
only when its inode, size or modification time changed, as a build's atomic swap does); when
a build has swapped in a new generation, the next session opens it (ranking arrays are
loaded once per generation and process) and the old one is dropped when its last session
ends. Sessions are opaque to callers: pass them to the functions of `indexer.search`,
`indexer.search.suggest` and `indexer.editors.similar`.

A generation is verified when the process first opens it (its checksums, see checks.py; then
Whoosh's files, the ranking arrays and meta.json must load). A damaged live generation is
logged (one line: which file, how to rebuild) and the generation it replaced (CURRENT's second
line: never a build that was not swapped in) is served instead if it is intact. When none is
left, `searcher()` raises `IndexDamaged` (an `IndexNotFound`) whose message says what is
wrong and how to rebuild.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from indexer.index import checks
from indexer.index.build import CURRENT, current_generation, live_and_earlier, read_meta
from indexer.index.mapped import MappedStorage
from indexer.index.ranking import RankData

T = TypeVar("T")
log = logging.getLogger(__name__)


class IndexNotFound(FileNotFoundError):
    """No index has been built in the directory yet (run `qasearch index`)."""


class IndexDamaged(IndexNotFound):
    """Every generation on disk is damaged (run `qasearch index --full`)."""


def rebuild_hint(index_dir: Path) -> str:
    return f"rebuild it with `qasearch index --full --index {index_dir}`"




class Generation:
    """A built generation opened for reading: Whoosh index, ranking data and metadata."""

    def __init__(self, path: Path) -> None:
        """Open and verify `path`; GenerationDamaged (one line) when it cannot be served."""
        self.path = path
        self.name = path.name
        try:
            self.meta: dict[str, Any] = read_meta(path)
            if checks.has_checksums(self.meta):  # else built before checksums existed
                checks.verify(path)
            # segments memory-mapped and shared with other processes (see mapped.py)
            self.index = MappedStorage(str(path)).open_index()
        except checks.GenerationDamaged:
            raise
        except Exception as exc:  # Whoosh and numpy raise many kinds on damaged files
            raise checks.GenerationDamaged(f"{self.name}: cannot be opened "
                                           f"({type(exc).__name__}: {exc})") from exc
        try:
            self.data = RankData.load(path)
        except Exception as exc:
            self.index.close()
            raise checks.GenerationDamaged(f"{self.name}: the ranking data cannot be loaded "
                                           f"({type(exc).__name__}: {exc})") from exc
        self.users = 0
        self.cache: dict[str, Any] = {}  # per-generation memo for derived data (spelling...)
        # guards `cache` builds; re-entrant, so code holding it may still open a searcher
        self.lock = threading.RLock()
        self._local = threading.local()
        self._searchers: list[Any] = []
        self._searchers_lock = threading.Lock()  # only ever held for a list append/clear

    def cached(self, name: str, make: Callable[[], T]) -> T:
        """`cache[name]`, made by `make()` the first time (once, whichever thread asks
        first: a generation never changes, so what is derived from it stays valid)."""
        found = self.cache.get(name)
        if found is None:
            with self.lock:
                found = self.cache.get(name)
                if found is None:
                    found = self.cache[name] = make()
        return found  # type: ignore[no-any-return]

    def searcher(self) -> Any:
        """This thread's Whoosh searcher of the generation (opened once per thread: opening
        one costs ~20 ms, and a generation never changes)."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self.index.searcher()
            self._local.searcher = s
            with self._searchers_lock:
                self._searchers.append(s)
        return s

    def close(self) -> None:
        with self._searchers_lock:
            for s in self._searchers:
                s.close()
            self._searchers.clear()
        self.index.close()


class Session:
    """A per-request view of one generation (its Whoosh searcher is the thread's own)."""

    def __init__(self, gen: Generation) -> None:
        self.gen = gen

    @property
    def data(self) -> RankData:
        return self.gen.data

    @property
    def searcher(self) -> Any:
        """The Whoosh searcher of this session's generation, for this thread."""
        return self.gen.searcher()

    def close(self) -> None:
        """Nothing to release per request; the generation's searchers close with it."""


class IndexStore:
    """The index directory of this process. Thread-safe; opening it does no I/O."""

    def __init__(self, index_dir: Path | str) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._gens: dict[str, Generation] = {}
        self._live: str | None = None
        self._damaged: dict[str, str] = {}  # generation -> why it cannot be served
        self._stand_in: dict[str, str] = {}  # damaged generation -> the one served instead
        self._pointer: tuple[tuple[int, int, int], str | None] | None = None  # CURRENT read

    def exists(self) -> bool:
        """True when a complete generation has been built and swapped in."""
        return current_generation(self.index_dir) is not None

    def generation(self) -> str | None:
        return current_generation(self.index_dir)

    @contextlib.contextmanager
    def searcher(self) -> Iterator[Session]:
        gen = self._acquire()
        session = Session(gen)
        try:
            yield session
        finally:
            session.close()
            self._release(gen)

    def _current(self) -> str | None:
        """The live generation's name: CURRENT read again only when the file changed (a
        build swaps it in with a rename: a new inode), else one `stat` instead of an open,
        a read and a close on every request."""
        try:
            st = os.stat(self.index_dir / CURRENT)
        except OSError:
            return current_generation(self.index_dir)
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        seen = self._pointer
        if seen is not None and seen[0] == key:
            return seen[1]
        name = current_generation(self.index_dir)
        self._pointer = (key, name) if name is not None else None
        return name

    def _acquire(self) -> Generation:
        name = self._current()
        with self._lock:
            if name is None:
                # The pointer may be unreadable for an instant only if someone deleted it;
                # keep serving what we have rather than failing.
                if self._live is None:
                    raise IndexNotFound(
                        f"no index in {self.index_dir}: build one with `qasearch index`"
                    )
                name = self._live
            gen = self._open(name)
            name = gen.name
            if name != self._live:
                self._live = name
                self._evict()
            gen.users += 1
            return gen

    def _open(self, name: str) -> Generation:
        """The generation `name`, opened once; a damaged one's stand-in (see module doc)."""
        name = self._stand_in.get(name, name)
        gen = self._gens.get(name)
        if gen is not None:
            return gen
        if name not in self._damaged:
            try:
                gen = self._gens[name] = Generation(self.index_dir / name)
                return gen
            except checks.GenerationDamaged as exc:
                self._damaged[name] = str(exc)
        for other in live_and_earlier(self.index_dir)[1:]:
            if other in self._damaged or not (self.index_dir / other).is_dir():
                continue
            try:
                gen = self._gens[other] = Generation(self.index_dir / other)
            except checks.GenerationDamaged as exc:
                self._damaged[other] = str(exc)
                log.error("index %s is damaged: %s", self.index_dir, exc)
                continue
            self._stand_in[name] = other
            log.error("index %s: the live generation is damaged (%s); serving %s (an older "
                      "build) instead; %s", self.index_dir, self._damaged[name], other,
                      rebuild_hint(self.index_dir))
            return gen
        raise IndexDamaged(f"the index in {self.index_dir} is damaged ({self._damaged[name]}) "
                           f"and no intact generation is left: {rebuild_hint(self.index_dir)}")

    def _release(self, gen: Generation) -> None:
        with self._lock:
            gen.users -= 1
            self._evict()

    def _evict(self) -> None:
        for name in [n for n, g in self._gens.items() if n != self._live and g.users <= 0]:
            self._gens.pop(name).close()

    def close(self) -> None:
        with self._lock:
            for gen in self._gens.values():
                gen.close()
            self._gens.clear()
            self._live = None
