"""The stand-in's server: its objects, the test controls, webhooks, and answering /v1
requests (authentication, injected faults, idempotency, routing, expansion). What each
resource does lives in its own module, mixed into `StripeStandIn`."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

from tests.stripe_standin.wire import (
    API_VERSION,
    Handler,
    Recorded,
    StandInError,
    decode_params,
    new_id,
    now,
)


class StandInServer:
    # Filled in by StripeStandIn from its parts: (method, path pattern, method name) and
    # URL segment: (attribute holding the objects, name in "No such ..." errors).
    ROUTES: list[tuple[str, str, str]] = []
    RESOURCES: dict[str, tuple[str, str]] = {}

    def __init__(self, *, webhook_secret: str = "whsec_test_standin"):  # noqa: S107
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.auto_webhooks = True
        self.url = ""
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: list[Recorded] = []
            for attribute, _kind in self.RESOURCES.values():
                setattr(self, attribute, {})
            self.events: list[dict] = []  # what Stripe announced by itself, oldest first
            self.deliveries: list[tuple[dict, int]] = []  # (event, HTTP status; 0: unreachable)
            self._outbox: list[dict] = []
            self._session_input: dict[str, dict] = {}  # line items etc. Stripe hides by default
            self._card_behaviour: dict[str, str] = {}  # payment method id: key of CARDS
            self._spent_methods: set[str] = set()  # payment methods that can't be used again
            self._idempotency: dict[str, tuple] = {}
            self._faults: list[list] = []

    # -- lifecycle --------------------------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.standin = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def __enter__(self):
        return self if self._server else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test controls ----------------------------------------------------------------------

    def requests_to(self, method: str, path_prefix: str) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method.upper() and r.path.startswith(path_prefix)
            ]

    def fail_next(self, method: str, path_prefix: str, *, status: int = 500, count: int = 1):
        with self._lock:
            self._faults.append([method.upper(), path_prefix, status, count])

    def _take_fault(self, method, path):
        for fault in self._faults:
            if fault[0] == method and path.startswith(fault[1]) and fault[3] > 0:
                fault[3] -= 1
                return fault[2]
        return None

    def events_of(self, type: str) -> list[dict]:
        """The events of one type Stripe announced by itself, oldest first."""
        with self._lock:
            return [e for e in self.events if e["type"] == type]

    def _get(self, store, kind, obj_id, param=None):
        if obj_id not in store:
            raise StandInError(
                404, f"No such {kind}: '{obj_id}'", code="resource_missing", param=param or "id"
            )
        return store[obj_id]

    # -- webhooks ---------------------------------------------------------------------------

    def event(self, type: str, obj: dict, *, event_id: str | None = None) -> dict:
        return {
            "id": event_id or new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": now(),
            "livemode": False,
            "type": type,
            "data": {"object": copy.deepcopy(obj)},
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }

    def sign(self, payload: bytes | str, *, secret=None, timestamp=None) -> str:
        if isinstance(payload, bytes):
            payload = payload.decode()
        timestamp = now() if timestamp is None else timestamp
        mac = hmac.new((secret or self.webhook_secret).encode(), digestmod=hashlib.sha256)
        mac.update(f"{timestamp}.{payload}".encode())
        return f"t={timestamp},v1={mac.hexdigest()}"

    def send_event(self, event: dict, *, secret=None, timestamp=None, url=None) -> int:
        body = json.dumps(event, separators=(",", ":")).encode()
        target = url or self.webhook_url
        if not target:
            raise ValueError("No webhook_url set on the Stripe stand-in")
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": self.sign(body, secret=secret, timestamp=timestamp),
        }
        request = urllib.request.Request(target, data=body, headers=headers, method="POST")
        # No proxies: the receiver is always a local test server.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        with self._lock:
            self.deliveries.append((event, status))
        return status

    def _announce(self, type: str, obj: dict) -> dict:
        """An event Stripe sends by itself: kept in `events`, and sent to `webhook_url`
        before the request that caused it is answered (`_deliver`)."""
        event = self.event(type, obj)
        with self._lock:
            self.events.append(event)
            self._outbox.append(event)
        return event

    def _take_outbox(self) -> list[dict]:
        with self._lock:
            events, self._outbox = self._outbox, []
        return events

    def _deliver(self, events: list[dict]) -> OSError | None:
        """Send announced events when `auto_webhooks` and a `webhook_url` say so. Call
        without the lock, before answering the request that caused them, so the receiver
        (which may call back into the stand-in) has seen them when the caller gets its
        answer. Returns the first connection error (also kept in `deliveries` as 0)."""
        if not (self.auto_webhooks and self.webhook_url):
            return None
        first_error = None
        for event in events:
            try:
                self.send_event(event)
            except OSError as exc:
                with self._lock:
                    self.deliveries.append((event, 0))
                first_error = first_error or exc
        return first_error

    # -- HTTP API ---------------------------------------------------------------------------

    def _api(self, method, path, pairs, headers):
        """Answer one /v1 request: (status, JSON body bytes, extra headers)."""
        params = decode_params(pairs)
        with self._lock:
            answer = self._api_locked(method, path, params, headers, pairs)
            events = self._take_outbox()
        self._deliver(events)
        return answer

    def _api_locked(self, method, path, params, headers, pairs):
        self.requests.append(Recorded(method, path, params, headers, pairs))
        if not headers.get("Authorization", "").startswith("Bearer sk_"):
            err = StandInError(
                401,
                "You did not provide an API key. You need to provide "
                "your API key in the Authorization header, using Bearer auth.",
            )
            return err.status, json.dumps(err.body).encode(), {}
        status = self._take_fault(method, path)
        if status:
            # Never stored for idempotency: it models a failure before Stripe acted.
            err = StandInError(
                status, "An unknown error occurred (injected by the stand-in).", type="api_error"
            )
            return status, json.dumps(err.body).encode(), {}
        key = headers.get("Idempotency-Key") if method == "POST" else None
        if key in self._idempotency:
            seen_path, seen_params, status, body, request_id = self._idempotency[key]
            if (seen_path, seen_params) == (path, params):
                return status, body, {"Idempotent-Replayed": "true", "Original-Request": request_id}
            err = StandInError(
                400,
                "Keys for idempotent requests can only be used with the same "
                "parameters they were first used with. Try using a key other than "
                f"'{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
            return err.status, json.dumps(err.body).encode(), {}
        status, body = self._dispatch(method, path, params)
        body = json.dumps(body, indent=2).encode()
        request_id = new_id("req_")
        if key:
            self._idempotency[key] = (path, params, status, body, request_id)
        return status, body, {"Request-Id": request_id}

    def _dispatch(self, method, path, params):
        try:
            for route_method, pattern, name in self.ROUTES:
                match = re.fullmatch(pattern, path)
                if route_method == method and match:
                    obj = getattr(self, name)(*match.groups(), params=params)
                    return 200, self._expand(obj, params.get("expand") or [])
            raise StandInError(404, f"Unrecognized request URL ({method}: {path}).")
        except StandInError as exc:
            return exc.status, exc.body

    def _retrieve(self, resource, obj_id, params):
        attribute, kind = self.RESOURCES[resource]
        return self._get(getattr(self, attribute), kind, obj_id)

    def _expand(self, obj, paths):
        obj = copy.deepcopy(obj)
        for path in paths if isinstance(paths, list) else [paths]:
            node, parts = obj, path.split(".")
            for depth, name in enumerate(parts):
                if name == "line_items" and node.get("object") == "checkout.session":
                    node[name] = self._line_items(node["id"])
                elif name not in node:
                    raise StandInError(
                        400, f"This property cannot be expanded ({path}).", param="expand"
                    )
                elif isinstance(node[name], str):
                    target = self._lookup(node[name])
                    node[name] = copy.deepcopy(target) if target else node[name]
                if depth < len(parts) - 1 and not isinstance(node[name], dict):
                    break  # null or unexpandable in the middle: Stripe leaves it as is
                node = node[name]
        return obj

    def _lookup(self, obj_id):
        for attribute, _kind in self.RESOURCES.values():
            store = getattr(self, attribute)
            if obj_id in store:
                return store[obj_id]
        return None
