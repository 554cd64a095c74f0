"""The embedded folder broker (studio/folder_broker.py), on a real worker and real processes:
a file it cannot read is set aside, never fatal, and a consumer killed holding messages
gives back those it had not acknowledged."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Empty

import pytest
from django.conf import settings as django_settings
from kombu import Connection

from bench.broker import bench_app, kill, stop, worker_start
from studio.config import celery_config
from studio.services import broker_processed_prune

BASE_DIR = Path(django_settings.BASE_DIR)


def folder_connection(var_dir: Path) -> Connection:
    conf = celery_config(broker_url="", var_dir=var_dir)
    return Connection(
        conf["broker_url"],
        transport=conf["broker_transport"],
        transport_options=conf["broker_transport_options"],
    )


def wait_for(done, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(0.05)
    return done()


def test_an_idle_worker_sets_an_empty_and_a_garbage_message_aside_and_goes_on(settings, tmp_path):
    var_dir = tmp_path / "var"
    app = bench_app("", var_dir)
    queue, unreadable = var_dir / "celery" / "queue", var_dir / "celery" / "unreadable"
    worker = worker_start(broker_url="", var_dir=var_dir, env={"WORKER_CONCURRENCY": "1"})
    try:
        assert app.send_task("studio.tasks.worker_ping_task").get(timeout=90) == "pong"
        # As kombu left them: a file created and not yet written, and one cut short.
        (queue / "00000000000000000001_empty.default.msg").write_bytes(b"")
        (queue / "00000000000000000002_cut.images.msg").write_bytes(b'{"body": "eyJ0YXNr')
        assert wait_for(lambda: len(list(unreadable.iterdir())) == 2, timeout=10)
        assert worker.poll() is None  # kombu's own transport stopped the worker right there
        assert app.send_task("studio.tasks.worker_ping_task").get(timeout=30) == "pong"
        assert worker.poll() is None
    finally:
        stop(worker)
    assert sorted(path.name for path in unreadable.iterdir()) == [
        "00000000000000000001_empty.default.msg",
        "00000000000000000002_cut.images.msg",
    ]
    assert not list(queue.iterdir())
    log = (var_dir / "worker.log").read_text()
    assert "Unrecoverable error" not in log
    set_aside = [line for line in log.splitlines() if "could not be read (JSONDecodeError" in line]
    assert sorted(line.rpartition(" ")[2] for line in set_aside) == [
        f"{unreadable}/00000000000000000001_empty.default.msg",
        f"{unreadable}/00000000000000000002_cut.images.msg",
    ]

    # What the worker acknowledged is kept a day, then pruned by beat's task.
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = celery_config(broker_url="", var_dir=var_dir)[
        "broker_transport_options"
    ]
    handed_out = list((var_dir / "celery" / "processed").glob("*.msg"))
    assert len(handed_out) >= 2  # the two pings
    assert broker_processed_prune() == 0
    two_days_ago = time.time() - 2 * 86400
    for path in handed_out:
        os.utime(path, (two_days_ago, two_days_ago))
    assert broker_processed_prune() == len(handed_out)


HOLDER = """
import sys, time
from pathlib import Path
from kombu import Connection
from studio.config import celery_config

conf = celery_config(broker_url="", var_dir=Path(sys.argv[1]))
with Connection(conf["broker_url"], transport=conf["broker_transport"],
                transport_options=conf["broker_transport_options"]) as conn:
    task = conn.SimpleQueue("work").get(timeout=30)  # taken, never acknowledged
    news = conn.SimpleQueue("news", no_ack=True).get(timeout=30)  # a broadcast: no ack
    print(task.payload, news.payload, flush=True)
    time.sleep(120)
"""


def test_a_consumer_killed_holding_a_message_gives_it_back_to_the_next_one(tmp_path):
    """Only what it had to acknowledge: a broadcast (no ack) replayed could be "shut down"
    again for the next worker."""
    var_dir = tmp_path / "var"
    with folder_connection(var_dir) as conn:
        conn.SimpleQueue("work").put({"task": 1})
        conn.SimpleQueue("news", no_ack=True).put({"news": 1})
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(var_dir)],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout.readline().strip() == "{'task': 1} {'news': 1}"
    finally:
        kill(holder)
    assert not list((var_dir / "celery" / "queue").iterdir())  # both were taken
    with folder_connection(var_dir) as conn:
        again = conn.SimpleQueue("work").get(timeout=10)
        assert again.payload == {"task": 1}
        again.ack()
        with pytest.raises(Empty):
            conn.SimpleQueue("news", no_ack=True).get(timeout=0.5)
    claims = var_dir / "celery" / "claims"
    assert not list(claims.rglob("*.msg"))
    assert len(list((var_dir / "celery" / "processed").iterdir())) == 2


def test_a_consumer_whose_prefetch_is_full_sleeps_until_an_ack_then_takes_the_next(
    tmp_path, monkeypatch
):
    """While a pool works on the one message it may hold, the worker neither spins nor
    misses the moment the ack comes (from the pool's result thread): it takes the next
    message at once."""
    from studio import folder_broker

    looks = []
    real_drain = folder_broker.Channel.drain_events

    def counted(self, *args, **kwargs):
        looks.append(time.monotonic())
        return real_drain(self, *args, **kwargs)

    monkeypatch.setattr(folder_broker.Channel, "drain_events", counted)
    var_dir = tmp_path / "var"
    with folder_connection(var_dir) as conn:
        queue = conn.SimpleQueue("pool-busy")  # a queue of its own: kombu shares bindings
        queue.put({"n": 1})
        queue.put({"n": 2})
        got = []
        consumer = queue.consumer
        consumer.qos(prefetch_count=1)
        consumer.register_callback(lambda body, message: got.append((time.monotonic(), message)))
        consumer.consume()
        conn.drain_events(timeout=5)
        assert [message.payload for _at, message in got] == [{"n": 1}]
        looks.clear()
        with pytest.raises(TimeoutError):
            conn.drain_events(timeout=1.0)  # full: nothing more may come
        assert len(looks) <= 1.0 / conn.transport.polling_interval + 2  # not every 5 ms

        acked = []
        threading.Timer(0.3, lambda: (acked.append(time.monotonic()), got[0][1].ack())).start()
        conn.drain_events(timeout=5)
        assert [message.payload for _at, message in got] == [{"n": 1}, {"n": 2}]
        assert got[1][0] - acked[0] < conn.transport.polling_interval / 2
        got[1][1].ack()
