"""The Celery application. Workers start with `celery -A studio worker` (see Procfile).

Broker and result backend come from Django settings (CELERY_*): Redis when REDIS_URL is
set, else an embedded broker in folders under var/ that needs no server.
"""

import os
import sys

from celery import Celery, signals
from celery.schedules import crontab
from django.db import close_old_connections, connections
from kombu import Exchange, Queue

from studio import worker_memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

app = Celery("studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    enable_utc=True,
    task_acks_late=True,
    # A task whose pool process dies (say, out of memory on a huge image) is marked failed,
    # not requeued: requeueing would bring it back, and kill a worker, forever. Tasks that
    # count their attempts opt in (gallery.tasks). A worker killed whole is another matter:
    # Redis gives its messages back after the visibility timeout, the folder broker as soon
    # as another worker starts or looks (studio/folder_broker.py).
    task_reject_on_worker_lost=False,
    worker_prefetch_multiplier=1,
    task_time_limit=15 * 60,
    task_soft_time_limit=14 * 60,
    result_expires=24 * 3600,
    broker_connection_retry_on_startup=True,
    # Celery's Django fixup closes every database connection before and after each task
    # unless told to keep them this many tasks: a worker opened one per task (on SQLite
    # with its PRAGMAs, on PostgreSQL a new server process). It never counts to this;
    # _connections_tidy below keeps them as a web process does instead.
    CELERY_DB_REUSE_MAX=sys.maxsize,
    # Sending a task subscribes to its result first: with Redis away, Celery's defaults
    # (120 s timeouts, 20 reconnections a second apart) hold the request for 20 s or more.
    # A task that cannot be sent waits in studio.background's outbox instead.
    redis_socket_timeout=3,
    redis_socket_connect_timeout=3,
    result_backend_transport_options={"retry_policy": {"max_retries": 0}},
    task_default_queue="default",
    # Image work runs on its own queue so a 300-photo upload never delays an email.
    task_default_exchange="default",
    task_default_routing_key="default",
    task_queues=(
        Queue("default", Exchange("default"), routing_key="default"),
        Queue("images", Exchange("default"), routing_key="images"),
    ),
    task_routes={
        "gallery.tasks.photo_process_task": {"queue": "images", "routing_key": "images"},
        "gallery.tasks.download_build_task": {"queue": "images", "routing_key": "images"},
        "gallery.tasks.photo_analyse_task": {"queue": "images", "routing_key": "images"},
        "gallery.tasks.gallery_cull_task": {"queue": "images", "routing_key": "images"},
        "gallery.tasks.portfolio_photo_render_task": {"queue": "images", "routing_key": "images"},
        "gallery.tasks.session_type_cover_render_task": {
            "queue": "images",
            "routing_key": "images",
        },
        "sessions.tasks.answer_image_thumbnail_make_task": {
            "queue": "images",
            "routing_key": "images",
        },
    },
    beat_schedule={
        # Beat publishes through the broker too, so this runs once the broker is back.
        "send-tasks-the-broker-missed": {
            "task": "studio.tasks.queued_tasks_send_task",
            "schedule": 60.0,
        },
        # A photo whose worker died is taken over within a minute (gallery.photos).
        "requeue-stuck-photos": {
            "task": "gallery.tasks.photos_requeue_stuck_task",
            "schedule": 20.0,
        },
        "requeue-stuck-questionnaire-thumbnails": {
            "task": "sessions.tasks.answer_images_requeue_stuck_task",
            "schedule": 600.0,
        },
        "resubmit-queued-refunds": {
            "task": "sessions.tasks.refunds_resubmit_task",
            "schedule": 600.0,
        },
        # Expired holds free their time at once anyway; this tidies their status.
        "expire-booking-holds": {
            "task": "sessions.tasks.booking_holds_expire_task",
            "schedule": 120.0,
        },
        # Waitlists: an offer that ran out goes to the next one; a freed time a lost task
        # missed is offered.
        "waitlist-offers": {
            "task": "sessions.tasks.waitlist_offers_scan_task",
            "schedule": 120.0,
        },
        # Reminders are worked out from the database each time: nothing waits in the broker.
        "send-due-reminders": {
            "task": "sessions.tasks.reminders_scan_task",
            "schedule": 300.0,
        },
        # Payment plans: parts due today are collected from 09:00 (sessions.payments.autopay).
        "collect-due-installments": {
            "task": "sessions.tasks.installments_scan_task",
            "schedule": 900.0,
        },
        # Gift vouchers go to their recipients on the buyer's day (the studio's); hourly, so
        # the day starts on the studio's clock, and each goes once whatever the scans do.
        "send-due-gift-vouchers": {
            "task": "sessions.tasks.vouchers_due_scan_task",
            "schedule": crontab(minute=5),
        },
        "send-due-gallery-reminders": {
            "task": "gallery.tasks.gallery_reminders_scan_task",
            "schedule": 900.0,
        },
        # New comments reach the studio in one email per gallery, never one per comment.
        "send-comment-digests": {
            "task": "gallery.tasks.comment_digests_queue_task",
            "schedule": 900.0,
        },
        "read-outside-calendars": {
            "task": "sessions.tasks.external_calendars_sync_task",
            "schedule": 900.0,
        },
        "delete-old-zip-downloads": {
            "task": "gallery.tasks.downloads_expire_task",
            "schedule": 3600.0,
        },
        "clear-expired-sessions": {
            "task": "studio.tasks.sessions_clear_expired_task",
            "schedule": crontab(hour=3, minute=17),
        },
        "forget-old-wrong-pins": {
            "task": "gallery.tasks.pin_attempts_forget_task",
            "schedule": crontab(hour=3, minute=37),
        },
        "prune-embedded-broker": {
            "task": "studio.tasks.broker_processed_prune_task",
            "schedule": crontab(hour=3, minute=47),
        },
    },
)
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _connections_tidy(sender=None, **kwargs) -> None:
    """Before and after each task, as Django does around each request: a connection older
    than CONN_MAX_AGE, broken, or left mid-transaction is closed, the next query opens a
    new one. Not for a task run eagerly (in the caller's own transaction)."""
    if sender is not None and not getattr(sender.request, "is_eager", False):
        close_old_connections()


@signals.worker_process_init.connect
def _memory_keep(**kwargs) -> None:
    """Each pool process keeps the memory of its last photo for the next one, and gives it
    back when idle (studio/worker_memory.py): no fresh pages to zero for every photo."""
    from django.conf import settings

    worker_memory.memory_keep(idle_seconds=settings.WORKER_MEMORY_IDLE_SECONDS)


@signals.task_prerun.connect
def _memory_busy(**kwargs) -> None:
    worker_memory.memory_busy()


@signals.task_postrun.connect
def _memory_idle(**kwargs) -> None:
    worker_memory.memory_idle()


@signals.worker_shutdown.connect
@signals.worker_process_shutdown.connect
def _connections_close(**kwargs) -> None:
    """A worker stopping warmly (its main process, each pool process) says goodbye to the
    database rather than leaving the server to notice the socket close."""
    connections.close_all()
