"""The studio hears of comments on photos in digests: one email per gallery for the comments
a few minutes old that it hasn't been told of, listing them with links; never a comment
twice, and never its own replies."""

import datetime

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse

from gallery.comment_digests import comment_digests_queue
from gallery.models import Comment, Gallery, ShareLink
from gallery.services import gallery_create_for_booking
from studio.models import EmailTemplate, SentEmail
from tests.factories import BookingFactory
from tests.gallery.conftest import add, jpeg, sign_in

T0 = datetime.datetime(2026, 6, 3, 13, 0, tzinfo=datetime.UTC)


def minutes(n: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=n)


@pytest.fixture
def scan(beat_at):
    """Beat's digest scan at a moment: the emails it sent."""
    return lambda moment: beat_at(comment_digests_queue, moment)


def comment(browser, gallery, photo, body, at):
    with time_machine.travel(at, tick=False):
        url = reverse("gallery:photo-comments", args=[gallery.slug, photo.pk])
        assert browser.post(url, {"body": body}).status_code == 200


def test_new_comments_reach_the_studio_in_one_email_per_gallery_once(
    client, published, photos, anna, staff_user, studio, scan
):
    sign_in(client, anna)
    comment(client, published, photos[0], "Softer background, please.", minutes(0))
    comment(client, published, photos[2], "Could this one be black and white?", minutes(2))
    tom = Browser()
    link = ShareLink.objects.create(gallery=published, label="Tom", can_favorite=True)
    tom.get(reverse("gallery:share-open", args=[link.token]))
    comment(tom, published, photos[2], "Love this one!", minutes(3))
    studio_browser = Browser()
    studio_browser.force_login(staff_user)
    comment(studio_browser, published, photos[0], "Of course.", minutes(4))  # the studio's own
    other = gallery_create_for_booking(booking=BookingFactory(client=anna))
    Gallery.objects.filter(pk=other.pk).update(status=Gallery.Status.PUBLISHED)
    from gallery.photos import photo_process

    photo_process(photo_id=add(other, jpeg(90, size=(300, 200)), "DSC_9.JPG").photo.pk)
    comment(client, other, other.photos.get(), "And this gallery too", minutes(4))

    assert scan(minutes(6)) == []  # still settling: more may come in the same sitting
    [second] = scan(minutes(8))  # five minutes after its last comment, the first gallery
    assert second.subject == f"3 new comments from Anna Kowalska on “{published.title}”"
    [first] = scan(minutes(10))
    assert first.subject == f"1 new comment from Anna Kowalska on “{other.title}”"
    assert second.to == [f"{studio.name} <{studio.contact_email}>"]
    body = second.body
    assert "Anna Kowalska on IMG_0001.JPG, 3 Jun, 14:00: “Softer background, please.”" in body
    assert "Tom on IMG_0003.JPG, 3 Jun, 14:03: “Love this one!”" in body  # London time
    assert body.index("Softer background") < body.index("black and white") < body.index("Love")
    assert "Of course." not in body
    gallery_page = f"/gallery/{published.slug}/#photo-{photos[2].pk}"
    assert "Reply under IMG_0003.JPG: http://" in body
    assert gallery_page in body
    assert reverse("admin:gallery_gallery_change", args=[published.pk]) in body
    assert scan(minutes(30)) == []  # told once
    # Writing on and on, a client is reported on within the hour, not only once quiet.
    sent = []
    for n in range(31, 95, 4):  # a comment every four minutes: never five quiet ones
        comment(client, published, photos[1], f"Thought {n}", minutes(n))
        sent += [(n, email) for email in scan(minutes(n + 1))]
    [(when, later)] = sent
    assert when == 91  # an hour after the first of them
    assert later.subject == f"16 new comments from Anna Kowalska on “{published.title}”"
    assert "Thought 31" in later.body
    assert "Softer" not in later.body
    assert SentEmail.objects.filter(kind="studio-comments", gallery=published).count() == 2


def test_a_digest_turned_off_sends_nothing_and_no_backlog_later(
    client, published, photos, anna, scan
):
    EmailTemplate.objects.create(kind="studio-comments", enabled=False)
    sign_in(client, anna)
    comment(client, published, photos[0], "Softer background, please.", minutes(0))
    assert scan(minutes(10)) == []
    EmailTemplate.objects.filter(kind="studio-comments").update(enabled=True)
    assert scan(minutes(30)) == []
    assert Comment.objects.get().notified_at is not None


@pytest.mark.django_db(transaction=True)
def test_beats_task_on_a_real_worker_sends_the_digest(redis_url, published, photos, studio):
    from gallery.proofing import comment_add
    from gallery.tasks import comment_digests_queue_task
    from studio.celery import app as celery_app
    from tests.workers import worker_run_until

    comment_add(photo=photos[1], author_name="Anna", body="Warmer?", from_studio=False)
    Comment.objects.update(created_at=T0)  # written well before now
    celery_app.control.purge()
    comment_digests_queue_task.delay()
    digests = SentEmail.objects.filter(kind="studio-comments", status=SentEmail.Status.SENT)
    worker_run_until(digests.exists, timeout=30)
    [digest] = digests
    assert "Anna on IMG_0002.JPG, 3 Jun, 14:00: “Warmer?”" in digest.text_body
    assert digest.galleries.get() == published
