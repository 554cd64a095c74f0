"""The studio's public pictures: the portfolio on the home page, each session type's cover,
and a gallery's hero, all made by the photo pipeline."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageChops

from gallery.models import Photo, PortfolioPhoto, ShareLink
from gallery.public_images import portfolio_photo_render, session_type_cover_render
from gallery.sample_images import IDENTIFYING, camera_jpeg, camera_like, jpeg_bytes
from sessions.models import SessionType
from tests.factories import PhotographerFactory, SessionTypeFactory, UserFactory
from tests.gallery.conftest import page_url, sign_in


def read(field) -> bytes:
    with field.open("rb") as stream:
        return stream.read()


def upload(client, **fields):
    data = {"description": "A portrait by a window", "position": 1, "shown": "on", **fields}
    return client.post(reverse("admin:gallery_portfoliophoto_add"), data)


@pytest.fixture
def owner(client, studio):
    client.force_login(UserFactory(username="owner", is_staff=True, is_superuser=True))


def test_a_portfolio_photograph_uploaded_in_the_admin_goes_through_the_pipeline(
    client, owner, run_tasks
):
    camera = camera_jpeg(2400, 1600, seed=3)
    with run_tasks():
        response = upload(client, original=SimpleUploadedFile("IMG_1.JPG", camera, "image/jpeg"))
    assert response.status_code == 302
    photo = PortfolioPhoto.objects.get()
    assert photo.status == PortfolioPhoto.Status.READY
    assert not photo.original.name.startswith("branding/")  # the camera's file stays private
    for rendition, edge in ((photo.large, 2048), (photo.medium, 800)):
        data = read(rendition)
        assert rendition.name.startswith("branding/")
        assert not [value for value in IDENTIFYING.values() if value.encode() in data]
        with Image.open(io.BytesIO(data)) as image:
            assert max(image.size) == edge
            assert image.height > image.width  # turned upright (EXIF orientation 6)
            assert not image.getexif()


def test_the_admin_refuses_a_file_that_is_not_a_photograph(client, owner):
    response = upload(client, original=SimpleUploadedFile("notes.jpg", b"hello " * 50))
    assert response.status_code == 200
    assert PortfolioPhoto.objects.count() == 0
    assert "photo" in response.content.decode().lower()


def make_portfolio(n: int, **fields) -> PortfolioPhoto:
    photo = PortfolioPhoto(description=f"Portrait {n}", position=n, **fields)
    photo.original.save("x.jpg", ContentFile(jpeg_bytes(camera_like(900, 600, seed=n))))
    return portfolio_photo_render(photo_id=photo.pk)


def test_a_watermark_is_laid_over_only_the_photographs_that_ask_for_it(studio):
    plain, marked = make_portfolio(1), make_portfolio(1, watermark=True)
    assert plain.made_from != marked.made_from
    with Image.open(plain.large) as a, Image.open(marked.large) as b:
        difference = ImageChops.difference(a.convert("L"), b.convert("L"))
    assert difference.getextrema()[1] > 60  # the studio's name, in white letters


def test_prepare_again_remakes_the_sizes_after_a_new_watermark(client, owner, run_tasks):
    photo = make_portfolio(1, watermark=True)
    old = photo.large.name
    with run_tasks():
        client.post(
            reverse("admin:gallery_portfoliophoto_changelist"),
            {"action": "render_again", "_selected_action": [photo.pk]},
        )
    photo.refresh_from_db()
    assert photo.status == PortfolioPhoto.Status.READY
    assert photo.large.name != old


def test_the_home_page_shows_the_portfolio_in_order_with_what_each_shows(client, studio):
    second, first = make_portfolio(2), make_portfolio(1)
    hidden = make_portfolio(3, shown=False)
    failed = PortfolioPhoto.objects.create(
        original="portfolio/x/original", position=0, status=PortfolioPhoto.Status.FAILED
    )
    html = client.get(reverse("home")).content.decode()
    assert html.index(f'data-portfolio-photo="{first.pk}"') < html.index(
        f'data-portfolio-photo="{second.pk}"'
    )
    assert f'src="{first.large.url}" alt="Portrait 1"' in html  # the first is the hero
    assert f'src="{second.medium.url}" alt="Portrait 2"' in html
    assert f'data-portfolio-photo="{hidden.pk}"' not in html
    assert f'data-portfolio-photo="{failed.pk}"' not in html


def test_anyone_can_load_a_portfolio_picture_but_not_its_original(client, studio):
    photo = make_portfolio(1)
    assert client.get(photo.medium.url).status_code == 200
    assert client.get(f"/media/{photo.original.name}").status_code == 404


def cover_jpeg() -> bytes:
    return camera_jpeg(1800, 1200, seed=9)


def test_a_session_types_cover_is_made_into_public_sizes_wherever_it_is_saved(studio, run_tasks):
    session_type = SessionTypeFactory(name="Family")
    with run_tasks():
        session_type.cover.save("family.jpg", ContentFile(cover_jpeg()))
    session_type.refresh_from_db()
    assert session_type.cover_made_from == session_type.cover.name
    assert not session_type.cover.name.startswith("branding/")
    for rendition, edge in ((session_type.cover_large, 1800), (session_type.cover_medium, 800)):
        data = read(rendition)
        assert not [value for value in IDENTIFYING.values() if value.encode() in data]
        with Image.open(io.BytesIO(data)) as image:
            assert max(image.size) == edge

    with run_tasks():
        session_type.cover = ""
        session_type.save()
    session_type.refresh_from_db()
    assert session_type.cover_large.name == session_type.cover_medium.name == ""


def test_a_cover_replaced_while_it_was_being_made_is_not_overwritten(studio):
    session_type = SessionTypeFactory(name="Family")
    session_type.cover.save("one.jpg", ContentFile(cover_jpeg()))
    SessionType.objects.filter(pk=session_type.pk).update(cover="covers/another.jpg")
    assert session_type_cover_render(session_type_id=session_type.pk) is None
    session_type.refresh_from_db()
    assert session_type.cover_large.name == ""


def test_the_cover_is_shown_on_the_cards_and_the_booking_steps(client, studio):
    maya = PhotographerFactory()
    session_type = SessionTypeFactory(name="Family", photographers=[maya])
    session_type.cover.save("family.jpg", ContentFile(cover_jpeg()))
    session_type = session_type_cover_render(session_type_id=session_type.pk)
    for url in (reverse("home"), reverse("sessions:session-type-list")):
        html = client.get(url).content.decode()
        assert session_type.cover_medium.url in html
        assert session_type.cover.url not in html  # never the file as uploaded
    pick = client.get(reverse("sessions:slot-pick", args=[session_type.slug]))
    assert session_type.cover_large.url in pick.content.decode()


def test_a_gallery_shows_its_chosen_cover_else_its_first_photo_as_its_hero(client, published, anna):
    sign_in(client, anna)
    first, _second, third = published.photos.all()
    html = client.get(page_url(published)).content.decode()
    assert f'data-hero-photo="{first.pk}"' in html
    published.cover = third
    published.save()
    html = client.get(page_url(published)).content.decode()
    assert f'data-hero-photo="{third.pk}"' in html


def test_a_cover_that_is_not_ready_gives_way_to_the_first_photo(client, published, anna):
    sign_in(client, anna)
    first, _second, third = published.photos.all()
    Photo.objects.filter(pk=third.pk).update(status=Photo.Status.FAILED)
    published.cover = third
    published.save()
    html = client.get(page_url(published)).content.decode()
    assert f'data-hero-photo="{first.pk}"' in html


def test_a_share_link_guest_sees_the_hero_too(client, published):
    link = ShareLink.objects.create(gallery=published, label="Grandma")
    client.get(reverse("gallery:share-open", args=[link.token]))
    html = client.get(page_url(published)).content.decode()
    assert "data-hero-photo=" in html


def test_ticking_watermark_in_the_admin_remakes_the_sizes_keeping_the_original(
    client, owner, run_tasks
):
    photo = make_portfolio(1)
    original, large = photo.original.name, photo.large.name
    change = reverse("admin:gallery_portfoliophoto_change", args=[photo.pk])
    with run_tasks():
        response = client.post(
            change, {"description": "Portrait 1", "position": 1, "shown": "on", "watermark": "on"}
        )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.original.name == original
    assert photo.large.name != large
    assert photo.made_from.endswith("|w")
    assert "/original" not in client.get(change).content.decode()  # no link to the original


def test_a_replaced_original_leaves_storage_with_its_camera_metadata(client, owner, run_tasks):
    photo = make_portfolio(1)
    old = photo.original.name
    change = reverse("admin:gallery_portfoliophoto_change", args=[photo.pk])
    camera = SimpleUploadedFile("IMG_2.JPG", camera_jpeg(1200, 800, seed=5), "image/jpeg")
    with run_tasks():
        response = client.post(
            change, {"description": "Portrait 1", "position": 1, "shown": "on", "original": camera}
        )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.original.name != old
    assert default_storage.exists(photo.original.name)
    assert not default_storage.exists(old)
