"""Task round trip on the embedded (folder) broker and on Redis, side by side.

Starts one real worker per broker exactly as the Procfile does, sends the same tasks to
each, and prints latency and throughput with the ratio between them. Run: `make bench`
(Redis must answer at REDIS_URL, default redis://127.0.0.1:6379/2).
"""

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("DEBUG", "true")

from celery import Celery  # noqa: E402

from studio.config import celery_config  # noqa: E402

SEQUENTIAL = 30  # one at a time: latency as a person waiting on one task feels it
BURST = 200  # all at once: throughput when a gallery upload queues many


def procfile_worker() -> str:
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("no worker line in the Procfile")


def stop(worker: subprocess.Popen) -> None:
    """Warm shutdown through the main process, as a supervisor does; force after 30 s."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def measure(name: str, broker_url: str, var_dir: Path) -> dict[str, float]:
    conf = celery_config(broker_url=broker_url, var_dir=var_dir)
    app = Celery("bench")
    app.conf.update(
        broker_url=conf["broker_url"],
        result_backend=conf["result_backend"],
        broker_transport_options=conf["broker_transport_options"],
        task_default_queue="default",
    )
    if broker_url:
        app.control.purge()
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "REDIS_URL": broker_url,
        "WORKER_CONCURRENCY": "2",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    worker = subprocess.Popen(
        ["bash", "-c", "exec " + procfile_worker()],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
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


def main() -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2")
    with tempfile.TemporaryDirectory() as tmp:
        embedded = measure("embedded", "", Path(tmp) / "embedded")
        redis = measure("redis", redis_url, Path(tmp) / "redis")
    print(
        f"\nembedded / redis: latency x{embedded['median_ms'] / redis['median_ms']:.1f}, "
        f"throughput x{embedded['tasks_per_s'] / redis['tasks_per_s']:.2f}"
    )


if __name__ == "__main__":
    main()
