"""Why a photo failed is stored as a code and its values, and made a sentence when shown, so
each reader gets it in their language; sentences stored before are turned into codes."""

import importlib
import io

import pytest

from gallery.models import Photo
from gallery.photos import UploadRefused, photo_add, photo_process
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.services import gallery_create_for_booking
from studio.image_files import REASONS, ImageReason
from tests.factories import BookingFactory

migration = importlib.import_module("gallery.migrations.0012_photo_failure_codes")

# What photo processing stored before codes, each with the code it becomes.
OLD_SENTENCES = {
    "it has more pixels than any camera makes": ("camera_pixels", {}),
    "it could not be read as a photo; it may be damaged or incomplete": ("undecodable", {}),
    "it is not a JPEG, PNG, WebP, TIFF or HEIC photo": (
        "formats",
        {"formats": ["JPEG", "PNG", "WEBP", "TIFF", "HEIF"]},
    ),
    "it could not be processed: the worker stopped on it repeatedly": ("worker_stopped", {}),
    "the studio's watermark could not be read; replace it and retry": ("watermark", {}),
    "it could not be prepared for download: the file has no end marker": (
        "not_deliverable",
        {"why": "the file has no end marker"},
    ),
    "its original file is missing from storage": ("original_missing", {}),
    "it could not be processed; try again, or tell us if it keeps failing": (
        "processing_failed",
        {},
    ),
}


@pytest.mark.parametrize("sentence", sorted(OLD_SENTENCES))
def test_each_old_sentence_becomes_its_code_and_reads_the_same(sentence):
    code, params = migration.code_of(sentence)
    assert (code, params) == OLD_SENTENCES[sentence]
    assert code in REASONS
    assert str(ImageReason(code, params)) == sentence
    assert migration.sentence_of(code, params) == sentence  # and back, if unmigrated


def test_a_sentence_sitting_never_wrote_is_kept_word_for_word():
    code, params = migration.code_of("the cat sat on the card reader")
    assert (code, params) == ("other", {"text": "the cat sat on the card reader"})
    assert str(ImageReason(code, params)) == "the cat sat on the card reader"
    assert migration.code_of("it is not a GIF photo") == (
        "other",
        {"text": "it is not a GIF photo"},
    )


def test_a_failed_photo_keeps_a_code_not_a_sentence(db, studio):
    gallery = gallery_create_for_booking(booking=BookingFactory(status="confirmed"))
    whole = jpeg_bytes(camera_like(640, 480, seed=3))
    data = whole[: len(whole) // 2]  # looks whole from its header; fails once decoded
    added = photo_add(gallery=gallery, stream=io.BytesIO(data), name="cut.jpg", size=len(data))
    photo = photo_process(photo_id=added.photo.pk)
    assert photo.status == Photo.Status.FAILED
    stored = Photo.objects.values("failure_code", "failure_params").get(pk=photo.pk)
    assert stored["failure_code"] in REASONS
    assert photo.failure_reason == str(
        ImageReason(stored["failure_code"], stored["failure_params"])
    )
    assert stored["failure_code"] == "undecodable"
    assert (
        photo.failure_reason == "it could not be read as a photo; it may be damaged or incomplete"
    )


def test_a_refused_upload_carries_its_code_and_the_numbers_its_sentence_needs(db, studio):
    gallery = gallery_create_for_booking(booking=BookingFactory(status="confirmed"))
    with pytest.raises(UploadRefused) as refused:
        photo_add(gallery=gallery, stream=io.BytesIO(b""), name="big.jpg", size=90 * 1024 * 1024)
    assert refused.value.why == ImageReason("too_big", {"size": 90 * 1024 * 1024, "limit": 80})
    assert refused.value.reason == "it is 90.0 MB; each photo can be up to 80 MB"


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_each_photos_sentence_into_its_code_and_back(studio):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    gallery = gallery_create_for_booking(booking=BookingFactory(status="confirmed"))
    photos = []
    for n, sentence in enumerate(
        ["it has more pixels than any camera makes", "a sentence of someone else's"]
    ):
        data = jpeg_bytes(camera_like(64, 48, seed=n))
        added = photo_add(gallery=gallery, stream=io.BytesIO(data), name=f"{n}.jpg", size=len(data))
        photos.append((added.photo.pk, sentence))
    before, after = (
        ("gallery", "0011_comment_digest_and_deadline"),
        ("gallery", "0012_photo_failure_codes"),
    )
    MigrationExecutor(connection).migrate([before])
    try:
        with connection.cursor() as cursor:
            for pk, sentence in photos:
                cursor.execute(
                    "UPDATE gallery_photo SET status = 'failed', failure_reason = %s WHERE id = %s",
                    [sentence, pk],
                )
    finally:
        MigrationExecutor(connection).migrate([after])
        # Going back to 0011 also took back what depends on gallery 0012 in other apps.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    stored = dict(Photo.objects.values_list("pk", "failure_code"))
    assert [stored[pk] for pk, _sentence in photos] == ["camera_pixels", "other"]
    assert [Photo.objects.get(pk=pk).failure_reason for pk, _s in photos] == [
        sentence for _pk, sentence in photos
    ]
