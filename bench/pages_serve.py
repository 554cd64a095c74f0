"""The site bench/pages.py measures: a fresh database (a SQLite file, or a PostgreSQL database
made and dropped for the run), migrated and seeded (pages_seed.py), served by the Procfile's
gunicorn line on loopback with production settings, as behind a TLS proxy; and signing in to
it as a client and as the studio's owner do, over HTTP."""

import contextlib
import html
import http.client
import http.cookies
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Other runs may share the PostgreSQL server (and its Redis): nothing of one meets another's.
BENCH_DATABASE = f"sitting_bench_pages_{os.getpid()}"
HOST = "127.0.0.1"
# What a browser behind the studio's TLS proxy sends: the proxy says the request was HTTPS.
BROWSER = {
    "X-Forwarded-Proto": "https",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) sitting-bench",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.9",
}


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Jar:
    """One browser's cookies: a client's, the owner's, or a visitor's."""

    cookies: dict[str, str] = field(default_factory=dict)

    def header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}

    def keep(self, response: Response) -> None:
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                for morsel in http.cookies.SimpleCookie(value).values():
                    self.cookies[morsel.key] = morsel.value


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("no web line in the Procfile")


def postgres_url(base: str, name: str) -> str:
    return urllib.parse.urlparse(base)._replace(path=f"/{name}").geturl()


def postgres_admin(base: str, statement: str, *values) -> list[tuple]:
    """Run one statement on the server's maintenance database; the rows it returns."""
    import psycopg  # only when PostgreSQL is measured

    with psycopg.connect(postgres_url(base, "postgres"), autocommit=True) as connection:
        cursor = connection.execute(statement, values or None)
        return cursor.fetchall() if cursor.description else []


def processes_cpu() -> dict[int, tuple[int, float]]:
    """Every process on the machine: its parent, and the CPU seconds it has used."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])  # utime + stime
            found[int(stat.parent.name)] = (int(fields[1]), ticks / os.sysconf("SC_CLK_TCK"))
    return found


class Site:
    """One database's site, from an empty database to a stopped server. `database` is
    "sqlite" or "postgresql" (with `postgres_base`, the DATABASE_URL it was given)."""

    def __init__(self, database: str, work: Path, *, postgres_base: str = "", redis: str = ""):
        self.database = database
        self.var = work / database
        self.var.mkdir(parents=True)
        self.port = 0  # chosen by start()
        self.server: subprocess.Popen | None = None
        self.postgres_base = postgres_base
        self.env = {
            **os.environ,
            "VAR_DIR": str(self.var),
            "READ_DOT_ENV": "false",
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": HOST,
            "STATIC_MANIFEST": "true",
            "BEHIND_TLS_PROXY": "true",
            "DJANGO_SETTINGS_MODULE": "bench.pages_site",
            "BENCH_STATIC_ROOT": str(work / "static"),
            "BENCH_CACHE_PREFIX": f"bench-{secrets.token_hex(4)}",
            "HOST": HOST,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE"):
            self.env.pop(name, None)
        if database == "postgresql":
            self.env["DATABASE_URL"] = postgres_url(postgres_base, BENCH_DATABASE)
            if redis:  # as in production and CI: PostgreSQL with Redis
                self.env["REDIS_URL"] = redis

    def run(self, *command: str) -> str:
        done = subprocess.run(
            [sys.executable, *command], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self, *, collect_static: bool) -> dict:
        """A new database, migrated and seeded; what pages_seed.py says of it."""
        if self.database == "postgresql":
            postgres_admin(self.postgres_base, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            postgres_admin(self.postgres_base, f"CREATE DATABASE {BENCH_DATABASE}")
        self.run("manage.py", "migrate", "--no-input", "-v", "0")
        if collect_static:
            self.run("manage.py", "collectstatic", "--no-input", "-v", "0")
        return json.loads(self.run("bench/pages_seed.py", "seed"))

    def history(self, total: int) -> dict:
        return json.loads(self.run("bench/pages_seed.py", "history", str(total)))

    def start(self) -> None:
        """gunicorn on a free port. Other work on this machine serves Sitting on ports of its
        own, so the port is taken only once gunicorn itself says it listens on it."""
        for _ in range(3):
            self.port = free_port()
            self.env["PORT"] = str(self.port)
            if self._started():
                return
        tail = (self.var / "gunicorn.log").read_text()[-3000:]
        raise SystemExit(f"gunicorn did not start:\n{tail}")

    def _started(self) -> bool:
        log = self.var / "gunicorn.log"
        seen = log.stat().st_size if log.exists() else 0
        with log.open("ab") as output:
            self.server = subprocess.Popen(
                ["bash", "-c", "exec " + procfile_web()],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        listening = f"Listening at: http://{HOST}:{self.port} ({self.server.pid})"
        for _ in range(600):
            said = log.read_text()[seen:]
            if listening in said:
                with contextlib.suppress(OSError):
                    if self.get("/healthz").status == 200:
                        return True
            if "Connection in use" in said or self.server.poll() is not None:
                break
            time.sleep(0.1)
        self.stop_server()
        return False

    def stop(self) -> None:
        self.stop_server()
        if self.database == "postgresql":
            postgres_admin(self.postgres_base, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")

    def stop_server(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()

    def cpu(self) -> dict[int, float]:
        """CPU seconds used so far by each process serving: gunicorn's workers and, on
        PostgreSQL, the server processes of this database, which run the workers' queries."""
        if self.server is None:
            return {}
        backends = set()
        if self.database == "postgresql":
            rows = postgres_admin(
                self.postgres_base,
                "SELECT pid FROM pg_stat_activity WHERE datname = %s",
                BENCH_DATABASE,
            )
            backends = {pid for (pid,) in rows}
        return {
            pid: seconds
            for pid, (parent, seconds) in processes_cpu().items()
            if parent == self.server.pid or pid in backends
        }

    def get(self, path: str, jar: Jar | None = None, **kwargs) -> Response:
        return self.request("GET", path, jar, **kwargs)

    def request(
        self, method: str, path: str, jar: Jar | None = None, *, form=None, headers=None
    ) -> Response:
        """One request as a browser sends it, unencoded; the jar keeps what is set."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        sent = {**BROWSER, "Accept-Encoding": "identity", **(jar.header() if jar else {})}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers={**sent, **(headers or {})})
            answer = connection.getresponse()
            response = Response(answer.status, answer.getheaders(), answer.read())
        finally:
            connection.close()
        if jar is not None:
            jar.keep(response)
        return response

    def client_signed_in(self, links: list[str]) -> Jar:
        """A client's browser, after following each gallery's link from its email."""
        jar = Jar()
        for link in links:
            response = self.get(link, jar)
            if response.status != 302 or "sessionid" not in jar.cookies:
                raise SystemExit(f"the gallery link {link} answered {response.status}")
        return jar

    def owner_signed_in(self, username: str, password: str) -> Jar:
        """The owner's browser, after signing in on the admin's sign-in page."""
        jar = Jar()
        page = self.get("/admin/login/", jar)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status != 200 or token is None:
            raise SystemExit(f"the admin's sign-in page answered {page.status}")
        origin = f"https://{HOST}:{self.port}"
        response = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            jar,
            form={
                "csrfmiddlewaretoken": html.unescape(token.group(1)),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
            headers={"Referer": f"{origin}/admin/login/", "Origin": origin},
        )
        if response.status != 302 or "sessionid" not in jar.cookies:
            raise SystemExit(f"signing in to the admin answered {response.status}")
        return jar
