import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Client, SignInLink
from studio.background import task_enqueue_on_commit

SIGN_IN_LINK_MINUTES = 30


def email_as_kept(email: str) -> str:
    """An address as a new client's record keeps it: trimmed, its domain in lower case (it
    never matters there), and all of it when typed all in capitals (caps lock, a phone's
    shift), so the studio sees one spelling of each person."""
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    if email == email.upper():
        local = local.lower()
    return f"{local}@{domain.lower()}"


def client_get_or_create(*, email: str, name: str, phone: str = "") -> Client:
    """The client with this email (in any case), created from these details if new.

    An existing client's record is never changed from here: anyone can type any address
    into a booking form, so what they typed stays with their booking, not on the client.
    """
    email = email_as_kept(email)
    client = Client.objects.filter(email__iexact=email).first()
    if client is None:
        try:
            with transaction.atomic():
                return Client.objects.create(email=email, name=name.strip(), phone=phone.strip())
        except IntegrityError:  # the same person, booking in another tab this very moment
            client = Client.objects.get(email__iexact=email)
    return client


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in_link_request(*, email: str) -> None:
    """Ask for a sign-in link to be emailed. Does the same work whether or not the address
    belongs to a client (the worker finds out), so neither the answer nor its timing tells.
    The view limits how often (clients.views.sign_in)."""
    task_enqueue_on_commit("clients.tasks.sign_in_link_send_task", email=email.strip())


def sign_in_link_create(*, client: Client, now: datetime | None = None) -> tuple[SignInLink, str]:
    """A new link and its token. The token exists only here and in the email; the database
    keeps its hash."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        client=client,
        token_hash=_token_hash(token),
        expires_at=now + timedelta(minutes=SIGN_IN_LINK_MINUTES),
    )
    return link, token


def sign_in_link_use(*, token: str, now: datetime | None = None) -> Client | None:
    """The client a valid, unused, unexpired link signs in, marking it used; else None."""
    now = now or timezone.now()
    link = SignInLink.objects.filter(token_hash=_token_hash(token)).first()
    if link is None:
        return None
    claimed = SignInLink.objects.filter(
        pk=link.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    return link.client if claimed == 1 else None
