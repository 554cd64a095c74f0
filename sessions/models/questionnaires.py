"""Before the session: questionnaires the client fills in, and guides the studio gives them.

Answers keep the question's wording and kind as the client saw them, so renaming or deleting
a question later never loses or garbles what was answered.
"""

import secrets
from pathlib import PurePath

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import Booking, SessionType


def answer_image_upload_to(instance: models.Model, filename: str) -> str:
    # The server names the file; the uploaded name is kept only as text.
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"questionnaires/{secrets.token_hex(2)}/{secrets.token_urlsafe(16)}{suffix}"


def answer_thumbnail_upload_to(instance: models.Model, filename: str) -> str:
    return f"questionnaires/{secrets.token_hex(2)}/{secrets.token_urlsafe(16)}.jpg"


class Questionnaire(models.Model):
    """Questions a client answers before their session: wardrobe, style, who is coming."""

    name = models.CharField(_("name"), max_length=120)
    intro = models.TextField(
        _("introduction"),
        blank=True,
        max_length=3000,
        help_text=_("Shown above the questions. Markdown: **bold**, *italic*, lists, links."),
    )
    session_types = models.ManyToManyField(
        SessionType,
        blank=True,
        related_name="questionnaires",
        verbose_name=_("for session types"),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("One choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
        YES_NO = "yes_no", _("Yes or no")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        IMAGES = "images", _("Photos")

    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"),
        blank=True,
        max_length=5000,
        help_text=_("For choice questions: one choice per line."),
    )
    max_choices = models.PositiveSmallIntegerField(
        _("choices at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("For several-choice questions: leave empty for no limit."),
    )
    max_images = models.PositiveSmallIntegerField(
        _("photos at most"), default=3, help_text=_("For photo questions.")
    )
    condition_question = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependents",
        verbose_name=_("only show when"),
        help_text=_("An earlier yes/no or choice question of this questionnaire."),
    )
    condition_value = models.CharField(
        _("has the answer"),
        max_length=200,
        blank=True,
        help_text=_("“Yes”, “No”, or one of its choices, written the same way."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class SessionGuide(models.Model):
    """What to wear, what to bring, how the session goes, where to park: sent to clients."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("guide"),
        max_length=20_000,
        help_text=_("Markdown: **bold**, *italic*, headings, lists and links."),
    )
    session_types = models.ManyToManyField(
        SessionType, blank=True, related_name="guides", verbose_name=_("for session types")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session guide")
        verbose_name_plural = _("session guides")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class QuestionnaireResponse(models.Model):
    """One client's answers to one questionnaire, for one booking: a draft until submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="responses", verbose_name=_("booking")
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.SET_NULL,
        null=True,
        related_name="responses",
        verbose_name=_("questionnaire"),
    )
    questionnaire_name = models.CharField(_("questionnaire"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # The open page whose answers were saved last and its count of sends: an autosave that
    # arrives after a later one from the same page is not saved over it.
    sent_page = models.CharField(max_length=32, blank=True, editable=False)
    sent_number = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("questionnaire answers")
        verbose_name_plural = _("questionnaire answers")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "questionnaire"], name="response_one_per_booking"
            )
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_name} · {self.booking.reference}"


class Answer(models.Model):
    """An answer, with the question's wording and kind as the client saw them."""

    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, related_name="answers"
    )
    label = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Question.Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    # Text, a list of choices, a number, an ISO date or "yes"/"no", as the kind says.
    value = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(question__isnull=False),
                name="answer_one_per_question",
            )
        ]

    def __str__(self) -> str:
        return self.label


class AnswerImage(models.Model):
    """A photo a client uploaded for a question. Served only through permission-checked
    views; the file's name in storage is random. A worker makes its thumbnail."""

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Preparing its preview")
        READY = "ready", _("Ready")
        UNREADABLE = "unreadable", _("Could not be read")

    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="images"
    )
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, related_name="images"
    )
    label = models.CharField(max_length=300)
    file = models.FileField(upload_to=answer_image_upload_to, max_length=200)
    thumbnail = models.FileField(upload_to=answer_thumbnail_upload_to, max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # When its thumbnail was last asked of a worker (the sweep asks again after a while).
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
