from smtplib import SMTPException

from celery import shared_task

from clients.emails import sign_in_email_send


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=10, max_retries=5)
def sign_in_email_send_task(*, link_id: int, token: str) -> bool:
    return sign_in_email_send(link_id=link_id, token=token)
