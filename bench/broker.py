"""The embedded (folder) broker and Redis, side by side: round trips, then a soak.

Round trips: one real worker per broker, started exactly as the Procfile starts it, the same
tasks sent to each; latency and throughput with the ratio between them.

Soak: three producer processes send 5,000 tasks (every tenth sends an email) while a real
worker consumes; the worker is killed (SIGKILL, its whole process group) twice mid-run,
each time just after an email task sent its email and before that task ended, and started
again. Printed: tasks sent, run, run twice, lost, emails sent twice, time and
throughput. The folder broker must lose nothing; Redis gives a killed worker's messages back
only after its visibility timeout (an hour), so it shows what a soak of a few minutes sees.
`tests/studio/test_folder_broker_soak.py` runs a smaller soak through `soak()`.

Run: `make bench` (Redis must answer at REDIS_URL, default redis://127.0.0.1:6379/2).
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("DEBUG", "true")

from celery import Celery  # noqa: E402

from studio.config import celery_config  # noqa: E402

SEQUENTIAL = 30  # one at a time: latency as a person waiting on one task feels it
BURST = 200  # all at once: throughput when a gallery upload queues many
SOAK_TASKS = 5000
SOAK_PRODUCERS = 3
SOAK_KILLS = 2
EMAIL_EVERY = 10  # every tenth soak task sends an email
SOAK_TASK = "studio.tasks.broker_soak_task"


def procfile_worker() -> str:
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("no worker line in the Procfile")


def bench_app(broker_url: str, var_dir: Path) -> Celery:
    """A Celery app sending to the broker Sitting would use with this REDIS_URL and VAR_DIR."""
    conf = celery_config(broker_url=broker_url, var_dir=var_dir)
    app = Celery("bench", set_as_current=False)  # shared tasks keep sending to their own
    app.conf.update(
        broker_url=conf["broker_url"],
        broker_transport=conf.get("broker_transport"),
        result_backend=conf["result_backend"],
        broker_transport_options=conf["broker_transport_options"],
        task_default_queue="default",
    )
    return app


def worker_start(
    *, broker_url: str, var_dir: Path, env: dict[str, str] | None = None, log: Path | None = None
):
    """The Procfile's worker in its own process group, its output appended to `log`
    (var_dir/worker.log unless given)."""
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "WORKER_CONCURRENCY": "2",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        **(env or {}),
    }
    with open(log or var_dir / "worker.log", "ab") as output:
        return subprocess.Popen(
            ["bash", "-c", "exec " + procfile_worker()],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(worker: subprocess.Popen) -> None:
    """Warm shutdown through the main process, as a supervisor does; force after 30 s."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        kill(worker)


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool: nothing runs its shutdown, as on a power cut."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def measure(name: str, broker_url: str, var_dir: Path) -> dict[str, float]:
    var_dir.mkdir(parents=True, exist_ok=True)
    app = bench_app(broker_url, var_dir)
    if broker_url:
        app.control.purge()
    worker = worker_start(broker_url=broker_url, var_dir=var_dir)
    try:
        app.send_task("studio.tasks.worker_ping_task").get(
            timeout=120
        )  # warm: worker up and connected
        latencies = []
        for _ in range(SEQUENTIAL):
            started = time.perf_counter()
            app.send_task("studio.tasks.worker_ping_task").get(timeout=60, interval=0.01)
            latencies.append(time.perf_counter() - started)
        started = time.perf_counter()
        results = [app.send_task("studio.tasks.worker_ping_task") for _ in range(BURST)]
        for result in results:
            result.get(timeout=300, interval=0.01)
        burst_seconds = time.perf_counter() - started
    finally:
        stop(worker)
    figures = {
        "median_ms": statistics.median(latencies) * 1000,
        "p90_ms": statistics.quantiles(latencies, n=10)[-1] * 1000,
        "tasks_per_s": BURST / burst_seconds,
    }
    print(
        f"{name:>9}: median round trip {figures['median_ms']:7.1f} ms, "
        f"p90 {figures['p90_ms']:7.1f} ms, burst of {BURST}: {figures['tasks_per_s']:6.1f} tasks/s",
        flush=True,
    )
    return figures


# The soak ----------------------------------------------------------------------------------


@dataclass
class Soak:
    sent: int
    ran: int  # tasks that ran to their end
    ran_twice: int  # tasks started more than once (a killed worker's, run again)
    lost: int  # sent and never run to their end
    emails: int  # email tasks sent
    email_runs_twice: int  # email tasks started more than once
    emails_sent: int  # emails in the outbox
    emails_sent_twice: int  # emails in the outbox more than once: must be 0
    kills: int
    crashes: int  # workers that stopped without being killed: must be 0
    unreadable: int  # files moved aside: must be 0
    seconds: float  # from the first task sent to the last that ended

    @property
    def tasks_per_s(self) -> float:
        return self.ran / self.seconds

    def report(self, name: str) -> str:
        return (
            f"{name:>9}: {self.sent} tasks sent by {SOAK_PRODUCERS} processes, "
            f"worker SIGKILLed {self.kills}x: ran {self.ran}, ran twice {self.ran_twice}, "
            f"lost {self.lost}, worker crashes {self.crashes}, unreadable {self.unreadable}; "
            f"{self.emails} email tasks, {self.email_runs_twice} ran twice, "
            f"{self.emails_sent} emails sent, {self.emails_sent_twice} sent twice; "
            f"{self.seconds:.1f} s, {self.tasks_per_s:.0f} tasks/s"
        )


def soak(
    *,
    var_dir: Path,
    tasks: int = SOAK_TASKS,
    producers: int = SOAK_PRODUCERS,
    kills: int = SOAK_KILLS,
    broker_url: str = "",
    worker_env: dict[str, str] | None = None,
    patience: float = 120.0,
) -> Soak:
    """Send `tasks` soak tasks from `producers` processes while the Procfile's worker runs
    them, SIGKILL it `kills` times mid-run (each time while an email task that has sent
    its email is still running) and start it again; wait until every task ran, or
    until nothing more ran for `patience` seconds. `worker_env` names the database (the
    email tasks write SentEmail rows)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    run = "s" + secrets.token_hex(4)
    app = bench_app(broker_url, var_dir)
    if broker_url:
        app.control.purge()
    log = var_dir / "soak" / f"{run}.log"

    def runs() -> tuple[collections.Counter, set[int]]:
        """How often each task started, and which ended."""
        try:
            lines = [line.split() for line in log.read_text().splitlines()]
        except FileNotFoundError:
            lines = []
        started = collections.Counter(int(n) for n, what, *_ in lines if what == "start")
        return started, {int(n) for n, what, *_ in lines if what == "done"}

    def emailed(n: int) -> bool:
        return any((var_dir / "outbox").glob(f"*-Soak-{run}-{n}-*.eml"))

    expected = set(range(tasks + kills))  # the held email tasks come after the producers'
    began = time.monotonic()
    worker = worker_start(broker_url=broker_url, var_dir=var_dir, env=worker_env)
    senders = [
        subprocess.Popen(
            [sys.executable, __file__, "produce", broker_url or "-", str(var_dir), run, *numbers],
            cwd=BASE_DIR,
        )
        for numbers in ([str(i), str(tasks), str(producers)] for i in range(producers))
    ]
    crashes = 0
    killed = 0
    progress_at, progress = time.monotonic(), 0
    try:
        while True:
            done = runs()[1]
            if expected <= done:
                break
            if len(done) != progress:
                progress_at, progress = time.monotonic(), len(done)
            elif time.monotonic() - progress_at > patience:
                break
            if worker.poll() is not None:  # stopped on its own: a crash
                crashes += 1
                worker = worker_start(broker_url=broker_url, var_dir=var_dir, env=worker_env)
            if killed < kills and len(done) >= tasks * (killed + 1) // (kills + 1):
                held = tasks + killed
                # On the images queue, so that it starts at once, beside the backlog.
                app.send_task(
                    SOAK_TASK,
                    kwargs={"run": run, "n": held, "email": True, "hold": 120},
                    queue="images",
                    routing_key="images",
                )
                while not emailed(held) and worker.poll() is None:
                    time.sleep(0.02)
                kill(worker)
                killed += 1
                worker = worker_start(broker_url=broker_url, var_dir=var_dir, env=worker_env)
            time.sleep(0.05)
        seconds = progress_at - began  # to the last task that ended
    finally:
        for sender in senders:
            sender.wait()
        stop(worker)
    started, done = runs()
    email_ids = {n for n in expected if n % EMAIL_EVERY == 0 or n >= tasks}
    outbox = collections.Counter(
        int(match.group(1))
        for path in (var_dir / "outbox").glob("*.eml")
        if (match := re.search(rf"-Soak-{run}-(\d+)-[0-9a-f]+\.eml$", path.name))
    )
    unreadable = var_dir / "celery" / "unreadable"
    return Soak(
        sent=len(expected),
        ran=len(expected & done),
        ran_twice=sum(1 for n in expected if started[n] > 1),
        lost=len(expected - done),
        emails=len(email_ids),
        email_runs_twice=sum(1 for n in email_ids if started[n] > 1),
        emails_sent=sum(outbox.values()),
        emails_sent_twice=sum(1 for n in outbox if outbox[n] > 1),
        kills=killed,
        crashes=crashes,
        unreadable=len(list(unreadable.iterdir())) if unreadable.is_dir() else 0,
        seconds=seconds,
    )


def produce(broker_url: str, var_dir: str, run: str, first: int, tasks: int, step: int) -> None:
    """One producer process: tasks first, first + step, ... below `tasks`."""
    app = bench_app("" if broker_url == "-" else broker_url, Path(var_dir))
    with app.producer_or_acquire() as producer:
        for n in range(first, tasks, step):
            app.send_task(
                SOAK_TASK,
                kwargs={"run": run, "n": n, "email": n % EMAIL_EVERY == 0},
                producer=producer,
            )


def soak_database(var_dir: Path) -> dict[str, str]:
    """A fresh SQLite database for the soak's emails; the worker's environment for it."""
    env = {"DATABASE_URL": f"sqlite:///{var_dir / 'soak.sqlite3'}", "VAR_DIR": str(var_dir)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        check=True,
    )
    return env


def main() -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2")
    with tempfile.TemporaryDirectory() as tmp:
        embedded = measure("embedded", "", Path(tmp) / "embedded")
        redis = measure("redis", redis_url, Path(tmp) / "redis")
        print(
            f"\nembedded / redis: latency x{embedded['median_ms'] / redis['median_ms']:.1f}, "
            f"throughput x{embedded['tasks_per_s'] / redis['tasks_per_s']:.2f}\n",
            flush=True,
        )
        for name, url in (("embedded", ""), ("redis", redis_url)):
            var_dir = Path(tmp) / f"soak-{name}"
            var_dir.mkdir()
            env = soak_database(var_dir)
            result = soak(var_dir=var_dir, broker_url=url, worker_env=env, patience=30)
            print(result.report(name), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["produce"]:
        url, folder, run_name, first, count, step = sys.argv[2:8]
        produce(url, folder, run_name, int(first), int(count), int(step))
    else:
        main()
