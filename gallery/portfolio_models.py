"""The studio's portfolio: a handful of its best photographs, shown on the home page to
anyone. Imported by gallery.models, which is where Django finds it."""

import secrets

from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from studio.image_files import ImageReason
from studio.services import storage_files_delete


def portfolio_original_key(instance: "PortfolioPhoto", filename: str) -> str:
    # Kept private (not under branding/): the original still carries its camera's metadata.
    return f"portfolio/{secrets.token_urlsafe(12)}/original"


def public_image_key(instance: models.Model, filename: str) -> str:
    """A public rendition's name: under branding/, flat, so local storage serves it."""
    return f"branding/{secrets.token_hex(12)}.jpg"


class PortfolioPhoto(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    original = models.FileField(_("photograph"), upload_to=portfolio_original_key, max_length=200)
    description = models.CharField(
        _("what it shows"),
        max_length=200,
        blank=True,
        help_text=_(
            "A few words for people who can't see the picture, e.g. “A mother laughing with "
            "her baby by a window”."
        ),
    )
    watermark = models.BooleanField(
        _("watermark"), default=False, help_text=_("Lay the studio's watermark over it.")
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    shown = models.BooleanField(_("shown on the home page"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, editable=False
    )
    failure_code = models.CharField(max_length=30, blank=True, editable=False)
    failure_params = models.JSONField(default=dict, blank=True, editable=False)
    # What the renditions were made from (the original's name and the watermark choice):
    # a change to either makes them again.
    made_from = models.CharField(max_length=220, blank=True, editable=False)
    large = models.FileField(max_length=200, blank=True, editable=False)
    medium = models.FileField(max_length=200, blank=True, editable=False)
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    colour = models.CharField(max_length=7, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("portfolio photograph")
        verbose_name_plural = _("portfolio photographs")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description or str(_("Photograph %(number)s") % {"number": self.pk})

    @property
    def failure_reason(self) -> str:
        if not self.failure_code:
            return ""
        return str(ImageReason(self.failure_code, self.failure_params or {}))

    @property
    def source_key(self) -> str:
        return f"{self.original.name}|{'w' if self.watermark else ''}"


@receiver(post_delete, sender=PortfolioPhoto)
def _portfolio_files_delete(sender, instance: PortfolioPhoto, **kwargs) -> None:
    names = [instance.original.name, instance.large.name, instance.medium.name]
    transaction.on_commit(lambda: storage_files_delete(names))
