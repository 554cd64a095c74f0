from django.db import IntegrityError, transaction

from clients.models import Client


def client_get_or_create(*, email: str, name: str, phone: str = "") -> Client:
    """The client with this email (in any case), created from these details if new.

    An existing client's name is kept: a booking form is no place to rename someone.
    A phone number fills in one that was missing.
    """
    email = email.strip()
    client = Client.objects.filter(email__iexact=email).first()
    if client is None:
        try:
            with transaction.atomic():
                return Client.objects.create(email=email, name=name.strip(), phone=phone.strip())
        except IntegrityError:  # the same person, booking in another tab this very moment
            client = Client.objects.get(email__iexact=email)
    if phone and not client.phone:
        client.phone = phone.strip()
        client.save(update_fields=["phone"])
    return client
