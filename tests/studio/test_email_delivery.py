"""Mail really leaving: a session reminder handed to a real SMTP server that says "try again
later", retried by its task until the server takes it, delivered once; and, with Redis, beat's
scan through the broker and a real worker sending the reminder once however often it scans."""

import socket
import time
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from email.utils import formataddr
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from sessions.reminders import reminder_send
from sessions.tasks import reminder_send_task, reminders_scan_task
from studio.celery import app as celery_app
from studio.models import SentEmail
from tests.factories import BookingFactory, SessionTypeFactory

# Zones far enough apart that, whatever the real time, one of them is between 10:00 and 20:00.
ZONES = ("Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Kolkata")
ZONES += ("Asia/Tokyo", "Pacific/Auckland")


class Relay:
    """An SMTP server's handler: "451 try again later" to the first `refuse` messages."""

    def __init__(self) -> None:
        self.refuse = 0
        self.refused = 0
        self.received: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 Try again later"
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def relay(settings):
    """A real mail server on this machine, and Django sending to it over SMTP."""
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield handler
    controller.stop()


@pytest.fixture
def due_reminder(studio, anna):
    """A booking whose one-day reminder is due now, in real time: the session is 22 hours
    away and the studio is in a zone where it is daytime (no quiet hours)."""
    now = timezone.now()
    zone = next(z for z in ZONES if 10 <= now.astimezone(ZoneInfo(z)).hour < 20)
    studio.time_zone = zone
    studio.save()
    starts_at = (now + timedelta(hours=22)).replace(second=0, microsecond=0)
    booking = BookingFactory(
        client=anna, session_type=SessionTypeFactory(name="Family"), starts_at=starts_at
    )
    at = f"{starts_at.astimezone(ZoneInfo(zone)):%H:%M}"
    return SimpleNamespace(
        booking=booking,
        key=f"booking:{booking.pk}:reminder-1d:{int(starts_at.timestamp())}",
        to=formataddr((anna.name, anna.email)),
        subject=f"See you tomorrow: your Family session at {at}",
    )


def parts(message: Message) -> set[str]:
    return {part.get_content_type() for part in message.walk() if not part.is_multipart()}


@pytest.mark.django_db
def test_a_reminder_the_server_defers_is_retried_and_delivered_once(relay, due_reminder):
    relay.refuse = 1
    kwargs = {"booking_id": due_reminder.booking.pk, "key": due_reminder.key}
    result = reminder_send_task.apply(kwargs=kwargs)  # eager: the retry runs at once
    assert result.successful(), result.traceback
    assert result.get() is True
    assert relay.refused == 1
    ((recipients, message),) = relay.received
    assert recipients == ["anna@example.com"]
    assert message["To"] == due_reminder.to
    assert message["Subject"] == due_reminder.subject
    assert parts(message) == {"text/plain", "text/html"}
    email = SentEmail.objects.get(key=due_reminder.key)
    assert (email.status, email.attempts, email.error) == ("sent", 2, "")
    assert email.sent_at is not None

    again = reminder_send_task.apply(kwargs=kwargs)  # a duplicate delivery of the task
    assert again.successful()
    assert again.get() is False
    assert len(relay.received) == 1
    assert SentEmail.objects.get(key=due_reminder.key).attempts == 2


@pytest.mark.django_db
def test_a_server_that_never_takes_it_leaves_a_failed_row_to_send_later(relay, due_reminder):
    relay.refuse = 10**6
    kwargs = {"booking_id": due_reminder.booking.pk, "key": due_reminder.key}
    result = reminder_send_task.apply(kwargs=kwargs)
    assert result.failed()
    tries = 1 + reminder_send_task.max_retries
    assert relay.refused == tries
    assert relay.received == []
    email = SentEmail.objects.get(key=due_reminder.key)
    assert (email.status, email.attempts, email.sent_at) == ("failed", tries, None)
    assert email.error.startswith("SMTPDataError: (451")
    assert "Try again later" in email.error

    relay.refuse = 0  # the server is back; the studio sends it again
    assert reminder_send(booking_id=due_reminder.booking.pk, key=due_reminder.key) is True
    ((_recipients, message),) = relay.received
    assert message["Subject"] == due_reminder.subject
    email.refresh_from_db()
    assert (email.status, email.attempts, email.error) == ("sent", tries + 1, "")
    assert reminder_send(booking_id=due_reminder.booking.pk, key=due_reminder.key) is False
    assert len(relay.received) == 1


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_beat_scanning_through_a_real_worker_sends_a_reminder_once(redis_url, due_reminder):
    sent = SentEmail.objects.filter(key=due_reminder.key, status=SentEmail.Status.SENT)
    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, pool="solo", concurrency=1):
        assert reminders_scan_task.apply_async().get(timeout=30) == 1  # one send queued
        assert wait_for(sent.exists)
        assert reminders_scan_task.apply_async().get(timeout=30) == 0  # beat again
    assert SentEmail.objects.filter(key=due_reminder.key).count() == 1
    assert SentEmail.objects.count() == 1
    (message,) = mail.outbox
    assert message.to == [due_reminder.to]
    assert message.subject == due_reminder.subject
