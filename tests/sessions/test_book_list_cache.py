"""The /book/ page's cards are made once per change and served to every visitor alike
(sessions.public_list over studio.page_cache): whatever they show, changed, is on the very
next request. What the studio changes about its sessions: tests/studio/test_home_cache.py."""

import pytest
from django.urls import reverse

from tests.factories import PhotographerFactory, SessionTypeFactory, UserFactory


def book(client) -> str:
    response = client.get(reverse("sessions:session-type-list"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_visit_reads_only_the_studio(client, studio, django_assert_num_queries):
    SessionTypeFactory(name="Headshot", photographers=PhotographerFactory.create_batch(2))
    first = book(client)
    with django_assert_num_queries(1):  # the studio's row, which is part of the key
        second = book(client)
    assert second == first
    assert "Headshot" in second


def test_a_change_to_the_studio_itself_shows_at_once(client, studio):
    SessionTypeFactory(name="Headshot", price=10000)
    assert "£100.00" in book(client)
    studio.tax_name = "VAT"
    studio.tax_rate = 2000
    studio.prices_include_tax = False
    studio.save()
    assert "£120.00" in book(client)


def test_every_visitor_gets_the_same_cards(client, studio):
    SessionTypeFactory(name="Headshot")
    anonymous = book(client)
    client.force_login(UserFactory(username="owner", is_staff=True))
    assert book(client) == anonymous


@pytest.mark.parametrize("payments", [False, True])
def test_the_cards_made_follow_the_payments_setting(client, studio, settings, payments):
    settings.PAYMENTS_ENABLED = payments
    SessionTypeFactory(name="Headshot", price=15000, deposit=5000)
    assert ("Deposit to book" in book(client)) is payments
