"""How a serving process uses glibc malloc: how many arenas, and giving freed pages back.

glibc gives each thread that allocates while the others hold the heap an arena of its own (up to eight per
core), and memory freed in one arena is not reused by another: with waitress' eight threads taking turns at
searches that allocate and free megabytes of numpy arrays, a 100,000-entry server grew by about 60 MB more
than with one arena. Python runs one thread at a time anyway, so one arena costs no speed.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading

log = logging.getLogger("migration_kb")
M_ARENA_MAX = -8  # mallopt parameter number (malloc.h)
DEFAULT_ARENAS = 1


def arenas_wanted() -> int | None:
    """MIGRATION_KB_MALLOC_ARENAS (default 1; 0: glibc's own choice); None when MALLOC_ARENA_MAX is set."""
    if "MALLOC_ARENA_MAX" in os.environ:  # glibc already read it: the operator's choice stands
        return None
    raw = os.environ.get("MIGRATION_KB_MALLOC_ARENAS", "").strip()
    if not raw:
        return DEFAULT_ARENAS
    try:
        value = int(raw)
        if value < 0:
            raise ValueError
    except ValueError:
        log.warning("MIGRATION_KB_MALLOC_ARENAS: %r is not a whole number >= 0; using %d", raw[:40], DEFAULT_ARENAS)
        return DEFAULT_ARENAS
    return value or None


def limit_arenas() -> bool:
    """Cap the arenas before the server's threads start (glibc on Linux only). True if it was set."""
    wanted = arenas_wanted()
    if wanted is None or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # another C library (musl): it has no arenas to cap
        return False
    return bool(mallopt(M_ARENA_MAX, wanted))


M_TRIM_EVERY = 2.0  # seconds between two trims at most, while requests come


class Trimmer:
    """Gives the heap's free pages back to the system after requests, at most every `every` seconds.

    A search allocates and frees megabytes of numpy arrays and Python objects; glibc keeps the freed pages
    when live blocks sit between them, and a 100,000-entry server grew by ~14 MB of such pages over 100
    searches. `malloc_trim(0)` returns them (about 5 ms at that size, so not after every request)."""

    def __init__(self, every: float = M_TRIM_EVERY):
        self.every = every
        self.trims = 0
        self._busy = threading.Event()  # a request ended since the last trim
        self._stop = threading.Event()
        self._trim = _malloc_trim()
        self._thread = threading.Thread(target=self._run, name="malloc-trim", daemon=True)

    def start(self) -> bool:
        """Start trimming (glibc only). True if it started."""
        if self._trim is None:
            return False
        self._thread.start()
        return True

    def request_ended(self) -> None:
        self._busy.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            if self._busy.is_set():
                self._busy.clear()
                self._trim(0)
                self.trims += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # another C library (musl): nothing to trim this way
        return None
