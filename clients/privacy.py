"""A client's right to their data: everything Sitting holds about them as JSON, and erasure
of their personal data. Erasure keeps what the law requires a business to keep (bookings'
dates and prices, payments and refunds, the history of each booking) under an anonymous
client; it removes names, contact details, notes, questionnaire answers and their photos,
galleries, favorites and comments, and the addresses on sent emails. Both are recorded."""

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, PrivacyRecord


def _sent_to(email: str) -> Q:
    """Emails sent to exactly this address ("Anna <anna@example.com>" or the bare address),
    never to one that merely contains it (anna@example.com.au)."""
    return Q(to__iexact=email) | Q(to__iendswith=f"<{email}>")


class ErasureRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def client_data(*, client: Client) -> dict:
    """Everything about the client, as plain data (a fixed number of queries per booking)."""
    from gallery.models import Comment, Favorite, Gallery
    from sessions.models import Booking, QuestionnaireResponse
    from studio.models import SentEmail

    bookings = list(
        Booking.objects.filter(client=client)
        .select_related("session_type", "photographer")
        .prefetch_related("payments__refunds", "events")
        .order_by("starts_at")
    )
    responses = (
        QuestionnaireResponse.objects.filter(booking__client=client)
        .prefetch_related("answers", "images")
        .order_by("pk")
    )
    galleries = Gallery.objects.filter(booking__client=client).prefetch_related(
        "favorite_lists", "selections__photos"
    )
    return {
        "exported_at": timezone.now(),
        "client": {
            "number": client.pk,
            "name": client.name,
            "email": client.email,
            "phone": client.phone,
            "notes_by_the_studio": client.notes,
            "created_at": client.created_at,
        },
        "bookings": [
            {
                "reference": booking.reference,
                "session_type": booking.session_type.name,
                "photographer": booking.photographer.display_name,
                "starts_at": booking.starts_at,
                "ends_at": booking.ends_at,
                "status": booking.status,
                "booked_as": booking.booked_as,
                "your_notes": booking.client_notes,
                "price": booking.price,
                "deposit": booking.deposit,
                "discount": booking.discount,
                "currency": booking.currency,
                "created_at": booking.created_at,
                "history": [
                    {"at": event.at, "status": event.status, "session_at": event.starts_at}
                    for event in booking.events.all()
                ],
                "payments": [
                    {
                        "for": payment.kind,
                        "amount": payment.amount,
                        "currency": payment.currency,
                        "status": payment.status,
                        "paid_at": payment.paid_at,
                        "received": payment.amount_received,
                        "received_currency": payment.currency_received or None,
                        "refunded": payment.amount_refunded,
                        "refunds": [
                            {
                                "amount": refund.amount,
                                "currency": refund.currency,
                                "status": refund.status,
                                "at": refund.created_at,
                            }
                            for refund in payment.refunds.all()
                        ],
                    }
                    for payment in booking.payments.all()
                ],
            }
            for booking in bookings
        ],
        "questionnaires": [
            {
                "booking": response.booking.reference if response.booking_id else None,
                "questionnaire": response.questionnaire_name,
                "status": response.status,
                "submitted_at": response.submitted_at,
                "answers": [
                    {"question": answer.label, "answer": answer.value}
                    for answer in response.answers.all()
                ],
                "photos": [
                    {"question": image.label, "file_name": image.original_name}
                    for image in response.images.all()
                ],
            }
            for response in responses.select_related("booking")
        ],
        "galleries": [
            {
                "title": gallery.title,
                "status": gallery.status,
                "photo_count": gallery.photos.count(),
                "favorites": {
                    favorite_list.name: sorted(
                        Favorite.objects.filter(favorite_list=favorite_list).values_list(
                            "photo__original_name", flat=True
                        )
                    )
                    for favorite_list in gallery.favorite_lists.all()
                },
                "selections": [
                    {
                        "status": selection.status,
                        "submitted_at": selection.submitted_at,
                        "photos": sorted(photo.original_name for photo in selection.photos.all()),
                    }
                    for selection in gallery.selections.all()
                ],
                "comments": [
                    {
                        "photo": comment.photo.original_name,
                        "from": comment.author_name,
                        "by_the_studio": comment.from_studio,
                        "text": comment.body,
                        "at": comment.created_at,
                    }
                    for comment in Comment.objects.filter(photo__gallery=gallery).select_related(
                        "photo"
                    )
                ],
            }
            for gallery in galleries
        ],
        "emails_sent": [
            {"subject": email.subject, "to": email.to, "sent_at": email.sent_at}
            for email in SentEmail.objects.filter(_sent_to(client.email)).order_by("sent_at")
        ],
        "sign_in_links": [
            {"created_at": link.created_at, "used_at": link.used_at}
            for link in client.sign_in_links.order_by("created_at")
        ],
    }


def client_data_export(*, client: Client, by) -> str:
    """The client's data as a JSON document, recorded as exported."""
    data = client_data(client=client)
    PrivacyRecord.objects.create(
        client=client,
        client_number=client.pk,
        kind=PrivacyRecord.Kind.EXPORT,
        by=by,
        summary=_("%(bookings)d bookings, %(galleries)d galleries")
        % {"bookings": len(data["bookings"]), "galleries": len(data["galleries"])},
    )
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def client_erase(*, client_id: int, by, now: datetime | None = None) -> PrivacyRecord:
    """Erase the client's personal data, keeping the financial records. Refused while they
    have a session to come: cancel it first. Files go once the erasure is committed."""
    from gallery.models import Gallery, Selection
    from sessions.models import AnswerImage, Booking, QuestionnaireResponse
    from studio.models import SentEmail
    from studio.services import storage_files_delete

    now = now or timezone.now()
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client_id)
        upcoming = Booking.objects.filter(
            client=client, status__in=Booking.ACTIVE_STATUSES, ends_at__gt=now
        )
        if upcoming.exists():
            raise ErasureRefused(
                _("%(name)s has a session to come. Cancel it first, then erase their data.")
                % {"name": client.name}
            )
        old_email = client.email
        images = list(
            AnswerImage.objects.filter(response__booking__client=client).values_list(
                "file", "thumbnail"
            )
        )
        responses = QuestionnaireResponse.objects.filter(booking__client=client)
        counts = {"questionnaires": responses.count(), "galleries": 0}
        responses.delete()
        galleries = Gallery.objects.filter(booking__client=client)
        galleries.update(cover=None, selection=None)
        # A selection protects its favorites list: they go first, then the rest with each
        # gallery. Any payment for extras stays (it is a financial record).
        Selection.objects.filter(gallery__in=galleries).delete()
        for gallery in galleries:
            gallery.delete()  # photos, favorites, comments, selections; files after commit
            counts["galleries"] += 1
        Booking.objects.filter(client=client).update(client_notes="", booked_as="")
        SentEmail.objects.filter(Q(client=client) | _sent_to(old_email)).update(
            to=_("(erased)"), subject=_("(erased)"), text_body="", html_body="", attachments=[]
        )
        client.sign_in_links.all().delete()
        client.name = _("Erased client %(number)d") % {"number": client.pk}
        client.email = f"erased-{client.pk}@erased.invalid"
        client.phone = client.notes = ""
        client.save()
        record = PrivacyRecord.objects.create(
            client=client,
            client_number=client.pk,
            kind=PrivacyRecord.Kind.ERASURE,
            by=by,
            summary=_(
                "Name, contact details and notes removed. Questionnaires deleted: "
                "%(questionnaires)d. Galleries deleted: %(galleries)d. Bookings and payments kept."
            )
            % counts,
        )
        names = [name for pair in images for name in pair]
        transaction.on_commit(lambda: storage_files_delete(names))
    return record
