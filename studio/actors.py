"""Who is acting: a staff member, the client, Sitting itself, or Stripe.

Records that say who did something (a booking's history, a payment asked for, a refund, an
email sent again) take the current actor as their default, so no path can forget to say who.
A web request acts as its signed-in staff member or else as the client (ActorMiddleware);
the Stripe webhook and anything applying Stripe's word act as Stripe; everything else (workers,
beat, commands) acts as Sitting itself.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    STAFF = "staff", _("staff")
    CLIENT = "client", _("client")
    SYSTEM = "system", _("Sitting")
    STRIPE = "stripe", _("Stripe")


@dataclass(frozen=True)
class Actor:
    kind: str
    user_id: int | None = None


SYSTEM = Actor(ActorKind.SYSTEM)
CLIENT = Actor(ActorKind.CLIENT)
STRIPE = Actor(ActorKind.STRIPE)

_current: ContextVar[Actor] = ContextVar("sitting_actor", default=SYSTEM)


def staff(user) -> Actor:
    return Actor(ActorKind.STAFF, user.pk)


def actor_current() -> Actor:
    return _current.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


# Field defaults (referenced by migrations, so keep these names).
def actor_kind_default() -> str:
    return _current.get().kind


def actor_user_default() -> int | None:
    return _current.get().user_id


class ActorMiddleware:
    """The request acts as its staff member when one is signed in, else as the client.
    Place after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated and user.is_staff
        actor = staff(user) if signed_in else CLIENT
        with acting_as(actor):
            return self.get_response(request)
