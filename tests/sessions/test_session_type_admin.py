import pytest
from django.urls import reverse

from sessions.models import AddOn, SessionType
from tests.factories import PhotographerFactory, SessionTypeFactory

ADD_URL = reverse("admin:shoots_sessiontype_add")


def package_row(n: int = 0, **fields) -> dict:
    """A package row of the page's packages inline, as the browser sends it."""
    row = {
        "name": "Mini session",
        "description": "",
        "products": "",
        "price": "95.00",
        "deposit": "25",
        "included_images": "10",
        "extra_image_price": "12.50",
        "duration_minutes": "",
        "is_active": "on",
        "display_order": "0",
        **fields,
    }
    return {f"packages-{n}-{name}": value for name, value in row.items()}


def add_on_row(n: int = 0, **fields) -> dict:
    row = {
        "name": "Hair and make-up",
        "description": "",
        "price": "60",
        "extra_minutes": "30",
        "extra_images": "0",
        "is_active": "on",
        "display_order": "0",
        **fields,
    }
    return {f"add_ons-{n}-{name}": value for name, value in row.items()}


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form(packages: int = 1, add_ons: int = 0, **overrides) -> dict:
    """The add page as sent: the session type, `packages` rows (the first from
    `package_row`; pass others' fields in overrides) and `add_ons` rows."""
    return {
        "name": "Mini session",
        "slug": "mini",
        "description": "",
        "duration_minutes": "20",
        "currency": "GBP",
        "is_active": "on",
        "display_order": "0",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "slot_step_minutes": "30",
        "minimum_notice_hours": "24",
        "booking_window_days": "90",
        **management("packages", packages),
        **(package_row() if packages else {}),
        **management("add_ons", add_ons),
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
    package = SessionType.objects.get(slug="mini").packages.get()
    assert (package.price, package.deposit, package.extra_image_price) == (9500, 2500, 1250)
    assert package.included_images == 10


def test_a_session_type_offers_packages_and_add_ons_made_on_its_page(owner_client):
    sent = form(
        packages=3,
        add_ons=2,
        **package_row(0, name="Essentials", price="325", deposit="75"),
        **package_row(1, name="Signature", price="495.00", deposit="100", duration_minutes="90"),
        **package_row(2, name="Heirloom", price="895", deposit="200", products="An album"),
        **add_on_row(0),
        **add_on_row(1, name="Rush editing", price="75", extra_minutes="0", extra_images="5"),
    )
    assert owner_client.post(ADD_URL, sent).status_code == 302
    mini = SessionType.objects.get(slug="mini")
    assert [(p.name, p.price, p.deposit, p.duration_minutes) for p in mini.packages.all()] == [
        ("Essentials", 32500, 7500, None),
        ("Signature", 49500, 10000, 90),
        ("Heirloom", 89500, 20000, None),
    ]
    assert {(a.name, a.price, a.extra_minutes, a.extra_images) for a in mini.add_ons.all()} == {
        ("Hair and make-up", 6000, 30, 0),
        ("Rush editing", 7500, 0, 5),
    }
    listing = owner_client.get(reverse("admin:shoots_sessiontype_changelist"))
    assert "£325.00 – £895.00" in listing.content.decode()


def test_a_session_type_needs_a_package(owner_client):
    response = owner_client.post(ADD_URL, form(packages=0))
    assert response.status_code == 200
    assert "Please submit at least 1 form." in response.content.decode()
    assert not SessionType.objects.exists()


def test_the_edit_page_shows_amounts_not_minor_units(owner_client):
    headshot = SessionTypeFactory(price=15000, deposit=5000)
    html = owner_client.get(reverse("admin:shoots_sessiontype_change", args=[headshot.pk]))
    html = html.content.decode()
    assert 'name="packages-0-price" value="150.00"' in html
    assert 'name="packages-0-deposit" value="50.00"' in html


def test_someone_who_may_only_look_sees_package_money_as_money(client, studio):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    looker = UserFactory(is_staff=True)
    looker.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_sessiontype", "view_package", "view_addon"])
    )
    client.force_login(looker)
    headshot = SessionTypeFactory(price=15000, deposit=5000, extra_image_price=1250)
    AddOn.objects.create(session_type=headshot, name="Print voucher", price=3000, tax_rate=550)
    html = client.get(reverse("admin:shoots_sessiontype_change", args=[headshot.pk]))
    html = html.content.decode()
    assert "5.5%" in html  # the voucher's own rate; the package's is the studio's
    assert "the studio&#x27;s" in html
    assert "£150.00" in html
    assert "£50.00" in html
    assert "£12.50" in html
    assert "15000" not in html
    assert 'name="packages-0-price"' not in html


def test_a_currency_without_cents_takes_whole_amounts(owner_client):
    sent = form(
        currency="JPY", **package_row(price="12000", deposit="3000", extra_image_price="500")
    )
    assert owner_client.post(ADD_URL, sent).status_code == 302
    assert SessionType.objects.get(slug="mini").packages.get().price == 12000


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
        ADD_URL,
        form(currency=currency, **package_row(price=price, deposit="0", extra_image_price="0")),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'value="{price}"' in html
    assert 'value="Mini session"' in html
    assert not SessionType.objects.exists()


def test_a_deposit_above_the_price_is_explained(owner_client):
    response = owner_client.post(ADD_URL, form(**package_row(price="50", deposit="60")))
    assert response.status_code == 200
    assert "The deposit cannot be more than the price." in response.content.decode()
    assert not SessionType.objects.exists()


def test_a_session_of_no_length_is_refused_on_its_field(owner_client):
    response = owner_client.post(ADD_URL, form(**{**package_row(), "duration_minutes": "0"}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A session lasts a minute at least." in page
    assert "Constraint" not in page
    assert "duration_minutes" in response.context["adminform"].form.errors
    assert not SessionType.objects.exists()


def test_a_cover_picture_uploaded_in_the_admin_shows_on_the_booking_page(
    owner_client, client, run_tasks
):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (300, 200), (200, 120, 90)).save(buffer, "JPEG")
    cover = SimpleUploadedFile("studio shot.jpg", buffer.getvalue(), content_type="image/jpeg")
    maya = PhotographerFactory()
    with run_tasks():
        response = owner_client.post(
            ADD_URL, {**form(), "cover": cover, "photographers": [maya.pk]}
        )
    assert response.status_code == 302
    mini = SessionType.objects.get(slug="mini")
    # The upload stays private; the pipeline's copy, without metadata, is what pages show.
    assert mini.cover.name.startswith("covers/")
    assert mini.cover_medium.name.startswith("branding/")
    owner_client.logout()
    html = owner_client.get(reverse("sessions:session-type-list")).content.decode()
    assert f'src="/media/{mini.cover_medium.name}"' in html
    assert owner_client.get(f"/media/{mini.cover_medium.name}").status_code == 200
    assert owner_client.get(f"/media/{mini.cover.name}").status_code == 404


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
