"""The load generator of bench/pages.py, in a process of its own so that it shares no GIL with
anything: `clients` threads, each a browser that asks again as soon as it has its answer,
for `seconds`, over loopback only. One job per line of JSON on stdin, one result per line
on stdout:

    {"port": 8123, "path": "/", "headers": {"Cookie": "..."}, "seconds": 5, "clients": 8}
    -> {"count": 612, "elapsed": 5.01, "latencies": [ms, ...], "bytes": ..., "errors": {},
        "cpu": 0.05}

Each request is a new connection (gunicorn's sync workers close every one) sent as bytes
built once and read to the end without parsing: about 40 µs of this process's own CPU per
request on the development machine, plus some 80 µs of the kernel's loopback TCP, which any
client pays (threads cost less here than one thread on epoll: 63 µs). `cpu` is what it used,
so the caller can tell it never limits the rate; the bare view answered as many requests a
second to 4, 8, 16 or 32 clients (725, 744, 736 and 739, medians of five rounds).
"""

import json
import socket
import sys
import threading
import time

HOST = "127.0.0.1"  # never anywhere else


def request_bytes(port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def fetch(port: int, request: bytes, buffer: bytearray) -> tuple[int, int]:
    """One request: its status and the bytes of the whole response, headers included."""
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        connection.settimeout(60)
        connection.connect((HOST, port))
        connection.sendall(request)
        size = connection.recv_into(buffer)
        status = int(buffer[9:12]) if buffer.startswith(b"HTTP/1.") else 0
        while received := connection.recv_into(buffer):
            size += received
    finally:
        connection.close()
    return status, size


def run(job: dict) -> dict:
    """Every client asks until the time is up; a request under way then is waited for, and
    the rate is counted over the time until the last answer."""
    port, seconds = job["port"], job["seconds"]
    request = request_bytes(port, job["path"], job.get("headers", {}))
    latencies: list[float] = []
    errors: dict[str, int] = {}
    total = [0]
    started = time.perf_counter()
    last = [started]
    lock = threading.Lock()
    deadline = started + seconds

    def client() -> None:
        mine, size, failed = [], 0, {}
        buffer = bytearray(256 * 1024)
        after = started
        while (before := time.perf_counter()) < deadline:
            try:
                status, length = fetch(port, request, buffer)
            except OSError as problem:
                status, length = type(problem).__name__, 0
            after = time.perf_counter()
            if status == 200:
                mine.append((after - before) * 1000)
                size += length
            else:
                failed[str(status)] = failed.get(str(status), 0) + 1
        with lock:
            latencies.extend(mine)
            total[0] += size
            last[0] = max(last[0], after)
            for key, count in failed.items():
                errors[key] = errors.get(key, 0) + count

    cpu = time.process_time()
    threads = [threading.Thread(target=client) for _ in range(job.get("clients", 8))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "count": len(latencies),
        "elapsed": last[0] - started,
        "latencies": latencies,
        "bytes": total[0],
        "errors": errors,
        "cpu": time.process_time() - cpu,
    }


if __name__ == "__main__":
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)
