"""A new client's record keeps one spelling of each address: its domain in lower case, and
all of it when typed all in capitals; the same person found whatever the case."""

import pytest

from clients.models import Client
from clients.services import client_get_or_create


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  FRIEND.HIGH@EXAMPLE.COM ", "friend.high@example.com"),  # caps lock
        ("Zoe.Quinn@Example.COM", "Zoe.Quinn@example.com"),  # as typed, but for the domain
        ("anna@example.com", "anna@example.com"),
    ],
)
def test_a_new_clients_address_is_kept_in_one_spelling(db, typed, kept):
    client = client_get_or_create(email=typed, name="Someone")
    assert client.email == kept
    again = client_get_or_create(email=typed.lower(), name="Someone else")
    assert again == client  # the same person, whatever the case
    assert Client.objects.count() == 1
