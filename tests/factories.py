from datetime import UTC, time

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from clients.models import Client
from sessions.models import AvailabilityRule, Booking, BookingItem, Package, SessionType
from studio.models import Photographer


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class PhotographerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photographer

    user = factory.SubFactory(UserFactory, is_staff=True)
    display_name = factory.Sequence(lambda n: f"Photographer {n}")


class SessionTypeFactory(factory.django.DjangoModelFactory):
    """A session type with one package named after it, whose terms are the factory's
    `price`, `deposit`, `included_images` and `extra_image_price`; the package is kept as
    `session_type.package` for tests to read or change."""

    class Meta:
        model = SessionType
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Session type {n}")
    slug = factory.Sequence(lambda n: f"session-type-{n}")
    duration_minutes = 60
    currency = "GBP"
    price = 20000
    deposit = 5000
    included_images = 0
    extra_image_price = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        terms = {name: kwargs.pop(name) for name in PACKAGE_TERMS}
        session_type = super()._create(model_class, *args, **kwargs)
        session_type.package = Package.objects.create(
            session_type=session_type, name=session_type.name, **terms
        )
        return session_type

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        for name in PACKAGE_TERMS:
            kwargs.pop(name)
        return super()._build(model_class, *args, **kwargs)

    @factory.post_generation
    def photographers(self, create, extracted, **kwargs):
        if create and extracted:
            self.photographers.set(extracted)


PACKAGE_TERMS = ("price", "deposit", "included_images", "extra_image_price")


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    photographer = factory.SubFactory(PhotographerFactory)
    weekday = AvailabilityRule.Weekday.MONDAY
    start_time = "09:00"
    end_time = "17:00"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    email = factory.LazyAttribute(lambda c: f"{c.name.lower().replace(' ', '.')}@example.com")


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking written straight to the table, bypassing booking_create's checks."""

    class Meta:
        model = Booking
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    session_type = factory.SubFactory(SessionTypeFactory)
    photographer = factory.SubFactory(PhotographerFactory)
    starts_at = factory.LazyFunction(timezone.now)
    # In UTC: an aware datetime plus a timedelta is wall-clock arithmetic in Python.
    ends_at = factory.LazyAttribute(lambda b: b.starts_at.astimezone(UTC) + b.session_type.duration)
    blocked_from = factory.LazyAttribute(lambda b: b.starts_at - b.session_type.buffer_before)
    blocked_until = factory.LazyAttribute(lambda b: b.ends_at + b.session_type.buffer_after)
    status = Booking.Status.CONFIRMED
    package = factory.LazyAttribute(lambda b: b.session_type.packages.first())
    currency = factory.LazyAttribute(lambda b: b.session_type.currency)
    price = factory.LazyAttribute(lambda b: b.package.price)
    deposit = factory.LazyAttribute(lambda b: b.package.deposit)
    included_images = factory.LazyAttribute(lambda b: b.package.included_images)
    extra_image_price = factory.LazyAttribute(lambda b: b.package.extra_image_price)
    reference = factory.Sequence(lambda n: f"T{n:05d}")

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        """What it bought: its package, at its price."""
        if create:
            BookingItem.objects.create(
                booking=self,
                kind=BookingItem.Kind.PACKAGE,
                package=self.package,
                name=self.package.name,
                unit_price=self.price,
                included_images=self.included_images,
            )


def photographer_every_day(*, start: int = 8, end: int = 20, **fields) -> Photographer:
    """A photographer free from `start` to `end` o'clock on every day of the week."""
    photographer = PhotographerFactory(**{"display_name": "Maya Lind", **fields})
    for weekday in range(7):
        AvailabilityRuleFactory(
            photographer=photographer, weekday=weekday, start_time=time(start), end_time=time(end)
        )
    return photographer
