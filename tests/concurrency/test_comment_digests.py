"""Beat's comment digest scan running several times at once (a beat started twice, a slow
worker overtaken): each comment is listed in exactly one digest."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection

from gallery.comment_digests import comment_digests_queue
from gallery.models import Comment
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory
from tests.gallery.conftest import add, jpeg

T0 = datetime.datetime(2026, 6, 3, 13, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_scans_at_once_list_each_comment_in_one_digest_only(studio, anna, eager_tasks):
    from gallery.proofing import comment_add

    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    photos = [add(gallery, jpeg(n, size=(60, 40)), f"IMG_{n}.JPG").photo for n in range(3)]
    for n in range(12):
        comment_add(photo=photos[n % 3], author_name="Anna", body=f"Note {n}", from_studio=False)
    Comment.objects.update(created_at=T0)
    scans = 6
    start = threading.Barrier(scans)
    errors: list[BaseException] = []

    def beat(n):
        try:
            start.wait()
            comment_digests_queue(now=T0 + datetime.timedelta(minutes=10, microseconds=n))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat, args=(n,)) for n in range(scans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    listed = [
        line
        for email in mail.outbox
        for line in email.body.splitlines()
        if line.startswith("Anna on ")
    ]
    assert sorted(listed) == sorted(
        f"Anna on {photos[n % 3].original_name}, 3 Jun, 14:00: “Note {n}”" for n in range(12)
    )
