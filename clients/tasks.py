from celery import shared_task

from clients.emails import sign_in_link_send
from studio.emailing import MAIL_ERRORS


# Retried on any network error (DNS, TLS), like every other email.
@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=10, max_retries=5)
def sign_in_link_send_task(*, email: str) -> bool:
    return sign_in_link_send(email=email)
