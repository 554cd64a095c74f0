"""A client's right to their data: everything Sitting holds about them as JSON, and erasure
of their personal data, put together from each app's own services (clients, sessions,
gallery and the email log, each for its own rows). Erasure keeps what the law requires a
business to keep (bookings' dates and prices, payments and refunds, the history of each
booking) under an anonymous client; it removes names, contact details, notes, questionnaire
answers and their photos, galleries, favorites and comments, and the addresses on sent
emails. Both are recorded."""

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, PrivacyRecord
from clients.privacy import (
    ErasureRefused,
    client_export,
    client_lock,
    client_personal_erase,
    privacy_record_create,
)
from gallery.privacy import client_galleries_erase, client_galleries_export
from sessions.privacy import client_bookings_erase, client_bookings_export
from studio.privacy import sent_emails_erase, sent_emails_export
from studio.services import storage_files_delete

__all__ = ["ErasureRefused", "client_data", "client_data_export", "client_erase"]


def client_data(*, client: Client) -> dict:
    """Everything about the client, as plain data (a fixed number of queries per booking)."""
    own = client_export(client=client)
    bookings = client_bookings_export(client=client)
    return {
        "exported_at": timezone.now(),
        "client": own["client"],
        "bookings": bookings["bookings"],
        "questionnaires": bookings["questionnaires"],
        "documents": bookings["documents"],
        "saved_cards": bookings["saved_cards"],
        "gift_vouchers": bookings["gift_vouchers"],
        "invoices": bookings["invoices"],
        "waitlists": bookings["waitlists"],
        "galleries": client_galleries_export(client=client),
        "emails_sent": sent_emails_export(address=client.email),
        "sign_in_links": own["sign_in_links"],
    }


def client_data_export(*, client: Client, by) -> str:
    """The client's data as a JSON document, recorded as exported."""
    data = client_data(client=client)
    privacy_record_create(
        client=client,
        kind=PrivacyRecord.Kind.EXPORT,
        by=by,
        summary=_("%(bookings)d bookings, %(galleries)d galleries")
        % {"bookings": len(data["bookings"]), "galleries": len(data["galleries"])},
    )
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _documents_summary(documents) -> str:
    said = ""
    if documents.kept:
        said += " " + (
            _("Signed contracts are kept as a legal record; drawn signatures were removed.")
            if documents.signatures
            else _("Signed contracts are kept as a legal record.")
        )
    if documents.voided:
        said += " " + _("Documents not yet signed were withdrawn: %(count)d.") % {
            "count": documents.voided
        }
    return said


def client_erase(*, client_id: int, by, now: datetime | None = None) -> PrivacyRecord:
    """Erase the client's personal data, keeping the financial records. Refused while they
    have a session to come: cancel it first. Files go once the erasure is committed."""
    now = now or timezone.now()
    with transaction.atomic():
        client = client_lock(client_id=client_id)
        bookings = client_bookings_erase(client=client, now=now)  # first: it may refuse
        galleries = client_galleries_erase(client=client)
        sent_emails_erase(about=client, address=client.email)
        client_personal_erase(client=client)
        record = privacy_record_create(
            client=client,
            kind=PrivacyRecord.Kind.ERASURE,
            by=by,
            summary=_(
                "Name, contact details and notes removed. Questionnaires deleted: "
                "%(questionnaires)d. Galleries deleted: %(galleries)d. Bookings and payments kept."
            )
            % {"questionnaires": bookings.questionnaires, "galleries": galleries}
            + _documents_summary(bookings.documents),
        )
        transaction.on_commit(lambda: storage_files_delete(bookings.files))
    return record
