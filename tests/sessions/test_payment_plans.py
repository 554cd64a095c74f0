"""Payment plans that collect themselves: the Signature package's plan scheduled at booking,
the card saved with the client's consent at the deposit, each part charged once off-session
on its day through the Stripe stand-in (succeeded, the bank asking to authenticate, the card
declined), paid by link after, reminders, webhooks replayed, a worker dying mid-charge, the
client stopping autopay, the studio changing the plan, and money arriving another way."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sessions.access import booking_token, booking_url
from sessions.booking_changes import booking_cancel, booking_reschedule
from sessions.models import AvailabilityRule, Booking, Installment, Payment, PlanStep, SavedCard
from sessions.payments.autopay import installment_collect, installments_scan
from sessions.payments.installments import plan_lines, plan_replace
from sessions.payments.ledger import booking_balance_due
from sessions.payments.manual import Received, payment_record
from sessions.payments.offers import Offer
from sessions.payments.plan_emails import installment_email_send
from sessions.services import booking_create, booking_create_by_staff
from studio.celery import app as celery_app
from studio.models import SentEmail
from tests.factories import PhotographerFactory
from tests.package_fixtures import family_with_packages
from tests.payment_fixtures import LONDON
from tests.sessions.test_refund_worker import wait_for

JULY_FIRST = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # Wednesday 1 July, 10:00 in London
HALF_DUE = datetime(2026, 6, 17, 8, 30, tzinfo=UTC)  # 17 June, 09:30 in London
REST_DUE = datetime(2026, 7, 8, 8, 30, tzinfo=UTC)  # 8 July, 09:30 in London


@pytest.fixture
def family(studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=maya, weekday=2, start_time=time(9), end_time=time(17)
    )
    family = family_with_packages([maya])
    PlanStep.objects.create(
        package=family.signature, position=0, label="Second payment", percent=5000, days=-14
    )
    PlanStep.objects.create(package=family.signature, position=1, label="Balance", days=7)
    return family


@pytest.fixture
def booked(stripe_standin, pay_clock, family, anna) -> Booking:
    """Anna's Signature session with make-up (£590, £100 deposit) on 1 July, held."""
    offer = Offer(session_type=family, package=family.signature, add_ons=(family.make_up,))
    return booking_create(
        client=anna, session_type=family, starts_at=JULY_FIRST, tz=LONDON, offer=offer
    )


@pytest.fixture
def deliver(post_event, eager_tasks, django_capture_on_commit_callbacks):
    def run(event):
        with django_capture_on_commit_callbacks(execute=True):
            return post_event(event)

    return run


def pay_deposit(client, booking, stripe_standin, deliver, *, autopay: bool, card="success"):
    """Anna presses Pay on her booking page (ticking autopay or not) and pays on Checkout."""
    deposit = booking.payments.get(kind=Payment.Kind.DEPOSIT)
    form = {"payment": deposit.pk, **({"autopay": "on"} if autopay else {})}
    response = client.post(reverse("sessions:booking-pay", args=[booking_token(booking)]), form)
    assert response.status_code == 303
    deposit.refresh_from_db()
    paid = stripe_standin.complete_session(deposit.stripe_checkout_session_id, card=card)
    assert deliver(stripe_standin.event("checkout.session.completed", paid)).status_code == 200
    booking.refresh_from_db()
    return deposit


def collect_unanswered(monkeypatch, part: Installment, *, now) -> None:
    """Collect the part, but the worker dies once Stripe has charged the card, before it
    hears the answer: the part is left `charging`, the money taken at Stripe."""

    def killed(**kwargs):
        raise SystemExit("worker killed before hearing Stripe's answer")

    with monkeypatch.context() as patched:
        patched.setattr("sessions.payments.autopay.installment_charge_apply", killed)
        with pytest.raises(SystemExit):
            installment_collect(installment_id=part.pk, now=now)


def collect(run_tasks, *, now) -> int:
    with run_tasks():
        return installments_scan(now=now)


def test_the_package_plan_is_scheduled_at_booking_and_shown_with_the_consent(booked, client):
    parts = list(booked.installments.order_by("position"))
    assert [(p.label, p.amount, p.due_on) for p in parts] == [
        ("Second payment", 29500, date(2026, 6, 17)),
        ("Balance", 19500, date(2026, 7, 8)),
    ]
    assert booked.price == 59000
    assert booked.deposit == 10000

    page = client.get(booking_url(booked)).content.decode()
    assert "Your payment plan" in page
    assert "17 June 2026" in page
    assert "£295.00" in page
    assert "£195.00" in page
    assert "Save my card for this payment plan" in page
    assert 'name="autopay"' in page
    assert "checked" not in page.split('name="autopay"')[1][:40]


def test_autopay_collects_each_part_once_on_its_day(
    booked, client, stripe_standin, deliver, run_tasks, pay_clock
):
    deposit = pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    checkout = stripe_standin._session_input[deposit.stripe_checkout_session_id]
    assert checkout["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert booked.status == Booking.Status.CONFIRMED
    card = SavedCard.objects.get(booking=booked)
    assert (card.brand, card.last4) == ("visa", "4242")

    pay_clock.move_to(HALF_DUE - timedelta(days=1))
    assert collect(run_tasks, now=HALF_DUE - timedelta(days=1)) == 0  # not due yet
    pay_clock.move_to(HALF_DUE)
    mail.outbox.clear()
    assert collect(run_tasks, now=HALF_DUE) == 1

    part = booked.installments.get(label="Second payment")
    assert part.status == Installment.Status.PAID
    assert (part.payment.status, part.payment.amount_received) == (Payment.Status.PAID, 29500)
    assert part.payment.kind == Payment.Kind.INSTALLMENT
    assert booking_balance_due(booked) == 19500
    assert [m.subject for m in mail.outbox] == ["Payment received: £295.00 for your Family session"]

    # The scan again, and Stripe's own webhook for the charge: nothing more happens.
    assert collect(run_tasks, now=HALF_DUE + timedelta(minutes=20)) == 0
    for event in [e for e in stripe_standin.events if e["type"].startswith("payment_intent.")]:
        assert deliver(event).status_code == 200
    charges = [
        pi for pi in stripe_standin.payment_intents.values() if pi["metadata"].get("installment_id")
    ]
    assert len(charges) == 1
    assert charges[0]["amount"] == 29500
    assert len(mail.outbox) == 1

    pay_clock.move_to(REST_DUE)
    assert collect(run_tasks, now=REST_DUE) == 1
    assert booking_balance_due(booked) == 0
    assert [line.paid for line in plan_lines(booked)] == [True, True]
    # The plan is paid: the card is kept no longer, here or at Stripe.
    collect(run_tasks, now=REST_DUE + timedelta(minutes=15))
    card.refresh_from_db()
    assert card.removed_at is not None
    assert stripe_standin.payment_methods[card.stripe_payment_method_id]["customer"] is None


def test_a_bank_asking_to_authenticate_sends_a_payment_link_that_pays_the_part(
    booked, client, stripe_standin, deliver, run_tasks, pay_clock
):
    pay_deposit(
        client, booked, stripe_standin, deliver, autopay=True, card="authentication_required"
    )
    pay_clock.move_to(HALF_DUE)
    mail.outbox.clear()
    collect(run_tasks, now=HALF_DUE)

    part = booked.installments.get(label="Second payment")
    assert part.status == Installment.Status.ACTION_NEEDED
    assert part.payment.status == Payment.Status.PENDING
    assert [m.subject for m in mail.outbox] == [
        "Please confirm your payment of £295.00 for your Family session"
    ]
    assert "your bank asked for you to confirm it yourself" in mail.outbox[0].body
    assert booking_url(booked, absolute=True) in mail.outbox[0].body

    page = client.get(booking_url(booked)).content.decode()
    assert "Installment due: £295.00" in page
    assert "Waiting for you" in page
    response = client.post(
        reverse("sessions:booking-pay", args=[booking_token(booked)]),
        {"payment": part.payment_id},
    )
    assert response.status_code == 303
    part.payment.refresh_from_db()
    paid = stripe_standin.complete_session(part.payment.stripe_checkout_session_id)
    assert deliver(stripe_standin.event("checkout.session.completed", paid)).status_code == 200

    part.refresh_from_db()
    assert part.status == Installment.Status.PAID
    assert booking_balance_due(booked) == 19500


def test_a_declined_card_shows_on_the_dashboard_and_is_reminded_three_times(
    booked, client, admin_client, admin_user, stripe_standin, deliver, run_tasks, pay_clock
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True, card="declined")
    pay_clock.move_to(HALF_DUE)
    collect(run_tasks, now=HALF_DUE)
    part = booked.installments.get(label="Second payment")
    assert part.status == Installment.Status.ACTION_NEEDED
    assert "declined" in part.last_error.lower()

    admin_client.force_login(admin_user)  # signed in today, not a fortnight ago
    dashboard = admin_client.get(reverse("admin:index")).content.decode()
    assert "Second payment (£295.00, due 17 Jun) not paid yet" in dashboard

    mail.outbox.clear()
    for days in (1, 3, 4, 6, 9, 12, 20):
        moment = HALF_DUE + timedelta(days=days)
        pay_clock.move_to(moment)
        collect(run_tasks, now=moment)
    assert [m.subject for m in mail.outbox] == [
        "Reminder: £295.00 to pay for your Family session"
    ] * 3


def test_without_a_saved_card_the_part_is_asked_for_by_email_and_never_charged(
    booked, client, stripe_standin, deliver, run_tasks, pay_clock
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    assert not SavedCard.objects.exists()
    pay_clock.move_to(HALF_DUE)
    mail.outbox.clear()
    collect(run_tasks, now=HALF_DUE)

    part = booked.installments.get(label="Second payment")
    assert part.status == Installment.Status.ACTION_NEEDED
    assert part.attempts == 0
    assert [m.subject for m in mail.outbox] == ["Second payment for your Family session: £295.00"]
    assert not any(
        pi["metadata"].get("installment_id") for pi in stripe_standin.payment_intents.values()
    )


def test_a_worker_killed_after_the_charge_retries_with_its_key_and_charges_once(
    booked, client, stripe_standin, deliver, run_tasks, pay_clock, monkeypatch
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    pay_clock.move_to(HALF_DUE)
    part = booked.installments.get(label="Second payment")

    collect_unanswered(monkeypatch, part, now=HALF_DUE)
    part.refresh_from_db()
    assert (part.status, part.attempts) == (Installment.Status.CHARGING, 1)
    assert installment_collect(installment_id=part.pk, now=HALF_DUE) == "being collected"

    later = HALF_DUE + timedelta(minutes=16)
    pay_clock.move_to(later)
    assert collect(run_tasks, now=later) == 1
    part.refresh_from_db()
    assert part.status == Installment.Status.PAID
    charges = [
        pi for pi in stripe_standin.payment_intents.values() if pi["metadata"].get("installment_id")
    ]
    assert len(charges) == 1
    assert part.payment.stripe_payment_intent_id == charges[0]["id"]
    assert part.payment.amount_received == 29500


def test_the_client_stops_autopay_and_the_card_is_detached(
    booked, client, stripe_standin, deliver, run_tasks, pay_clock
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    card = SavedCard.objects.get(booking=booked)
    page = client.get(booking_url(booked)).content.decode()
    assert "Visa •••• 4242 is saved for this plan" in page

    with run_tasks():
        response = client.post(reverse("sessions:saved-card-remove", args=[booking_token(booked)]))
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.removed_at is not None
    assert stripe_standin.payment_methods[card.stripe_payment_method_id]["customer"] is None

    pay_clock.move_to(HALF_DUE)
    collect(run_tasks, now=HALF_DUE)
    part = booked.installments.get(label="Second payment")
    assert part.status == Installment.Status.ACTION_NEEDED
    assert part.attempts == 0


def test_another_clients_link_cannot_stop_autopay(
    booked, client, stripe_standin, deliver, ben, family
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    response = client.post(reverse("sessions:saved-card-remove", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert SavedCard.objects.get(booking=booked).removed_at is None


def test_money_paid_another_way_covers_the_parts_and_the_last_takes_the_rest(
    booked, client, stripe_standin, deliver, run_tasks, pay_clock
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    booked.discount = 5000  # the studio knocked £50 off after booking
    booked.save(update_fields=["discount"])
    lines = plan_lines(booked)
    assert [line.amount for line in lines] == [29500, 14500]

    Payment.objects.create(
        booking=booked,
        kind=Payment.Kind.BALANCE,
        amount=44000,
        currency="GBP",
        amount_received=44000,
        currency_received="GBP",
        status=Payment.Status.PAID,
        paid_at=HALF_DUE,
        method=Payment.Method.BANK_TRANSFER,
    )
    pay_clock.move_to(HALF_DUE)
    collect(run_tasks, now=HALF_DUE)
    assert set(booked.installments.values_list("status", flat=True)) == {"covered", "scheduled"}
    pay_clock.move_to(REST_DUE)
    collect(run_tasks, now=REST_DUE)
    assert set(booked.installments.values_list("status", flat=True)) == {"covered"}
    assert not any(
        pi["metadata"].get("installment_id") for pi in stripe_standin.payment_intents.values()
    )


def test_money_recorded_for_the_balance_pays_the_part_due_first_and_the_rest_stays_due(
    booked, client, stripe_standin, deliver, pay_clock
):
    """£295 taken on a card terminal pays the second payment (17 June); the £195 balance
    stays due on 8 July, never asked for on the 17th."""
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    payment_record(
        booking_id=booked.pk,
        received=Received(
            kind=Payment.Kind.BALANCE,
            amount=29500,
            method=Payment.Method.CARD_TERMINAL,
            paid_at=timezone.now(),
        ),
    )
    lines = {line.installment.label: line for line in plan_lines(booked)}
    assert lines["Second payment"].amount == 0
    assert lines["Second payment"].installment.status == Installment.Status.COVERED
    assert lines["Balance"].amount == 19500
    assert lines["Balance"].installment.status == Installment.Status.SCHEDULED
    assert lines["Balance"].installment.due_on == date(2026, 7, 8)


def test_money_recorded_in_steps_covers_the_parts_in_order_and_never_twice(
    booked, client, stripe_standin, deliver, pay_clock
):
    """Three parts: £177 in cash covers the first; £10 more only starts on the second, and
    the last keeps its own amount."""
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    plan_replace(
        booking_id=booked.pk,
        parts=[
            ("Second payment", 17700, date(2026, 6, 17)),
            ("Third payment", 17700, date(2026, 6, 24)),
            ("Balance", 13600, date(2026, 7, 8)),
        ],
    )

    def record(amount):
        payment_record(
            booking_id=booked.pk,
            received=Received(
                kind=Payment.Kind.BALANCE,
                amount=amount,
                method=Payment.Method.CASH,
                paid_at=timezone.now(),
            ),
        )
        return {
            line.installment.label: (line.amount, line.installment.status)
            for line in plan_lines(booked)
        }

    assert record(17700) == {
        "Second payment": (0, "covered"),
        "Third payment": (17700, "scheduled"),
        "Balance": (13600, "scheduled"),
    }
    assert record(1000) == {
        "Second payment": (0, "covered"),
        "Third payment": (16700, "scheduled"),
        "Balance": (13600, "scheduled"),
    }


def test_moving_the_session_moves_the_parts_counted_from_it(booked):
    booking_reschedule(
        booking_id=booked.pk,
        starts_at=JULY_FIRST + timedelta(days=7),
        tz=LONDON,
        by_client=False,
        outside_rules=True,
    )
    assert list(booked.installments.values_list("due_on", flat=True)) == [
        date(2026, 6, 24),
        date(2026, 7, 15),
    ]


def test_a_cancelled_booking_closes_its_open_parts_and_forgets_the_card(
    booked, client, stripe_standin, deliver, run_tasks, pay_clock
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True)
    card = SavedCard.objects.get(booking=booked)
    Booking.objects.filter(pk=booked.pk).update(status=Booking.Status.CANCELLED)
    pay_clock.move_to(HALF_DUE)
    assert collect(run_tasks, now=HALF_DUE) == 0
    assert set(booked.installments.values_list("status", flat=True)) == {"cancelled"}
    card.refresh_from_db()
    assert card.removed_at is not None
    assert stripe_standin.payment_methods[card.stripe_payment_method_id]["customer"] is None


@pytest.mark.parametrize("by_client", [False, True])
def test_cancelling_closes_the_parts_to_come_at_once_not_at_the_next_scan(
    booked, client, stripe_standin, deliver, by_client
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    booking_cancel(booking_id=booked.pk, by_client=by_client)
    assert set(booked.installments.values_list("status", flat=True)) == {"cancelled"}
    assert all(line.amount == 0 for line in plan_lines(booked))


def test_the_studio_changes_the_plan_parts_must_add_up(
    booked, admin_client, stripe_standin, client, deliver
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    url = reverse("admin:shoots_booking_plan", args=[booked.pk])
    page = admin_client.get(url).content.decode()
    assert "Second payment" in page
    assert "295.00" in page

    def form(rows):
        data = {
            "parts-TOTAL_FORMS": str(len(rows)),
            "parts-INITIAL_FORMS": "0",
            "parts-MIN_NUM_FORMS": "0",
            "parts-MAX_NUM_FORMS": "1000",
        }
        for n, (label, amount, day) in enumerate(rows):
            data |= {
                f"parts-{n}-label": label,
                f"parts-{n}-amount": amount,
                f"parts-{n}-due_on": day,
            }
        return data

    wrong = admin_client.post(url, form([("June", "200.00", "2026-06-20")]))
    assert wrong.status_code == 200
    assert "The parts add up to £200.00, but £490.00 is left to pay." in wrong.content.decode()
    assert booked.installments.count() == 2

    right = admin_client.post(
        url,
        form(
            [
                ("June", "200.00", "2026-06-20"),
                ("July", "190.00", "2026-07-02"),
                ("August", "100.00", "2026-08-01"),
            ]
        ),
    )
    assert right.status_code == 302
    assert list(booked.installments.values_list("label", "amount", "due_on")) == [
        ("June", 20000, date(2026, 6, 20)),
        ("July", 19000, date(2026, 7, 2)),
        ("August", 10000, date(2026, 8, 1)),
    ]


def test_a_package_plan_share_is_typed_as_a_percentage(family, admin_client):
    url = reverse("admin:shoots_package_change", args=[family.signature.pk])
    page = admin_client.get(url).content.decode()
    assert 'value="50.00"' in page or 'value="50"' in page
    family_page = admin_client.get(
        reverse("admin:shoots_sessiontype_change", args=[family.pk])
    ).content.decode()
    assert (
        "50% 14 days before the session day; the rest 7 days after the session day" in family_page
    )


def test_the_studio_gives_a_package_a_plan_typed_as_percentages(family, admin_client):
    essentials = family.package
    url = reverse("admin:shoots_package_change", args=[essentials.pk])
    response = admin_client.post(
        url,
        {
            "plan_steps-TOTAL_FORMS": "2",
            "plan_steps-INITIAL_FORMS": "0",
            "plan_steps-MIN_NUM_FORMS": "0",
            "plan_steps-MAX_NUM_FORMS": "1000",
            "plan_steps-0-position": "0",
            "plan_steps-0-label": "Second payment",
            "plan_steps-0-percent": "12.5",
            "plan_steps-0-anchor": "booking",
            "plan_steps-0-days": "30",
            "plan_steps-1-position": "1",
            "plan_steps-1-label": "Balance",
            "plan_steps-1-percent": "",
            "plan_steps-1-anchor": "session",
            "plan_steps-1-days": "-7",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:shoots_sessiontype_change", args=[family.pk])
    assert list(essentials.plan_steps.values_list("label", "percent", "anchor", "days")) == [
        ("Second payment", 1250, "booking", 30),
        ("Balance", None, "session", -7),
    ]
    too_much = admin_client.post(
        url,
        {
            "plan_steps-TOTAL_FORMS": "1",
            "plan_steps-INITIAL_FORMS": "0",
            "plan_steps-MIN_NUM_FORMS": "0",
            "plan_steps-MAX_NUM_FORMS": "1000",
            "plan_steps-0-position": "3",
            "plan_steps-0-label": "Too much",
            "plan_steps-0-percent": "150",
            "plan_steps-0-anchor": "session",
            "plan_steps-0-days": "0",
        },
    )
    assert too_much.status_code == 200
    assert "Ensure this value is less than or equal to 100." in too_much.content.decode()
    assert essentials.plan_steps.count() == 2


def steps_posted(*steps) -> dict:
    data = {
        "plan_steps-TOTAL_FORMS": str(len(steps)),
        "plan_steps-INITIAL_FORMS": "0",
        "plan_steps-MIN_NUM_FORMS": "0",
        "plan_steps-MAX_NUM_FORMS": "1000",
    }
    for n, (label, percent, days) in enumerate(steps):
        data |= {
            f"plan_steps-{n}-position": str(n), f"plan_steps-{n}-label": label,
            f"plan_steps-{n}-percent": percent, f"plan_steps-{n}-anchor": "session",
            f"plan_steps-{n}-days": str(days),
        }  # fmt: skip
    return data


def test_a_plan_asking_for_more_than_the_price_is_refused_with_the_figures(family, admin_client):
    heirloom = family.heirloom  # £895, deposit £200: 22.35%
    url = reverse("admin:shoots_package_change", args=[heirloom.pk])
    over = admin_client.post(url, steps_posted(("First", "60", -30), ("Second", "90", -7)))
    page = over.content.decode()
    assert over.status_code == 200
    assert "With the deposit (22.34%), these shares come to 172.34% of the price" in page
    assert 'value="First"' in page  # what was typed stays
    two_rests = admin_client.post(url, steps_posted(("First", "", -30), ("Second", "", -7)))
    assert "Only one part can be everything still left to pay" in two_rests.content.decode()
    assert not heirloom.plan_steps.exists()
    fine = admin_client.post(url, steps_posted(("First", "50", -30), ("Balance", "", -7)))
    assert fine.status_code == 302
    assert heirloom.plan_steps.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_collects_a_due_part_once(redis_url, stripe_standin, family, anna):
    today = timezone.localdate(timezone=LONDON)
    day = today + timedelta(days=21 + (2 - today.weekday()) % 7)  # a Wednesday, 3+ weeks on
    booking = booking_create_by_staff(
        client=anna,
        session_type=family,
        photographer=family.photographers.get(),
        starts_at=datetime.combine(day, time(10), LONDON),
        offer=Offer(session_type=family, package=family.signature),
        email_client=False,
    )
    customer = stripe_standin.create_customer(email=anna.email)
    card = stripe_standin.save_card(customer["id"])
    SavedCard.objects.create(
        booking=booking,
        stripe_customer_id=customer["id"],
        stripe_payment_method_id=card["id"],
        consented_at=timezone.now(),
    )
    part = booking.installments.order_by("position").first()
    morning = datetime.combine(part.due_on, time(10), LONDON)
    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, pool="solo", concurrency=1):
        assert installments_scan(now=morning) == 1
        assert wait_for(
            lambda: SentEmail.objects.filter(
                kind="payment-received", key__startswith="payment:"
            ).exists()
        )
        assert installments_scan(now=morning + timedelta(hours=1)) == 0
    part.refresh_from_db()
    assert part.status == Installment.Status.PAID
    (charged,) = stripe_standin.requests_to("POST", "/v1/payment_intents")
    assert charged.headers["Idempotency-Key"] == f"sitting-installment-{part.payment_id}-1"
    assert charged.params["off_session"] == "true"
    assert part.payment.amount_received == int(charged.params["amount"]) == 24750


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("declined", "the card was declined"),
        ("failed", "the payment didn't go through"),
        ("no_card", "Second payment of your payment plan for your Family session, £295.00, is due"),
    ],
)
def test_each_reason_to_pay_by_link_is_told_as_it_is(booked, reason, says):
    Booking.objects.filter(pk=booked.pk).update(status=Booking.Status.CONFIRMED)
    part = booked.installments.get(label="Second payment")
    part.status = Installment.Status.ACTION_NEEDED
    part.save()
    mail.outbox.clear()
    assert installment_email_send(installment_id=part.pk, reason=reason, key="ask-1")
    (email,) = mail.outbox
    assert says in email.body
    assert "declined" not in email.body or reason == "declined"


def test_a_part_falling_due_at_once_is_said_to_come_with_the_deposit(
    client, pay_clock, family, settings
):
    from urllib.parse import urlencode

    settings.PAYMENTS_ENABLED = True  # the deposit paid online, as the client books

    # 10 June is nine days away: the part due 14 days before is due at once.
    query = urlencode({"start": "2026-06-10T09:00:00+00:00", "package": family.signature.pk})
    page = client.get(reverse("sessions:booking-create", args=["family"]) + "?" + query)
    text = page.content.decode()
    assert "Deposit, when you book" in text
    assert "Second payment, also due today, once the deposit is paid" in text
    assert "Balance, 17 June 2026" in text


def test_the_confirmation_email_lists_the_plans_parts_still_to_pay(
    booked, client, stripe_standin, deliver
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    [booked_email] = [m for m in mail.outbox if m.subject.startswith("You're booked")]
    assert "Second payment: £295.00, 17 June 2026" in booked_email.body
    assert "Balance: £195.00, 8 July 2026" in booked_email.body
    html = booked_email.alternatives[0][0]
    assert "£295.00, 17 June 2026" in html


def test_the_deposit_of_a_plan_paid_at_the_studio_says_so_before_booking(
    client, pay_clock, family, settings
):
    from urllib.parse import urlencode

    settings.PAYMENTS_ENABLED = False
    query = urlencode({"start": "2026-06-10T09:00:00+00:00", "package": family.signature.pk})
    text = client.get(reverse("sessions:booking-create", args=["family"]) + "?" + query).text
    assert "Deposit, paid to the studio" in text
    assert "Deposit, when you book" not in text


def test_the_booking_page_says_a_part_is_due_now_and_the_balance_is_in_the_plan(
    booked, client, stripe_standin, deliver, pay_clock, settings
):
    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    pay_clock.move_to(HALF_DUE)  # the second payment's day

    def rows(page: str) -> dict[str, str]:
        table = page.split('class="table table-sm align-middle mb-2 payment-plan"')[1]
        return {
            label: table.split(f"<td>{label}</td>")[1].split("</tr>")[0]
            for label in ("Second payment", "Balance")
        }

    plan = rows(client.get(booking_url(booked)).text)
    assert "Due now: we're emailing you a link" in plan["Second payment"]
    assert "Due now" not in plan["Balance"]  # 8 July: not yet
    settings.PAYMENTS_ENABLED = False  # the same plan, paid to the studio
    page = client.get(booking_url(booked)).text
    assert "Due now: please pay the studio" in rows(page)["Second payment"]
    assert "£490.00 after the deposit, in the parts of your payment plan below" in page


def test_a_cancelled_bookings_page_asks_for_no_plan_part_and_no_signature(
    booked, client, stripe_standin, deliver
):
    from sessions.documents.services import document_issue
    from tests.document_fixtures import template_make

    pay_deposit(client, booked, stripe_standin, deliver, autopay=False)
    release = template_make(kind="release", name="Model release", body="I allow {studio_name}.")
    document_issue(booking=booked, template=release, required=False)
    page = client.get(booking_url(booked)).content.decode()
    assert "Your payment plan" in page
    assert "Read and sign" in page
    Booking.objects.filter(pk=booked.pk).update(status=Booking.Status.CANCELLED)
    # Beat has not closed the parts yet: the page still asks nothing more.
    assert booked.installments.filter(status=Installment.Status.SCHEDULED).exists()
    page = client.get(booking_url(booked)).content.decode()
    assert "Your payment plan" not in page
    assert "Read and sign" not in page


def test_a_moved_session_never_leaves_a_part_due_after_a_later_one(
    stripe_standin, pay_clock, family, anna
):
    from sessions.payments.plans import Anchor

    family.signature.plan_steps.all().delete()
    PlanStep.objects.create(
        package=family.signature, position=0, label="Second payment", percent=5000,
        anchor=Anchor.BOOKING, days=20,
    )  # fmt: skip
    PlanStep.objects.create(package=family.signature, position=1, label="Balance", days=0)
    offer = Offer(session_type=family, package=family.signature)
    booking = booking_create(
        client=anna, session_type=family, starts_at=JULY_FIRST, tz=LONDON, offer=offer
    )
    dates = lambda: list(booking.installments.order_by("position").values_list("due_on", flat=True))  # noqa: E731
    assert dates() == [date(2026, 6, 21), date(2026, 7, 1)]  # booked on 1 June
    booking_reschedule(
        booking_id=booking.pk, starts_at=JULY_FIRST - timedelta(days=14), tz=LONDON,
        by_client=False, outside_rules=True,
    )  # fmt: skip
    assert dates() == [date(2026, 6, 17), date(2026, 6, 17)]  # with the balance, not after
    booking_reschedule(
        booking_id=booking.pk, starts_at=JULY_FIRST + timedelta(days=28), tz=LONDON,
        by_client=False, outside_rules=True,
    )  # fmt: skip
    assert dates() == [date(2026, 6, 21), date(2026, 7, 29)]  # back to its own day
