"""No live secret in the email log. Every email goes with its links working, and is logged
with each private link (booking, questionnaire and payment pages, calendar invite, gallery,
share and sign-in links) replaced by a marker the studio sees as "(private link, not kept)".
Someone who may read the log can open nothing with it; "Send again" makes the links afresh."""

import base64
import html
import re
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse

from clients.emails import sign_in_link_send
from clients.models import Client, SignInLink
from gallery.access import gallery_link_token, share_link_url
from gallery.models import ShareLink
from gallery.reminders import gallery_reminders_scan
from gallery.services import gallery_create_for_booking, gallery_publish
from sessions.access import booking_token
from sessions.emails import booking_email_send
from sessions.models import AvailabilityRule, Booking, Questionnaire
from sessions.reminders import balance_requests_scan, reminders_scan
from studio.emailing import email_send_once, sent_emails_redact
from studio.models import SentEmail
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory
from tests.studio.test_email_delivery import relay  # noqa: F401  (fixture)

LONDON = ZoneInfo("Europe/London")
NOT_KEPT = "(private link, not kept)"
SIGN_IN = re.compile(r"/my/sign-in/([A-Za-z0-9_-]+)/")
# Shapes of tokens: a signature after a colon (Django's signer), a long URL-safe random run.
TOKEN_SHAPES = (re.compile(r"[\w-]+:[\w-]{27,}"), re.compile(r"[A-Za-z0-9_-]{32,}"))


def local(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def stored_texts(email: SentEmail) -> list[str]:
    """Everything the log keeps of an email, as a person reading it would see it: the HTML
    unescaped, the attachments decoded with their folded lines joined."""
    texts = [email.subject, email.text_body, html.unescape(email.html_body)]
    for attachment in email.attachments:
        if not attachment["mimetype"].startswith("text/"):
            continue  # a PDF (an invoice): its links are checked where it is made
        content = base64.b64decode(attachment["content"]).decode()
        texts.append(re.sub(r"\r?\n[ \t]", "", content))
    return texts


def sent_texts(message) -> list[str]:
    texts = [message.subject, message.body]
    texts += [html.unescape(content) for content, _type in message.alternatives]
    texts += [
        re.sub(r"\r?\n[ \t]", "", content.decode() if isinstance(content, bytes) else content)
        for _name, content, kind in message.attachments
        if kind.startswith("text/")
    ]
    return texts


def site_paths(texts) -> set[str]:
    """Every address on this site in `texts`, as a path."""
    found = re.compile(re.escape(settings.SITE_URL) + r"(/[^\s\"'<>\\]*)")
    return {path for text in texts for path in found.findall(text)}


@pytest.fixture
def family(studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=maya, weekday=2, start_time="09:00", end_time="17:00"
    )
    family = SessionTypeFactory(
        name="Family",
        slug="family",
        duration_minutes=60,
        price=30000,
        deposit=5000,
        photographers=[maya],
    )
    Questionnaire.objects.create(name="Wardrobe").session_types.add(family)
    return family


@pytest.fixture
def at(eager_tasks, django_capture_on_commit_callbacks):
    """Run `step` at a moment, then every scan beat runs; tasks run as they are queued."""

    def run(moment, step=None):
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            result = step() if step else None
            reminders_scan()
            balance_requests_scan()
            gallery_reminders_scan()
        return result

    return run


def test_after_a_whole_demo_life_no_stored_email_opens_anything(family, at, settings):
    visitor = Browser()
    session_day = local(2026, 6, 24, 10)

    def book_online():
        url = reverse("sessions:booking-create", args=["family"])
        query = urlencode({"start": session_day.isoformat()})
        return visitor.post(
            f"{url}?{query}",
            {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": ""},
        )

    assert at(local(2026, 6, 14, 12), book_online).status_code == 302
    booking = Booking.objects.get()
    at(local(2026, 6, 17, 10, 5))  # the session reminder, a week before
    at(local(2026, 6, 19, 10, 5))  # the questionnaire nudge

    def ask_for_a_sign_in_link():
        visitor.post(reverse("clients:sign-in"), {"email": "rosa@example.com"})

    at(local(2026, 6, 20, 9), ask_for_a_sign_in_link)
    [sign_in_token] = SIGN_IN.findall(mail.outbox[-1].body)
    with time_machine.travel(local(2026, 6, 20, 9, 5), tick=False):  # the link works
        signed_in = Browser().post(reverse("clients:sign-in-confirm", args=[sign_in_token]))
        assert signed_in["Location"] == reverse("clients:my-sessions")
    at(local(2026, 6, 23, 10, 5))  # see you tomorrow
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.COMPLETED)
    settings.PAYMENTS_ENABLED = True
    at(local(2026, 6, 25, 10, 5))  # the balance, the morning after

    def publish():
        gallery = gallery_create_for_booking(booking=booking)
        gallery_publish(gallery_id=gallery.pk)
        return gallery

    gallery = at(local(2026, 6, 29, 14), publish)
    # Sitting never emails share links (the studio hands them out); the scan proves no
    # email holds this one either.
    share = ShareLink.objects.create(gallery=gallery, label="Grandma")
    at(local(2026, 7, 6, 14, 5))  # the favorites nudge

    emails = list(SentEmail.objects.order_by("created_at"))
    assert sorted(email.kind for email in emails) == sorted(
        [
            "booking-confirmed",
            "studio-new",
            "reminder-session",
            "reminder-questionnaire",
            "sign-in",
            "reminder-session",
            "balance-due",
            "gallery-ready",
            "gallery-nudge",
        ]
    )
    assert len(mail.outbox) == len(emails)
    assert {email.status for email in emails} == {SentEmail.Status.SENT}

    # What went out works: the client's links open their booking, gallery and account.
    sent = [text for message in mail.outbox for text in sent_texts(message)]
    assert {token for text in sent for token in SIGN_IN.findall(text)} == {sign_in_token}
    live = {booking_token(booking), gallery_link_token(gallery), share.token, sign_in_token}
    live_paths = site_paths(sent)
    booking_page = reverse("sessions:booking-detail", args=[booking_token(booking)])
    assert booking_page in live_paths
    assert Browser().get(booking_page).status_code == 200
    assert reverse("clients:sign-in-confirm", args=[sign_in_token]) in live_paths
    gallery_path = reverse("gallery:gallery-open", args=[gallery_link_token(gallery)])
    assert gallery_path in live_paths
    client_browser = Browser()
    assert client_browser.get(gallery_path)["Location"] == f"/gallery/{gallery.slug}/"
    assert client_browser.get(f"/gallery/{gallery.slug}/").status_code == 200

    # What the log keeps has no token in it, in any part of any email.
    stored = [text for email in emails for text in stored_texts(email)]
    for text in stored:
        assert not any(token in text for token in live)
        for shape in TOKEN_SHAPES:
            assert not shape.search(text), shape.search(text)
    assert sum(text.count("[private-link:") for text in stored) >= 20

    # Every address in the log, followed by a stranger, opens nothing.
    stranger = Browser()
    paths = site_paths(stored)
    private = {path for path in paths if "[private-link:" in path}
    assert {re.sub(r"\[private-link:[^\]]*\]", "*", path) for path in private} >= {
        "/booking/*/",  # the booking page, from emails and the calendar invite
        f"/booking/*/questionnaire/{Questionnaire.objects.get().pk}/",
        "/gallery/link/*/",
        "/my/sign-in/*/",
    }
    for path in private:
        response = stranger.get(path)
        if path.startswith("/my/sign-in/"):
            assert response.status_code == 200  # the page with the button; changes nothing
            response = stranger.post(path)
            assert response["Location"] == reverse("clients:sign-in")
        else:
            assert response.status_code == 404, path
    for path in paths - private:  # booking again, and the studio's own admin
        response = stranger.get(path)
        if path == "/book/":
            assert response.status_code == 200
        else:
            assert path.startswith("/admin/"), path
            assert response["Location"].startswith("/admin/login/")
    assert stranger.get(reverse("clients:my-sessions"))["Location"] == reverse("clients:sign-in")
    assert stranger.get(reverse("gallery:gallery-detail", args=[gallery.slug])).status_code == 404
    # The share link itself does open the gallery: it is live, just in no email.
    opened = Browser().get(share_link_url(share))
    assert opened["Location"] == reverse("gallery:gallery-detail", args=[gallery.slug])


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def booking(family, anna):
    return BookingFactory(
        client=anna,
        session_type=family,
        starts_at=local(2030, 6, 24, 10),
        status=Booking.Status.CONFIRMED,
    )


def send_again(owner, email, django_capture_on_commit_callbacks) -> SentEmail:
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("admin:studio_sentemail_send_again", args=[email.pk]))
    return SentEmail.objects.order_by("pk").last()


def test_a_sign_in_email_sent_again_carries_a_new_link_that_works(
    owner, anna, eager_tasks, django_capture_on_commit_callbacks
):
    assert sign_in_link_send(email=anna.email)
    first = SentEmail.objects.get()
    [first_token] = SIGN_IN.findall(mail.outbox[0].body)
    assert first_token not in first.text_body
    assert f"/my/sign-in/{NOT_KEPT}/" not in first.text_body  # markers, shown only in the admin
    assert "/my/sign-in/[private-link:sign-in]/" in first.text_body

    again = send_again(owner, first, django_capture_on_commit_callbacks)
    assert again.resend_of == first
    assert again.status == SentEmail.Status.SENT
    [new_token] = SIGN_IN.findall(mail.outbox[1].body)
    assert new_token != first_token
    assert new_token not in again.text_body
    assert again.text_body == first.text_body  # the same redacted copy
    assert SignInLink.objects.filter(client=anna).count() == 2
    browser = Browser()
    signed_in = browser.post(reverse("clients:sign-in-confirm", args=[new_token]))
    assert signed_in["Location"] == reverse("clients:my-sessions")
    assert browser.get(reverse("clients:my-sessions")).status_code == 200


def test_a_failed_sign_in_email_tried_again_gets_a_working_link(
    owner, anna, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.sessions.failing_mail.Backend"
    with pytest.raises(ConnectionRefusedError):
        sign_in_link_send(email=anna.email)
    failed = SentEmail.objects.get()
    assert failed.status == SentEmail.Status.FAILED
    assert "[private-link:sign-in]" in failed.text_body
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_again(owner, failed, django_capture_on_commit_callbacks) == failed
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (SentEmail.Status.SENT, 2)
    [token] = SIGN_IN.findall(mail.outbox[0].body)
    assert token not in failed.text_body
    browser = Browser()
    assert browser.post(reverse("clients:sign-in-confirm", args=[token]))["Location"] == reverse(
        "clients:my-sessions"
    )


def test_a_sign_in_link_is_not_sent_again_to_an_address_the_client_left(
    owner, anna, eager_tasks, django_capture_on_commit_callbacks
):
    sign_in_link_send(email=anna.email)
    first = SentEmail.objects.get()
    Client.objects.filter(pk=anna.pk).update(email="anna.new@example.com")
    again = send_again(owner, first, django_capture_on_commit_callbacks)
    assert again.status == SentEmail.Status.FAILED
    assert again.error == (
        "The client's email address has changed since; they can ask for a new link."
    )
    assert len(mail.outbox) == 1
    assert SignInLink.objects.filter(client=anna).count() == 1


def test_a_booking_email_sent_again_carries_the_bookings_working_links(
    owner, booking, eager_tasks, django_capture_on_commit_callbacks
):
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    first = SentEmail.objects.get()
    again = send_again(owner, first, django_capture_on_commit_callbacks)
    assert again.status == SentEmail.Status.SENT
    resent = mail.outbox[1]
    paths = site_paths(sent_texts(resent))
    token = booking_token(booking)
    questionnaire = Questionnaire.objects.get()
    assert {
        reverse("sessions:booking-detail", args=[token]),
        reverse("sessions:questionnaire-fill", args=[token, questionnaire.pk]),
    } <= paths
    for path in paths - {"/book/"}:
        assert Browser().get(path).status_code == 200, path  # each link opens its page
    invite = resent.attachments[0][1]  # as text: Django decodes text attachments
    assert token in re.sub(r"\r?\n[ \t]", "", invite)
    for text in stored_texts(again):
        assert token not in text
    assert "[private-link:booking:" in stored_texts(again)[3]  # the invite, redacted too


def test_a_booking_or_gallery_link_is_not_sent_again_to_an_address_the_client_left(
    owner, booking, anna, eager_tasks, django_capture_on_commit_callbacks
):
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    gallery = gallery_create_for_booking(booking=booking)
    with django_capture_on_commit_callbacks(execute=True):
        gallery_publish(gallery_id=gallery.pk)
    logged = list(SentEmail.objects.order_by("pk"))
    assert {email.kind for email in logged} >= {"booking-confirmed", "gallery-ready"}
    Client.objects.filter(pk=anna.pk).update(email="anna.new@example.com")
    sent_before = len(mail.outbox)
    for email in logged:
        if "[private-link:" not in email.text_body:
            continue
        again = send_again(owner, email, django_capture_on_commit_callbacks)
        assert again.status == SentEmail.Status.FAILED, email.kind
        assert again.error == (
            "The client's email address has changed since; they can ask for a new link."
        )
    assert len(mail.outbox) == sent_before


def test_the_admin_shows_where_a_private_link_was_and_never_the_link(
    owner, booking, django_assert_max_num_queries
):
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    email = SentEmail.objects.get()
    token = booking_token(booking)
    page = owner.get(reverse("admin:studio_sentemail_change", args=[email.pk])).content.decode()
    assert f"{settings.SITE_URL}/booking/{NOT_KEPT}/" in html.unescape(page)
    assert "[private-link:" not in page
    email_html = owner.get(reverse("admin:studio_sentemail_html", args=[email.pk]))
    assert NOT_KEPT in html.unescape(email_html.content.decode())
    for url in (
        reverse("admin:studio_sentemail_change", args=[email.pk]),
        reverse("admin:studio_sentemail_html", args=[email.pk]),
        reverse("admin:studio_sentemail_changelist"),
        reverse("admin:shoots_booking_change", args=[booking.pk]),
        reverse("admin:clients_client_change", args=[booking.client.pk]),
    ):
        assert token not in owner.get(url).content.decode(), url


def test_a_preview_of_the_studios_wording_shows_no_working_link(owner, booking):
    from studio.models import EmailTemplate

    template = EmailTemplate.objects.get_or_create(kind="booking-confirmed")[0]
    response = owner.post(
        reverse("admin:studio_emailtemplate_change", args=[template.pk]),
        {
            "enabled": "on",
            "subject": "You're booked",
            "heading": "See you soon",
            "body": "Hello {name}.",
            "preview_with": f"booking:{booking.pk}",
            "_preview": "1",
        },
    )
    page = html.unescape(response.content.decode())
    assert "Hello Anna." in page
    assert NOT_KEPT in page
    assert booking_token(booking) not in page
    assert booking_token(booking) not in owner.session["email-preview"]


def test_an_email_quoting_a_share_link_is_logged_without_it_and_sent_again_with_it(
    owner, booking, eager_tasks, django_capture_on_commit_callbacks
):
    gallery = gallery_create_for_booking(booking=booking)
    share = ShareLink.objects.create(gallery=gallery, label="Grandma")
    email_send_once(
        key="studio-note",
        to="anna@example.com",
        subject="For your family",
        text=f"Grandma can see the photos here: {share_link_url(share, absolute=True)}",
        gallery=gallery,
    )
    logged = SentEmail.objects.get()
    assert share.token not in logged.text_body
    assert f"/gallery/share/[private-link:share:{share.pk}]/" in logged.text_body
    send_again(owner, logged, django_capture_on_commit_callbacks)
    assert share_link_url(share, absolute=True) in mail.outbox[1].body


def test_text_typed_to_look_like_a_marker_never_becomes_a_link(
    owner, booking, eager_tasks, django_capture_on_commit_callbacks
):
    booking.client_notes = "My link: [private-link:sign-in] and [private-link:booking:XXXXXX]"
    booking.save()
    from sessions.studio_emails import studio_email_send

    assert studio_email_send(booking_id=booking.pk, kind="new")
    logged = SentEmail.objects.get()
    assert "[private-link:" not in logged.text_body
    again = send_again(owner, logged, django_capture_on_commit_callbacks)
    assert again.status == SentEmail.Status.SENT
    assert not SignInLink.objects.exists()
    assert "[private link:sign-in]" in mail.outbox[1].body


def test_emails_logged_before_are_redacted_once(booking, anna):
    token = booking_token(booking)
    link = f"{settings.SITE_URL}/booking/{token}/"
    sign_in = f"{settings.SITE_URL}/my/sign-in/{'s' * 43}/"
    invite = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nURL:" + link + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    SentEmail.objects.create(
        key="old",
        kind="booking-confirmed",
        to=anna.email,
        subject="You're booked",
        text_body=f"See {link} or sign in: {sign_in}",
        html_body=f'<a href="{link}cancel/">Cancel</a>',
        attachments=[
            {
                "filename": "session.ics",
                "mimetype": "text/calendar; method=REQUEST",
                "content": base64.b64encode(invite).decode(),
            }
        ],
    )
    booking.sent_emails.add(SentEmail.objects.get())
    anna.sent_emails.add(SentEmail.objects.get())
    assert sent_emails_redact() == 1
    email = SentEmail.objects.get()
    assert all(token not in text and "s" * 43 not in text for text in stored_texts(email))
    reference = booking.reference
    assert email.text_body == (
        f"See {settings.SITE_URL}/booking/[private-link:booking:{reference}]/ or sign in: "
        f"{settings.SITE_URL}/my/sign-in/[private-link:sign-in]/"
    )
    assert f"[private-link:booking:{reference}]" in stored_texts(email)[3]
    assert sent_emails_redact() == 0
    assert parseaddr(email.to)[1] == anna.email


def test_the_tasks_own_retry_renders_the_email_again_with_working_links(relay, booking):  # noqa: F811
    """A mail server saying "later" makes the task retry: it renders the email afresh, so
    the message that finally goes has working links, and the log still has none."""
    from sessions.tasks import booking_email_send_task

    relay.refuse = 1
    result = booking_email_send_task.apply(kwargs={"booking_id": booking.pk, "kind": "confirmed"})
    assert result.get() is True
    assert relay.refused == 1
    ((_recipients, message),) = relay.received
    token = booking_token(booking)
    [plain] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    text = plain.get_payload(decode=True).decode()
    assert reverse("sessions:booking-detail", args=[token]) in text
    email = SentEmail.objects.get()
    assert (email.status, email.attempts) == (SentEmail.Status.SENT, 2)
    assert all(token not in part for part in stored_texts(email))
