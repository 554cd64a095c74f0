import pytest
from django.urls import reverse

from sessions.models import SessionType
from tests.factories import PhotographerFactory, SessionTypeFactory

ADD_URL = reverse("admin:shoots_sessiontype_add")


def form(**overrides) -> dict:
    return {
        "name": "Mini session",
        "slug": "mini",
        "description": "",
        "duration_minutes": "20",
        "currency": "GBP",
        "price": "95.00",
        "deposit": "25",
        "is_active": "on",
        "display_order": "0",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "slot_step_minutes": "30",
        "minimum_notice_hours": "24",
        "booking_window_days": "90",
        "included_images": "10",
        "extra_image_price": "12.50",
        # The documents inline's management form, as the page sends it with no rows.
        "document_links-TOTAL_FORMS": "0",
        "document_links-INITIAL_FORMS": "0",
        **overrides,
    }


@pytest.fixture
def owner_client(client, studio, staff_user):
    client.force_login(staff_user)
    return client


def test_prices_are_typed_as_amounts_and_stored_in_minor_units(owner_client):
    response = owner_client.post(ADD_URL, form())
    assert response.status_code == 302
    mini = SessionType.objects.get(slug="mini")
    assert (mini.price, mini.deposit, mini.extra_image_price) == (9500, 2500, 1250)


def test_the_edit_page_shows_amounts_not_minor_units(owner_client):
    headshot = SessionTypeFactory(price=15000, deposit=5000)
    html = owner_client.get(reverse("admin:shoots_sessiontype_change", args=[headshot.pk]))
    html = html.content.decode()
    assert 'name="price" value="150.00"' in html
    assert 'name="deposit" value="50.00"' in html


def test_a_currency_without_cents_takes_whole_amounts(owner_client):
    response = owner_client.post(
        ADD_URL, form(currency="JPY", price="12000", deposit="3000", extra_image_price="500")
    )
    assert response.status_code == 302
    assert SessionType.objects.get(slug="mini").price == 12000


@pytest.mark.parametrize(
    ("currency", "price", "message"),
    [
        ("JPY", "12000.5", "JPY has no smaller unit: please enter a whole amount."),
        ("GBP", "95.001", "GBP amounts have at most 2 decimal places."),
    ],
)
def test_impossible_fractions_are_refused_and_the_form_keeps_what_was_typed(
    owner_client, currency, price, message
):
    response = owner_client.post(
        ADD_URL, form(currency=currency, price=price, deposit="0", extra_image_price="0")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'value="{price}"' in html
    assert 'value="Mini session"' in html
    assert not SessionType.objects.exists()


def test_a_deposit_above_the_price_is_explained(owner_client):
    response = owner_client.post(ADD_URL, form(price="50", deposit="60"))
    assert response.status_code == 200
    assert "The deposit cannot be more than the price." in response.content.decode()
    assert not SessionType.objects.exists()


def test_a_cover_picture_uploaded_in_the_admin_shows_on_the_booking_page(owner_client, client):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (300, 200), (200, 120, 90)).save(buffer, "JPEG")
    cover = SimpleUploadedFile("studio shot.jpg", buffer.getvalue(), content_type="image/jpeg")
    maya = PhotographerFactory()
    response = owner_client.post(ADD_URL, {**form(), "cover": cover, "photographers": [maya.pk]})
    assert response.status_code == 302
    mini = SessionType.objects.get(slug="mini")
    assert mini.cover.name.startswith("branding/")
    owner_client.logout()
    html = owner_client.get(reverse("sessions:session-type-list")).content.decode()
    assert f'src="/media/{mini.cover.name}"' in html
    assert owner_client.get(f"/media/{mini.cover.name}").status_code == 200


def test_the_studio_chooses_which_documents_a_session_type_requires_and_offers(
    owner_client, contract, adult_release
):
    mini = form(
        **{
            "document_links-TOTAL_FORMS": "2",
            "document_links-0-template": str(contract.pk),
            "document_links-0-required": "on",
            "document_links-1-template": str(adult_release.pk),  # unticked: offered
        }
    )
    assert owner_client.post(ADD_URL, mini).status_code == 302
    session_type = SessionType.objects.get(slug="mini")
    chosen = {link.template.name: link.required for link in session_type.document_links.all()}
    assert chosen == {"Portrait session agreement": True, "Model release": False}
    page = owner_client.get(reverse("admin:shoots_sessiontype_change", args=[session_type.pk]))
    assert "Contract: Portrait session agreement" in page.content.decode()
