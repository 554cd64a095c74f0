"""A worker's pool process keeps the memory of its last photo while photos keep coming, and
gives it back once it has been idle a while.

glibc returns freed memory at the top of the heap to the system once more than its trim
threshold (32 MB at most) is free there. A 24 MP photo uses a few hundred MB for a moment
(its pixels alone are 96 MB), so each photo gave most of it back and asked for it again
for the next: about 12,500 fresh pages a photo, which the kernel zeroes, 25-40 ms of CPU
on top of the ~290 ms the image code needs (bench/pipeline.py). Kept instead, a busy
worker touches no new page; its size between photos is the size it reached while working
on one, until IDLE_SECONDS without a task, when malloc_trim gives the free part back.

Only on glibc (elsewhere nothing changes), and only in the worker's pool processes
(studio/celery.py), never in web processes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

log = logging.getLogger(__name__)

# mallopt(3)'s parameters.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Every block Pillow allocates for an image (16 MB) comes from the heap, where it can be
# used again; glibc accepts no higher threshold than this on 64-bit systems.
MMAP_THRESHOLD = 32 * 1024 * 1024
# Never trimmed while busy: returned by malloc_trim when idle.
TRIM_THRESHOLD = 2**31 - 1


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
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018 -- glibc's own; musl has mallopt too, not this
        return libc
    except (OSError, AttributeError):
        return None


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
