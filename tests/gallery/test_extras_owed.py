"""Extra photos chosen while payments are off: the selection goes to the studio at once, the
extras are owed to the studio (billed on the booking's invoice, listed for the client, counted
on the booking's page) until the studio records them paid; reopening the selection takes
them off the bill."""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from gallery.models import Selection
from gallery.selection import selection_withdraw
from sessions.access import booking_url
from sessions.models import Payment
from sessions.payments.invoices import booking_invoice_current, booking_invoice_issue
from sessions.payments.ledger import booking_extras_owed
from tests.gallery.conftest import heart, sign_in


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def sent(client, published, anna, run_tasks):
    """Anna's booking invoiced, then all three photos sent: one more than her two, £15."""
    booking_invoice_issue(booking_id=published.booking_id)
    sign_in(client, anna)
    for photo in published.photos.all():
        heart(client, published, photo)
    with run_tasks():
        client.post(reverse("gallery:selection", args=[published.slug]), {"action": "submit"})
    published.refresh_from_db()
    return published


def extras_lines(booking) -> list[tuple[str, int]]:
    invoice = booking_invoice_current(booking)
    return [
        (line.description, line.amount)
        for line in invoice.lines.all()
        if "Extra" in line.description
    ]


def test_the_extras_are_owed_to_the_studio_billed_and_listed_for_the_client(client, sent):
    assert sent.selection.status == Selection.Status.SUBMITTED  # no payment to wait for
    booking = sent.booking
    owed = Payment.objects.get(booking=booking, kind=Payment.Kind.EXTRAS)
    assert (owed.amount, owed.status, owed.amount_received) == (1500, "pending", None)
    assert booking_extras_owed(booking) == 1500
    assert extras_lines(booking) == [("Extra images chosen in the gallery", 1500)]
    invoiced = [m for m in mail.outbox if "invoice" in m.subject.lower()]
    assert invoiced, [m.subject for m in mail.outbox]  # the new invoice goes to the client
    home = text(client.get(reverse("clients:my-sessions")))
    assert "Extra images" in home
    assert "£15.00" in home
    page = text(client.get(booking_url(booking)))
    assert "£15.00 for the extra photos you chose, to pay the studio" in page
    assert "#pay-" not in home  # nothing to pay online
    review = text(client.get(reverse("gallery:selection", args=[sent.slug])))
    assert "the studio will send you an invoice for them" in review
    assert "was received" not in review
    [studio] = [m for m in mail.outbox if m.subject.startswith("Selection from")]
    assert (
        "That includes 1 extra photo, £15.00, not yet paid: it is owed to you (record it on "
        "the booking when it comes)." in " ".join(studio.body.split())
    )  # never "paid online"


def test_the_studio_records_the_extras_paid_and_the_bill_stays_as_it_is(client, sent, staff_user):
    booking = sent.booking
    invoice = booking_invoice_current(booking)
    client.force_login(staff_user)
    page = text(client.get(reverse("admin:shoots_booking_change", args=[booking.pk])))
    assert "Extra photos owed: £15.00" in page
    assert re.search(r'class="field-paid_by"[^>]*>\s*(<p>)?to the studio', page)  # not "Card"
    url = reverse("admin:shoots_booking_payment_record", args=[booking.pk])
    form = text(client.get(url))
    assert "Extra photos chosen in the gallery, still to pay: £15.00" in form
    typed = {
        "kind": "extras", "amount": "10.00", "method": "cash",
        "received_on": timezone.localdate().isoformat(), "received_time": "", "reference": "",
    }  # fmt: skip
    part = text(client.post(url, typed))
    assert "The extra photos come to £15.00: record them as one payment of that amount" in part
    assert booking_extras_owed(booking) == 1500
    done = client.post(url, {**typed, "amount": "15.00"})
    assert done.status_code == 302
    paid = Payment.objects.get(booking=booking, kind=Payment.Kind.EXTRAS)
    assert (paid.status, paid.amount_received, paid.method) == ("paid", 1500, "cash")
    assert booking_extras_owed(booking) == 0
    assert booking_invoice_issue(booking_id=booking.pk) == invoice  # billed already
    page = text(client.get(reverse("admin:shoots_booking_change", args=[booking.pk])))
    assert "Extra photos owed" not in page
    assert "Received £0.00 of £200.00 · " in page  # the session's price, extras apart
    assert "Extra photos paid: £15.00" in page


def test_reopening_the_selection_takes_the_extras_off_the_bill(sent, run_tasks):
    with run_tasks():
        selection_withdraw(gallery_id=sent.pk)
    booking = sent.booking
    owed = Payment.objects.get(booking=booking, kind=Payment.Kind.EXTRAS)
    assert owed.status == Payment.Status.EXPIRED
    assert booking_extras_owed(booking) == 0
    assert extras_lines(booking) == []


def test_extras_owed_to_the_studio_are_never_offered_online_once_payments_are_on(
    client, sent, stripe_standin
):
    from sessions.payments.checkout import payment_check_payable
    from sessions.payments.errors import PaymentRefused

    owed = Payment.objects.get(booking=sent.booking, kind=Payment.Kind.EXTRAS)
    with pytest.raises(PaymentRefused, match="paid to the studio directly"):
        payment_check_payable(owed)
    page = text(client.get(booking_url(sent.booking)))
    assert f"pay-{owed.pk}" not in page
    assert not stripe_standin.requests_to("POST", "/v1/checkout/sessions")


def test_extras_recorded_then_given_back_come_off_the_bill(sent, run_tasks):
    from sessions.payments.manual import Received, payment_record
    from sessions.payments.refunds import refund_create

    booking = sent.booking
    paid = payment_record(
        booking_id=booking.pk,
        received=Received(
            kind=Payment.Kind.EXTRAS, amount=1500, method=Payment.Method.CASH,
            paid_at=timezone.now(),
        ),
    )  # fmt: skip
    assert extras_lines(booking) == [("Extra images chosen in the gallery", 1500)]
    with run_tasks():
        refund_create(payment_id=paid.pk, amount=1000, note="One photo fewer")
    assert extras_lines(booking) == [("Extra images chosen in the gallery", 500)]  # kept
    credited = booking.invoices.filter(kind="credit_note").order_by("pk").last()
    extras_credited = [line.amount for line in credited.lines.all() if "Extra" in line.description]
    assert extras_credited == [-1500]  # the invoice that billed £15 of extras, cancelled


def test_extras_sent_again_after_a_reopen_count_what_was_paid_before(client, sent, run_tasks):
    """Paid £15 to the studio, reopened, sent again at £25 an extra photo: everyone is told
    £10 is left, never the £25 again."""
    from gallery.models import Gallery
    from sessions.payments.manual import Received, payment_record

    payment_record(
        booking_id=sent.booking_id,
        received=Received(
            kind=Payment.Kind.EXTRAS, amount=1500, method=Payment.Method.BANK_TRANSFER,
            paid_at=timezone.now(),
        ),
    )  # fmt: skip
    with run_tasks():
        selection_withdraw(gallery_id=sent.pk)
    Gallery.objects.filter(pk=sent.pk).update(extra_image_price=2500)
    mail.outbox.clear()
    with run_tasks():
        client.post(reverse("gallery:selection", args=[sent.slug]), {"action": "submit"})
    owed = Payment.objects.get(booking=sent.booking, kind=Payment.Kind.EXTRAS, status="pending")
    assert owed.amount == 1000
    [studio] = [m for m in mail.outbox if m.subject.startswith("Selection from")]
    assert studio.subject.endswith(": 3 photos")
    assert (
        "That includes 1 extra photo, £25.00: £15.00 was paid before the selection was "
        "reopened, and £10.00 is owed to you" in " ".join(studio.body.split())
    )
    [thanks] = [m for m in mail.outbox if m.subject.startswith("We have your selection")]
    assert (
        "What you paid before counts towards it: the studio will send you an invoice for the "
        "£10.00 left." in " ".join(thanks.body.split())
    )
    page = text(client.get(reverse("gallery:selection", args=[sent.slug])))
    assert (
        "What you paid before counts towards the extra photos: the studio will send you an "
        "invoice for the £10.00 left." in page
    )
