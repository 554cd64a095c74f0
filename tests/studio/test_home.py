from django.urls import reverse

from gallery.models import PortfolioPhoto
from studio.models import Studio
from tests.factories import PhotographerFactory, SessionTypeFactory
from workspace.views import PORTFOLIO_SHOWN


def test_home_shows_the_studio_and_its_bookable_sessions(client, studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    SessionTypeFactory(
        name="Headshot", duration_minutes=30, price=15000, deposit=5000, photographers=[maya]
    )
    SessionTypeFactory(name="Retired session", is_active=False)

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Lumen Portraits" in html
    assert "Honest portraits in a calm studio." in html
    assert "Headshot" in html
    assert "30 minutes" in html
    assert "£150.00" in html
    assert "£50.00" not in html  # payments are off: no deposit is asked for
    assert "Maya Lind" in html
    assert "Retired session" not in html


def test_home_says_so_when_no_session_is_bookable(client, studio):
    response = client.get(reverse("home"))
    assert "No sessions are open for booking just yet." in response.content.decode()
    assert "hello@lumen.example" in response.content.decode()


def test_home_has_a_skip_link_and_landmarks(client, studio):
    html = client.get(reverse("home")).content.decode()
    assert 'href="#main"' in html
    assert '<main id="main"' in html
    assert '<nav class="navbar navbar-expand-md" aria-label="Main">' in html
    assert "aria-label=" in html
    assert "<footer" in html


def test_home_is_query_bounded(client, studio, django_assert_max_num_queries):
    photographers = PhotographerFactory.create_batch(3)
    for _ in range(10):
        SessionTypeFactory(photographers=photographers)
    for n in range(12):
        PortfolioPhoto.objects.create(
            original=f"portfolio/{n}/original",
            large=f"branding/{n}l.jpg",
            medium=f"branding/{n}m.jpg",
            status=PortfolioPhoto.Status.READY,
        )
    # The studio, session types, their photographers, the portfolio.
    with django_assert_max_num_queries(4):
        response = client.get(reverse("home"))
    assert response.content.decode().count('class="card h-100 session-card"') == 10
    assert response.content.decode().count("data-portfolio-photo=") == PORTFOLIO_SHOWN


def test_a_fresh_site_works_before_anyone_sets_up_the_studio(client, db, settings):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "<title>Sitting</title>" in response.content.decode()
    studio = Studio.objects.get()
    assert (studio.time_zone, studio.currency) == (settings.TIME_ZONE, settings.STUDIO_CURRENCY)


def test_the_deposit_shows_once_payments_are_on(client, studio, settings):
    settings.PAYMENTS_ENABLED = True
    maya = PhotographerFactory(display_name="Maya Lind")
    SessionTypeFactory(name="Headshot", price=15000, deposit=5000, photographers=[maya])
    html = client.get(reverse("home")).content.decode()
    assert "Deposit to book" in html
    assert "£50.00" in html
