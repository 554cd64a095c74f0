import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client
from sessions.models import AvailabilityRule
from studio.models import Studio
from tests.factories import PhotographerFactory, SessionTypeFactory, UserFactory


def test_there_is_only_ever_one_studio(studio):
    Studio(name="Another", time_zone="UTC", currency="EUR").save()
    assert Studio.objects.count() == 1
    assert Studio.objects.get().name == "Another"
    with pytest.raises(IntegrityError), transaction.atomic():
        Studio.objects.bulk_create([Studio(id=2, name="X", time_zone="UTC", currency="EUR")])


def test_client_emails_are_unique_whatever_their_case(anna):
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(name="Anna again", email="ANNA@Example.com")


def test_client_email_clash_reads_as_a_sentence(anna):
    duplicate = Client(name="Anna again", email="Anna@example.com")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "A client with this email already exists." in str(error.value)


def test_a_deposit_can_never_exceed_the_price(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionTypeFactory(price=10000, deposit=10001)


def test_weekly_hours_must_end_after_they_start(photographer):
    with pytest.raises(IntegrityError), transaction.atomic():
        AvailabilityRule.objects.create(
            photographer=photographer, weekday=0, start_time="17:00", end_time="09:00"
        )


def test_a_photographer_must_have_a_staff_account(db):
    photographer = PhotographerFactory.build(user=UserFactory(is_staff=False))
    with pytest.raises(ValidationError) as error:
        photographer.full_clean()
    assert "Staff status" in str(error.value)


def test_calendar_colour_must_be_a_hex_colour(photographer):
    photographer.calendar_colour = "blue"
    with pytest.raises(ValidationError):
        photographer.full_clean()


def test_a_studio_needs_a_real_time_zone_and_a_supported_currency(studio):
    studio.time_zone = "Mars/Olympus_Mons"
    studio.currency = "XYZ"
    with pytest.raises(ValidationError) as error:
        studio.full_clean()
    assert set(error.value.message_dict) == {"time_zone", "currency"}
    assert "is not a time zone" in error.value.message_dict["time_zone"][0]


def test_the_time_zone_list_is_not_frozen_into_migrations():
    # A tzdata or Babel upgrade must not make `makemigrations --check` fail.
    from pathlib import Path

    import studio.migrations

    migration = (Path(studio.migrations.__file__).parent / "0001_initial.py").read_text()
    assert "Europe/London" not in migration
    assert "British Pound" not in migration
