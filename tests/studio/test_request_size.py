"""Bodies larger than a view takes are refused from their Content-Length before they are
read; the few views that take photos have their own allowance. (The real server's side:
tests/studio/test_web_process.py.)"""

import json

import pytest
from django.urls import reverse

from gallery.photos import MAX_UPLOAD_BYTES
from studio.middleware import FORM_OVERHEAD_BYTES

MB = 1024 * 1024


def post_declaring(client, url, size, **extra):
    """A POST whose Content-Length says `size` while carrying a few bytes: whatever reads
    the body would fail, so an answer means nothing read it."""
    return client.post(url, {"x": "1"}, CONTENT_LENGTH=str(size), **extra)


def test_a_form_page_refuses_more_than_ten_mb_with_a_page_a_person_understands(client, studio):
    refused = post_declaring(client, reverse("clients:sign-in"), 300 * MB)
    assert refused.status_code == 413
    assert "That was too much to send at once" in refused.text
    assert "This page takes up to 10 MB at a time" in refused.text
    assert refused["Content-Type"].startswith("text/html")


def test_a_logo_too_big_for_the_studio_form_leads_back_to_that_form(client, studio, staff_user):
    client.force_login(staff_user)
    form = "http://testserver" + reverse("admin:studio_studio_change", args=[studio.pk])
    refused = post_declaring(client, form, 30 * MB, HTTP_REFERER=form)
    assert refused.status_code == 413
    assert "choose a smaller file" in refused.text
    assert f'href="{form}"' in refused.text  # back to the form, not the home page
    elsewhere = post_declaring(client, form, 30 * MB, HTTP_REFERER="https://evil.example/phish")
    assert 'href="/admin/"' in elsewhere.text  # never a link off this site


def test_the_questionnaire_takes_five_full_size_photos_and_no_more(client, studio):
    url = reverse("sessions:questionnaire-fill", args=["any-token", 1])
    refused = post_declaring(client, url, 300 * MB)  # read in full, before, then refused
    assert refused.status_code == 413
    assert "up to 100 MB at a time" in refused.text
    assert post_declaring(client, url, 11 * MB, CONTENT_TYPE="text/plain").status_code == 404


def test_the_gallery_upload_answers_in_json_past_its_allowance(client, staff_user, anna):
    from gallery.services import gallery_create_for_booking
    from tests.factories import BookingFactory

    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    client.force_login(staff_user)
    url = reverse("admin:gallery_gallery_upload_file", args=[gallery.pk])
    refused = post_declaring(client, url, MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES + 1)
    assert refused.status_code == 413
    assert json.loads(refused.content) == {
        "status": "rejected",
        "reason": "it is over the 80 MB limit",
    }


@pytest.mark.parametrize("size", ["", "not a number"])
def test_no_or_a_nonsense_length_passes_to_django_which_reads_nothing(client, studio, size):
    answer = client.generic("POST", reverse("clients:sign-in"), b"", CONTENT_LENGTH=size)
    assert answer.status_code == 200  # the form again: nothing was sent


def test_a_chunked_body_of_unknown_length_is_refused(client, studio):
    answer = client.generic(
        "POST", reverse("clients:sign-in"), b"", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert answer.status_code == 411
    assert "Please send that again" in answer.text
