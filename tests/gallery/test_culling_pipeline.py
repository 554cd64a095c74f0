"""The culling assistant in the photo pipeline: each proof analysed after its preview, from
an unwatermarked copy; failures kept to the analysis; the gallery grouped once analysed."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageChops, ImageFilter, ImageStat

from gallery import culling
from gallery.culling_models import CullRequest, PhotoAnalysis, PhotoGroup
from gallery.models import Photo
from gallery.photos import photo_process
from gallery.sample_images import camera_like, exif_with, jpeg_bytes
from tests.gallery.conftest import add, jpeg

pytestmark = pytest.mark.analysis  # the analysis in the photo's task, for real


def frame(base: Image.Image, *, taken: str, subsec: str = "00", shift: int = 0, blur=0) -> bytes:
    image = base.crop((shift, shift, base.width - 12 + shift, base.height - 12 + shift))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return jpeg_bytes(image, exif=exif_with(taken=taken, subsec=subsec))


def processed(gallery, data: bytes, name: str) -> Photo:
    """Ready, its analysis pending: as a photo task that died between the two leaves it."""
    return photo_process(photo_id=add(gallery, data, name).photo.pk, analyse=False)


def test_a_ready_proof_waits_for_its_analysis_with_an_unwatermarked_copy(gallery, studio):
    assert gallery.watermark  # the preview carries the studio's mark
    photo = processed(gallery, jpeg(1, size=(3000, 2000)), "IMG_1.JPG")
    record = PhotoAnalysis.objects.get(photo=photo)
    assert record.status == PhotoAnalysis.Status.PENDING
    with Image.open(record.source) as source:
        assert source.size == (1024, 683)
    with Image.open(record.source) as source, Image.open(photo.preview) as preview:
        mine = source.convert("L").resize((256, 171))
        theirs = preview.convert("L").resize((256, 171))
    difference = ImageChops.difference(mine, theirs)
    centre = ImageStat.Stat(difference.crop((64, 50, 192, 121))).mean[0]  # the mark's place
    corner = ImageStat.Stat(difference.crop((0, 0, 48, 32))).mean[0]
    assert centre > 3 * corner  # the copy lacks the preview's watermark, and only that


def test_a_proof_is_analysed_in_its_own_task_from_the_copy_in_hand(
    gallery, monkeypatch, django_capture_on_commit_callbacks
):
    """One task a photo: the analysis follows the preview without a second task, and
    reads the analysis copy from memory, not back from storage."""
    queued = []
    monkeypatch.setattr(
        culling, "task_enqueue_on_commit", lambda name, **kwargs: queued.append(name)
    )
    storage = PhotoAnalysis.source.field.storage
    real_open = storage.open

    def opened(name, *args, **kwargs):
        assert not name.endswith("analysis.jpg"), "the analysis copy was read back"
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(storage, "open", opened)
    photo = photo_process(photo_id=add(gallery, jpeg(41, size=(1600, 1067)), "IMG_41.JPG").photo.pk)
    assert photo.status == Photo.Status.READY
    record = PhotoAnalysis.objects.get(photo=photo)
    assert record.status == PhotoAnalysis.Status.DONE
    assert record.attempts == 1
    assert len(record.dhash) == 16
    assert "gallery.tasks.photo_analyse_task" not in queued
    assert queued == ["gallery.tasks.gallery_cull_task"]  # the gallery's last photo


def test_an_analysis_that_fails_in_the_photos_task_never_fails_the_photo(gallery, monkeypatch):
    from gallery import analysis as measures

    def broken(*args, **kwargs):
        raise ValueError("a broken model file")

    monkeypatch.setattr(measures, "analyse", broken)
    photo = photo_process(photo_id=add(gallery, jpeg(42), "IMG_42.JPG").photo.pk)
    assert photo.status == Photo.Status.READY
    assert photo.preview.storage.exists(photo.preview.name)
    record = PhotoAnalysis.objects.get(photo=photo)
    assert record.status == PhotoAnalysis.Status.FAILED
    assert record.failure_reason == "it could not be analysed: ValueError"


def test_an_analysis_that_breaks_in_the_photos_task_is_left_to_the_sweep(gallery, monkeypatch):
    """Anything past the measuring (the database, say) leaves it pending, for the sweep to
    send as a task of its own; the photo is ready all the same."""
    sent = []
    monkeypatch.setattr(culling, "task_send_now", lambda name, **kwargs: sent.append(name))

    def unsaved(*args, **kwargs):
        raise RuntimeError("the database went away")

    queued = []
    with monkeypatch.context() as broken:
        broken.setattr(culling, "_analysis_save", unsaved)
        broken.setattr(culling, "task_enqueue_on_commit", lambda name, **kw: queued.append(name))
        photo = photo_process(photo_id=add(gallery, jpeg(43), "IMG_43.JPG").photo.pk)
    assert photo.status == Photo.Status.READY
    record = PhotoAnalysis.objects.get(photo=photo)
    assert (record.status, record.attempts) == (PhotoAnalysis.Status.PENDING, 1)
    assert queued == []  # no task of its own yet: the sweep's to send
    later = timezone.now() + culling.ANALYSIS_LOST_AFTER + timedelta(minutes=1)
    assert culling.analyses_requeue_stuck(now=later) == 1
    assert sent == ["gallery.tasks.photo_analyse_task"]
    assert culling.photo_analyse(photo_id=photo.pk).status == PhotoAnalysis.Status.DONE


def test_a_final_is_not_analysed(gallery):
    added = add(gallery, jpeg(2), "final.jpg")
    Photo.objects.filter(pk=added.photo.pk).update(kind=Photo.Kind.FINAL)
    photo_process(photo_id=added.photo.pk)
    assert not PhotoAnalysis.objects.filter(photo_id=added.photo.pk).exists()


def test_an_analysis_records_its_measures(gallery):
    photo = processed(gallery, jpeg(3, size=(1600, 1067)), "IMG_3.JPG")
    record = culling.photo_analyse(photo_id=photo.pk)
    assert record.status == PhotoAnalysis.Status.DONE
    assert record.subject == "centre"  # no face in a landscape-like picture
    assert record.sharpness > 0
    assert len(record.dhash) == 16
    assert record.milliseconds < 2000


def test_an_analysis_that_fails_keeps_the_preview_and_says_why(gallery):
    photo = processed(gallery, jpeg(4), "IMG_4.JPG")
    record = PhotoAnalysis.objects.get(photo=photo)
    record.source.storage.delete(record.source.name)
    record.source.storage.save(record.source.name, ContentFile(b"not a picture at all"))
    record = culling.photo_analyse(photo_id=photo.pk)
    assert record.status == PhotoAnalysis.Status.FAILED
    assert record.failure_reason == "it could not be analysed: UnidentifiedImageError"
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY
    assert photo.preview.storage.exists(photo.preview.name)


def test_an_analysis_whose_picture_is_gone_says_so(gallery):
    photo = processed(gallery, jpeg(5), "IMG_5.JPG")
    record = PhotoAnalysis.objects.get(photo=photo)
    record.source.storage.delete(record.source.name)
    record = culling.photo_analyse(photo_id=photo.pk)
    assert record.failure_code == "analysis_source_missing"


def test_analysing_twice_changes_nothing(gallery):
    photo = processed(gallery, jpeg(6), "IMG_6.JPG")
    first = culling.photo_analyse(photo_id=photo.pk)
    again = culling.photo_analyse(photo_id=photo.pk)
    assert again.analysed_at == first.analysed_at


def test_processing_again_analyses_again_from_the_new_picture(gallery):
    photo = processed(gallery, jpeg(7), "IMG_7.JPG")
    culling.photo_analyse(photo_id=photo.pk)
    old = PhotoAnalysis.objects.get(photo=photo).source.name
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.QUEUED)
    photo_process(photo_id=photo.pk)
    record = PhotoAnalysis.objects.get(photo=photo)
    assert record.status == PhotoAnalysis.Status.DONE
    assert record.source.name != old
    assert not record.source.storage.exists(old)


@pytest.fixture
def burst_gallery(gallery, studio):
    """Three frames of one pose 0.4 s apart (the last out of focus), and another pose half
    a minute later."""
    studio.face_features = False
    studio.save()
    base = camera_like(1500, 1000, seed=11)
    names = []
    for step, (subsec, blur) in enumerate([("00", 0), ("40", 0), ("80", 4)]):
        data = frame(base, taken="2026:06:13 10:00:00", subsec=subsec, shift=step * 3, blur=blur)
        names.append(processed(gallery, data, f"IMG_10{step}.JPG"))
    other = camera_like(1500, 1000, seed=99)
    names.append(processed(gallery, frame(other, taken="2026:06:13 10:00:31"), "IMG_200.JPG"))
    for photo in names:
        culling.photo_analyse(photo_id=photo.pk)
    return gallery


def test_a_burst_is_grouped_and_its_sharp_frame_suggested(burst_gallery):
    assert culling.gallery_cull(gallery_id=burst_gallery.pk) == 1
    group = PhotoGroup.objects.get(gallery=burst_gallery)
    members = sorted(group.members.values_list("photo__original_name", flat=True))
    assert members == ["IMG_100.JPG", "IMG_101.JPG", "IMG_102.JPG"]
    assert group.best.original_name in {"IMG_100.JPG", "IMG_101.JPG"}
    soft = PhotoAnalysis.objects.get(photo__original_name="IMG_102.JPG")
    assert soft.soft_focus
    alone = PhotoAnalysis.objects.get(photo__original_name="IMG_200.JPG")
    assert alone.group is None


def test_grouping_again_gives_the_same_groups(burst_gallery):
    culling.gallery_cull(gallery_id=burst_gallery.pk)
    culling.gallery_cull(gallery_id=burst_gallery.pk)
    assert PhotoGroup.objects.filter(gallery=burst_gallery).count() == 1
    assert PhotoAnalysis.objects.filter(group_best=True).count() == 1


def test_the_gallery_step_is_queued_once_the_last_photo_is_analysed(
    gallery, studio, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        culling, "task_enqueue_on_commit", lambda name, **kwargs: sent.append((name, kwargs))
    )
    first = processed(gallery, jpeg(20), "a.jpg")
    second = processed(gallery, jpeg(21), "b.jpg")
    culling.photo_analyse(photo_id=first.pk)
    assert ("gallery.tasks.gallery_cull_task", {"gallery_id": gallery.pk}) not in sent
    culling.photo_analyse(photo_id=second.pk)
    assert ("gallery.tasks.gallery_cull_task", {"gallery_id": gallery.pk}) in sent


def test_a_lost_analysis_is_sent_again_by_the_sweep(gallery, monkeypatch):
    sent = []
    monkeypatch.setattr(culling, "task_send_now", lambda name, **kwargs: sent.append(kwargs))
    photo = processed(gallery, jpeg(22), "c.jpg")
    assert culling.analyses_requeue_stuck() == 0
    PhotoAnalysis.objects.filter(photo=photo).update(
        queued_at=timezone.now() - timedelta(minutes=11)
    )
    assert culling.analyses_requeue_stuck() == 1
    assert sent == [{"photo_id": photo.pk}]


def test_a_gallery_step_lost_with_its_worker_is_sent_again_a_few_times(
    gallery, studio, monkeypatch
):
    """The gallery step is not handed back when its worker dies (a gallery that kills it
    would loop): the sweep sends it again, twice at most, and a finished one never."""
    monkeypatch.setattr(culling, "task_enqueue_on_commit", lambda name, **kwargs: None)
    sent = []
    monkeypatch.setattr(culling, "task_send_now", lambda name, **kwargs: sent.append(kwargs))
    culling.photo_analyse(photo_id=processed(gallery, jpeg(23), "d.jpg").pk)
    asked = CullRequest.objects.get(gallery=gallery)
    assert asked.asked_at is not None
    assert culling.culls_requeue_stuck() == 0  # may still be running

    later = timezone.now()
    for _ in range(2):
        later += culling.CULL_LOST_AFTER + timedelta(minutes=1)
        assert culling.culls_requeue_stuck(now=later) == 1
        assert culling.culls_requeue_stuck(now=later) == 0  # claimed: once per sweep
    assert sent == [{"gallery_id": gallery.pk}] * 2
    later += culling.CULL_LOST_AFTER + timedelta(minutes=1)
    assert culling.culls_requeue_stuck(now=later) == 0  # killed its worker three times: left

    with time_machine.travel(later + timedelta(minutes=5)):
        culling.gallery_cull(gallery_id=gallery.pk)  # it ran after all
    assert CullRequest.objects.get(gallery=gallery).asked_at is None
    assert culling.culls_requeue_stuck(now=later + timedelta(days=1)) == 0


def test_a_gallery_step_asked_again_while_running_stays_asked(gallery, studio, monkeypatch):
    monkeypatch.setattr(culling, "task_enqueue_on_commit", lambda name, **kwargs: None)
    culling.photo_analyse(photo_id=processed(gallery, jpeg(24), "e.jpg").pk)
    again = timezone.now() + timedelta(seconds=30)  # a photo analysed as this one runs
    CullRequest.objects.filter(gallery=gallery).update(asked_at=again)
    culling.gallery_cull(gallery_id=gallery.pk)
    assert CullRequest.objects.get(gallery=gallery).asked_at == again


def test_analysis_is_routed_to_the_images_queue():
    from studio.celery import app

    for name in ("gallery.tasks.photo_analyse_task", "gallery.tasks.gallery_cull_task"):
        assert app.amqp.router.route({}, name)["queue"].name == "images"


def test_the_analysis_copy_costs_little_in_the_render():
    from gallery import imaging

    data = jpeg_bytes(camera_like(3000, 2000, seed=3))
    rendition = imaging.photo_render(io.BytesIO(data), analysis=True)
    assert len(rendition.analysis) < len(rendition.preview)
    assert imaging.photo_render(io.BytesIO(data)).analysis == b""


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_analyses_a_burst_and_groups_it(redis_url, studio, anna):
    from gallery.services import gallery_create_for_booking
    from studio.celery import app as celery_app
    from tests.factories import BookingFactory
    from tests.workers import worker_run_until

    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    celery_app.control.purge()
    base = camera_like(1500, 1000, seed=5)
    for step in range(3):
        data = frame(base, taken="2026:06:13 10:00:00", subsec=f"{step * 3}0", shift=step * 2)
        add(gallery, data, f"IMG_{step}.JPG")
    worker_run_until(lambda: PhotoGroup.objects.filter(gallery=gallery).exists(), timeout=90)
    group = PhotoGroup.objects.get(gallery=gallery)
    assert group.size == 3
    statuses = set(PhotoAnalysis.objects.values_list("status", flat=True))
    assert statuses == {PhotoAnalysis.Status.DONE}


def test_real_faces_go_from_upload_to_people(gallery):
    """The whole way, as a worker runs it: uploaded, processed, analysed, the gallery
    step: each of two people found as one, in the photos they are in."""
    from gallery.culling_models import Person
    from tests.gallery.people_photos import BIDEN, OBAMA, PEOPLE

    names = [*OBAMA[:3], *BIDEN]
    for name in names:
        photo = processed(gallery, (PEOPLE / name).read_bytes(), name)
        assert culling.photo_analyse(photo_id=photo.pk).status == PhotoAnalysis.Status.DONE
    culling.gallery_cull(gallery_id=gallery.pk)
    people = {
        frozenset(person.faces.values_list("photo__original_name", flat=True))
        for person in Person.objects.filter(gallery=gallery)
    }
    assert people == {frozenset(OBAMA[:3]), frozenset(BIDEN)}


def test_proofs_from_before_the_assistant_are_queued_by_a_command(
    gallery, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    photo = processed(gallery, jpeg(30), "old.jpg")
    PhotoAnalysis.objects.filter(photo=photo).delete()  # as if processed before it existed
    out = StringIO()
    call_command("analyse_photos", "--gallery", str(gallery.pk), stdout=out)
    assert out.getvalue().strip() == "1 photo queued for analysis."
    photo_process(photo_id=photo.pk)  # the worker's doing: processed, then analysed
    assert PhotoAnalysis.objects.get(photo=photo).status == PhotoAnalysis.Status.DONE
