"""Emails look like the studio's: they come from its name, a client's reply reaches its
contact address, a notice to the studio reads as Sitting's note about a client (a reply
reaches the client), names with accents read as written in the email log, and the wording
page's plain-text preview shows markup as text."""

from datetime import datetime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from sessions.emails import booking_email_send
from studio import emailing
from studio.email_kinds import KINDS
from studio.emailing import email_resend
from studio.models import EmailTemplate, SentEmail
from tests.factories import BookingFactory, ClientFactory, SessionTypeFactory
from tests.studio.email_samples import CLIENT_NAME, emails_of_every_kind

LONDON = ZoneInfo("Europe/London")
SENDER = "bookings@sitting.example"


@pytest.fixture(autouse=True)
def _sending_address(settings):
    settings.DEFAULT_FROM_EMAIL = f"Sitting <{SENDER}>"


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def on_the_wire(message):
    """The message as a mail program reads it: headers decoded."""
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


def book(client):
    return BookingFactory(
        client=client,
        session_type=SessionTypeFactory(name="Headshot"),
        starts_at=datetime(2026, 6, 24, 10, tzinfo=LONDON),
    )


def test_a_client_email_comes_from_the_studio_and_a_reply_reaches_its_contact_address(studio, anna):
    booking = book(anna)
    assert booking_email_send(booking_id=booking.pk, kind="confirmed")
    sent = on_the_wire(mail.outbox[0])
    assert sent["From"] == f"Lumen Portraits <{SENDER}>"
    assert sent["Reply-To"] == "hello@lumen.example"
    studio.name = "Lumen, Light & Co"  # a comma: quoted
    studio.save()
    assert email_resend(email_id=SentEmail.objects.get().pk, attempt=1)
    assert on_the_wire(mail.outbox[1])["From"] == f'"Lumen, Light & Co" <{SENDER}>'


def test_every_notice_to_the_studio_reads_as_one_and_a_reply_reaches_the_client(
    studio, eager_tasks
):
    emails = emails_of_every_kind(studio)
    missing = set(KINDS) - set(emails)
    assert not missing, f"add an email of each kind to tests/studio/email_samples.py: {missing}"
    from_line = {message.subject: on_the_wire(message)["From"] for message in mail.outbox}
    client = f"{CLIENT_NAME} <zoe.newcomer-fitzgerald@example.com>"
    for kind, email in emails.items():
        spec = KINDS[kind]
        if not spec.to_studio:
            assert from_line[email.subject] == f"Lumen Portraits <{SENDER}>", kind
            continue
        assert from_line[email.subject] == f"Lumen Portraits via Sitting <{SENDER}>", kind
        for body in (email.text_body, email.html_body):
            assert "Just reply to this email" not in body, kind
            assert "Sent to you by Sitting, the booking site of Lumen Portraits." in body, kind
        if spec.reply_to_client:
            assert email.reply_to == client, kind
            assert f"Reply to this email to write to {CLIENT_NAME}." in email.text_body, kind
        else:  # someone guessing a PIN is not the client
            assert email.reply_to == "", kind
            assert "Reply to" not in email.text_body, kind


def test_a_name_with_accents_reads_as_written_in_the_email_log(owner, studio):
    zoe = ClientFactory(name="Zoë Newcomer", email="zoe@example.com")
    assert booking_email_send(booking_id=book(zoe).pk, kind="confirmed")
    email = SentEmail.objects.get()
    assert email.to == "Zoë Newcomer <zoe@example.com>"
    wire = mail.outbox[0].message().as_bytes()
    assert b"To: =?utf-8?q?Zo=C3=AB_Newcomer?= <zoe@example.com>" in wire  # encoded to go
    assert on_the_wire(mail.outbox[0])["To"] == "Zoë Newcomer <zoe@example.com>"
    pages = [
        owner.get(reverse("admin:studio_sentemail_changelist")),
        owner.get(reverse("admin:studio_sentemail_changelist"), {"q": "Zoë"}),
        owner.get(reverse("admin:studio_sentemail_change", args=[email.pk])),
        owner.get(reverse("admin:clients_client_change", args=[zoe.pk])),
    ]
    for response in pages:
        page = response.content.decode()
        assert "Zoë Newcomer &lt;zoe@example.com&gt;" in page
        assert "=?utf-8" not in page


def test_names_logged_encoded_before_are_decoded(studio):
    SentEmail.objects.create(
        key="old", to="=?utf-8?q?Zo=C3=AB_Newcomer?= <zoe@example.com>", subject="Hello"
    )
    SentEmail.objects.create(
        key="old-notice",
        to="Lumen Portraits <hello@lumen.example>",
        reply_to="=?utf-8?b?Wm/DqywgTmV3Y29tZXI=?= <zoe@example.com>",  # "Zoë, Newcomer"
        subject="New booking",
    )
    assert emailing.sent_emails_addresses_decode() == 1 + 1
    assert list(SentEmail.objects.order_by("key").values_list("to", "reply_to")) == [
        ("Zoë Newcomer <zoe@example.com>", ""),
        ("Lumen Portraits <hello@lumen.example>", '"Zoë, Newcomer" <zoe@example.com>'),
    ]
    assert emailing.sent_emails_addresses_decode() == 0


def test_the_plain_text_preview_shows_markup_as_text(owner, studio):
    booking = book(ClientFactory(name="<script>alert(1)</script>", email="x@example.com"))
    row = EmailTemplate.objects.get_or_create(kind="reminder-session")[0]
    response = owner.post(
        reverse("admin:studio_emailtemplate_change", args=[row.pk]),
        {
            "enabled": "on",
            "subject": "See you {day}",
            "heading": "Soon",
            "body": "<b>Bold words</b> for {client}.",
            "preview_with": f"booking:{booking.pk}",
            "_preview": "1",
        },
    )
    page = response.content.decode()
    text = page[page.index('<pre class="email-text">') :]
    text = text[: text.index("</pre>")]
    assert "&lt;b&gt;Bold words&lt;/b&gt; for &lt;script&gt;alert(1)&lt;/script&gt;." in text
    assert "<script>alert" not in page
    assert "<b>Bold" not in page
