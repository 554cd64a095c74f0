from smtplib import SMTPException

from celery import shared_task

from clients.emails import sign_in_link_send


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=10, max_retries=5)
def sign_in_link_send_task(*, email: str) -> bool:
    return sign_in_link_send(email=email)
