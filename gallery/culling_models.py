"""What the culling assistant learns from each proof (gallery.analysis, gallery.culling):
its scores, the faces in it, the burst it belongs to, and the people of a gallery.

Everything here is a suggestion kept beside the photo, never a change to it: the photographer's
own decisions are Photo.flag and Photo.rating. Faces belong to one gallery only; they are
never compared across galleries, and they go with the gallery (or when the studio turns face
features off).
"""

import secrets

from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gallery.page_changes import ShownQuerySet
from studio.image_files import ImageReason
from studio.services import storage_files_delete


def analysis_source_key(instance: "PhotoAnalysis", filename: str) -> str:
    return f"galleries/{instance.photo.gallery_id}/{secrets.token_urlsafe(12)}/{filename}"


class CullRequest(models.Model):
    """The gallery step (gallery.culling.gallery_cull) asked for and not yet finished. Its
    task is not handed back when its worker dies (a gallery that kills it would loop); the
    beat's sweep sends it again instead, a few times at most (culling.CULL_MAX_RESENDS)."""

    gallery = models.OneToOneField(
        "gallery.Gallery", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    asked_at = models.DateTimeField(null=True, blank=True)  # None: done
    resent = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"gallery {self.gallery_id}: {'asked' if self.asked_at else 'done'}"


class PhotoGroup(models.Model):
    """Photos shot within seconds of each other that look alike: a burst, or the same pose
    taken again. `best` is the suggested keeper (sharpest subject, eyes open)."""

    gallery = models.ForeignKey(
        "gallery.Gallery", on_delete=models.CASCADE, related_name="photo_groups"
    )
    number = models.PositiveIntegerField(_("group"))
    best = models.ForeignKey(
        "gallery.Photo",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested best"),
    )
    size = models.PositiveIntegerField(_("photos"), default=0)

    class Meta:
        verbose_name = _("group of similar photos")
        verbose_name_plural = _("groups of similar photos")
        ordering = ["gallery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["gallery", "number"], name="photo_group_number")
        ]

    def __str__(self) -> str:
        return _("Group %(number)s") % {"number": self.number}


class Person(models.Model):
    """Someone who appears in a gallery: the faces the assistant found to be one person.
    Named by the studio if it likes ("Grandma"); otherwise "Person 3"."""

    gallery = models.ForeignKey("gallery.Gallery", on_delete=models.CASCADE, related_name="people")
    number = models.PositiveIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    hidden = models.BooleanField(
        _("hidden from the client"),
        default=False,
        help_text=_("Leave someone out of the client's filter (a passer-by, say)."),
    )
    photo_count = models.PositiveIntegerField(_("photos"), default=0)
    # The face shown for this person: the clearest one found.
    cover = models.ForeignKey(
        "Face", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ShownQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["gallery", "number"]
        constraints = [models.UniqueConstraint(fields=["gallery", "number"], name="person_number")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name or str(_("Person %(number)s") % {"number": self.number})


class PhotoAnalysis(models.Model):
    """One proof's analysis, made by the images worker from its preview-size pixels."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Analysed")
        FAILED = "failed", _("Not analysed")

    photo = models.OneToOneField(
        "gallery.Photo", on_delete=models.CASCADE, primary_key=True, related_name="analysis"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    failure_code = models.CharField(max_length=30, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)
    # The upright, unwatermarked pixels the analysis reads (the preview made smaller), kept
    # so a photo can be analysed again without decoding its original.
    source = models.FileField(upload_to=analysis_source_key, max_length=200, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    # Analyses begun: a picture that kills its worker each time is given up after a few.
    attempts = models.PositiveSmallIntegerField(default=0)
    analysed_at = models.DateTimeField(null=True, blank=True)
    milliseconds = models.PositiveIntegerField(default=0)
    # Focus: the variance of the Laplacian over the sharpest face (or the centre when there
    # is none), at the analysis size; `focus` is the same relative to its group or gallery.
    sharpness = models.FloatField(null=True, blank=True)
    focus = models.FloatField(null=True, blank=True)
    subject = models.CharField(max_length=6, blank=True)  # "face" or "centre"
    # Exposure: the share of pixels at the very top or bottom of the range.
    highlights = models.FloatField(default=0)
    shadows = models.FloatField(default=0)
    # A 64-bit difference hash of the picture, as 16 hex digits (alike photos differ in few bits).
    dhash = models.CharField(max_length=16, blank=True)
    # The flags the culling view shows.
    soft_focus = models.BooleanField(_("soft focus"), default=False)
    eyes_closed = models.BooleanField(_("closed eyes"), default=False)
    highlights_clipped = models.BooleanField(_("highlights clipped"), default=False)
    shadows_clipped = models.BooleanField(_("shadows clipped"), default=False)
    group = models.ForeignKey(
        PhotoGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    group_best = models.BooleanField(_("suggested best of its group"), default=False)

    class Meta:
        verbose_name = _("photo analysis")
        verbose_name_plural = _("photo analyses")

    def __str__(self) -> str:
        return str(self.photo)

    @property
    def failure_reason(self) -> str:
        return str(ImageReason(self.failure_code, self.failure_params)) if self.failure_code else ""


class Face(models.Model):
    """A face found in a proof: where (fractions of the picture, so any size can draw it),
    how open each eye is (eye aspect ratio), how sharp, and whose it is."""

    photo = models.ForeignKey("gallery.Photo", on_delete=models.CASCADE, related_name="faces")
    left = models.FloatField()
    top = models.FloatField()
    width = models.FloatField()
    height = models.FloatField()
    # The person's own left and right eye; None when the eye could not be measured.
    left_eye = models.FloatField(null=True, blank=True)
    right_eye = models.FloatField(null=True, blank=True)
    # How far the whites of the eyes show above the skin below them (gallery.analysis).
    white = models.FloatField(null=True, blank=True)
    eyes_closed = models.BooleanField(default=False)
    sharpness = models.FloatField(default=0)
    # 128 numbers (float32) that place the face among the gallery's others; kept only
    # while face features are on, and only to tell the people of this gallery apart.
    descriptor = models.BinaryField(null=True, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="faces"
    )

    objects = ShownQuerySet.as_manager()

    class Meta:
        verbose_name = _("face")
        verbose_name_plural = _("faces")
        ordering = ["photo", "left"]

    def __str__(self) -> str:
        return f"{self.photo} ({self.left:.2f}, {self.top:.2f})"


@receiver(post_delete, sender=PhotoAnalysis)
def _analysis_source_delete(sender, instance: PhotoAnalysis, **kwargs) -> None:
    name = instance.source.name
    if name:
        transaction.on_commit(lambda: storage_files_delete([name]))
