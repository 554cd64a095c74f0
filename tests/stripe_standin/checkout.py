"""Checkout Sessions (payment mode, saving the card if asked, and setup mode) and the
hosted page where a test or a browser pays, picking one of the test cards."""

from __future__ import annotations

import copy
import html

from tests.stripe_standin.cards import CARDS, card_key
from tests.stripe_standin.wire import (
    StandInError,
    choice,
    int_param,
    listing,
    money_text,
    new_id,
    now,
    required,
)

_REUSE_NOTICE = (
    "By providing your card information, you allow this business to charge your card for "
    "future payments in accordance with their terms."
)


class Checkout:
    ROUTES = [
        ("POST", r"/v1/checkout/sessions", "_create_session"),
        ("POST", r"/v1/checkout/sessions/([^/]+)/expire", "_expire_session"),
    ]
    RESOURCES = {"checkout/sessions": ("sessions", "checkout.session")}

    def _session(self, session_id):
        return self._get(self.sessions, "checkout.session", session_id)

    # -- what the client does on the hosted page (tests call these directly too) ------------

    def complete_session(
        self, session_id: str, *, paid: bool = True, card: str = "success", save_card=False
    ) -> dict:
        """Pay (or, in setup mode, save a card) on the session's page with one of `CARDS`.
        `paid=False`: a bank debit still clearing (`succeed_async`, `fail_async` finish it).
        `save_card`: the client ticked "save my details" (`payment_method_save=enabled`)."""
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise StandInError(400, f"This checkout session is {session['status']}.")
            card_key(card)
            if session["mode"] == "setup":
                self._complete_setup(session, card)
            else:
                self._complete_payment(session, card, paid=paid, save_card=save_card)
            wanted = session["consent_collection"] or {}
            if wanted:
                terms = "accepted" if wanted.get("terms_of_service") == "required" else None
                session["consent"] = {"promotions": None, "terms_of_service": terms}
            return copy.deepcopy(session)

    def _checkout_customer(self, session) -> str | None:
        """The customer the session's card belongs to: the one given, or one made now."""
        if session["customer"] is None and session["customer_creation"] == "always":
            customer = self._create_customer({"email": session["customer_email"]})
            session["customer"] = customer["id"]
        return session["customer"]

    def _details(self, session) -> dict:
        customer = self.customers.get(session["customer"] or "")
        email = session["customer_email"] or (customer or {}).get("email")
        return {"email": email, "name": None}

    def _complete_payment(self, session, card, *, paid, save_card):
        pi_data = self._session_input[session["id"]]["payment_intent_data"]
        customer = self._checkout_customer(session)
        usage = pi_data.get("setup_future_usage")
        options = session["saved_payment_method_options"] or {}
        opted_in = bool(save_card) and options.get("payment_method_save") == "enabled"
        saved = customer is not None and (usage is not None or opted_in)
        pm = self._new_payment_method(
            card,
            customer=customer if saved else None,
            email=self._details(session)["email"],
            allow_redisplay="always" if opted_in else "limited",
        )
        intent = self._new_payment_intent(
            amount=session["amount_total"],
            currency=session["currency"],
            status="succeeded" if paid else "processing",
            customer=customer,
            payment_method=pm["id"],
            setup_future_usage=usage,
            description=pi_data.get("description"),
            metadata=pi_data.get("metadata"),
        )
        self._new_charge(intent, status="succeeded" if paid else "pending")
        session.update(
            status="complete",
            payment_status="paid" if paid else "unpaid",
            payment_intent=intent["id"],
            customer_details=self._details(session),
        )

    def _complete_setup(self, session, card):
        si_data = self._session_input[session["id"]]["setup_intent_data"]
        pm = self._new_payment_method(
            card, customer=session["customer"], email=self._details(session)["email"]
        )
        self._spent_methods.discard(pm["id"])  # set up for later, even with no customer yet
        intent = self._new_setup_intent(
            customer=session["customer"],
            payment_method=pm["id"],
            usage="off_session",
            metadata=si_data.get("metadata"),
            description=si_data.get("description"),
        )
        self._succeed_setup(intent)
        session.update(
            status="complete", setup_intent=intent["id"], customer_details=self._details(session)
        )

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

    def _expire_session(self, session_id, params):
        self.expire_session(session_id)
        return self.sessions[session_id]

    # -- creating a session -----------------------------------------------------------------

    def _create_session(self, params):
        mode = params.get("mode")
        if mode not in ("payment", "setup"):
            raise StandInError(
                400, "The stand-in only supports mode=payment and mode=setup.", param="mode"
            )
        customer = self._session_customer(params, mode)
        if mode == "payment":
            items = params.get("line_items")
            total, currency = self._session_total(items)
            choice(
                params.get("payment_intent_data") or {},
                "setup_future_usage",
                ("off_session", "on_session"),
                where="payment_intent_data",
            )
        else:
            if "line_items" in params:
                raise StandInError(
                    400, "You can not pass `line_items` in `setup` mode.", param="line_items"
                )
            items, total, currency = [], None, str(required(params, "currency")).lower()
        session_id, created = new_id("cs_test_"), now()
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": mode,
            "status": "open",
            "payment_status": "unpaid" if mode == "payment" else "no_payment_required",
            "amount_subtotal": total,
            "amount_total": total,
            "currency": currency,
            "metadata": params.get("metadata") or {},
            "client_reference_id": params.get("client_reference_id"),
            "customer": customer,
            "customer_creation": (params.get("customer_creation") or "if_required")
            if mode == "payment"
            else None,
            "customer_email": params.get("customer_email"),
            "customer_details": None,
            "consent_collection": self._session_consent(params),
            "consent": None,
            "saved_payment_method_options": self._session_saving(params, mode),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "locale": params.get("locale"),
            "expires_at": self._session_expiry(params, created),
            "created": created,
            "payment_intent": None,
            "setup_intent": None,
            "url": f"{self.url}/pay/{session_id}",
            "livemode": False,
        }
        self.sessions[session_id] = session
        self._session_input[session_id] = {
            "line_items": items,
            "payment_intent_data": params.get("payment_intent_data") or {},
            "setup_intent_data": params.get("setup_intent_data") or {},
        }
        return session

    def _session_customer(self, params, mode) -> str | None:
        customer = params.get("customer")
        for other in ("customer_email", "customer_creation"):
            if customer and params.get(other):
                raise StandInError(
                    400, f"You may only specify one of these parameters: customer, {other}."
                )
        if customer:
            self._get(self.customers, "customer", customer, "customer")
        if choice(params, "customer_creation", ("always", "if_required")) and mode != "payment":
            raise StandInError(
                400,
                "`customer_creation` can only be used in `payment` mode.",
                param="customer_creation",
            )
        return customer or None

    def _session_total(self, items) -> tuple[int, str]:
        if not isinstance(items, list) or not items:
            raise StandInError(400, "line_items is required in payment mode.", param="line_items")
        total, currencies = 0, set()
        for i, item in enumerate(items):
            where = f"line_items[{i}]"
            price = required(item, "price_data", where=where)
            for name in ("currency", "unit_amount"):
                required(price, name, where=f"{where}[price_data]")
            product = price.get("product_data") or {}
            required(product, "name", where=f"{where}[price_data][product_data]")
            unit = int_param(price, "unit_amount", minimum=0)
            total += unit * int_param(item, "quantity", minimum=1)
            currencies.add(price["currency"].lower())
        if len(currencies) > 1:
            raise StandInError(400, "All line_items must use the same currency.")
        return total, currencies.pop()

    def _session_consent(self, params) -> dict | None:
        wanted = params.get("consent_collection")
        if not wanted:
            return None
        where = "consent_collection"
        reuse = wanted.get("payment_method_reuse_agreement") or None
        if reuse:
            position_at = f"{where}[payment_method_reuse_agreement]"
            choice(reuse, "position", ("auto", "hidden"), where=position_at)
        return {
            "payment_method_reuse_agreement": reuse,
            "promotions": choice(wanted, "promotions", ("auto", "none"), where=where),
            "terms_of_service": choice(
                wanted, "terms_of_service", ("none", "required"), where=where
            ),
        }

    def _session_saving(self, params, mode) -> dict | None:
        options = params.get("saved_payment_method_options")
        if not options:
            return None
        if mode != "payment":
            raise StandInError(
                400,
                "`saved_payment_method_options` can only be used in `payment` mode.",
                param="saved_payment_method_options",
            )
        where, allowed = "saved_payment_method_options", ("enabled", "disabled")
        return {
            "allow_redisplay_filters": options.get("allow_redisplay_filters") or ["always"],
            "payment_method_remove": choice(options, "payment_method_remove", allowed, where=where),
            "payment_method_save": choice(options, "payment_method_save", allowed, where=where),
        }

    def _session_expiry(self, params, created) -> int:
        expires_at = int_param(params, "expires_at") if "expires_at" in params else created + 86400
        if expires_at < created + 30 * 60 - 60:  # a minute of slack for the caller's clock
            raise StandInError(
                400,
                "The `expires_at` timestamp must be at least 30 minutes "
                "from Checkout Session creation.",
                param="expires_at",
            )
        if expires_at > created + 24 * 3600:
            raise StandInError(
                400,
                "The `expires_at` timestamp must be less than 24 hours "
                "from Checkout Session creation.",
                param="expires_at",
            )
        return expires_at

    def _line_items(self, session_id):
        data = []
        for item in self._session_input[session_id]["line_items"]:
            price, quantity = item["price_data"], int(item["quantity"])
            data.append(
                {
                    "id": new_id("li_"),
                    "object": "item",
                    "quantity": quantity,
                    "currency": price["currency"].lower(),
                    "description": price["product_data"]["name"],
                    "amount_subtotal": int(price["unit_amount"]) * quantity,
                    "amount_total": int(price["unit_amount"]) * quantity,
                }
            )
        return listing(data, f"/v1/checkout/sessions/{session_id}/line_items")

    # -- the hosted page --------------------------------------------------------------------

    def _pay_page(self, method, session_id, form=None):
        """Answer /pay/{id}: (status, headers, HTML)."""
        with self._lock:
            session = copy.deepcopy(self.sessions.get(session_id))
        if session is None:
            return 404, {}, "<!doctype html><title>Stand-in Checkout</title><p>Not found.</p>"
        if method == "POST" and session["status"] == "open":
            return self._pay_page_submit(session, form or {})
        return (200 if method == "GET" else 400), {}, self._page_html(session)

    def _pay_page_submit(self, session, form):
        wanted = session["consent_collection"] or {}
        if wanted.get("terms_of_service") == "required" and form.get("terms") != "accepted":
            return 400, {}, self._page_html(session, problem="Please accept the terms first.")
        session_id = session["id"]
        with self._lock:
            try:
                session = self.complete_session(
                    session_id,
                    card=form.get("card") or "success",
                    save_card=bool(form.get("save_card")),
                )
            except StandInError:  # lost a race with expiry: show the page as it now is
                session = None
            else:
                if session["setup_intent"]:
                    intent = self.setup_intents[session["setup_intent"]]
                    self._announce("setup_intent.succeeded", intent)
                self._announce("checkout.session.completed", session)
            events = self._take_outbox()
        if session is None:
            return self._pay_page("GET", session_id)
        # Before answering, and without the lock: the receiver may call back into us.
        error = self._deliver(events)
        if error:  # make a dead webhook receiver loud in browser tests
            return 502, {}, f"<p>Webhook delivery failed: {html.escape(str(error))}</p>"
        if session["success_url"]:
            location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
            return 303, {"Location": location}, ""
        return 200, {}, "<!doctype html><title>Stand-in Checkout</title><p>Paid.</p>"

    def _page_html(self, session, *, problem=""):
        sid, currency = session["id"], session["currency"]
        if session["mode"] == "payment":
            with self._lock:
                items = self._session_input[sid]["line_items"]
            rows = "".join(
                f"<li><strong>{html.escape(i['price_data']['product_data']['name'])}</strong> "
                f"<span>{html.escape(i['price_data']['product_data'].get('description') or '')}"
                f"</span> × {int(i['quantity'])} "
                f"{money_text(int(i['price_data']['unit_amount']), currency)}</li>"
                for i in items
            )
            total = money_text(session["amount_total"], currency)
            summary = f"<ul>{rows}</ul><p>Total: {total}</p>"
            button = "Pay"
        else:
            summary = f"<p>Save a card for future payments in {currency.upper()}.</p>"
            button = "Save card"
        if session["status"] == "open":
            action = (
                f'<form method="post" action="/pay/{sid}">{self._page_choices(session)}'
                f'<button type="submit">{button}</button></form>'
            )
        else:
            action = f"<p>This checkout session is {session['status']}.</p>"
        alert = f'<p role="alert">{html.escape(problem)}</p>' if problem else ""
        back = html.escape(session["cancel_url"] or "", quote=True)
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>Stand-in Checkout</title>"
            "<link rel='icon' href='data:,'>"  # no favicon request: no 404 in the console
            f"</head><body><h1>Stand-in Checkout</h1>{summary}{alert}"
            f'{action}<p><a href="{back}">Back</a></p></body></html>'
        )

    def _page_choices(self, session) -> str:
        """The test card list, and what the session asks the client to agree to."""
        options = "".join(
            f'<option value="{key}">{html.escape(card.label)}</option>'
            for key, card in CARDS.items()
        )
        parts = [f'<p><label>Test card <select name="card">{options}</select></label></p>']
        saving = session["saved_payment_method_options"] or {}
        if saving.get("payment_method_save") == "enabled":
            parts.append(
                '<p><label><input type="checkbox" name="save_card" value="yes"> '
                "Save my payment details for future purchases</label></p>"
            )
        wanted = session["consent_collection"] or {}
        reuse = (wanted.get("payment_method_reuse_agreement") or {}).get("position")
        with self._lock:
            usage = self._session_input[session["id"]]["payment_intent_data"].get(
                "setup_future_usage"
            )
        if (session["mode"] == "setup" or usage == "off_session") and reuse != "hidden":
            parts.append(f'<p class="reuse-agreement">{_REUSE_NOTICE}</p>')
        if wanted.get("terms_of_service") == "required":
            parts.append(
                '<p><label><input type="checkbox" name="terms" value="accepted" required> '
                "I agree to the Terms of Service</label></p>"
            )
        return "".join(parts)
