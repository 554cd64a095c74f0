"""The home page is made once per change and served to every visitor alike
(studio.page_cache): whatever it shows, changed, is on the very next request."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.urls import reverse

from clients.models import Client
from clients.services import sign_in_link_create
from gallery.models import PortfolioPhoto
from gallery.public_images import portfolio_photos_render_again
from sessions.models import AddOn
from studio import page_cache
from studio.page_cache import public_page_memo, public_pages_changed, public_pages_version
from tests.factories import PhotographerFactory, SessionTypeFactory, UserFactory


def home(client) -> str:
    return client.get(reverse("home")).content.decode()


def portfolio_photo(n: int) -> PortfolioPhoto:
    return PortfolioPhoto.objects.create(
        original=f"portfolio/{n}/original",
        large=f"branding/{n}l.jpg",
        medium=f"branding/{n}m.jpg",
        description=f"Portrait number {n}",
        status=PortfolioPhoto.Status.READY,
    )


def test_a_second_visit_reads_only_the_studio(client, studio, django_assert_num_queries):
    SessionTypeFactory(photographers=PhotographerFactory.create_batch(2))
    portfolio_photo(1)
    first = home(client)
    with django_assert_num_queries(1):  # the studio's row, which is part of the key
        second = home(client)
    assert second == first


@pytest.mark.parametrize("url", ["home", "sessions:session-type-list"])
def test_what_the_studio_changes_about_its_sessions_shows_at_once(client, studio, url):
    def home(client) -> str:  # either page showing the sessions: both keep what they made
        return client.get(reverse(url)).content.decode()

    maya = PhotographerFactory(display_name="Maya Lind")
    headshot = SessionTypeFactory(name="Headshot", price=15000, photographers=[maya])
    assert "£150.00" in home(client)

    headshot.package.price = 17500
    headshot.package.save()
    assert "£175.00" in home(client)

    headshot.description = "Thirty **calm** minutes."
    headshot.save()
    assert "<strong>calm</strong>" in home(client)

    AddOn.objects.create(session_type=headshot, name="Make-up", price=4000)
    assert "See the options" in home(client)

    maya.display_name = "Maya Lindqvist"
    maya.save()
    assert "Maya Lindqvist" in home(client)

    headshot.photographers.add(PhotographerFactory(display_name="Jonas Berg"))
    assert "Jonas Berg" in home(client)

    headshot.delete()
    assert "Headshot" not in home(client)


def test_a_change_to_the_studio_itself_shows_at_once(client, studio):
    assert "Lumen Portraits" in home(client)
    studio.name = "Lumen & Co"
    studio.save()
    assert "Lumen &amp; Co" in home(client)


def test_the_portfolio_follows_its_pictures_even_when_changed_by_update(client, studio):
    photo = portfolio_photo(1)
    assert "Portrait number 1" in home(client)

    portfolio_photos_render_again(photo_ids=[photo.pk])  # queued again: off the page meanwhile
    assert "Portrait number 1" not in home(client)

    PortfolioPhoto.objects.filter(pk=photo.pk).update(status=PortfolioPhoto.Status.READY)
    public_pages_changed()
    assert "Portrait number 1" in home(client)


def test_every_visitor_gets_the_same_page_but_a_message_goes_to_its_visitor_alone(client, studio):
    anonymous = home(client)
    client.force_login(UserFactory(username="owner", is_staff=True))
    assert home(client) == anonymous

    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Thank you, see you on Saturday.")
    client.cookies[storage.cookie_name] = storage._encode(list(storage._queued_messages))
    assert "Thank you, see you on Saturday." in home(client)
    assert home(client) == anonymous  # shown once, then the page every visitor gets


def test_a_change_moves_the_version_now_and_again_when_it_commits(
    db, django_capture_on_commit_callbacks
):
    before = public_pages_version()
    with django_capture_on_commit_callbacks(execute=True):
        public_pages_changed()
        during = public_pages_version()
    after = public_pages_version()
    assert len({before, during, after}) == 3


def test_a_made_page_is_kept_only_so_long(db, monkeypatch):
    made = []
    monkeypatch.setattr(page_cache, "KEPT_SECONDS", 0)
    public_page_memo("k", lambda: made.append(1))
    public_page_memo("k", lambda: made.append(2))
    assert made == [1, 2]


def test_the_home_page_works_when_the_cache_does_not(client, studio, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    SessionTypeFactory(name="Headshot")
    assert "Headshot" in home(client)


@pytest.mark.parametrize("payments", [False, True])
def test_the_page_made_follows_the_payments_setting(client, studio, settings, payments):
    settings.PAYMENTS_ENABLED = payments
    SessionTypeFactory(name="Headshot", price=15000, deposit=5000)
    assert ("Deposit to book" in home(client)) is payments


@pytest.mark.parametrize("first", ["staff", "client"])
def test_a_page_made_for_a_signed_in_visitor_carries_nothing_of_theirs(client, studio, first):
    """Whoever makes the page first, the next visitor gets it: never their name, their
    email or a CSRF token (a form's token would be theirs)."""
    if first == "staff":
        client.force_login(UserFactory(username="mira.holt", email="mira@lumen.example"))
    else:  # signed in by the link from their email
        someone = Client.objects.create(name="Mira Holt", email="mira@lumen.example")
        _link, token = sign_in_link_create(client=someone)
        signed_in = client.post(reverse("clients:sign-in-confirm", args=[token]))
        assert signed_in.url == reverse("clients:my-sessions")
    made = home(client)
    for trace in ("mira", "Mira", "csrfmiddlewaretoken"):
        assert trace not in made
    client.logout()
    assert home(client) == made
