"""What the stand-in shares with every part of Stripe's API it imitates: ids, errors in
Stripe's shape, the library's form encoding, and the HTTP handler."""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2025-09-30.clover"
_ALPHANUM = string.ascii_letters + string.digits
_ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd"}


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHANUM) for _ in range(24))


def now() -> int:
    """Stripe's `created` and event times: Unix seconds from this process's clock, so a
    test that freezes or moves time (time_machine) moves the stand-in's with it."""
    return int(time.time())


class StandInError(Exception):
    """A Stripe-shaped API error; helpers raise it too, so tests see Stripe's message.
    `extra` adds fields Stripe puts on some errors (a card error's `decline_code`,
    `payment_intent`, `payment_method`, `charge`, `doc_url`)."""

    def __init__(
        self, status, message, *, type="invalid_request_error", code=None, param=None, **extra
    ):
        super().__init__(message)
        self.status = status
        error = {"type": type, "code": code, "message": message, "param": param}
        self.body = {"error": error | extra}


class Headers(dict):
    """A plain dict of headers whose lookups ignore case, like HTTP itself."""

    def _key(self, key):
        return next((k for k in self if k.lower() == str(key).lower()), key)

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __contains__(self, key):
        return super().__contains__(self._key(key))

    def get(self, key, default=None):
        return super().get(self._key(key), default)


def decode_params(pairs: list[tuple[str, str]]) -> dict:
    """Undo the library's form encoding: ``a[b][0][c]=v`` and ``expand[]=v`` become nesting."""
    root: dict = {}
    for key, value in pairs:
        name, _, rest = key.partition("[")
        parts = [name, *rest[:-1].split("][")] if rest.endswith("]") else [key]
        node = root
        for i, part in enumerate(parts):
            part = part or str(len(node))  # "[]" appends
            if i == len(parts) - 1:
                node[part] = value
            else:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
    return _listify(root, None)


def _listify(value, key):
    if not isinstance(value, dict):
        return value
    value = {k: _listify(v, k) for k, v in value.items()}
    # Metadata keys are user data: {"0": "x"} there is a dict, not a list.
    if key != "metadata" and value and all(k.isdigit() for k in value):
        return [value[k] for k in sorted(value, key=int)]
    return value


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    headers: Headers
    pairs: list[tuple[str, str]] = field(default_factory=list, repr=False)

    @property
    def flat(self) -> dict[str, str]:
        return dict(self.pairs)


def int_param(params, name, *, minimum=None):
    raw = params.get(name) if isinstance(params, dict) else None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise StandInError(400, f"Invalid integer: {raw}", param=name) from None
    if minimum is not None and value < minimum:
        raise StandInError(400, f"Invalid positive integer: {raw}", param=name)
    return value


def required(params: dict, name: str, *, where: str = ""):
    """A parameter Stripe insists on, as the library sent it (a string or a nesting)."""
    value = params.get(name) if isinstance(params, dict) else None
    if value in (None, ""):
        param = f"{where}[{name}]" if where else name
        raise StandInError(400, f"Missing required param: {param}.", param=param)
    return value


def choice(params: dict, name: str, allowed: tuple[str, ...], *, where: str = ""):
    """An optional enum parameter: None when absent, Stripe's message when not allowed."""
    value = params.get(name) if isinstance(params, dict) else None
    if value is not None and value not in allowed:
        param = f"{where}[{name}]" if where else name
        raise StandInError(
            400, f"Invalid {param}: must be one of {', '.join(allowed)}", param=param
        )
    return value


def flag(value) -> bool:
    """A boolean as the library encodes it on the wire ("true"/"false")."""
    return str(value).lower() == "true"


def money_text(amount, currency):
    if currency in _ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount / 100:.2f} {currency.upper()}"


def listing(data: list, url: str) -> dict:
    return {"object": "list", "data": data, "has_more": False, "url": url}


class Handler(BaseHTTPRequestHandler):
    server_version = "StripeStandIn"

    def _handle(self, method):
        standin = self.server.standin
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        pairs = parse_qsl(url.query, keep_blank_values=True)
        pairs += parse_qsl(body, keep_blank_values=True)
        if url.path.startswith("/pay/"):
            status, headers, text = standin._pay_page(method, url.path[len("/pay/") :], dict(pairs))
            self._reply(status, text.encode(), "text/html; charset=utf-8", headers)
        elif url.path.startswith("/v1/"):
            request_headers = Headers(self.headers.items())
            status, data, headers = standin._api(method, url.path, pairs, request_headers)
            self._reply(status, data, "application/json", headers)
        else:
            self._reply(404, b"Not found", "text/plain", {})

    def _reply(self, status, data, content_type, headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        headers.setdefault("Request-Id", new_id("req_"))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def log_message(self, format, *args):
        pass  # keep test output clean
