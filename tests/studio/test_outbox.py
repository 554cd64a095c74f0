"""A broker outage loses nothing: tasks are recorded with the rows that asked for them, the
request still succeeds, and every email goes exactly once when the broker is back.

Each run stops its own broker: on the Redis run a Redis server started for the test, on the
SQLite run the embedded broker's queue folder (a file put in its place)."""

import shutil
import socket
import subprocess
import time
from contextlib import closing, contextmanager
from datetime import timedelta
from urllib.parse import urlencode
from uuid import uuid4

import kombu.pools
import pytest
import redis
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from gallery.models import Gallery
from gallery.services import gallery_create_for_booking
from sessions.models import Booking, Invoice, StripeEvent
from sessions.payments.checkout import payment_checkout_url
from studio import config
from studio.background import queued_tasks_send, task_enqueue_on_commit
from studio.celery import app as celery_app
from studio.models import QueuedTask, SentEmail
from studio.tasks import queued_tasks_send_task, sessions_clear_expired_task
from tests.factories import BookingFactory, UserFactory
from tests.payment_fixtures import PAY_TEN
from tests.studio.test_background import queued
from tests.workers import worker_run_until

STUDIO, WITH = "Lumen Portraits <hello@lumen.example>", " with Lumen Portraits"
FORM = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": "", "agree": "on"}


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def celery_reconnect() -> None:
    """Forget the app's connections, so the next send uses its configuration as it is now."""
    kombu.pools.reset()  # closes every pooled connection and empties kombu's registry
    celery_app._pool = celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


class OwnRedis:
    """A Redis server of the test's own, which it can stop and start again on its port."""

    def __init__(self, folder):
        self.port, self.folder, self.process = free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class QueueFolder:
    """The embedded broker's queue folder, of the test's own; stopping puts a file in its
    place, so that sending a task fails as with a full or vanished disk."""

    def __init__(self, folder):
        self.queue = folder / "queue"
        self.queue.mkdir()
        self.away = folder / "queue-away"
        (folder / "processed").mkdir()

    def options(self) -> dict:
        return {
            **celery_app.conf.broker_transport_options,
            "data_folder_in": str(self.queue),
            "data_folder_out": str(self.queue),
            "processed_folder": str(self.queue.parent / "processed"),
        }

    def stop(self) -> None:
        self.queue.rename(self.away)
        self.queue.write_text("")

    def start(self) -> None:
        self.queue.unlink()
        self.away.rename(self.queue)


@contextmanager
def celery_configured(**conf):
    """The Celery app with this configuration, and its own connections, for a while."""
    saved = {key: celery_app.conf[key] for key in conf}
    celery_app.conf.update(conf)
    celery_reconnect()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        celery_reconnect()


@pytest.fixture
def broker(tmp_path):
    """This run's kind of broker, the test's own, running; `.stop()` and `.start()` it."""
    if not celery_app.conf.broker_url.startswith("redis://"):
        folder = QueueFolder(tmp_path)
        with celery_configured(broker_transport_options=folder.options()):
            yield folder
        return
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server, to stop and start a broker of its own")
    own = OwnRedis(tmp_path)
    own.start()
    try:
        with celery_configured(broker_url=own.url, result_backend=own.url):
            yield own
    finally:
        own.stop()


def sweep_and_work(*, until_sent: int) -> None:
    """What happens once the broker is back: beat sends the sweep, a worker runs it and
    the tasks it sends."""
    queued_tasks_send_task.delay()
    worker_run_until(
        lambda: (
            not QueuedTask.objects.exists()
            and SentEmail.objects.filter(status=SentEmail.Status.SENT).count() >= until_sent
        ),
        timeout=60,
    )


def sent_once() -> list[tuple[str, str]]:
    """(recipient, subject) of every email, checked to have gone once and been logged once."""
    delivered = sorted((", ".join(message.to), message.subject) for message in mail.outbox)
    logged = sorted(SentEmail.objects.values_list("to", "subject"))
    assert delivered == logged
    assert set(SentEmail.objects.values_list("status", flat=True)) == {SentEmail.Status.SENT}
    assert len(set(delivered)) == len(delivered)
    return delivered


def waiting() -> list[str]:
    """The tasks waiting for the broker, each with the reason its send failed."""
    rows = list(QueuedTask.objects.order_by("pk"))
    assert all(row.attempts == 1 and row.last_error for row in rows)
    return [row.name.rsplit(".", 1)[1] for row in rows]


@pytest.mark.django_db(transaction=True)
def test_a_booking_made_while_the_broker_is_down_is_confirmed_and_emailed_when_it_is_back(
    broker, client, pay_clock, portrait
):
    broker.stop()
    url = reverse("sessions:booking-create", args=["portrait"])
    response = client.post(f"{url}?{urlencode({'start': PAY_TEN.isoformat()})}", FORM)

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert booking.status == Booking.Status.CONFIRMED
    assert waiting() == [
        "booking_invoice_issue_task",
        "booking_email_send_task",
        "studio_email_send_task",
    ]
    assert not mail.outbox

    broker.start()
    task_enqueue_on_commit(sessions_clear_expired_task)  # the next request's goes straight
    assert len(waiting()) == 3
    sweep_and_work(until_sent=2)
    assert sent_once() == [
        (STUDIO, "New booking: Portrait session for Rosa Diaz, Wednesday 10 June, 10:00"),
        (
            "Rosa Diaz <rosa@example.com>",
            "You're booked: Portrait session on Wednesday 10 June" + WITH,
        ),
    ]
    assert queued_tasks_send() == 0  # beat again: nothing left, nothing sent twice
    assert len(mail.outbox) == 2
    # The invoice, issued once whichever of the two tasks came first, went with "booked".
    assert Invoice.objects.get().reference == "INV-0001"
    booked = next(m for m in mail.outbox if m.subject.startswith("You're booked"))
    assert [name for name, *_ in booked.attachments] == ["session.ics", "INV-0001.pdf"]


@pytest.mark.django_db(transaction=True)
def test_stripe_paid_while_the_broker_is_down_gets_200_and_the_client_hears_once(
    broker, held, stripe_standin, post_event
):
    payment = held.payments.get()
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    session = stripe_standin.complete_session(payment.stripe_checkout_session_id)
    event = stripe_standin.event("checkout.session.completed", session)
    broker.stop()

    response = post_event(event)

    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert StripeEvent.objects.get().processed_at is not None
    assert sorted(waiting()) == [
        "booking_email_send_task",
        "booking_invoice_issue_task",
        "studio_email_send_task",
    ]
    assert post_event(event).status_code == 200  # Stripe's retry, had it seen a 500: no-op
    assert len(waiting()) == 3

    broker.start()
    sweep_and_work(until_sent=2)
    assert sent_once() == [
        (
            "Anna Kowalska <anna@example.com>",
            "You're booked: Portrait session on Wednesday 10 June" + WITH,
        ),
        (STUDIO, "New booking: Portrait session for Anna Kowalska, Wednesday 10 June, 10:00"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_gallery_published_while_the_broker_is_down_reaches_its_client_when_it_is_back(
    broker, client, studio, anna
):
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    broker.stop()

    response = client.post(
        reverse("admin:gallery_gallery_changelist"),
        # "post": the studio answered "publish anyway" (no photo is ready yet).
        {"action": "publish", "_selected_action": [gallery.pk], "post": "yes"},
    )

    assert response.status_code == 302
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.PUBLISHED
    assert waiting() == ["gallery_email_send_task"]

    broker.start()
    sweep_and_work(until_sent=1)
    assert sent_once() == [("Anna Kowalska <anna@example.com>", "Your photos are ready to see")]


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_fresh_tasks_to_their_process_and_stops_while_the_broker_is_down(
    broker,
):
    now = timezone.now()

    def recorded(send_after) -> QueuedTask:
        return QueuedTask.objects.create(
            task_id=str(uuid4()), name=sessions_clear_expired_task.name, send_after=send_after
        )

    fresh = recorded(now + timedelta(seconds=30))  # its own process may be sending it now
    due = [recorded(now - timedelta(minutes=n)) for n in (3, 2, 1)]
    broker.stop()
    assert queued_tasks_send(now=now) == 0
    # One try, not one per row: the others wait, untouched, for the next run.
    assert [QueuedTask.objects.get(pk=row.pk).attempts for row in due] == [1, 0, 0]

    broker.start()
    assert queued_tasks_send(now=now) == 3
    assert list(QueuedTask.objects.all()) == [fresh]
    assert queued() == 3


def test_a_broker_that_stops_answering_holds_a_request_seconds_not_forever(
    db, tmp_path, django_capture_on_commit_callbacks
):
    with closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections are accepted, and nothing ever answers
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        redis_options = config.celery_config(broker_url=url, var_dir=tmp_path)
        with celery_configured(
            broker_url=url,
            result_backend=url,
            broker_transport_options=redis_options["broker_transport_options"],
        ):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                task_enqueue_on_commit(sessions_clear_expired_task)
            took = time.monotonic() - started
    assert took < 15  # measured: 6 s (two 3 s timeouts); Celery's defaults: for ever
    assert QueuedTask.objects.get().attempts == 1  # left for the sweep
