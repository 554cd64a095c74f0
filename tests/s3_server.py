"""A local S3-compatible server for the storage tests: moto's S3 in server mode, on loopback,
in its own process.

moto keeps buckets and objects, and refuses an anonymous GET of a private object as S3 does.
It accepts any presigned URL as it stands, though, signed or not, expired or not. So requests
signed in the query string (the URLs Sitting puts on its pages) are checked here first, the
way S3 checks them (Signature Version 4, written from AWS's specification, not with botocore):
a wrong signature is 403 SignatureDoesNotMatch, a URL past X-Amz-Date + X-Amz-Expires is 403
AccessDenied "Request has expired". Requests signed in the Authorization header come from
Sitting's own storage backend and go to moto unchanged.

    python -m tests.s3_server --access-key KEY --secret-key SECRET   # prints the port

`S3Server` starts it from a test and stops it afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, quote

REGION = "us-east-1"
ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>{code}</Code><Message>{message}</Message></Error>"
)


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def query_signature_problem(environ: dict, secrets: dict[str, str], now: dt.datetime):
    """(code, message) when a query-string-signed request must be refused, else None."""
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
    path, _, query = raw_uri.partition("?")
    params = parse_qsl(query, keep_blank_values=True)
    given = dict(params)
    if given.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        return "AuthorizationQueryParametersError", "Only AWS4-HMAC-SHA256 is supported."
    try:
        access_key, date, region, service, terminal = given["X-Amz-Credential"].split("/")
        signed_at = dt.datetime.strptime(given["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=dt.UTC
        )
        expires = int(given["X-Amz-Expires"])
        signed_headers = given["X-Amz-SignedHeaders"].split(";")
        signature = given["X-Amz-Signature"]
    except (KeyError, ValueError):
        return "AuthorizationQueryParametersError", "The signature parameters are incomplete."
    if access_key not in secrets:
        return "InvalidAccessKeyId", "The AWS Access Key Id does not exist in our records."
    if now > signed_at + dt.timedelta(seconds=expires):
        return "AccessDenied", "Request has expired"
    canonical_query = "&".join(
        sorted(
            f"{_uri_encode(key)}={_uri_encode(value)}"
            for key, value in params
            if key != "X-Amz-Signature"
        )
    )
    headers = {
        name[5:].replace("_", "-").lower(): value
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers
    )
    canonical_request = "\n".join(
        [
            environ["REQUEST_METHOD"],
            path,
            canonical_query,
            canonical_headers,
            ";".join(signed_headers),
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = f"{date}/{region}/{service}/{terminal}"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            given["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac(("AWS4" + secrets[access_key]).encode(), date)
    for part in (region, service, terminal):
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "SignatureDoesNotMatch", "The request signature we calculated does not match."
    return None


def signature_checked(app, secrets: dict[str, str]):
    """The WSGI app, behind the query-string signature check."""

    def checked(environ, start_response):
        if "X-Amz-Signature=" in environ.get("QUERY_STRING", ""):
            now = dt.datetime.now(dt.UTC)
            if problem := query_signature_problem(environ, secrets, now):
                code, message = problem
                body = ERROR.format(code=code, message=message).encode()
                start_response(
                    "403 Forbidden",
                    [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
                )
                return [body]
        return app(environ, start_response)

    return checked


class S3Server:
    """The server in a subprocess on a free loopback port; `with S3Server(...).start() as s3:`."""

    def __init__(self, *, access_key: str, secret_key: str):
        self.access_key, self.secret_key = access_key, secret_key
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> S3Server:
        root = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.s3_server",
                "--access-key",
                self.access_key,
                "--secret-key",
                self.secret_key,
            ],
            cwd=root,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"the S3 server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{line}"
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self) -> S3Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = signature_checked(
        DomainDispatcherApplication(create_backend_app),
        {options.access_key: options.secret_key},
    )
    server = make_server(
        "127.0.0.1", options.port, app, threaded=True, request_handler=MotoRequestHandler
    )
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
