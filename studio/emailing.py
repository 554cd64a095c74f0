"""Sending email once: the one way Sitting sends mail about something."""

from smtplib import SMTPException

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction

from studio.models import SentEmail

# What a task sending mail retries on: the mail server said no for now, or could not be reached.
MAIL_ERRORS = (SMTPException, ConnectionError, TimeoutError)


def email_send_once(
    *,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    reply_to: str | None = None,
) -> bool:
    """Send unless an email with this key was already sent; True if this call sent it.

    Claims the key first (a unique row), so two workers running the same task send once;
    if sending fails the claim is released and the error raised, for the task to retry.
    """
    try:
        with transaction.atomic():
            claim = SentEmail.objects.create(key=key, to=to, subject=subject[:300])
    except IntegrityError:
        return False
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[to], reply_to=[reply_to] if reply_to else None
    )
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    try:
        message.send()
    except Exception:
        claim.delete()
        raise
    return True
