"""A worker's pool process keeps the memory of its last photo while photos keep coming, and
gives it back once it has been idle a while.

glibc returns freed memory at the top of the heap to the system once more than its trim
threshold is free there (128 kB to start with, which glibc raises by itself but never past
64 MB). A 24 MP photo's work takes and frees about 50 MB (the decoded picture, its resized
copies, the files it writes), so each photo gave it back and asked for it again for the
next: about 12,500 fresh pages a photo, which the kernel zeroes, 25-40 ms of CPU on top of
the 270-300 ms the image code needs (bench/pipeline.py). Kept instead, a busy worker
touches no new page; its size between photos is the size it reached while working on one,
until `idle_seconds` without a task, when malloc_trim gives the free part back.

Only on glibc (elsewhere nothing changes), and only in the worker's prefork pool processes
(studio/celery.py): not in web processes, nor with the solo or threads pool, nor for tasks
run eagerly.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading

log = logging.getLogger(__name__)

# mallopt(3)'s parameters.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Every block Pillow allocates for an image (16 MB) comes from the heap, where it can be
# used again. (32 MB is also where glibc's own adjustment of the threshold stops.)
MMAP_THRESHOLD = 32 * 1024 * 1024
# Kept while busy up to this much free at the top of the heap: a 24 or 45 MP JPEG frees
# far less. A file decoded in full near the 160 MP limit frees more, and that goes back at
# once rather than staying with the process for as long as tasks keep coming; the rest
# goes back once idle.
TRIM_THRESHOLD = 256 * 1024 * 1024


class _Keeper:
    def __init__(self, libc, idle_seconds: float):
        self.libc = libc
        self.idle_seconds = idle_seconds
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None

    def busy(self) -> None:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None

    def idle(self) -> None:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(self.idle_seconds, self.give_back)
            self.timer.daemon = True
            self.timer.start()

    def give_back(self) -> None:
        self.libc.malloc_trim(0)


_keeper: _Keeper | None = None


def _glibc():
    """The C library this process runs on, if it is glibc (musl has a mallopt that does
    nothing of the sort)."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (ValueError, OSError, AttributeError):  # confstr: a name this system lacks
        return None
    return libc


def memory_keep(*, idle_seconds: float) -> bool:
    """In this process, keep freed memory for the next photo; give it back after
    `idle_seconds` without a task (memory_busy / memory_idle mark them). False where the
    C library is not glibc, or refuses."""
    global _keeper
    libc = _glibc()
    if libc is None:
        return False
    if not (
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    ):
        log.warning("This C library refused the memory settings; the worker runs without them")
        return False
    _keeper = _Keeper(libc, idle_seconds)
    return True


def memory_busy() -> None:
    """A task starts: keep what is free."""
    if _keeper is not None:
        _keeper.busy()


def memory_idle() -> None:
    """A task ended: give free memory back unless another starts within idle_seconds."""
    if _keeper is not None:
        _keeper.idle()
