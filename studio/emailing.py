"""Sending email once: the one way Sitting sends mail about something.

Every email is a row in the sent-email log (`SentEmail`), claimed by its unique key before the
mail server is asked, so however many workers, retries or scans run the same task, it goes at
most once. A failure is recorded on the row with its error, and the task's retry claims the
row again; the studio sees failures in the admin and can send any email again.
"""

import base64
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from studio.actors import actor_current
from studio.email_kinds import email_enabled
from studio.models import SentEmail

# What a task sending mail retries on: the mail server said no for now, or could not be
# reached (refused, timed out, its name not found, TLS broken: all OSErrors).
MAIL_ERRORS = (SMTPException, OSError)


def email_render(name: str, context: dict) -> tuple[str, str]:
    """The text and HTML of email template `name` (emails/<name>.txt and .html), in the
    studio's branding; `context` needs `studio`."""
    context = {"site_url": settings.SITE_URL, **context}
    return (
        render_to_string(f"emails/{name}.txt", context),
        render_to_string(f"emails/{name}.html", context),
    )


def email_send_once(
    *,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    reply_to: str | None = None,
    kind: str = "",
    booking=None,
    client=None,
    gallery=None,
) -> bool:
    """Send unless an email with this key was already sent (or the studio turned this kind
    of email off); True if this call sent it.

    A failed send is recorded on the row and the error raised, for the task to retry: the
    retry claims the failed row again. `booking`, `client` and `gallery` file the email in
    their logs in the admin."""
    if kind and not email_enabled(kind):
        return False
    if client is None and booking is not None:
        client = booking.client
    if booking is None and gallery is not None:
        booking = gallery.booking
        client = client or booking.client
    fields = {
        "kind": kind,
        "to": to[:300],
        "subject": subject[:300],
        "reply_to": reply_to or "",
        "text_body": text,
        "html_body": html or "",
        "attachments": [
            {
                "filename": filename,
                "mimetype": mimetype,
                "content": base64.b64encode(
                    content if isinstance(content, bytes) else content.encode()
                ).decode(),
            }
            for filename, content, mimetype in attachments
        ],
        "booking": booking,
        "client": client,
        "gallery": gallery,
    }
    claim = _claim(key, fields)
    if claim is None:
        return False
    return _deliver(claim)


def _claim(key: str, fields: dict) -> SentEmail | None:
    """The row to send under this key: new, or a failed one taken back; None when the email
    was sent or is being sent."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return SentEmail.objects.create(
                key=key, status=SentEmail.Status.SENDING, created_at=now, updated_at=now, **fields
            )
    except IntegrityError:
        pass
    # One UPDATE, so of two workers retrying the same failure only one gets the row.
    taken = SentEmail.objects.filter(key=key, status=SentEmail.Status.FAILED).update(
        status=SentEmail.Status.SENDING,
        attempts=F("attempts") + 1,
        updated_at=now,
        **fields,
    )
    return SentEmail.objects.get(key=key) if taken else None


def _message(email: SentEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    for attachment in email.attachments:
        message.attach(
            attachment["filename"], base64.b64decode(attachment["content"]), attachment["mimetype"]
        )
    return message


def _deliver(email: SentEmail) -> bool:
    try:
        _message(email).send()
    except Exception as error:
        SentEmail.objects.filter(pk=email.pk).update(
            status=SentEmail.Status.FAILED,
            error=(f"{type(error).__name__}: {error}")[:2000],
            updated_at=timezone.now(),
        )
        raise
    now = timezone.now()
    SentEmail.objects.filter(pk=email.pk).update(
        status=SentEmail.Status.SENT, sent_at=now, updated_at=now, error=""
    )
    return True


def email_resend(*, email_id: int, attempt: int) -> bool:
    """Send a logged email again, as the studio asked: a failed or unconfirmed one is tried
    again in place; a sent one goes once more as a new log entry. `attempt` numbers the
    studio's requests, so a task retried or a button pressed twice sends once per request."""
    original = SentEmail.objects.filter(pk=email_id).first()
    if original is None:
        return False
    if original.status == SentEmail.Status.FAILED or original.unconfirmed:
        now = timezone.now()
        taken = SentEmail.objects.filter(
            pk=original.pk, status=original.status, updated_at=original.updated_at
        ).update(
            status=SentEmail.Status.SENDING,
            attempts=F("attempts") + 1,
            updated_at=now,
            actor=actor_current().kind,
            actor_user_id=actor_current().user_id,
        )
        if not taken:
            return False
        original.refresh_from_db()
        return _deliver(original)
    if original.status != SentEmail.Status.SENT:
        return False
    source = original.resend_of or original
    fields = {
        name: getattr(original, name)
        for name in (
            "kind",
            "to",
            "subject",
            "reply_to",
            "text_body",
            "html_body",
            "attachments",
            "booking",
            "client",
            "gallery",
        )
    }
    claim = _claim(f"{source.key}:again:{attempt}"[:200], {**fields, "resend_of": source})
    return _deliver(claim) if claim is not None else False
