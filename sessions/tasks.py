from smtplib import SMTPException

from celery import shared_task

from sessions.emails import booking_email_send


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def booking_email_send_task(*, booking_id: int, kind: str, sequence: int | None = None) -> bool:
    return booking_email_send(booking_id=booking_id, kind=kind, sequence=sequence)
