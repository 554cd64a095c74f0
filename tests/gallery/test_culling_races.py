"""The culling assistant when things happen at once, as a review found them: the studio
switching faces off mid-analysis, a photo deleted or processed again meanwhile, the last
awaited photo failing, a backlog older than the sweep. (Two gallery steps at once are kept
apart by the gallery row's lock, read before anything else: PostgreSQL's to enforce.)"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from gallery import analysis as measures
from gallery import culling
from gallery.culling_models import Face, PhotoAnalysis
from gallery.models import Gallery, Photo
from gallery.photos import photo_process
from gallery.sample_images import camera_like
from gallery.services import photos_delete
from tests.gallery.conftest import add, jpeg
from tests.gallery.people_photos import PEOPLE
from tests.gallery.test_culling_pipeline import frame, processed

CULL = "gallery.tasks.gallery_cull_task"

pytestmark = pytest.mark.analysis  # the analysis in the photo's task, for real


@pytest.fixture
def sent(monkeypatch):
    out = []
    monkeypatch.setattr(
        culling, "task_enqueue_on_commit", lambda name, **kwargs: out.append((name, kwargs))
    )
    return out


def during_analysis(monkeypatch, then):
    """Run `then()` once the picture is measured, before the analysis is saved."""
    real = measures.analyse

    def analyse(image, **kwargs):
        result = real(image, **kwargs)
        then()
        return result

    monkeypatch.setattr(measures, "analyse", analyse)


def test_no_face_outlives_the_studio_turning_faces_off_mid_analysis(
    gallery, studio, sent, monkeypatch
):
    photo = processed(gallery, (PEOPLE / "obama-1.jpg").read_bytes(), "obama.jpg")

    def off():
        studio.face_features = False
        studio.save()
        culling.faces_off()  # what saving the studio's settings does

    during_analysis(monkeypatch, off)
    record = culling.photo_analyse(photo_id=photo.pk)
    assert record.status == PhotoAnalysis.Status.DONE
    assert Face.objects.count() == 0
    assert not record.eyes_closed


def test_a_photo_deleted_while_analysed_is_let_go(gallery, studio, sent, monkeypatch):
    photo = processed(gallery, jpeg(24), "a.jpg")
    during_analysis(monkeypatch, lambda: Photo.objects.filter(pk=photo.pk).delete())
    culling.photo_analyse(photo_id=photo.pk)
    assert not PhotoAnalysis.objects.exists()


def test_an_old_pictures_failure_leaves_the_new_analysis_done(gallery, studio, sent, monkeypatch):
    photo = processed(gallery, jpeg(25), "a.jpg")
    calls = []
    real = measures.analyse

    def analyse(image, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # meanwhile processed again, and that analysis finished
            Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.QUEUED)
            photo_process(photo_id=photo.pk, analyse=False)
            assert culling.photo_analyse(photo_id=photo.pk).status == "done"
            raise RuntimeError("the old picture's trouble")
        return real(image, **kwargs)

    monkeypatch.setattr(measures, "analyse", analyse)
    culling.photo_analyse(photo_id=photo.pk)
    assert PhotoAnalysis.objects.get(photo=photo).status == PhotoAnalysis.Status.DONE


def test_the_last_awaited_photo_failing_still_brings_the_gallery_step(gallery, studio, sent):
    first = processed(gallery, jpeg(20), "a.jpg")
    second = add(gallery, jpeg(21), "b.jpg").photo  # still queued
    culling.photo_analyse(photo_id=first.pk)
    assert (CULL, {"gallery_id": gallery.pk}) not in sent
    second.original.storage.delete(second.original.name)
    assert photo_process(photo_id=second.pk).status == Photo.Status.FAILED
    assert (CULL, {"gallery_id": gallery.pk}) in sent


def test_the_last_awaited_photo_deleted_still_brings_the_gallery_step(gallery, studio, sent):
    first = processed(gallery, jpeg(22), "a.jpg")
    second = processed(gallery, jpeg(23), "b.jpg")
    culling.photo_analyse(photo_id=first.pk)
    assert (CULL, {"gallery_id": gallery.pk}) not in sent
    photos_delete(gallery_id=gallery.pk, photo_ids=[second.pk])
    assert (CULL, {"gallery_id": gallery.pk}) in sent


def burst_of(gallery, steps):
    base = camera_like(1500, 1000, seed=11)
    for step in steps:
        data = frame(base, taken="2026:06:13 10:00:00", subsec=f"{step}0", shift=step)
        photo = processed(gallery, data, f"I{step}.JPG")
        culling.photo_analyse(photo_id=photo.pk)


def test_a_gallery_deleted_before_its_step_runs_ends_it_quietly(gallery, studio, sent):
    studio.face_features = False
    studio.save()
    burst_of(gallery, [0, 1])
    gallery_id = gallery.pk
    gallery.photos.all().delete()
    Gallery.objects.filter(pk=gallery_id).delete()
    assert culling.gallery_cull(gallery_id=gallery_id) == 0
    connection.check_constraints()


def test_a_backlog_is_sent_again_once_per_wait_not_at_every_sweep(gallery, monkeypatch):
    out = []
    monkeypatch.setattr(culling, "task_send_now", lambda name, **kwargs: out.append(kwargs))
    photo = processed(gallery, jpeg(28), "c.jpg")
    PhotoAnalysis.objects.filter(photo=photo).update(
        queued_at=timezone.now() - timedelta(minutes=11)
    )
    for _ in range(5):
        culling.analyses_requeue_stuck()
    assert out == [{"photo_id": photo.pk}]


def test_a_picture_that_kills_its_worker_is_given_up_after_a_few_tries(gallery, sent):
    photo = processed(gallery, jpeg(29), "d.jpg")
    PhotoAnalysis.objects.filter(photo=photo).update(attempts=culling.MAX_ATTEMPTS)
    record = culling.photo_analyse(photo_id=photo.pk)
    assert record.status == PhotoAnalysis.Status.FAILED
    assert record.failure_reason == "it could not be analysed: the worker stopped on it repeatedly"


class WorkerKilled(BaseException):
    """What a worker's death looks like from inside: nothing below catches it."""


def test_a_worker_dying_in_the_analysis_leaves_it_to_the_message_given_back(
    gallery, sent, monkeypatch
):
    """Killed after the photo was ready, in its analysis: the task is delivered again
    (given back when its worker dies), finds the photo ready and analyses it then, from
    the kept copy, not after the sweep's ten minutes."""

    def killed(*args, **kwargs):
        raise WorkerKilled

    added = add(gallery, jpeg(44), "IMG_44.JPG").photo
    with monkeypatch.context() as dying:
        dying.setattr(measures, "analyse", killed)
        with pytest.raises(WorkerKilled):
            photo_process(photo_id=added.pk)
    added.refresh_from_db()
    assert added.status == Photo.Status.READY  # shown meanwhile
    record = PhotoAnalysis.objects.get(photo=added)
    assert (record.status, record.attempts) == (PhotoAnalysis.Status.PENDING, 1)
    assert photo_process(photo_id=added.pk) is None  # delivered again: not processed twice
    record.refresh_from_db()
    assert (record.status, record.attempts) == (PhotoAnalysis.Status.DONE, 2)


def test_a_photo_processed_again_meanwhile_is_analysed_by_that_task(gallery, sent):
    """The bytes in hand are those of the copy this task kept: if another task processed
    the photo again since, its own copy is the one analysed, by it."""
    photo = processed(gallery, jpeg(45), "IMG_45.JPG")
    kept = PhotoAnalysis.objects.get(photo=photo).source
    picture = kept.read()
    assert (
        culling.photo_analyse(photo_id=photo.pk, picture=picture, source="old/analysis.jpg") is None
    )
    record = PhotoAnalysis.objects.get(photo=photo)
    assert (record.status, record.attempts) == (PhotoAnalysis.Status.PENDING, 0)
    done = culling.photo_analyse(photo_id=photo.pk, picture=picture, source=kept.name)
    assert done.status == PhotoAnalysis.Status.DONE


def test_photos_processed_one_by_one_run_the_gallery_step_once(gallery, sent, monkeypatch):
    """Without a worker, import_photos processes one photo after another: each, analysed at
    once, asks for the gallery step; the first run answers them all, the rest do nothing."""
    for n in range(3):
        photo_process(photo_id=add(gallery, jpeg(46 + n), f"IMG_{46 + n}.JPG").photo.pk)
    assert sent.count((CULL, {"gallery_id": gallery.pk})) == 3
    runs = []
    real = culling.gallery_cull

    def counted(**kwargs):
        runs.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(culling, "gallery_cull", counted)
    for _asked in range(3):
        culling.gallery_cull_if_asked(gallery_id=gallery.pk)
    assert runs == [{"gallery_id": gallery.pk}]
