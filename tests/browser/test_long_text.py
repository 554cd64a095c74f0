"""Long unbroken text wraps: a 5,000-character word in the studio's introduction, a session's
description, the booking policies, a client's notes to the studio, an answer and a comment
never makes a page scroll sideways, on a phone (375 px) or a laptop (1280 px), for clients
or the studio."""

import io
import os
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from gallery.models import Gallery
from gallery.photos import photo_add, photo_process
from gallery.proofing import comment_add
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.services import gallery_create_for_booking
from sessions.models import Answer, Question, Questionnaire, QuestionnaireResponse
from tests.browser.checks import page_fits
from tests.factories import (
    BookingFactory,
    SessionTypeFactory,
    photographer_every_day,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages
WORD = "Lumen" * 1000  # 5,000 characters, not one space
# Boxes that hide what sticks out of them (the admin's form rows do) and hide part of the word.
CLIPPED = """word => [...document.querySelectorAll("body *")]
  .filter(box => getComputedStyle(box).overflowX !== "visible"
    && box.scrollWidth > box.clientWidth + 1 && box.textContent.includes(word))
  .map(box => `${box.tagName}.${box.className}`)"""


def test_a_very_long_word_wraps_instead_of_widening_any_page(page, studio, anna, staff_user):
    studio.intro = studio.policies = studio.address = WORD
    studio.save()
    maya = photographer_every_day(start=9, end=17)
    portrait = SessionTypeFactory(
        name="Portrait", slug="portrait", description=WORD, deposit=0, photographers=[maya]
    )
    booking = BookingFactory(
        client=anna,
        session_type=portrait,
        photographer=maya,
        starts_at=datetime.now(UTC) - timedelta(days=3),
        client_notes=WORD,
    )
    questionnaire = Questionnaire.objects.create(name="Style", intro=WORD)
    questionnaire.session_types.add(portrait)
    question = Question.objects.create(
        questionnaire=questionnaire, position=1, label="Outfits?", kind=Question.Kind.LONG_TEXT
    )
    response = QuestionnaireResponse.objects.create(
        booking=booking, questionnaire=questionnaire, questionnaire_name="Style"
    )
    Answer.objects.create(
        response=response, question=question, label=question.label, kind=question.kind, value=WORD
    )
    gallery = gallery_create_for_booking(booking=booking)
    data = jpeg_bytes(camera_like(320, 240, seed=3))
    photo = photo_add(gallery=gallery, stream=io.BytesIO(data), name="IMG_1.JPG", size=len(data))
    photo_process(photo_id=photo.photo.pk)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
    comment_add(photo=photo.photo, author_name=anna.name, body=WORD, from_studio=False)
    start = (datetime.now(UTC) + timedelta(days=8)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    pages = {
        "home": "/",
        "booking": "/book/",
        "details": f"/book/portrait/details/?{urlencode({'start': start.isoformat()})}",
        "admin-booking": f"/admin/shoots/booking/{booking.pk}/change/",
        "admin-gallery": f"/admin/gallery/gallery/{gallery.pk}/change/",
    }
    cut = []
    for name, url in pages.items():
        page.goto(url)
        assert page.url.endswith(url), f"{name}: sent on to {page.url}"
        assert WORD[:200] in page.content(), name
        for width in (375, 1280):
            page_fits(page, width=width)
            page.set_viewport_size({"width": width, "height": 900})
            if clipped := page.evaluate(CLIPPED, WORD[:100]):
                cut.append(f"{name} at {width} px hides part of the word in {clipped}")
            elif SHOTS:
                page.screenshot(path=f"{SHOTS}/long-{name}-{width}.png", full_page=True)
    assert not cut, "\n".join(cut)
    assert page.console_errors == []
