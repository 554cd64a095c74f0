"""The Procfile's web process, with production settings, serves the site."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, *, via_tls_proxy: bool = True) -> tuple[int, dict, bytes]:
    """GET as the TLS-terminating proxy in front of the site would pass it on."""
    headers = {"Host": "photos.example.com"}
    if via_tls_proxy:
        headers["X-Forwarded-Proto"] = "https"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.build_opener(NoRedirects).open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def web_process(var_dir: Path, *, prepare: bool = True, **overrides: str):
    """The Procfile's web line with production settings; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "w" * 20 + "-production-like-key-for-this-test-only",
        "ALLOWED_HOSTS": "photos.example.com",
        "STATIC_MANIFEST": "true",
        "SECURE_SSL_REDIRECT": "true",
        "BEHIND_TLS_PROXY": "true",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": "",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        **overrides,
    }
    if prepare:
        for command in (["migrate", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=BASE_DIR,
                env=env,
                check=True,
                timeout=180,
            )
    web_line = next(
        line.split(":", 1)[1]
        for line in (BASE_DIR / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    web = subprocess.Popen(
        ["bash", "-c", "exec " + web_line.strip()],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        web.terminate()
        web.wait(timeout=30)


@pytest.fixture(scope="module")
def production_site(tmp_path_factory):
    with web_process(tmp_path_factory.mktemp("var")) as base:
        yield base


def test_the_web_process_serves_the_home_page(production_site):
    status, headers, body = get(production_site + "/")
    assert status == 200
    assert b"Portrait sessions" in body
    assert "Content-Security-Policy" in headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_static_files_are_fingerprinted_and_cached_for_a_year(production_site):
    _, _, body = get(production_site + "/")
    css = next(
        part.split('"')[0]
        for part in body.decode().split('href="')
        if part.startswith("/static/css/site.")
    )
    assert css != "/static/css/site.css"  # a content hash is in the name
    status, headers, _ = get(production_site + css)
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"]


def test_an_unknown_host_is_refused(production_site):
    request = urllib.request.Request(
        production_site + "/", headers={"Host": "evil.example", "X-Forwarded-Proto": "https"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 400


def test_plain_http_is_sent_to_https(production_site):
    status, headers, _ = get(production_site + "/", via_tls_proxy=False)
    assert status == 301
    assert headers["Location"] == "https://photos.example.com/"


def test_healthz_answers_503_when_the_database_is_down(tmp_path):
    with web_process(
        tmp_path, prepare=False, DATABASE_URL="postgres://sitting@127.0.0.1:1/sitting"
    ) as base:
        status, _, body = get(base + "/healthz", via_tls_proxy=False)  # probes come in plain
    assert status == 503
    assert json.loads(body) == {"database": "unavailable", "broker": "ok", "status": "unavailable"}


def send_head_of_a_body(base: str, head: str, first_bytes: bytes) -> tuple[bytes, float]:
    """Send a request's head and the first bytes of its body, never the rest; the answer
    and how long it took to come."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + first_bytes)
        answer = b""
        while not _whole(answer) and (chunk := sock.recv(65536)):
            answer += chunk
    return answer, time.monotonic() - started


def _whole(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def test_a_300_mb_body_is_refused_at_once_without_being_read(production_site):
    answer, seconds = send_head_of_a_body(
        production_site,
        "POST /my/sign-in/ HTTP/1.1\n"
        "Host: photos.example.com\n"
        "X-Forwarded-Proto: https\n"
        "Content-Type: application/x-www-form-urlencoded\n"
        f"Content-Length: {300 * 1024 * 1024}\n",
        b"email=anna%40example.com&",
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert seconds < 3  # the server answered without waiting for 300 MB that never came
    assert b"That was too much to send at once" in answer
    assert b"Strict-Transport-Security: max-age=31536000" in answer


def test_an_oversize_photo_upload_is_refused_in_the_upload_pages_json(production_site):
    answer, seconds = send_head_of_a_body(
        production_site,
        "POST /admin/gallery/gallery/1/upload/file/ HTTP/1.1\n"
        "Host: photos.example.com\n"
        "X-Forwarded-Proto: https\n"
        "Content-Type: multipart/form-data; boundary=x\n"
        f"Content-Length: {300 * 1024 * 1024}\n",
        b"--x\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert seconds < 3
    body = answer.split(b"\r\n\r\n", 1)[1]
    assert json.loads(body) == {"status": "rejected", "reason": "it is over the 80 MB limit"}


def test_a_body_of_unknown_length_is_refused_rather_than_read_without_end(production_site):
    answer, seconds = send_head_of_a_body(
        production_site,
        "POST /my/sign-in/ HTTP/1.1\n"
        "Host: photos.example.com\n"
        "X-Forwarded-Proto: https\n"
        "Content-Type: application/x-www-form-urlencoded\n"
        "Transfer-Encoding: chunked\n",
        b"10\r\nemail=anna%40exam\r\n",  # and more chunks, for ever
    )
    assert answer.startswith(b"HTTP/1.1 411 ")
    assert seconds < 3
