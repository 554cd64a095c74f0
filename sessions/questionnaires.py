"""Questionnaires: which a booking has, which questions show, and saving the answers.

A draft saves whatever was typed (nothing is lost by closing the tab); submitting checks
that every shown, required question is answered and every answer makes sense. Questions
hidden by their condition are neither required nor kept.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.answer_images import ImageRejected, image_inspect, thumbnail_make
from sessions.models import (
    Answer,
    AnswerImage,
    Booking,
    Question,
    Questionnaire,
    QuestionnaireResponse,
)
from studio.selectors import studio_get

ACTIVE = (Booking.Status.HELD, Booking.Status.REQUESTED, Booking.Status.CONFIRMED)


class QuestionnaireClosed(Exception):
    """The answers can no longer change; `message` says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SaveResult:
    errors: dict[int, list[str]] = field(default_factory=dict)  # question id → messages
    submitted: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def questionnaires_for_booking(booking: Booking) -> list[Questionnaire]:
    return list(booking.session_type.questionnaires.filter(is_active=True).order_by("name"))


def questionnaire_for_booking(booking: Booking, questionnaire_id: int) -> Questionnaire:
    """One of the booking's questionnaires, or Questionnaire.DoesNotExist."""
    return booking.session_type.questionnaires.filter(is_active=True).get(pk=questionnaire_id)


def questionnaire_deadline(booking: Booking) -> datetime:
    return booking.starts_at - timedelta(hours=studio_get().questionnaire_cutoff_hours)


def questionnaire_may_change(booking: Booking, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return booking.status in ACTIVE and now < questionnaire_deadline(booking)


def response_for(booking: Booking, questionnaire: Questionnaire) -> QuestionnaireResponse | None:
    return (
        QuestionnaireResponse.objects.filter(booking=booking, questionnaire=questionnaire)
        .prefetch_related("answers", "images")
        .first()
    )


def _matches(value, wanted: str) -> bool:
    wanted = wanted.strip().casefold()
    if isinstance(value, list):
        return any(str(item).strip().casefold() == wanted for item in value)
    return value is not None and str(value).strip().casefold() == wanted


def visible_question_ids(questions: list[Question], values: dict[int, object]) -> set[int]:
    """The questions shown for these answers: a question with a condition shows when the
    question it depends on is shown and has the given answer."""
    visible: set[int] = set()
    for question in questions:  # in order: a condition refers to an earlier question
        parent = question.condition_question_id
        if parent is None or (
            parent in visible and _matches(values.get(parent), question.condition_value)
        ):
            visible.add(question.pk)
    return visible


def values_from_form(questions: list[Question], data) -> dict[int, object]:
    """What the form says for each question, as typed (`data` is a QueryDict)."""
    values: dict[int, object] = {}
    for question in questions:
        name = f"q-{question.pk}"
        if question.kind == Question.Kind.IMAGES:
            continue
        if question.kind == Question.Kind.MULTIPLE_CHOICE:
            values[question.pk] = [item for item in data.getlist(name) if item][:50]
        else:
            values[question.pk] = str(data.get(name, ""))[:10_000].strip()
    return values


def _check(question: Question, value, image_count: int) -> list[str]:
    """What is wrong with an answer, for submitting."""
    empty = value in (None, "", []) and not (question.kind == Question.Kind.IMAGES and image_count)
    if empty:
        return [_("Please answer this question.")] if question.required else []
    if question.kind == Question.Kind.SINGLE_CHOICE and value not in question.choice_list:
        return [_("Please choose one of the options.")]
    if question.kind == Question.Kind.MULTIPLE_CHOICE and any(
        item not in question.choice_list for item in value
    ):
        return [_("Please choose from the options.")]
    if question.kind == Question.Kind.YES_NO and value not in ("yes", "no"):
        return [_("Please answer yes or no.")]
    if question.kind == Question.Kind.NUMBER:
        try:
            Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            return [_("Please enter a number, such as 3.")]
    if question.kind == Question.Kind.DATE:
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return [_("Please enter a date, such as 2026-06-10.")]
    return []


def answers_save(
    *,
    booking: Booking,
    questionnaire: Questionnaire,
    data,
    files,
    submit: bool,
    now: datetime | None = None,
) -> SaveResult:
    """Save the client's answers and photos. A draft keeps everything typed; a submit also
    checks them, and marks the answers submitted only when all is well. One bad photo is
    refused alone, with its name and the reason; the rest is saved. After submitting, a
    change is kept only if it would submit too. Raises QuestionnaireClosed after the
    cut-off."""
    now = now or timezone.now()
    if not questionnaire_may_change(booking, now=now):
        raise QuestionnaireClosed(
            _("The answers can no longer be changed online. Please contact the studio.")
        )
    questions = list(questionnaire.questions.all())
    values = values_from_form(questions, data)
    visible = visible_question_ids(questions, values)
    result = SaveResult()
    with transaction.atomic():
        response, _created = QuestionnaireResponse.objects.select_for_update().get_or_create(
            booking=booking,
            questionnaire=questionnaire,
            defaults={"questionnaire_name": questionnaire.name},
        )
        already_submitted = response.status == QuestionnaireResponse.Status.SUBMITTED
        images = {question.pk: 0 for question in questions}
        for image in response.images.all():
            if image.question_id in images:
                images[image.question_id] += 1
        for question in questions:
            if question.kind == Question.Kind.IMAGES and question.pk in visible:
                uploads = [upload for upload in files.getlist(f"q-{question.pk}") if upload]
                messages = _images_add(response, question, uploads, already=images[question.pk])
                images[question.pk] += len(uploads) - len(messages)
                if messages:
                    result.errors[question.pk] = messages
        incomplete = False
        if submit or already_submitted:
            for question in questions:
                if question.pk in visible:
                    problems = _check(question, values.get(question.pk), images[question.pk])
                    if problems:
                        incomplete = True
                        result.errors.setdefault(question.pk, []).extend(problems)
        if already_submitted and incomplete:
            # Keep the submitted answers as they were; the form shows what was typed.
            transaction.set_rollback(True)
            return result
        _answers_store(response, questions, values, visible)
        if submit and not incomplete:
            response.status = QuestionnaireResponse.Status.SUBMITTED
            response.submitted_at = response.submitted_at or now
            result.submitted = True
        response.questionnaire_name = questionnaire.name
        response.save()
    return result


def _answers_store(response, questions, values, visible) -> None:
    existing = {answer.question_id: answer for answer in response.answers.all()}
    for question in questions:
        answer = existing.get(question.pk)
        if question.pk not in visible:
            if answer:
                answer.delete()
            response.images.filter(question=question).delete()
            continue
        value = None if question.kind == Question.Kind.IMAGES else values.get(question.pk)
        if answer is None:
            answer = Answer(response=response, question=question)
        answer.label, answer.kind, answer.position = (
            question.label,
            question.kind,
            question.position,
        )
        answer.value = value
        answer.save()


def _images_add(response, question: Question, uploads, *, already: int) -> list[str]:
    """Store the photos that are acceptable; a message per file that is not."""
    messages = []
    room = question.max_images - already
    for upload in uploads:
        name = upload.name[:255]
        if room <= 0:
            messages.append(
                _("%(name)s was not added: this question takes at most %(count)s photos.")
                % {"name": name, "count": question.max_images}
            )
            continue
        try:
            facts = image_inspect(upload, size=upload.size)
            thumbnail = thumbnail_make(upload)
        except ImageRejected as rejected:
            messages.append(
                _("%(name)s was not added: %(reason)s.")
                % {"name": name, "reason": rejected.message}
            )
            continue
        image = AnswerImage(
            response=response,
            question=question,
            label=question.label,
            original_name=name,
            content_type=facts.content_type,
            width=facts.width,
            height=facts.height,
            size=upload.size,
        )
        image.file.save(f"photo{facts.suffix}", upload, save=False)
        image.thumbnail.save("thumb.jpg", ContentFile(thumbnail), save=False)
        image.save()
        room -= 1
    return messages


def answer_image_delete(*, booking: Booking, image_id: int) -> None:
    if not questionnaire_may_change(booking):
        raise QuestionnaireClosed(
            _("The answers can no longer be changed online. Please contact the studio.")
        )
    image = AnswerImage.objects.get(pk=image_id, response__booking=booking)
    image.file.delete(save=False)
    image.thumbnail.delete(save=False)
    image.delete()
