"""Payment plans reviewed for money asked twice or kept when it shouldn't be: a part waiting
for the client once the rest was paid another way, a discount given while a part waits, an
installment refunded, a charge that lands after the booking was cancelled, the balance and
a part being paid at the same time, and the studio's own schedule."""

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from sessions.access import booking_token, booking_url
from sessions.booking_changes import booking_cancel
from sessions.models import (
    Booking,
    DiscountCode,
    Installment,
    Payment,
    PlanStep,
    Refund,
    SessionTypeDocument,
)
from sessions.payments.autopay import installment_collect, installment_remind
from sessions.payments.checkout import balance_request
from sessions.payments.installments import plan_parts, plan_replace
from sessions.payments.ledger import booking_balance_due
from sessions.payments.manual import Received, payment_record
from sessions.payments.plan_views import payment_card_consent
from sessions.payments.refunds import refund_create
from studio.actors import acting_as, staff
from tests.sessions.test_payment_plans import (  # noqa: F401  (fixtures)
    HALF_DUE,
    JULY_FIRST,
    booked,
    collect,
    collect_unanswered,
    deliver,
    family,
    pay_deposit,
)


def waiting_part(booking, client, standin, deliver_event, run_tasks, pay_clock) -> Installment:
    """Anna saved a card the bank then declines: her second payment (£295) waits for her."""
    pay_deposit(client, booking, standin, deliver_event, autopay=True, card="declined")
    pay_clock.move_to(HALF_DUE)
    collect(run_tasks, now=HALF_DUE)
    part = booking.installments.get(label="Second payment")
    assert part.status == Installment.Status.ACTION_NEEDED
    assert part.payment.amount == 29500
    return part


def press_pay(client, booking, payment_id):
    return client.post(
        reverse("sessions:booking-pay", args=[booking_token(booking)]), {"payment": payment_id}
    )


def test_a_part_waiting_for_the_client_asks_nothing_once_the_rest_was_paid_another_way(
    booked,  # noqa: F811
    client,
    admin_client,
    staff_user,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
):
    part = waiting_part(booked, client, stripe_standin, deliver, run_tasks, pay_clock)
    with acting_as(staff(staff_user)), run_tasks():
        payment_record(
            booking_id=booked.pk,
            received=Received(
                kind="balance", amount=49000, method="bank_transfer", paid_at=HALF_DUE
            ),
        )
    assert booking_balance_due(booked) == 0

    page = client.get(booking_url(booked)).content.decode()
    assert "Installment due" not in page
    sessions_before = len(stripe_standin.sessions)
    response = press_pay(client, booked, part.payment_id)
    assert response.status_code == 302  # back to the booking, nothing to pay
    assert len(stripe_standin.sessions) == sessions_before

    part.refresh_from_db()
    assert part.status == Installment.Status.COVERED
    assert part.payment.status == Payment.Status.EXPIRED
    dashboard = admin_client.get(reverse("admin:index")).content.decode()
    assert "not paid yet" not in dashboard


def test_a_part_paid_by_link_asks_what_is_left_after_a_discount(
    booked,  # noqa: F811
    client,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
):
    part = waiting_part(booked, client, stripe_standin, deliver, run_tasks, pay_clock)
    booked.discount = 30000  # the studio takes £300 off: £190 is left to pay
    booked.save(update_fields=["discount"])

    response = press_pay(client, booked, part.payment_id)
    assert response.status_code == 303
    part.payment.refresh_from_db()
    assert part.payment.amount == 19000
    paid = stripe_standin.complete_session(part.payment.stripe_checkout_session_id)
    assert paid["amount_total"] == 19000
    assert deliver(stripe_standin.event("checkout.session.completed", paid)).status_code == 200
    assert booking_balance_due(booked) == 0
    assert set(booked.installments.values_list("status", flat=True)) == {"paid", "covered"}


def paid_off_session(booking, client, standin, deliver_event, run_tasks, pay_clock) -> Payment:
    """Anna's saved card paid her second payment (£295) on its day."""
    pay_deposit(client, booking, standin, deliver_event, autopay=True)
    pay_clock.move_to(HALF_DUE)
    collect(run_tasks, now=HALF_DUE)
    part = booking.installments.get(label="Second payment")
    assert part.status == Installment.Status.PAID
    return part.payment


def test_refunding_an_installment_taken_from_the_saved_card_is_on_its_payment(
    booked,  # noqa: F811
    client,
    staff_user,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
):
    payment = paid_off_session(booked, client, stripe_standin, deliver, run_tasks, pay_clock)
    assert booking_balance_due(booked) == 19500
    with acting_as(staff(staff_user)), run_tasks():
        refund_create(payment_id=payment.pk, amount=9500)

    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.PARTIALLY_REFUNDED, 9500)
    assert booking_balance_due(booked) == 19500 + 9500
    assert payment.refunds.get().status == Refund.Status.SUCCEEDED


def test_an_installment_refunded_in_stripes_dashboard_is_seen(
    booked,  # noqa: F811
    client,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
):
    payment = paid_off_session(booked, client, stripe_standin, deliver, run_tasks, pay_clock)
    stripe_standin.refund(payment.stripe_payment_intent_id)  # all of it, by the studio at Stripe
    intent = stripe_standin.payment_intents[payment.stripe_payment_intent_id]
    charge = stripe_standin.charges[intent["latest_charge"]]
    assert deliver(stripe_standin.event("charge.refunded", charge)).status_code == 200

    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.REFUNDED, 29500)
    assert payment.refunds.get().reason == Refund.Reason.STRIPE
    assert booking_balance_due(booked) == 49000


@pytest.mark.parametrize("retried_first", [False, True])
def test_a_charge_that_lands_after_the_booking_was_cancelled_is_given_back(
    booked,  # noqa: F811
    client,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
    monkeypatch,
    retried_first,
):
    """The card is being charged when Anna cancels: Stripe takes the £295 and says so only
    afterwards (its webhook; or the charge tried again once it looks cut short)."""
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    pay_clock.move_to(HALF_DUE)
    part = booked.installments.get(label="Second payment")

    collect_unanswered(monkeypatch, part, now=HALF_DUE)
    with run_tasks():
        booking_cancel(booking_id=booked.pk, by_client=True, now=HALF_DUE)
    later = HALF_DUE + timedelta(minutes=20)
    pay_clock.move_to(later)
    if retried_first:
        with run_tasks():
            installment_collect(installment_id=part.pk, now=later)
    (succeeded,) = [e for e in stripe_standin.events if e["type"] == "payment_intent.succeeded"]
    with run_tasks():
        assert deliver(succeeded).status_code == 200

    part.refresh_from_db()
    payment = part.payment
    assert payment.amount_received == 29500  # Stripe took it: it is in the books
    refund = payment.refunds.get()
    assert (refund.amount, refund.reason) == (29500, Refund.Reason.CANCELLATION)
    assert Booking.objects.get(pk=booked.pk).status == Booking.Status.CANCELLED


def test_the_balance_cant_be_paid_while_a_part_is_being_taken_from_the_card(
    booked,  # noqa: F811
    client,
    staff_user,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
    monkeypatch,
):
    """The studio asked for the balance; Anna opens its page just as her card is charged for
    the second payment, before Stripe has answered."""
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    with acting_as(staff(staff_user)):
        balance = balance_request(booking_id=booked.pk)
    assert balance.amount == 49000
    pay_clock.move_to(HALF_DUE)
    part = booked.installments.get(label="Second payment")

    collect_unanswered(monkeypatch, part, now=HALF_DUE)

    response = press_pay(client, booked, balance.pk)
    assert response.status_code == 302  # back to the booking page, with why
    balance.refresh_from_db()
    assert not balance.checkout_url
    page = client.get(booking_url(booked)).content.decode()
    assert "taking a payment from your saved card right now" in page


def test_ticking_autopay_with_a_code_that_leaves_no_deposit_books_and_asks_for_signing(
    family,  # noqa: F811
    contract,
    stripe_standin,
    pay_clock,
    client,
):
    """A code takes the whole price off the Signature package, whose session needs a signed
    agreement: the booking is held for the signature, with no deposit to pay."""
    SessionTypeDocument.objects.create(session_type=family, template=contract, required=True)
    DiscountCode.objects.create(code="ONUS", percent_off=10000)
    query = urlencode({"start": JULY_FIRST.isoformat(), "package": family.signature.pk})
    url = f"{reverse('sessions:booking-create', args=['family'])}?{query}"
    form = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": ""}
    assert 'name="autopay"' in client.get(url).content.decode()

    response = client.post(url, {**form, "code": "ONUS", "autopay": "on"})
    assert response.status_code == 302
    booking = Booking.objects.get(client__email="rosa@example.com")
    assert (booking.status, booking.deposit, booking.total) == (Booking.Status.HELD, 0, 0)
    assert not booking.payments.exists()
    assert "/documents/" in response["Location"]


def plan_form(rows) -> dict:
    data = {
        "parts-TOTAL_FORMS": str(len(rows)),
        "parts-INITIAL_FORMS": "0",
        "parts-MIN_NUM_FORMS": "0",
        "parts-MAX_NUM_FORMS": "1000",
    }
    for n, (label, amount, day) in enumerate(rows):
        data |= {f"parts-{n}-label": label, f"parts-{n}-amount": amount, f"parts-{n}-due_on": day}
    return data


def test_the_studio_typing_a_part_of_nothing_is_told_so(
    booked,  # noqa: F811
    admin_client,
    client,
    stripe_standin,
    deliver,  # noqa: F811
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    url = reverse("admin:shoots_booking_plan", args=[booked.pk])
    response = admin_client.post(
        url, plan_form([("June", "490.00", "2026-06-20"), ("July", "0.00", "2026-07-02")])
    )
    assert response.status_code == 200
    assert "Please enter an amount above zero." in response.content.decode()
    assert list(booked.installments.values_list("label", flat=True)) == [
        "Second payment",
        "Balance",
    ]


def test_the_plan_page_leaves_out_parts_nothing_is_left_for(
    booked,  # noqa: F811
    admin_client,
    client,
    stripe_standin,
    deliver,  # noqa: F811
):
    """A discount leaves nothing for the last part: saving the page as shown works."""
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    booked.discount = 19500
    booked.save(update_fields=["discount"])
    url = reverse("admin:shoots_booking_plan", args=[booked.pk])
    formset = admin_client.get(url).context["formset"]
    rows = [
        (f.initial["label"], str(f.initial["amount"]), str(f.initial["due_on"]))
        for f in formset.forms
        if f.initial
    ]
    assert rows == [("Second payment", "295.00", "2026-06-17")]
    shown = plan_form(rows) | {"parts-INITIAL_FORMS": str(len(rows))}  # as the page sends it
    assert admin_client.post(url, shown).status_code == 302
    assert list(booked.installments.values_list("label", "amount", "status")) == [
        ("Second payment", 29500, "scheduled")
    ]


def test_the_studio_cant_replace_a_part_whose_bank_payment_is_clearing(
    booked,  # noqa: F811
    admin_client,
    admin_user,
    client,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
):
    """Anna paid her waiting part by bank debit, still clearing; a new schedule asking for
    all £490 again would have her pay that £295 twice."""
    part = waiting_part(booked, client, stripe_standin, deliver, run_tasks, pay_clock)
    assert press_pay(client, booked, part.payment_id).status_code == 303
    part.payment.refresh_from_db()
    clearing = stripe_standin.complete_session(part.payment.stripe_checkout_session_id, paid=False)
    assert deliver(stripe_standin.event("checkout.session.completed", clearing)).status_code == 200
    part.payment.refresh_from_db()
    assert part.payment.status == Payment.Status.PROCESSING

    admin_client.force_login(admin_user)  # signed in today, not a fortnight ago
    url = reverse("admin:shoots_booking_plan", args=[booked.pk])
    response = admin_client.post(url, plan_form([("The rest", "490.00", "2026-06-20")]))
    assert response.status_code == 200
    assert "still clearing" in response.content.decode()
    part.refresh_from_db()
    assert part.status == Installment.Status.ACTION_NEEDED
    assert booked.installments.count() == 2


def test_a_part_collected_while_the_balance_page_is_being_made_is_not_asked_twice(
    booked,  # noqa: F811
    client,
    staff_user,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
    monkeypatch,
):
    """Anna presses Pay on the balance (£490) at 09:30 on the second payment's day; while
    Stripe makes her page, the scan takes the £295 from her saved card."""
    from sessions.payments import gateway

    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    with acting_as(staff(staff_user)):
        balance = balance_request(booking_id=booked.pk)
    pay_clock.move_to(HALF_DUE)
    make_page = gateway.checkout_session_create

    def scan_meanwhile(**kwargs):
        collect(run_tasks, now=HALF_DUE)
        return make_page(**kwargs)

    monkeypatch.setattr(gateway, "checkout_session_create", scan_meanwhile)
    response = press_pay(client, booked, balance.pk)
    monkeypatch.undo()

    assert booked.installments.get(label="Second payment").status == Installment.Status.PAID

    def pages_open() -> list[int]:
        return [
            session["amount_total"]
            for session in stripe_standin.sessions.values()
            if session["status"] == "open" and session["metadata"]["payment_id"] == str(balance.pk)
        ]

    assert pages_open() == []  # no page asks for the £295 the card just paid
    assert response.status_code == 302
    page = client.get(booking_url(booked)).content.decode()
    assert "What is left to pay changed just now" in page
    assert press_pay(client, booked, balance.pk).status_code == 303
    assert pages_open() == [19500]


def test_a_part_the_studio_removed_after_it_was_queued_is_left_alone(
    booked,  # noqa: F811
    client,
    stripe_standin,
    deliver,  # noqa: F811
    pay_clock,
):
    """The scan queued the second payment; the studio saved a new plan before a worker took
    it: the task finds nothing to do, rather than failing."""
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    queued = booked.installments.get(label="Second payment").pk
    plan_replace(booking_id=booked.pk, parts=[("The rest", 49000, HALF_DUE.date())])
    assert not Installment.objects.filter(pk=queued).exists()

    pay_clock.move_to(HALF_DUE)
    assert installment_collect(installment_id=queued, now=HALF_DUE) == "no longer planned"
    assert installment_remind(installment_id=queued, now=HALF_DUE) is False
    assert not stripe_standin.requests_to("POST", "/v1/payment_intents")


def test_the_booking_page_keeps_the_autopay_the_client_ticked_when_booking(
    booked,  # noqa: F811
    client,
    stripe_standin,
):
    """Anna ticked autopay on the details page, left Checkout and pays from her booking
    page: the box still says what she chose, so pressing Pay keeps it."""
    deposit = booked.payments.get(kind=Payment.Kind.DEPOSIT)
    payment_card_consent(payment_id=deposit.pk, save_card=True)  # what the ticked box did
    page = client.get(booking_url(booked)).content.decode()
    box = page.split('name="autopay"')[1].split(">")[0]
    assert "checked" in box


def test_three_thirds_leave_no_part_of_pennies_that_no_card_or_page_can_take():
    """Three payments of 33.33% of £590, no deposit: 5p is left after them. A part of 5p
    could be neither charged (Stripe takes 30p at least) nor paid on a payment page."""
    thirds = [PlanStep(percent=3333, days=days) for days in (-60, -30, -7)]
    parts = plan_parts(
        thirds, total=59000, deposit=0, booked_on=date(2026, 4, 1), session_on=date(2026, 7, 1)
    )
    assert [part.amount for part in parts] == [19665, 19665, 19670]
    assert [part.due_on for part in parts] == [
        date(2026, 5, 2),
        date(2026, 6, 1),
        date(2026, 6, 24),
    ]


def test_a_part_counted_from_the_booking_never_falls_due_after_a_later_one():
    """Booked ten days before the session: "30 days after booking" would come after the
    part due 14 days before and after the balance a week after; it comes with the next."""
    from sessions.payments.plans import Anchor

    steps = [
        PlanStep(label="Second payment", percent=3000, anchor=Anchor.BOOKING, days=30),
        PlanStep(label="Third payment", percent=3000, anchor=Anchor.SESSION, days=-14),
        PlanStep(label="Balance", anchor=Anchor.SESSION, days=7),
    ]
    parts = plan_parts(
        steps, total=89500, deposit=20000, booked_on=date(2026, 12, 5),
        session_on=date(2026, 12, 15),
    )  # fmt: skip
    assert [(part.label, part.due_on) for part in parts] == [
        ("Second payment", date(2026, 12, 5)),
        ("Third payment", date(2026, 12, 5)),
        ("Balance", date(2026, 12, 22)),
    ]


def test_paying_a_part_by_link_closes_the_balance_page_left_open(
    booked,  # noqa: F811
    client,
    staff_user,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
):
    """The studio asked for the balance; Anna opened its page (£490) in one tab, then paid
    her waiting second payment (£295) in another. The first tab can't take £490 any more."""
    part = waiting_part(booked, client, stripe_standin, deliver, run_tasks, pay_clock)
    with acting_as(staff(staff_user)):
        balance = balance_request(booking_id=booked.pk)
    assert press_pay(client, booked, balance.pk).status_code == 303
    balance.refresh_from_db()
    first_tab = balance.stripe_checkout_session_id

    assert press_pay(client, booked, part.payment_id).status_code == 303
    part.payment.refresh_from_db()
    paid = stripe_standin.complete_session(part.payment.stripe_checkout_session_id)
    with run_tasks():
        assert deliver(stripe_standin.event("checkout.session.completed", paid)).status_code == 200

    assert stripe_standin.sessions[first_tab]["status"] == "expired"
    balance.refresh_from_db()
    assert (balance.status, balance.amount, balance.checkout_url) == ("pending", 19500, "")
