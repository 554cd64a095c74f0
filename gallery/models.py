"""Galleries and their photos. A gallery belongs to a booking, and so to its client."""

import secrets
import zoneinfo
from pathlib import PurePath

from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models.functions import Trunc
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from gallery.page_changes import ShownQuerySet
from sessions.models import Booking
from studio.fields import CurrencyField
from studio.image_files import ImageReason
from studio.models import sent_emails_field
from studio.services import storage_files_delete
from studio.validators import within_years


def file_suffix(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    return suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""


def original_key(instance: "Photo", filename: str) -> str:
    # The server names every file: two IMG_0001.JPG never collide, and no uploaded name
    # (../../x.jpg, control characters, 300 characters) ever reaches a path.
    suffix = file_suffix(filename)
    return f"galleries/{instance.gallery_id}/{secrets.token_urlsafe(12)}/original{suffix}"


def derived_key(instance: "Photo | Download", filename: str) -> str:
    return f"galleries/{instance.gallery_id}/{secrets.token_urlsafe(12)}/{filename}"


class TakenSecond(Trunc):
    """A capture time cut to its second, in UTC (so a clock change's repeated hour still
    sorts in order): what photos are ordered by before their file names."""

    def __init__(self, expression, **extra):
        super().__init__(expression, "second", tzinfo=zoneinfo.ZoneInfo("UTC"), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps a datetime as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": its first 19
        # characters sort as its second does, without Django's Python function for every row.
        sql, params = compiler.compile(self.lhs)
        return f"SUBSTR({sql}, 1, 19)", params


class Gallery(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SELECTION_SUBMITTED = "selection_submitted", _("Selection submitted")
        DELIVERED = "delivered", _("Delivered")
        EXPIRED = "expired", _("Expired")

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="galleries", verbose_name=_("booking")
    )
    title = models.CharField(_("title"), max_length=150)
    slug = models.SlugField(_("web address"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    favorites_limit = models.PositiveSmallIntegerField(_("images included"), default=0)
    # Copied from the session type, so later price changes never rewrite a gallery.
    extra_image_price = models.PositiveIntegerField(_("price per extra image"), default=0)
    currency = CurrencyField(_("currency"))
    watermark = models.BooleanField(_("watermark previews"), default=True)
    downloads_allowed = models.BooleanField(_("downloads allowed"), default=False)
    expires_on = models.DateField(_("expires"), null=True, blank=True, validators=[within_years])
    cover = models.ForeignKey(
        "Photo",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover photo"),
    )
    selection_deadline = models.DateField(
        _("choose favorites by"),
        null=True,
        blank=True,
        validators=[within_years],
        help_text=_(
            "After the end of this day (your time) the client's favorites lock. Move it later "
            "to open them again: the client is emailed that they can choose."
        ),
    )
    # The client's selection while it is with the studio (or waiting for its extras to be
    # paid): favorites are locked while it is set.
    selection = models.ForeignKey(
        "Selection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("selection"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_emails = sent_emails_field(about="gallery", about_plural="galleries")

    class Meta:
        verbose_name = _("gallery")
        verbose_name_plural = _("galleries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


def shown_to_client_q(prefix: str = "") -> models.Q:
    """The rule of `shown_to_client` as a condition, for a photo reached through `prefix`
    ("faces__photo__")."""
    return models.Q(**{f"{prefix}status": "ready"}) & ~models.Q(**{f"{prefix}flag": "reject"})


class PhotoQuerySet(ShownQuerySet):
    def shown_to_client(self) -> "PhotoQuerySet":
        """What a client's pages show (the client, a share link's guest, staff looking
        through them): ready photos the photographer has not rejected. Favorites count only
        on these; a reject restored is shown again."""
        return self.filter(shown_to_client_q())


class Photo(models.Model):
    class Kind(models.TextChoices):
        PROOF = "proof", _("Proof")
        FINAL = "final", _("Final")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Flag(models.TextChoices):
        PICK = "pick", _("Pick")
        REJECT = "reject", _("Reject")

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.PROOF)
    set_name = models.CharField(_("set"), max_length=80, blank=True)
    # Where the photographer put it; empty until they arrange the gallery, and for photos
    # added after that (they follow the arranged ones).
    position = models.PositiveIntegerField(_("order"), null=True, blank=True)
    original = models.FileField(upload_to=original_key, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("bytes"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    # Why it failed, as a code of studio.image_files.REASONS and the values its sentence
    # needs: the sentence is made when shown, in the reader's language (`failure_reason`).
    failure_code = models.CharField(_("why it failed"), max_length=30, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    # The claim's holder ("host:pid") and its last sign of life (gallery.photos).
    processing_by = models.CharField(max_length=100, blank=True)
    processing_seen_at = models.DateTimeField(null=True, blank=True)
    preview = models.FileField(upload_to=derived_key, max_length=200, blank=True)
    thumbnail = models.FileField(upload_to=derived_key, max_length=200, blank=True)
    # A final's file as the client downloads it: the original less its location.
    download = models.FileField(upload_to=derived_key, max_length=200, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    captured_at = models.DateTimeField(_("taken"), null=True, blank=True)
    camera = models.CharField(_("camera"), max_length=100, blank=True)
    colour = models.CharField(max_length=7, blank=True)
    # The photographer's cull (gallery.culling_decisions): a pick or a reject, and stars, as in
    # Lightroom. A rejected proof stays stored but is hidden from the client.
    flag = models.CharField(_("cull"), max_length=6, choices=Flag.choices, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("stars"), default=0, validators=[MaxValueValidator(5)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        # The photographer's order first (photos not placed yet after it), then the second
        # each was taken (none last, on every database), then the file name: a burst shot
        # within one second keeps the camera's numbering, whatever its sub-seconds say.
        ordering = [
            models.F("position").asc(nulls_last=True),
            TakenSecond("captured_at").asc(nulls_last=True),
            "original_name",
            "pk",
        ]
        constraints = [
            # The same bytes uploaded twice are recognised, not stored twice.
            models.UniqueConstraint(
                fields=["gallery", "kind", "sha256"], name="photo_unique_per_gallery"
            )
        ]
        indexes = [models.Index(fields=["status", "processing_started_at"], name="photo_status")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def shown_to_client(self) -> bool:
        """`shown_to_client_q`'s rule for a photo already loaded: ready, not rejected."""
        return self.status == self.Status.READY and self.flag != self.Flag.REJECT

    @property
    def failure_reason(self) -> str:
        """Why it failed, in the active language; empty unless it failed."""
        return failure_text(self.failure_code, self.failure_params)


def failure_text(code: str, params: dict) -> str:
    """A photo's failure as a sentence, from its stored code and values."""
    return str(ImageReason(code, params or {})) if code else ""


@receiver(post_delete, sender=Photo)
def _photo_files_delete(sender, instance: Photo, **kwargs) -> None:
    """A deleted photo takes its files with it, once the deletion is committed."""
    names = [
        instance.original.name,
        instance.preview.name,
        instance.thumbnail.name,
        instance.download.name,
    ]
    transaction.on_commit(lambda: storage_files_delete(names))


class FavoriteList(models.Model):
    """One person's favorites in a gallery ("Anna", "Grandma"): a household can each pick,
    compare, and submit one list as the selection. A list made through a share link is that
    link's guest's own: the client's lists (no share link) and other guests' stay apart."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="favorite_lists")
    share_link = models.ForeignKey(
        "ShareLink",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="favorite_lists",
        verbose_name=_("made through the share link"),
    )
    name = models.CharField(_("name"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShownQuerySet.as_manager()

    class Meta:
        verbose_name = _("favorites list")
        verbose_name_plural = _("favorites lists")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["gallery", "name"],
                condition=models.Q(share_link__isnull=True),
                name="favorite_list_unique_name",
            ),
            models.UniqueConstraint(
                fields=["share_link", "name"],
                condition=models.Q(share_link__isnull=False),
                name="favorite_list_unique_name_per_share_link",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name, marked as a guest's when made through a share link (so the client's
        "Anna" and a guest's "Anna" are told apart)."""
        if self.share_link_id is None:
            return self.name
        return _("%(name)s (guest)") % {"name": self.name}


class Favorite(models.Model):
    favorite_list = models.ForeignKey(
        FavoriteList, on_delete=models.CASCADE, related_name="favorites"
    )
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShownQuerySet.as_manager()

    class Meta:
        verbose_name = _("favorite")
        verbose_name_plural = _("favorites")
        constraints = [
            # Two tabs favoriting the same photo at once still make one favorite.
            models.UniqueConstraint(fields=["favorite_list", "photo"], name="favorite_once")
        ]

    def __str__(self) -> str:
        return f"{self.favorite_list}: {self.photo}"


class Comment(models.Model):
    """A note on one photo ("could you soften the background?"), from the client's side or
    a reply from the studio."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField(_("from"), max_length=120)
    from_studio = models.BooleanField(_("from the studio"), default=False)
    body = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    # When the studio's digest of new comments took this one (gallery.comment_digests).
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ShownQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(notified_at__isnull=True, from_studio=False),
                name="comment_to_notify",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"


class Selection(models.Model):
    """The photos a client sends the studio: a snapshot of one favorites list, with what the
    extra photos cost. Submitted at once, or once the extras are paid for."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Waiting for the extra photos to be paid")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Reopened for changes")

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="selections")
    favorite_list = models.ForeignKey(
        FavoriteList, on_delete=models.PROTECT, related_name="selections", verbose_name=_("list")
    )
    photos = models.ManyToManyField(Photo, related_name="selections", verbose_name=_("photos"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    photo_count = models.PositiveIntegerField(_("photos"))
    extra_count = models.PositiveIntegerField(_("extra photos"), default=0)
    extra_cost = models.PositiveIntegerField(_("cost of the extra photos"), default=0)
    currency = CurrencyField(_("currency"))
    payment = models.OneToOneField(
        "shoots.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="selection",
        verbose_name=_("payment for the extra photos"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("reopened"), null=True, blank=True)

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.favorite_list.name}: {self.photo_count}"


def _share_token() -> str:
    return secrets.token_urlsafe(24)


class ShareLink(models.Model):
    """A link the studio gives to someone other than the client (a grandparent, a partner
    abroad): view only, or view and choose favorites; optionally with a PIN (as many digits
    as the studio's setting asked when it was set) and an end date; revocable. It never
    sends the selection."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(_("who it's for"), max_length=60)
    token = models.CharField(max_length=40, unique=True, default=_share_token, editable=False)
    can_favorite = models.BooleanField(_("may choose favorites and comment"), default=False)
    pin_hash = models.CharField(max_length=128, blank=True, editable=False)
    pin_length = models.PositiveSmallIntegerField(default=0, editable=False)
    # During a guessing run, no PIN is checked for this link before then (gallery.pins).
    pin_paced_until = models.DateTimeField(null=True, blank=True, editable=False)
    expires_on = models.DateField(
        _("works until"), null=True, blank=True, validators=[within_years]
    )
    revoked = models.BooleanField(_("revoked"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.label


class SharePinAttempt(models.Model):
    """Wrong PINs typed for one share link from one address (an IPv6 /64 counts as one),
    which decide how long that address waits before its next try. The address is kept as
    a keyed hash, never as typed; a right PIN deletes the row."""

    share_link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="pin_attempts")
    address_hash = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()
    wait_until = models.DateTimeField()

    class Meta:
        verbose_name = _("wrong PIN")
        verbose_name_plural = _("wrong PINs")
        constraints = [
            models.UniqueConstraint(
                fields=["share_link", "address_hash"], name="share_pin_attempt_once_per_address"
            )
        ]
        indexes = [models.Index(fields=["last_failed_at"], name="share_pin_attempt_recent")]

    def __str__(self) -> str:
        return f"{self.share_link}: {self.failures}"


class Download(models.Model):
    """All of a gallery's finals in one zip, built by a worker, kept for a week."""

    class Size(models.TextChoices):
        ORIGINAL = "original", _("Full size")
        WEB = "web", _("Web size (2048 px)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Being put together")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="downloads")
    size = models.CharField(_("size"), max_length=8, choices=Size.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(upload_to=derived_key, max_length=200, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    byte_size = models.PositiveBigIntegerField(default=0)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("zip download")
        verbose_name_plural = _("zip downloads")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.gallery} ({self.get_size_display()})"


@receiver(post_delete, sender=Download)
def _download_file_delete(sender, instance: Download, **kwargs) -> None:
    name = instance.file.name
    transaction.on_commit(lambda: storage_files_delete([name]))


from gallery.culling_models import (  # noqa: E402, F401
    CullRequest,
    Face,
    Person,
    PhotoAnalysis,
    PhotoGroup,
)
from gallery.portfolio_models import PortfolioPhoto  # noqa: E402, F401  (Django finds it here)
