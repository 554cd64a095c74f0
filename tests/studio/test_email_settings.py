"""The studio's say over its emails: each kind on or off, its own wording with placeholders
(previewed on a real booking before saving), and the log of what went, with failures shown
and a way to send any email again."""

import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from sessions.emails import booking_email_send
from sessions.models import Booking, Payment
from sessions.reminders import balance_requests_scan, reminders_scan
from studio.email_kinds import KINDS, wording
from studio.emailing import email_send_once
from studio.models import EmailTemplate, SentEmail
from tests.factories import BookingFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")
CHANGE = "admin:studio_emailtemplate_change"


@pytest.fixture
def booking(studio, anna):
    return BookingFactory(
        client=anna,
        session_type=SessionTypeFactory(name="Headshot"),
        starts_at=datetime(2026, 6, 24, 10, tzinfo=LONDON),
        price=15000,
        deposit=5000,
        currency="GBP",
    )


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def template_of(kind: str) -> EmailTemplate:
    return EmailTemplate.objects.get_or_create(kind=kind)[0]


def test_a_paragraph_whose_placeholder_has_nothing_to_show_is_left_out(db):
    draft = EmailTemplate(
        kind="gallery-ready", subject="Photos for {name}", body="Hi {name}.\n\nBy {deadline}."
    )
    words = wording("gallery-ready", {"name": "Anna", "deadline": ""}, template=draft)
    assert words == {
        "subject": "Photos for Anna",
        "heading": "Hello Anna, your gallery is ready",  # blank: Sitting's own
        "paragraphs": ["Hi Anna."],
    }


def test_the_studios_wording_goes_out_in_both_versions(booking):
    EmailTemplate.objects.create(
        kind="booking-confirmed",
        subject="{name}, see you {date}!",
        heading="It's a date",
        body="Dear {client},\n\n{photographer} can't wait. Ref {reference}.",
    )
    assert booking_email_send(booking_id=booking.pk, kind="confirmed") is True
    message = mail.outbox[0]
    assert message.subject == "Anna, see you Wednesday 24 June!"
    assert f"{booking.photographer.display_name} can't wait. Ref {booking.reference}." in (
        message.body
    )
    html = message.alternatives[0][0]
    assert "It&#x27;s a date" in html
    assert "Dear Anna Kowalska," in html
    assert "session.ics" in [attachment[0] for attachment in message.attachments]


def test_a_kind_turned_off_is_neither_sent_nor_queued(booking, eager_tasks):
    EmailTemplate.objects.create(kind="booking-confirmed", enabled=False)
    EmailTemplate.objects.create(kind="reminder-session", enabled=False)
    assert booking_email_send(booking_id=booking.pk, kind="confirmed") is False
    assert reminders_scan(now=datetime(2026, 6, 23, 10, 5, tzinfo=LONDON)) == 0
    assert not SentEmail.objects.exists()
    assert not mail.outbox
    EmailTemplate.objects.filter(kind="reminder-session").update(enabled=True)
    assert reminders_scan(now=datetime(2026, 6, 23, 10, 5, tzinfo=LONDON)) == 1


def test_the_list_shows_every_kind_and_the_sign_in_email_stays_on(owner, studio):
    response = owner.get(reverse("admin:studio_emailtemplate_changelist"))
    assert response.status_code == 200
    assert EmailTemplate.objects.count() == len(KINDS)
    for label in ("Sign-in link", "Gallery ready", "To you: payment disputed"):
        assert label in response.content.decode()
    sign_in = EmailTemplate.objects.get(kind="sign-in")
    response = owner.post(reverse(CHANGE, args=[sign_in.pk]), {"_save": "1"})
    sign_in.refresh_from_db()
    assert sign_in.enabled is True


def test_an_unknown_placeholder_is_explained_and_what_was_typed_is_kept(owner, booking):
    row = template_of("reminder-session")
    typed = {"enabled": "on", "subject": "See you {when}", "heading": "Hi", "body": "Soon."}
    response = owner.post(reverse(CHANGE, args=[row.pk]), {**typed, "_save": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "can&#x27;t fill in {when}" in page
    assert "{session}" in page  # the ones it knows are listed
    assert 'value="See you {when}"' in page
    row.refresh_from_db()
    assert row.subject == ""


@pytest.mark.parametrize(
    ("subject", "where"),
    [
        ("Your session {session", "{session"),
        ("Hi {name.upper}", "{name.upper}"),
        ("On {date:>20}", "{date:>20}"),
        ("Hi name} and {session}", "name}"),
    ],
)
def test_a_brace_that_is_no_placeholder_is_refused_not_sent_as_code(owner, booking, subject, where):
    row = template_of("reminder-session")
    typed = {"enabled": "on", "subject": subject, "heading": "Hi", "body": "Soon {name}."}
    response = owner.post(reverse(CHANGE, args=[row.pk]), {**typed, "_save": "1"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert f"this brace isn't one: “{where}”" in page
    row.refresh_from_db()
    assert row.subject == ""


def test_a_preview_shows_the_email_on_a_real_booking_and_saves_nothing(owner, booking):
    row = template_of("reminder-session")
    form = {
        "enabled": "on",
        "subject": "{name}: {session} {day}",
        "heading": "Soon, {name}",
        "body": "With {photographer} at {time}.",
        "preview_with": f"booking:{booking.pk}",
        "_preview": "1",
    }
    response = owner.post(reverse(CHANGE, args=[row.pk]), form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Anna: Headshot session on Wednesday 24 June" in page
    assert f"With {booking.photographer.display_name} at 10:00." in page  # the text version
    row.refresh_from_db()
    assert (row.subject, row.body) == ("", "")
    framed = owner.get(reverse("admin:studio_emailtemplate_preview_html"))
    assert "Soon, Anna" in framed.content.decode()
    policy = framed["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy
    assert "script-src" not in policy  # default-src 'none': no script runs
    assert framed["X-Frame-Options"] == "SAMEORIGIN"


def test_saving_sittings_own_words_keeps_them_blank(owner, booking):
    row = template_of("gallery-expiring")
    page = owner.get(reverse(CHANGE, args=[row.pk])).content.decode()
    assert "Your gallery closes on {closes}" in page  # shown to edit from
    spec = KINDS["gallery-expiring"]
    owner.post(
        reverse(CHANGE, args=[row.pk]),
        {"enabled": "on", "subject": str(spec.subject), "heading": "Last week!", "body": ""},
    )
    row.refresh_from_db()
    assert (row.subject, row.heading) == ("", "Last week!")


def failing_email(booking) -> SentEmail:
    return SentEmail.objects.create(
        key=f"booking:{booking.pk}:confirmed:0",
        kind="booking-confirmed",
        to="Anna Kowalska <anna@example.com>",
        subject="You're booked",
        text_body="See you soon.",
        html_body="<p>See you soon.</p>",
        status=SentEmail.Status.FAILED,
        error="SMTPServerDisconnected: Connection unexpectedly closed",
        booking=booking,
        client=booking.client,
    )


def test_a_failure_is_shown_with_its_error_and_can_be_sent_again(
    owner, booking, eager_tasks, django_capture_on_commit_callbacks
):
    failed = failing_email(booking)
    page = owner.get(reverse("admin:shoots_booking_change", args=[booking.pk])).content.decode()
    assert "not sent: SMTPServerDisconnected: Connection unexpectedly closed" in page
    listed = owner.get(reverse("admin:studio_sentemail_changelist") + "?status__exact=failed")
    assert "Connection unexpectedly closed" in listed.content.decode()
    assert "1 email could not be sent" in owner.get(reverse("admin:index")).content.decode()
    again = reverse("admin:studio_sentemail_send_again", args=[failed.pk])
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(again)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error) == (SentEmail.Status.SENT, 2, "")
    assert [m.subject for m in mail.outbox] == ["You're booked"]
    with django_capture_on_commit_callbacks(execute=True):  # a sent one goes once more,
        owner.post(again)
        owner.post(again)  # however often pressed before it goes
    with django_capture_on_commit_callbacks(execute=True):  # and again when asked again
        owner.post(again)
    copies = SentEmail.objects.filter(resend_of=failed).order_by("pk")
    assert [c.key for c in copies] == [f"{failed.key}:again:1", f"{failed.key}:again:2"]
    assert len(mail.outbox) == 3


def test_only_staff_see_the_log_and_an_emails_html(client, booking, anna):
    email = failing_email(booking)
    for url in (
        reverse("admin:studio_sentemail_changelist"),
        reverse("admin:studio_sentemail_html", args=[email.pk]),
        reverse("admin:studio_emailtemplate_preview_html"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert (
        client.post(reverse("admin:studio_sentemail_send_again", args=[email.pk])).status_code
        == 302
    )
    email.refresh_from_db()
    assert email.status == SentEmail.Status.FAILED


def test_a_failed_row_is_taken_back_by_one_retry_only(booking):
    failed = failing_email(booking)
    SentEmail.objects.filter(pk=failed.pk).update(status=SentEmail.Status.SENDING)
    # Someone else's retry holds it (sending): this one stands back.
    assert not email_send_once(key=failed.key, to=failed.to, subject="x", text="x")
    assert not mail.outbox


def test_the_balance_is_asked_for_once_the_morning_after_when_payments_are_on(
    booking, settings, eager_tasks, django_capture_on_commit_callbacks
):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.COMPLETED)
    morning = datetime(2026, 6, 25, 10, 5, tzinfo=LONDON)
    settings.PAYMENTS_ENABLED = False
    assert balance_requests_scan(now=morning) == 0
    settings.PAYMENTS_ENABLED = True
    assert balance_requests_scan(now=morning - timedelta(minutes=10)) == 0  # before 10:00
    assert balance_requests_scan(now=morning + timedelta(days=15)) == 0  # too long ago
    with (
        time_machine.travel(morning.astimezone(UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert balance_requests_scan() == 1
    assert balance_requests_scan(now=morning + timedelta(days=1)) == 0
    payment = Payment.objects.get(booking=booking, kind=Payment.Kind.BALANCE)
    assert payment.amount == 15000  # no deposit was paid
    assert [m.subject for m in mail.outbox] == ["The balance for your Headshot session: £150.00"]


def test_send_again_returns_only_to_a_page_of_this_site(owner, booking, eager_tasks):
    email = failing_email(booking)
    url = reverse("admin:studio_sentemail_send_again", args=[email.pk])
    page = reverse("admin:shoots_booking_change", args=[booking.pk])
    assert owner.post(url, {"next": page})["Location"] == page
    away = owner.post(url, {"next": "https://elsewhere.example/"})
    assert away["Location"] == reverse("admin:studio_sentemail_changelist")
