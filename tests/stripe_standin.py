"""A local stand-in for the parts of Stripe's REST API (and hosted Checkout page) we use.

It speaks the real wire protocol, so the official ``stripe`` library can be pointed at it
with ``stripe.StripeClient(key, base_addresses={"api": standin.url})`` and tests exercise
the same encoding, headers, idempotency and error handling as production, with no network.

Only the hosted page's "Pay" button sends a webhook on its own; everything else that real
Stripe would announce (refunds, disputes, expiry) is sent by the test with
``send_event(event(type, obj))``, so each test decides exactly which events happen and when.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2025-09-30.clover"
_ALPHANUM = string.ascii_letters + string.digits
_ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd"}
_REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHANUM) for _ in range(24))


class StandInError(Exception):
    """A Stripe-shaped API error; helpers raise it too, so tests see Stripe's message."""

    def __init__(self, status, message, *, type="invalid_request_error", code=None, param=None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type, "code": code, "message": message, "param": param}}


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


def _int(params, name, *, minimum=None):
    raw = params.get(name) if isinstance(params, dict) else None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise StandInError(400, f"Invalid integer: {raw}", param=name) from None
    if minimum is not None and value < minimum:
        raise StandInError(400, f"Invalid positive integer: {raw}", param=name)
    return value


def _money(amount, currency):
    if currency in _ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount / 100:.2f} {currency.upper()}"


class StripeStandIn:
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
            self.sessions: dict[str, dict] = {}
            self.payment_intents: dict[str, dict] = {}
            self.charges: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            self.disputes: dict[str, dict] = {}
            self.deliveries: list[tuple[dict, int]] = []  # (event, HTTP status) per webhook sent
            self._session_input: dict[str, dict] = {}  # line items etc. Stripe hides by default
            self._idempotency: dict[str, tuple] = {}
            self._faults: list[list] = []

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> StripeStandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
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

    def __enter__(self) -> StripeStandIn:
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

    # -- state changes (shared by the HTTP endpoints and tests) -----------------------------

    def _get(self, store, kind, obj_id, param=None):
        if obj_id not in store:
            raise StandInError(
                404, f"No such {kind}: '{obj_id}'", code="resource_missing", param=param or "id"
            )
        return store[obj_id]

    def _session(self, session_id):
        return self._get(self.sessions, "checkout.session", session_id)

    def complete_session(self, session_id: str, *, paid: bool = True) -> dict:
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise StandInError(400, f"This checkout session is {session['status']}.")
            pi_data = self._session_input.get(session_id, {}).get("payment_intent_data", {})
            amount, currency, now = session["amount_total"], session["currency"], int(time.time())
            pi_id, ch_id = _new_id("pi_"), _new_id("ch_")
            self.charges[ch_id] = {
                "id": ch_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount if paid else 0,
                "amount_refunded": 0,
                "currency": currency,
                "payment_intent": pi_id,
                "paid": paid,
                "refunded": False,
                "disputed": False,
                "status": "succeeded" if paid else "pending",
                "metadata": {},  # real Stripe does not copy PaymentIntent metadata here
                "refunds": {
                    "object": "list",
                    "data": [],
                    "has_more": False,
                    "url": f"/v1/charges/{ch_id}/refunds",
                },
                "created": now,
                "livemode": False,
            }
            self.payment_intents[pi_id] = {
                "id": pi_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount if paid else 0,
                "currency": currency,
                "status": "succeeded" if paid else "processing",
                "description": pi_data.get("description"),
                "metadata": dict(pi_data.get("metadata") or {}),
                "latest_charge": ch_id,
                "created": now,
                "livemode": False,
            }
            session.update(
                status="complete",
                payment_status="paid" if paid else "unpaid",
                payment_intent=pi_id,
                customer_details={"email": session["customer_email"], "name": None},
            )
            return copy.deepcopy(session)

    def _async_outcome(self, session_id, succeeded):
        with self._lock:
            session = self._session(session_id)
            pi = self.payment_intents.get(session["payment_intent"])
            if not pi or pi["status"] != "processing":
                raise StandInError(400, f"Checkout session {session_id} has no processing payment.")
            charge = self.charges[pi["latest_charge"]]
            if succeeded:
                pi.update(status="succeeded", amount_received=pi["amount"])
                charge.update(status="succeeded", paid=True, amount_captured=charge["amount"])
                session["payment_status"] = "paid"
            else:
                pi["status"] = "requires_payment_method"
                charge["status"] = "failed"
            return copy.deepcopy(session)

    def succeed_async(self, session_id: str) -> dict:
        return self._async_outcome(session_id, True)

    def fail_async(self, session_id: str) -> dict:
        return self._async_outcome(session_id, False)

    def expire_session(self, session_id: str) -> dict:
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise StandInError(
                    400, 'Only Checkout Sessions with a status in ["open"] can be expired.'
                )
            session["status"] = "expired"
            return copy.deepcopy(session)

    def refund(self, payment_intent_id: str, amount: int | None = None, metadata=None) -> dict:
        return copy.deepcopy(self._refund(payment_intent_id, None, amount, metadata or {}, None))

    def _refund(self, pi_id, charge_id, amount, metadata, reason):
        with self._lock:
            if pi_id:
                pi = self._get(self.payment_intents, "payment_intent", pi_id, "payment_intent")
                charge = self.charges.get(pi["latest_charge"])
                if not charge or charge["status"] != "succeeded":
                    raise StandInError(
                        400,
                        f"This PaymentIntent ({pi_id}) does not have a successful charge "
                        "to refund.",
                        param="payment_intent",
                    )
            else:
                charge = self._get(self.charges, "charge", charge_id, "charge")
            left = charge["amount"] - charge["amount_refunded"]
            if left <= 0:
                raise StandInError(
                    400,
                    f"Charge {charge['id']} has already been refunded.",
                    code="charge_already_refunded",
                )
            amount = left if amount is None else amount
            if amount > left:
                cur = charge["currency"]
                raise StandInError(
                    400,
                    f"Refund amount ({_money(amount, cur)}) is greater than unrefunded "
                    f"amount on charge ({_money(left, cur)})",
                    code="amount_too_large",
                    param="amount",
                )
            refund = {
                "id": _new_id("re_"),
                "object": "refund",
                "amount": amount,
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "status": "succeeded",
                "reason": reason,
                "metadata": dict(metadata),
                "created": int(time.time()),
                "livemode": False,
            }
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            charge["refunds"]["data"].insert(0, refund)  # Stripe lists newest first
            return refund

    def dispute(self, payment_intent_id: str) -> dict:
        with self._lock:
            pi = self._get(self.payment_intents, "payment_intent", payment_intent_id)
            charge = self.charges[pi["latest_charge"]]
            charge["disputed"] = True
            dispute = {
                "id": _new_id("dp_"),
                "object": "dispute",
                "amount": charge["amount"],
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": payment_intent_id,
                "reason": "fraudulent",
                "status": "needs_response",
                "metadata": {},
                "created": int(time.time()),
                "livemode": False,
            }
            self.disputes[dispute["id"]] = dispute
            return copy.deepcopy(dispute)

    # -- webhooks ---------------------------------------------------------------------------

    def event(self, type: str, obj: dict, *, event_id: str | None = None) -> dict:
        return {
            "id": event_id or _new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "livemode": False,
            "type": type,
            "data": {"object": copy.deepcopy(obj)},
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }

    def sign(self, payload: bytes | str, *, secret=None, timestamp=None) -> str:
        if isinstance(payload, bytes):
            payload = payload.decode()
        timestamp = int(time.time()) if timestamp is None else timestamp
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

    # -- HTTP API ---------------------------------------------------------------------------

    def _api(self, method, path, pairs, headers):
        """Answer one /v1 request: (status, JSON body bytes, extra headers)."""
        params = decode_params(pairs)
        with self._lock:
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
                    status,
                    "An unknown error occurred (injected by the stand-in).",
                    type="api_error",
                )
                return status, json.dumps(err.body).encode(), {}
            key = headers.get("Idempotency-Key") if method == "POST" else None
            if key in self._idempotency:
                seen_path, seen_params, status, body, request_id = self._idempotency[key]
                if (seen_path, seen_params) == (path, params):
                    return (
                        status,
                        body,
                        {"Idempotent-Replayed": "true", "Original-Request": request_id},
                    )
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
            request_id = _new_id("req_")
            if key:
                self._idempotency[key] = (path, params, status, body, request_id)
            return status, body, {"Request-Id": request_id}

    _ROUTES = [
        ("POST", r"/v1/checkout/sessions", "_create_session"),
        ("POST", r"/v1/checkout/sessions/([^/]+)/expire", "_expire_session"),
        ("POST", r"/v1/refunds", "_create_refund"),
        ("GET", r"/v1/(checkout/sessions|payment_intents|charges|refunds)/([^/]+)", "_retrieve"),
    ]
    _RESOURCES = {  # URL segment: (attribute holding the objects, name in "No such ..." errors)
        "checkout/sessions": ("sessions", "checkout.session"),
        "payment_intents": ("payment_intents", "payment_intent"),
        "charges": ("charges", "charge"),
        "refunds": ("refunds", "refund"),
    }

    def _dispatch(self, method, path, params):
        try:
            for route_method, pattern, name in self._ROUTES:
                match = re.fullmatch(pattern, path)
                if route_method == method and match:
                    obj = getattr(self, name)(*match.groups(), params=params)
                    return 200, self._expand(obj, params.get("expand") or [])
            raise StandInError(404, f"Unrecognized request URL ({method}: {path}).")
        except StandInError as exc:
            return exc.status, exc.body

    def _expire_session(self, session_id, params):
        self.expire_session(session_id)
        return self.sessions[session_id]

    def _retrieve(self, resource, obj_id, params):
        attribute, kind = self._RESOURCES[resource]
        return self._get(getattr(self, attribute), kind, obj_id)

    def _create_refund(self, params):
        if not params.get("payment_intent") and not params.get("charge"):
            raise StandInError(400, "One of `charge` or `payment_intent` is required.")
        amount = _int(params, "amount", minimum=1) if "amount" in params else None
        reason = params.get("reason")
        if reason is not None and reason not in _REFUND_REASONS:
            raise StandInError(
                400,
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
                param="reason",
            )
        return self._refund(
            params.get("payment_intent"),
            params.get("charge"),
            amount,
            params.get("metadata") or {},
            reason,
        )

    def _create_session(self, params):
        if params.get("mode") != "payment":
            raise StandInError(400, "The stand-in only supports mode=payment.", param="mode")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StandInError(400, "line_items is required in payment mode.", param="line_items")
        total, currencies = 0, set()
        for i, item in enumerate(items):
            price = item.get("price_data")
            where = f"line_items[{i}]"
            if not isinstance(price, dict):
                raise StandInError(
                    400,
                    f"Missing required param: {where}[price_data].",
                    param=f"{where}[price_data]",
                )
            for required in ("currency", "unit_amount"):
                if not price.get(required):
                    param = f"{where}[price_data][{required}]"
                    raise StandInError(400, f"Missing required param: {param}.", param=param)
            if not (price.get("product_data") or {}).get("name"):
                param = f"{where}[price_data][product_data][name]"
                raise StandInError(400, f"Missing required param: {param}.", param=param)
            unit = _int(price, "unit_amount", minimum=0)
            total += unit * _int(item, "quantity", minimum=1)
            currencies.add(price["currency"].lower())
        if len(currencies) > 1:
            raise StandInError(400, "All line_items must use the same currency.")
        now = int(time.time())
        expires_at = _int(params, "expires_at") if "expires_at" in params else now + 86400
        if expires_at < now + 30 * 60 - 60:  # a minute of slack for the caller's clock
            raise StandInError(
                400,
                "The `expires_at` timestamp must be at least 30 minutes "
                "from Checkout Session creation.",
                param="expires_at",
            )
        if expires_at > now + 24 * 3600:
            raise StandInError(
                400,
                "The `expires_at` timestamp must be less than 24 hours "
                "from Checkout Session creation.",
                param="expires_at",
            )
        session_id = _new_id("cs_test_")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_subtotal": total,
            "amount_total": total,
            "currency": currencies.pop(),
            "metadata": params.get("metadata") or {},
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "customer_details": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "locale": params.get("locale"),
            "expires_at": expires_at,
            "created": now,
            "payment_intent": None,
            "url": f"{self.url}/pay/{session_id}",
            "livemode": False,
        }
        self.sessions[session_id] = session
        self._session_input[session_id] = {
            "line_items": items,
            "payment_intent_data": params.get("payment_intent_data") or {},
        }
        return session

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
        stores = (self.sessions, self.payment_intents, self.charges, self.refunds, self.disputes)
        return next((store[obj_id] for store in stores if obj_id in store), None)

    def _line_items(self, session_id):
        data = []
        for item in self._session_input[session_id]["line_items"]:
            price, quantity = item["price_data"], int(item["quantity"])
            data.append(
                {
                    "id": _new_id("li_"),
                    "object": "item",
                    "quantity": quantity,
                    "currency": price["currency"].lower(),
                    "description": price["product_data"]["name"],
                    "amount_subtotal": int(price["unit_amount"]) * quantity,
                    "amount_total": int(price["unit_amount"]) * quantity,
                }
            )
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session_id}/line_items",
        }

    # -- hosted Checkout page ---------------------------------------------------------------

    def _pay_page(self, method, session_id):
        """Answer /pay/{id}: (status, headers, HTML)."""
        with self._lock:
            session = copy.deepcopy(self.sessions.get(session_id))
        if session is None:
            return 404, {}, "<!doctype html><title>Stand-in Checkout</title><p>Not found.</p>"
        if method == "POST" and session["status"] == "open":
            try:
                session = self.complete_session(session_id)
            except StandInError:  # lost a race with expiry: show the page as it now is
                return self._pay_page("GET", session_id)
            # Before answering, and without the lock: the receiver may call back into us.
            if self.auto_webhooks and self.webhook_url:
                try:
                    self.send_event(self.event("checkout.session.completed", session))
                except OSError as exc:  # make a dead webhook receiver loud in browser tests
                    return 502, {}, f"<p>Webhook delivery failed: {html.escape(str(exc))}</p>"
            if session["success_url"]:
                location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
                return 303, {"Location": location}, ""
            return 200, {}, "<!doctype html><title>Stand-in Checkout</title><p>Paid.</p>"
        with self._lock:
            items = self._session_input[session_id]["line_items"]
        rows = "".join(
            f"<li><strong>{html.escape(i['price_data']['product_data']['name'])}</strong> "
            f"<span>{html.escape(i['price_data']['product_data'].get('description') or '')}"
            f"</span> × {int(i['quantity'])} "
            f"{_money(int(i['price_data']['unit_amount']), session['currency'])}</li>"
            for i in items
        )
        if session["status"] == "open":
            action = (
                f'<form method="post" action="/pay/{session_id}">'
                '<button type="submit">Pay</button></form>'
            )
        else:
            action = f"<p>This checkout session is {session['status']}.</p>"
        back = html.escape(session["cancel_url"] or "", quote=True)
        body = (
            "<!doctype html><html><head><meta charset='utf-8'><title>Stand-in Checkout</title>"
            "<link rel='icon' href='data:,'>"  # no favicon request: no 404 in the console
            f"</head><body><h1>Stand-in Checkout</h1><ul>{rows}</ul>"
            f"<p>Total: {_money(session['amount_total'], session['currency'])}</p>"
            f'{action}<p><a href="{back}">Back</a></p></body></html>'
        )
        return (200 if method == "GET" else 400), {}, body


class _Handler(BaseHTTPRequestHandler):
    server_version = "StripeStandIn"

    def _handle(self, method):
        standin: StripeStandIn = self.server.standin
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        pairs = parse_qsl(url.query, keep_blank_values=True)
        pairs += parse_qsl(body, keep_blank_values=True)
        if url.path.startswith("/pay/"):
            status, headers, text = standin._pay_page(method, url.path[len("/pay/") :])
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
        headers.setdefault("Request-Id", _new_id("req_"))
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
