"""Giving the memory a large write freed back to the system.

A rebuild passes a million documents between Python, the index writer's threads and the
analysis workers' results; the C allocator keeps what they free in per-thread pools it
rarely returns, so a long rebuild's resident memory climbs though little of it is in use.
`release` asks the allocator (glibc's `malloc_trim`) to return every free page; elsewhere
it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


def release() -> None:
    """Return the allocator's free memory to the system, where the allocator can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim
