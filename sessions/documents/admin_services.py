"""The studio's side of a booking's documents, for the admin: sending documents to sign,
and sending the link again. Countersigning and voiding are services.document_countersign
and services.document_void.

Each runs under the booking's row lock, so a button pressed twice does its work once.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from sessions.documents.services import (
    SIGNABLE_STATUSES,
    DocumentRefused,
    booking_documents_issue,
    document_issue,
    documents_send,
)
from sessions.models import Booking, Document, DocumentTemplate
from studio.background import task_enqueue_on_commit


def _booking_locked(booking_id: int) -> Booking:
    booking = Booking.objects.select_for_update().select_related("session_type").get(pk=booking_id)
    if booking.status not in SIGNABLE_STATUSES:
        raise DocumentRefused(
            _("This booking is no longer active, so there is nothing to send for signing.")
        )
    return booking


def booking_documents_send_by_staff(
    *,
    booking_id: int,
    template: DocumentTemplate | None = None,
    required: bool = True,
    person_name: str = "",
) -> list[Document]:
    """Issue the documents the booking's session type asks for (those it lacks), or one
    `template`, and email the client the link to sign. Refuses a template the booking
    already has for the same person (signed or waiting), and a booking no longer active."""
    with transaction.atomic():
        booking = _booking_locked(booking_id)
        if template is None:
            issued = booking_documents_issue(booking=booking)
            if not issued:
                raise DocumentRefused(
                    _(
                        "This booking already has every document its session asks for. To "
                        "remind the client, send the signing link again."
                    )
                )
        else:
            person_name = " ".join(person_name.split())
            if not template.is_active:
                raise DocumentRefused(_("That document is no longer in use."))
            have = booking.documents.exclude(status=Document.Status.VOIDED).filter(
                template=template, person_name=person_name
            )
            if have.exists():
                raise DocumentRefused(
                    _("This booking already has “%(name)s” for %(person)s. Void it first.")
                    % {"name": template.name, "person": person_name}
                    if person_name
                    else _("This booking already has “%(name)s”. Void it first.")
                    % {"name": template.name}
                )
            issued = [
                document_issue(
                    booking=booking, template=template, required=required, person_name=person_name
                )
            ]
        documents_send(booking=booking)
    return issued


def documents_send_again(*, booking_id: int, seen: str) -> int:
    """Email the client the link to what still waits for their signature, again. `seen`
    names the page the button was pressed on: pressed twice there, one email. Returns how
    many documents the email lists."""
    with transaction.atomic():
        booking = _booking_locked(booking_id)
        ids = sorted(
            booking.documents.filter(status=Document.Status.PENDING).values_list("pk", flat=True)
        )
        if not ids:
            raise DocumentRefused(_("Nothing is waiting to be signed."))
        task_enqueue_on_commit(
            "sessions.tasks.documents_email_send_task",
            booking_id=booking.pk,
            document_ids=ids,
            again=seen[:40],
        )
    return len(ids)
