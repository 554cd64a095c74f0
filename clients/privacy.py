"""The client's own rows in a privacy export or erasure: their record and sign-in links.
workspace.privacy puts the whole export together and runs the erasure across the apps,
each erasing its own rows; both are recorded here (PrivacyRecord)."""

from django.utils.translation import gettext as _

from clients.models import Client, PrivacyRecord


class ErasureRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def client_export(*, client: Client) -> dict:
    """The client's record and sign-in links, as plain data."""
    return {
        "client": {
            "number": client.pk,
            "name": client.name,
            "email": client.email,
            "phone": client.phone,
            "notes_by_the_studio": client.notes,
            "created_at": client.created_at,
        },
        "sign_in_links": [
            {"created_at": link.created_at, "used_at": link.used_at}
            for link in client.sign_in_links.order_by("created_at")
        ],
    }


def client_lock(*, client_id: int) -> Client:
    """The client's row, locked until the transaction ends: call inside one."""
    return Client.objects.select_for_update().get(pk=client_id)


def client_personal_erase(*, client: Client) -> None:
    """The client's name, contact details, notes and sign-in links gone; the row stays,
    for the bookings and payments kept under it."""
    client.sign_in_links.all().delete()
    client.name = _("Erased client %(number)d") % {"number": client.pk}
    client.email = f"erased-{client.pk}@erased.invalid"
    client.phone = client.notes = ""
    client.save()


def privacy_record_create(*, client: Client, kind: str, by, summary: str) -> PrivacyRecord:
    return PrivacyRecord.objects.create(
        client=client, client_number=client.pk, kind=kind, by=by, summary=summary
    )
