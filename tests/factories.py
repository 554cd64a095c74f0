import factory
from django.contrib.auth import get_user_model

from clients.models import Client
from sessions.models import AvailabilityRule, SessionType
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
    class Meta:
        model = SessionType
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Session type {n}")
    slug = factory.Sequence(lambda n: f"session-type-{n}")
    duration_minutes = 60
    currency = "GBP"
    price = 20000
    deposit = 5000

    @factory.post_generation
    def photographers(self, create, extracted, **kwargs):
        if create and extracted:
            self.photographers.set(extracted)


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
