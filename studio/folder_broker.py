"""Sitting's embedded broker: kombu's folder transport, made safe to crash in.

kombu's `filesystem://` writes a message file in place, so a worker can read one still
empty (that stopped the worker for good: "Unrecoverable error: JSONDecodeError"), and it
forgets a message as soon as a worker takes it, so a worker killed mid-task lost the task.
Here, every folder under `var/celery/` (studio.config.celery_config):

- a message is written in `incoming/`, flushed to disk, then renamed into `queue/`: a
  worker sees a whole file or none;
- a worker claims a message by renaming it into its own folder under `claims/`, beside a
  lock file it holds for as long as it lives; acking moves the file on to `processed/`
  (pruned daily), a requeue renames it back into `queue/`;
- a claim whose lock can be taken belongs to a process that is gone (killed, crashed, the
  machine restarted): the next worker to look (as it starts, then every few seconds) puts
  those messages back in `queue/`, so every task runs at least once;
- a file that cannot be read as a message is moved to `unreadable/` and logged.

Exchange tables (`control/`) are written the same way: a whole file, renamed into place.
POSIX only (fcntl), like the rest of the laptop setup.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import secrets
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

log = logging.getLogger(__name__)

# How often a consumer looks for claims left by processes that are gone.
CLAIMS_CHECK_SECONDS = 5.0
# While busy, a consumer looks again this soon (see Transport.drain_events).
BUSY_POLL_SECONDS = 0.005
BUSY_FOR_SECONDS = 1.0
# A listing of the queue folder serves every queue for this long before it is read again.
LISTING_FRESH_SECONDS = 0.05


class _Owner:
    """This process's claim folder and the lock that says it is alive."""

    def __init__(self, claims: Path):
        host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40]
        self.pid = os.getpid()
        self.name = f"{host}-{self.pid}-{secrets.token_hex(4)}"
        self.folder = claims / self.name
        self.lock_path = claims / f"{self.name}.lock"
        # Delivery tag -> claimed file, for every channel of the process: a message may be
        # settled through another channel than the one that took it.
        self.claimed: dict[str, Path] = {}
        # Locked under a hidden name, then renamed: nobody can see the lock before it is held.
        hidden = claims / f".{self.name}.lock"
        self._fd = os.open(hidden, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.folder.mkdir()
        os.rename(hidden, self.lock_path)


_owners: dict[Path, _Owner] = {}
_owners_lock = threading.Lock()


def _owner_for(claims: Path) -> _Owner:
    """One owner per process and claims folder; a forked child makes its own (POSIX locks
    are not inherited)."""
    with _owners_lock:
        owner = _owners.get(claims)
        if owner is None or owner.pid != os.getpid():
            owner = _owners[claims] = _Owner(claims)
        return owner


class Channel(filesystem.Channel):
    """The folder channel with atomic writes, claims that survive a crash, and a reader
    that moves what it cannot read aside."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_ack_queues: set[str] = set()
        self._pending: dict[str, deque[str]] = {}
        self._listed_at = 0.0
        self._claims_checked_at = 0.0
        self.waiting_for_acks = False

    # Folders -----------------------------------------------------------------------------

    def _folder(self, key: str, default: str) -> Path:
        path = Path(self.transport_options.get(key) or Path(self.data_folder_in).parent / default)
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def incoming_folder(self) -> Path:
        return self._folder("incoming_folder", "incoming")

    @cached_property
    def claims_folder(self) -> Path:
        return self._folder("claims_folder", "claims")

    @cached_property
    def unreadable_folder(self) -> Path:
        return self._folder("unreadable_folder", "unreadable")

    # Writing -----------------------------------------------------------------------------

    def _put(self, queue, payload, **kwargs):
        """Write the whole message elsewhere on the same filesystem, then rename it in."""
        name = f"{time.time_ns():020d}_{uuid.uuid4().hex}.{queue}.msg"
        temp = self.incoming_folder / name
        try:
            with open(temp, "xb") as f:
                f.write(str_to_bytes(dumps(payload)))
                f.flush()
                os.fsync(f.fileno())
            os.rename(temp, Path(self.data_folder_out) / name)
        except OSError as exc:
            with suppress(OSError):
                temp.unlink()
            raise ChannelError(f"Cannot add {name!r} to the queue folder") from exc

    # Reading -----------------------------------------------------------------------------

    def drain_events(self, timeout=None, callback=None):
        self.waiting_for_acks = bool(self._consumers) and not self.qos.can_consume()
        return super().drain_events(timeout=timeout, callback=callback)

    def _get(self, queue):
        """Claim the oldest readable message of `queue`."""
        self._claims_recover_due()
        names = self._names(queue)
        while names:
            name = names.popleft()
            owner = _owner_for(self.claims_folder)
            claimed = owner.folder / name
            try:
                os.rename(Path(self.data_folder_in) / name, claimed)
            except FileNotFoundError:  # another worker took it
                continue
            payload = self._payload(claimed)
            if payload is None:
                continue
            if queue in self._no_ack_queues:  # never acked: done once delivered
                self._settle(claimed)
            else:
                owner.claimed[payload["properties"]["delivery_tag"]] = claimed
            return payload
        raise Empty()

    def _names(self, queue: str) -> deque[str]:
        """Names of `queue`'s messages, oldest first, from a listing shared by all queues."""
        names = self._pending.get(queue)
        if not names and time.monotonic() - self._listed_at >= LISTING_FRESH_SECONDS:
            self._pending = {}
            try:
                listing = sorted(os.listdir(self.data_folder_in))
            except FileNotFoundError:  # deleted by hand: messages sent from now on still go
                os.makedirs(self.data_folder_in, exist_ok=True)
                listing = []
            for name in listing:
                queue_msg = name.partition(".")[2]
                if queue_msg.endswith(".msg") and not name.startswith("."):
                    self._pending.setdefault(queue_msg.removesuffix(".msg"), deque()).append(name)
            self._listed_at = time.monotonic()
            names = self._pending.get(queue)
        return names or deque()

    def _payload(self, path: Path) -> dict | None:
        """The message in `path`; None after moving aside a file that is not one."""
        try:
            with open(path, "rb") as f:
                try:  # stock kombu writes under this lock: a file being written goes back
                    fcntl.flock(f.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.rename(path, Path(self.data_folder_in) / path.name)
                    return None
                data = f.read()
            payload = loads(bytes_to_str(data))
            properties = payload["properties"]
            if "delivery_tag" not in properties:
                raise KeyError("delivery_tag")
            if not isinstance(properties.get("delivery_info"), dict):
                raise TypeError("no delivery_info")
            self.Message(payload, channel=self)  # what delivering it will do
        except Exception as exc:  # empty, cut short, not JSON, not a message: never fatal
            self._set_aside(path, f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc))
            return None
        return payload

    def _set_aside(self, path: Path, why: str) -> None:
        target = self.unreadable_folder / path.name
        try:
            os.rename(path, target)
        except OSError:
            log.exception("A message file could not be read (%s) nor moved aside: %s", why, path)
            with suppress(OSError):
                path.unlink()
            return
        log.error("A message file could not be read (%s); moved it to %s", why, target)

    # Acknowledging ---------------------------------------------------------------------------

    def basic_consume(self, queue, no_ack, *args, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        else:
            self._no_ack_queues.discard(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self._settle(self._claim_take(message.delivery_tag))
        return message

    def basic_ack(self, delivery_tag, multiple=False):
        super().basic_ack(delivery_tag, multiple=multiple)
        self._settle(self._claim_take(delivery_tag))
        self.connection.settled.set()

    def basic_reject(self, delivery_tag, requeue=False):
        super().basic_reject(delivery_tag, requeue=requeue)  # a requeue calls _restore
        self._settle(self._claim_take(delivery_tag))
        self.connection.settled.set()

    def _restore(self, message):
        """Put a message this process claimed back where it was, under its own name, so it
        is the next to go."""
        claimed = self._claim_take(message.delivery_tag)
        if claimed is None:
            return super()._restore(message)
        try:
            os.rename(claimed, Path(self.data_folder_in) / claimed.name)
        except FileNotFoundError:
            return super()._restore(message)
        self._listed_at = 0.0

    def _settle(self, claimed: Path | None) -> None:
        if claimed is None:
            return
        with suppress(FileNotFoundError):
            if self.store_processed:
                os.rename(claimed, Path(self.processed_folder) / claimed.name)
            else:
                claimed.unlink()

    def _claim_take(self, delivery_tag: str) -> Path | None:
        """The file this process claimed for `delivery_tag`, forgotten; None if none.
        A forked child carries a copy of its parent's claims: they stay the parent's."""
        owner = _owners.get(self.claims_folder)
        if owner is None or owner.pid != os.getpid():
            return None
        return owner.claimed.pop(delivery_tag, None)

    # Claims of processes that are gone -----------------------------------------------------

    def _claims_recover_due(self) -> None:
        now = time.monotonic()
        if now - self._claims_checked_at >= CLAIMS_CHECK_SECONDS:
            self._claims_checked_at = now
            if self._claims_recover():
                self._listed_at = 0.0

    def _claims_recover(self) -> int:
        """Put back in the queue every message claimed by a process that no longer holds its
        lock. Returns how many."""
        own = _owners.get(self.claims_folder)
        own_lock = own.lock_path.name if own and own.pid == os.getpid() else None
        restored = 0
        for entry in os.scandir(self.claims_folder):
            if not entry.name.endswith(".lock") or entry.name == own_lock:
                continue
            try:
                if entry.name.startswith(".") and time.time() - entry.stat().st_mtime < 60:
                    continue  # a lock being made (_Owner), not yet held
                fd = os.open(entry.path, os.O_RDWR | os.O_CLOEXEC)
            except FileNotFoundError:  # another worker got there first
                continue
            try:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # held: that process is alive
                    continue
                folder = self.claims_folder / entry.name.removeprefix(".").removesuffix(".lock")
                count = self._claims_return(folder)
                if count:
                    log.warning(
                        "Put %d message(s) back in the queue: the process that took them "
                        "(%s) stopped before finishing them",
                        count,
                        folder.name,
                    )
                restored += count
                with suppress(OSError):
                    folder.rmdir()
                with suppress(FileNotFoundError):
                    os.unlink(entry.path)
            finally:
                os.close(fd)
        return restored

    def _claims_return(self, folder: Path) -> int:
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return 0
        count = 0
        for name in names:
            with suppress(FileNotFoundError):
                os.rename(folder / name, Path(self.data_folder_in) / name)
                count += 1
        return count

    # Exchange tables -----------------------------------------------------------------------

    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            table = loads(bytes_to_str(file.read_bytes()))
            return [filesystem.exchange_queue_t(*q) for q in table]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError) as exc:  # written in place by an older process
            log.error("The exchange table %s could not be read (%s)", file, exc)
            try:
                return super(filesystem.Channel, self).get_table(exchange)
            except KeyError:
                return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._table_change(exchange, lambda table: None if binding in table else [binding, *table])

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        super(filesystem.Channel, self)._delete(
            queue, exchange, routing_key, pattern, *args, **kwargs
        )
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._table_change(
            exchange, lambda table: [b for b in table if b != binding] if binding in table else None
        )

    def _table_change(self, exchange, change: Callable[[list], list | None]) -> None:
        """Read, change and rewrite an exchange table under its lock file, replacing the
        file whole so that readers need no lock."""
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        try:
            with open(f"{file}.lock", "a") as lock:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
                table = change(self.get_table(exchange))
                if table is None:
                    return
                temp = self.control_folder / f".{file.name}.{uuid.uuid4().hex}"
                temp.write_bytes(str_to_bytes(dumps(table)))
                os.rename(temp, file)
        except OSError as exc:
            raise ChannelError(f"Cannot write {file}") from exc


class Transport(filesystem.Transport):
    """kombu's filesystem transport with Sitting's channel; select it with Celery's
    `broker_transport` set to "studio.folder_broker:Transport"."""

    Channel = Channel

    _busy_until = 0.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set when a message is acked or rejected: the pool's result thread does that.
        self.settled = threading.Event()

    def drain_events(self, connection, timeout=None):
        """kombu's loop, except that a consumer waiting for its own acks (its prefetch is
        full) sleeps until one comes rather than looking at the folder, and one that had a
        message in the last BUSY_FOR_SECONDS looks again after BUSY_POLL_SECONDS rather
        than a whole polling interval: at 0.1 s, two tasks in flight capped a burst at
        about 20 tasks a second, and a task sent just after another waited 0.1 s; looking
        every 5 ms while the pool worked cost the worker about 3% of a photo's CPU."""
        started = time.monotonic()
        while True:
            self.settled.clear()  # an ack from here on ends the wait below at once
            try:
                self.cycle.get(self._deliver, timeout=timeout)
            except Empty:
                now = time.monotonic()
                if timeout is not None and now - started >= timeout:
                    raise TimeoutError() from None
                full = any(getattr(channel, "waiting_for_acks", False) for channel in self.channels)
                pause = self.polling_interval
                if not full and now < self._busy_until:
                    pause = BUSY_POLL_SECONDS
                if timeout:
                    pause = min(pause, timeout)
                if full:
                    self.settled.wait(pause)
                else:
                    time.sleep(pause)
            else:
                self._busy_until = time.monotonic() + BUSY_FOR_SECONDS
                return
