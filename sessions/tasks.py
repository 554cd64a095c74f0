from datetime import date, datetime

from celery import shared_task

from sessions.calendar_feeds import external_calendar_sync, external_calendars_sync
from sessions.documents.emails import documents_email_send
from sessions.documents.reminders import document_reminder_send, document_reminders_scan
from sessions.documents.sealing import document_seal
from sessions.emails import booking_email_send
from sessions.payments import gateway
from sessions.payments.autopay import (
    installment_collect,
    installment_remind,
    installments_scan,
    saved_card_describe,
    saved_card_detach,
)
from sessions.payments.checkout import balance_request, booking_holds_expire
from sessions.payments.emails import balance_email_send, payment_email_send
from sessions.payments.errors import PaymentRefused
from sessions.payments.invoice_emails import invoice_email_send
from sessions.payments.invoices import (
    booking_invoice_issue,
    extras_refund_bill_update,
    refund_credit_note_issue,
)
from sessions.payments.plan_emails import installment_email_send
from sessions.payments.refunds import refund_submit, refunds_resubmit
from sessions.payments.voucher_documents import voucher_email_send, voucher_refund_email_send
from sessions.payments.voucher_sales import vouchers_due_scan
from sessions.questionnaires import answer_image_thumbnail_make, answer_images_requeue_stuck
from sessions.reminders import balance_requests_scan, reminder_send, reminders_scan
from sessions.studio_emails import studio_email_send
from sessions.waitlist import waitlist_offers_make, waitlist_offers_scan
from sessions.waitlist_emails import waitlist_joined_email_send, waitlist_offer_email_send
from studio.emailing import MAIL_ERRORS


# Routed to the images queue (studio/celery.py): it decodes the photo, never in a request.
@shared_task(
    acks_late=True,
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(OSError,),  # storage out of reach for a moment
    retry_backoff=10,
    max_retries=5,
)
def answer_image_thumbnail_make_task(*, image_id: int) -> str | None:
    image = answer_image_thumbnail_make(image_id=image_id)
    return image.status if image else None


@shared_task
def answer_images_requeue_stuck_task() -> int:
    return answer_images_requeue_stuck()


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def booking_email_send_task(
    *,
    booking_id: int,
    kind: str,
    sequence: int | None = None,
    was: str | None = None,
    status: str | None = None,
) -> bool:
    return booking_email_send(
        booking_id=booking_id,
        kind=kind,
        sequence=sequence,
        was=datetime.fromisoformat(was) if was else None,
        status=status,
    )


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def payment_email_send_task(
    *, payment_id: int, kind: str, refund_id: int | None = None, key_extra: str = ""
) -> bool:
    return payment_email_send(
        payment_id=payment_id, kind=kind, refund_id=refund_id, key_extra=key_extra
    )


@shared_task
def booking_invoice_issue_task(*, booking_id: int, confirming: bool = False) -> str | None:
    invoice = booking_invoice_issue(booking_id=booking_id, confirming=confirming)
    return invoice.reference if invoice else None


@shared_task
def refund_credit_note_issue_task(*, refund_id: int) -> str | None:
    credit_note = refund_credit_note_issue(refund_id=refund_id) or extras_refund_bill_update(
        refund_id=refund_id
    )
    return credit_note.reference if credit_note else None


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def invoice_email_send_task(*, invoice_id: int) -> bool:
    return invoice_email_send(invoice_id=invoice_id)


# Retried with the same idempotency key, so a retry after a lost answer refunds once.
@shared_task(
    autoretry_for=gateway.TEMPORARY_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=12,
)
def refund_submit_task(*, refund_id: int) -> str:
    return refund_submit(refund_id=refund_id).status


@shared_task(
    autoretry_for=gateway.TEMPORARY_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def payment_checkout_close_task(*, session_id: str) -> None:
    gateway.checkout_session_expire(session_id)


@shared_task
def booking_holds_expire_task() -> int:
    return booking_holds_expire()


@shared_task
def refunds_resubmit_task() -> int:
    return refunds_resubmit()


@shared_task(soft_time_limit=600, time_limit=660)
def external_calendars_sync_task() -> int:
    return external_calendars_sync()


@shared_task(soft_time_limit=60, time_limit=90)
def external_calendar_sync_task(*, calendar_id: int) -> str:
    return external_calendar_sync(calendar_id=calendar_id).problem


@shared_task
def reminders_scan_task() -> int:
    return reminders_scan() + balance_requests_scan() + document_reminders_scan()


@shared_task
def balance_request_task(*, booking_id: int) -> bool:
    """The automatic balance request after a session; False if nothing is due any more."""
    try:
        balance_request(booking_id=booking_id)
    except PaymentRefused:
        return False
    return True


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def balance_email_send_task(*, booking_id: int, key_extra: str) -> bool:
    return balance_email_send(booking_id=booking_id, key_extra=key_extra)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def reminder_send_task(*, booking_id: int, key: str) -> bool:
    return reminder_send(booking_id=booking_id, key=key)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def studio_email_send_task(
    *, booking_id: int, kind: str, response_id: int | None = None, sequence: int | None = None
) -> bool:
    return studio_email_send(
        booking_id=booking_id, kind=kind, response_id=response_id, sequence=sequence
    )


# Contracts and model releases (sessions.documents).
@shared_task(
    acks_late=True,
    autoretry_for=(OSError, *MAIL_ERRORS),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def document_seal_task(*, document_id: int, stage: str) -> bool:
    return document_seal(document_id=document_id, stage=stage)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def documents_email_send_task(*, booking_id: int, document_ids: list[int], again: str = "") -> bool:
    return documents_email_send(booking_id=booking_id, document_ids=document_ids, again=again)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def document_reminder_send_task(*, booking_id: int, key: str) -> bool:
    return document_reminder_send(booking_id=booking_id, key=key)


# Payment plans. The scan is worked out from the database each time: nothing waits in the
# broker, and a part is claimed under its row lock, so two scans collect it once.
@shared_task
def installments_scan_task() -> int:
    return installments_scan()


@shared_task(
    autoretry_for=gateway.TEMPORARY_ERRORS, retry_backoff=60, retry_backoff_max=3600, max_retries=6
)
def installment_collect_task(*, installment_id: int) -> str:
    return installment_collect(installment_id=installment_id)


@shared_task
def installment_remind_task(*, installment_id: int) -> bool:
    return installment_remind(installment_id=installment_id)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def installment_email_send_task(*, installment_id: int, reason: str, key: str) -> bool:
    return installment_email_send(installment_id=installment_id, reason=reason, key=key)


@shared_task(autoretry_for=gateway.TEMPORARY_ERRORS, retry_backoff=60, max_retries=6)
def saved_card_describe_task(*, booking_id: int) -> bool:
    return saved_card_describe(booking_id=booking_id)


@shared_task(autoretry_for=gateway.TEMPORARY_ERRORS, retry_backoff=60, max_retries=6)
def saved_card_detach_task(*, payment_method_id: str) -> None:
    saved_card_detach(payment_method_id=payment_method_id)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def voucher_email_send_task(*, voucher_id: int, to: str) -> bool:
    return voucher_email_send(voucher_id=voucher_id, to=to)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def voucher_refund_email_send_task(*, voucher_refund_id: int) -> bool:
    return voucher_refund_email_send(voucher_refund_id=voucher_refund_id)


@shared_task
def vouchers_due_scan_task() -> int:
    return vouchers_due_scan()


@shared_task
def waitlist_offers_make_task(*, day: str) -> int:
    return waitlist_offers_make(day=date.fromisoformat(day))


@shared_task
def waitlist_offers_scan_task() -> int:
    return waitlist_offers_scan()


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def waitlist_offer_email_task(*, entry_id: int) -> bool:
    return waitlist_offer_email_send(entry_id=entry_id)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def waitlist_joined_email_task(*, entry_id: int) -> bool:
    return waitlist_joined_email_send(entry_id=entry_id)
