"""Payments: deposits, balances, extras and refunds through Stripe Checkout.

The only code that talks to Stripe (`gateway`) or writes payment rows. Everything else asks
its services: `checkout` (asking for money, opening and closing payment pages), `webhooks`
(learning what happened at Stripe), `refunds`, `ledger` (what is due, paid, refundable) and
`emails`; `views` and `admin` are thin adapters over them.

Stripe is the source of truth. Every path that learns something about a payment (the
webhook, the client's return from Checkout, a refund just made) re-reads the Checkout
Session from Stripe and hands it to `webhooks.payment_apply_stripe_state`, which sets the
payment to match under a row lock. Events that arrive twice, or out of order, end in one state.

Locks are always taken photographer → booking → payment, the order booking_create uses.
Nothing is imported here, so the models load with the app without the services.
"""
