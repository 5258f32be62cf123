"""How many glibc malloc arenas a serving process uses.

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
