"""Emails about bookings: confirmed, requested, rescheduled, cancelled. Each is sent once
per booking and calendar sequence, however often a task retries."""

from datetime import datetime
from email.utils import formataddr

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from sessions.access import booking_token, booking_url
from sessions.calendar import booking_invite
from sessions.models import Booking, Payment, Refund
from sessions.payments.installments import plan_lines
from sessions.payments.invoice_pdf import invoice_pdf
from sessions.payments.invoices import booking_invoice_issue
from studio.email_kinds import fill, wording
from studio.emailing import email_kind_send
from studio.models import SentEmail
from studio.money import money_format
from studio.selectors import studio_get

KINDS = ("confirmed", "requested", "rescheduled", "cancelled", "declined")


# The status a booking must still have for each email to make sense when it is sent.
EXPECTED_STATUSES = {
    "confirmed": {Booking.Status.CONFIRMED},
    "requested": {Booking.Status.REQUESTED},
    "rescheduled": {Booking.Status.CONFIRMED, Booking.Status.REQUESTED, Booking.Status.HELD},
    "cancelled": {Booking.Status.CANCELLED},
    "declined": {Booking.Status.DECLINED},
}


def reminder_stamp(booking: Booking) -> int:
    """The start a reminder's send-once key carries, so a moved session is reminded again."""
    return int(booking.starts_at.timestamp())


def booking_email_outdated(key: str) -> Booking | None:
    """The booking a logged email was written for before it moved or changed, from the
    email's send-once key: "booking:<id>:<kind>:<calendar sequence>" for the booking emails
    (booking_email_send), "booking:<id>:reminder-<n>d:<start>" and
    "booking:<id>:questionnaire-…:<start>" for reminders (reminder_stamp). None when the
    email still says the booking as it is, or is no such email."""
    parts = (key or "").split(":")
    if len(parts) != 4 or parts[0] != "booking" or not (parts[1] + parts[3]).isdigit():
        return None
    booking = Booking.objects.filter(pk=int(parts[1])).first()
    if booking is None:
        return None
    if parts[2].startswith(("reminder-", "questionnaire-")):
        current = reminder_stamp(booking)
    elif parts[2] in (*KINDS, "changed"):
        current = booking.calendar_sequence
    else:
        return None
    return booking if int(parts[3]) != current else None


def booking_invite_for(booking: Booking, *, download: bool = False) -> bytes:
    """The booking as a calendar event: cancelled for ended bookings, tentative while it
    waits for approval or payment. Emailed, it is an invitation (REQUEST, or CANCEL); a
    `download` from the booking page is published (PUBLISH), so calendar apps add it as an
    event rather than an invitation to answer."""
    studio = studio_get()
    if booking.status in Booking.ENDED_STATUSES:
        method, status = "CANCEL", "CANCELLED"
    elif booking.status == Booking.Status.CONFIRMED or booking.status == Booking.Status.COMPLETED:
        method, status = "REQUEST", "CONFIRMED"
    else:
        method, status = "REQUEST", "TENTATIVE"
    return booking_invite(
        uid=f"booking-{booking.reference}@sitting",
        sequence=booking.calendar_sequence,
        method="PUBLISH" if download else method,
        status=status,
        summary=f"{booking.session_type.name} · {studio.name}",
        description=(
            f"Your {booking.session_type.name.lower()} session with "
            f"{booking.photographer.display_name}. Reference {booking.reference}.\n"
            f"Details and changes: {booking_url(booking, absolute=True)}"
        ),
        location=booking.session_type.location or studio.address.replace("\n", ", "),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        organizer_email=studio.contact_email or settings.DEFAULT_FROM_EMAIL,
        organizer_name=studio.name,
        attendee_email=booking.client.email,
        attendee_name=booking.booked_as_name,
        url=booking_url(booking, absolute=True),
        stamp=timezone.now(),
    )


# The wording of these is the studio's to edit (studio.email_kinds); a request's is Sitting's.
EDITABLE = ("confirmed", "rescheduled", "changed", "cancelled", "declined")
REQUESTED_HEADING = _lazy("We have your request")
REQUESTED_OPENING = _lazy(
    "Hello {name}, thank you for your request. We'll look at it and write again shortly to confirm."
)


def booking_facts(booking: Booking, studio) -> dict:
    """The placeholders of an email about a booking (studio.email_kinds.BOOKING_FACTS), in
    the current time zone. The client's name is the one typed when booking."""
    local = timezone.localtime(booking.starts_at)
    name = booking.booked_as_name
    names = name.split()
    return {
        "name": names[0] if names else name,
        "client": name,
        "session": booking.session_type.called,
        "date": date_format(local, "l j F"),
        "time": date_format(local, "H:i"),
        "photographer": booking.photographer.display_name,
        "reference": booking.reference,
        "studio": studio.name,
    }


def booking_moved_from(booking: Booking) -> datetime | None:
    """When the session was before its latest move, from its history; None if unknown
    (moved before history was kept, or never moved). One query."""
    times = list(booking.events.order_by("at", "pk").values_list("starts_at", "moved"))
    for index in range(len(times) - 1, 0, -1):
        if times[index][1]:
            return times[index - 1][0]
    return None


def when_text(moment: datetime | None) -> str:
    """A day and time in the current time zone, e.g. "Tuesday 8 December, 10:00"."""
    return date_format(timezone.localtime(moment), "l j F, H:i") if moment else ""


def booking_message(
    kind: str, booking: Booking, studio, *, template=None, was: datetime | None = None
) -> dict:
    """Subject, heading and opening paragraphs of a booking email. `template` is an unsaved
    wording to preview. A move says when the session `was` (the time the client knew when
    it was moved; from its history if not given)."""
    facts = booking_facts(booking, studio)
    if kind == "rescheduled":
        facts["was"] = when_text(was or booking_moved_from(booking)) or _("its earlier time")
    if kind == "changed":
        facts["end"] = date_format(timezone.localtime(booking.ends_at), "H:i")
    if kind in EDITABLE:
        words = wording(f"booking-{kind}", facts, template=template)
        return {**words, "intro": words["paragraphs"]}
    return {
        "subject": _("We have your request: %(what)s on %(when)s")
        % {"what": facts["session"], "when": facts["date"]},
        "heading": str(REQUESTED_HEADING),
        "intro": [fill(str(REQUESTED_OPENING), facts)],
    }


def ended_booking_money(booking: Booking) -> dict:
    """For a cancelled or declined booking: what was paid (as Stripe took it), what of it
    is refunded or on its way back, and what is kept, in the booking's currency; `lines`
    says so to the client. Queries the payments and their refunds."""
    paid = refunded = 0
    by_card = True  # all that is given back goes to a card (not money the studio took)
    for payment in Payment.objects.filter(booking=booking).prefetch_related("refunds"):
        if payment.status not in Payment.RECEIVED_STATUSES:
            continue
        if payment.currency_received != booking.currency:
            continue
        asked = sum(
            refund.amount
            for refund in payment.refunds.all()
            if refund.status != Refund.Status.FAILED and not refund.stripe_payment_intent_id
        )
        paid += payment.amount_received
        refunded += min(max(payment.amount_refunded, asked), payment.amount_received)
        by_card = by_card and not (payment.recorded and asked)
    amounts = {
        "paid": money_format(paid, booking.currency),
        "refund": money_format(refunded, booking.currency),
        "kept": money_format(paid - refunded, booking.currency),
    }
    if not paid and settings.PAYMENTS_ENABLED:
        lines = [_("Nothing had been paid, so nothing is owed and there is nothing to refund.")]
    elif not paid:
        lines = [
            _(
                "Nothing was paid online for this session. If you paid the studio directly, "
                "please get in touch and we'll sort it out."
            )
        ]
    elif refunded and not by_card:  # some of it money the studio took: it gives it back
        given_back = (
            _("You paid %(paid)s. Refund: %(refund)s, in full, given back the way you paid it.")
            if refunded == paid
            else _(
                "You paid %(paid)s. Refund: %(refund)s, given back the way you paid it (the "
                "studio keeps %(kept)s)."
            )
        )
        lines = [given_back % amounts]
    elif refunded == paid:
        lines = [
            _(
                "You paid %(paid)s. Refund: %(refund)s, in full, to the card you paid with; "
                "refunds usually show on your statement within 5 to 10 days."
            )
            % amounts
        ]
    elif refunded:
        lines = [
            _(
                "You paid %(paid)s. Refund: %(refund)s, to the card you paid with (the studio "
                "keeps %(kept)s); refunds usually show on your statement "
                "within 5 to 10 days."
            )
            % amounts
        ]
    else:
        lines = [_("You paid %(paid)s. The studio keeps it, so there is no refund.") % amounts]
    # A gift voucher's part is on the voucher again (redemptions_release), not refunded.
    vouchers = booking.redemptions.filter(gift_voucher__isnull=False, released_at__isnull=False)
    back = [
        _(
            "The %(amount)s paid by gift voucher %(code)s is back on the voucher, to use "
            "another time."
        )
        % {"amount": money_format(use.amount, booking.currency), "code": use.code}
        for use in vouchers
        if use.amount
    ]
    if back and not paid:  # the voucher paid it all: nothing else to say about money
        lines = back
    else:
        lines += back
    return {"paid": paid, "refunded": refunded, "kept": paid - refunded, "lines": lines}


def booking_email_context(
    kind: str, booking: Booking, studio, *, template=None, was: datetime | None = None
) -> dict:
    """Everything emails/booking-<kind>/ and their layout (emails/layouts/booking.*) show.
    In the studio's zone and language."""
    ended = kind in ("cancelled", "declined")
    return {
        **booking_message(kind, booking, studio, template=template, was=was),
        "kind": kind,
        "ended": ended,
        "booking": booking,
        "studio": studio,
        "booking_link": booking_url(booking, absolute=True),
        "book_again_link": settings.SITE_URL + "/book/",
        "time_zone": studio.time_zone,
        "paid": sum(payment.net_received for payment in booking.payments.all()),
        "payments_enabled": settings.PAYMENTS_ENABLED,
        "money_lines": ended_booking_money(booking)["lines"] if ended else [],
        "questionnaires": _questionnaire_links(booking) if kind == "confirmed" else [],
        "has_guide": kind == "confirmed" and booking.session_type.guides.exists(),
        # The payment plan's parts still to pay, each with its day ("due now" when it is due).
        "plan": [line for line in plan_lines(booking) if line.installment.is_open and line.amount]
        if kind in ("confirmed", "rescheduled", "changed")
        else [],
        "today": timezone.localdate(),
    }


def _questionnaire_links(booking: Booking) -> list[tuple[str, str]]:
    from django.urls import reverse

    token = booking_token(booking)
    return [
        (
            questionnaire.name,
            settings.SITE_URL
            + reverse("sessions:questionnaire-fill", args=[token, questionnaire.pk]),
        )
        for questionnaire in booking.session_type.questionnaires.filter(is_active=True)
    ]


def booking_email_send(
    *,
    booking_id: int,
    kind: str,
    sequence: int | None = None,
    was: datetime | None = None,
    status: str | None = None,
) -> bool:
    """Email the client about their booking, with a calendar invite (a cancellation for
    the calendar when cancelled). False when this email was already sent, or when the
    booking has changed since it was queued (`sequence`), so it no longer applies.

    A move (queued with when the session `was` and the `status` it was moved in) is told
    as the booking is now if it has only been moved again since: a later move the studio
    chose not to email about must not swallow it (the client would keep the old time), a
    later emailed one shares its key (the client hears once), and one already sent is not
    sent again. Approved, paid or cancelled since, the email of that says it all."""
    if kind not in KINDS:
        raise ValueError(f"unknown booking email {kind!r}")
    booking = (
        Booking.objects.select_related("client", "session_type", "photographer")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.status not in EXPECTED_STATUSES[kind]:
        return False
    if sequence is not None and booking.calendar_sequence != sequence:
        moved_since = kind == "rescheduled" and was is not None and booking.status == status
        told = SentEmail.objects.filter(key=f"booking:{booking.pk}:{kind}:{sequence}").exclude(
            status=SentEmail.Status.FAILED  # a retry after a failed send still tells them
        )
        if not moved_since or told.exists():
            return False
    studio = studio_get()
    method = "CANCEL" if booking.status in Booking.ENDED_STATUSES else "REQUEST"
    attachments = [("session.ics", booking_invite_for(booking), f"text/calendar; method={method}")]
    if kind == "confirmed":  # the booking's first invoice comes with it
        invoice = booking_invoice_issue(booking_id=booking.pk, confirming=True)
        if invoice is not None:
            attachments.append(
                (f"{invoice.reference}.pdf", invoice_pdf(invoice), "application/pdf")
            )
    # A "move" that kept its start changed its length or photographer: said as such (the
    # calendar's resize), under the move's key, so the client hears once either way.
    told_as = kind
    if kind == "rescheduled":
        was = was or booking_moved_from(booking)  # looked up once, for this and the words
        if was == booking.starts_at:
            told_as = "changed"
    return email_kind_send(
        kind=f"booking-{told_as}",
        key=f"booking:{booking.pk}:{kind}:{booking.calendar_sequence}",
        to=formataddr((booking.booked_as_name, booking.client.email)),
        context=lambda: booking_email_context(told_as, booking, studio, was=was),
        attachments=attachments,
        reply_to=studio.contact_email or None,
        booking=booking,
    )
