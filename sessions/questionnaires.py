"""Questionnaires: which a booking has, which questions show, and saving the answers.

A draft saves whatever was typed (nothing is lost by closing the tab); submitting checks
that every shown, required question is answered and every answer makes sense. Questions
hidden by their condition are neither required nor kept. An answer over ANSWER_MAX
characters is refused, draft or not, with nothing saved and the text kept on the page.
Answers arrive cleaned by `questionnaire_forms.QuestionnaireForm`, which judges each one;
the rules that need what is stored (photos held, submitted before) are here.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.answer_images import ImageRejected, image_inspect, thumbnail_make
from sessions.models import (
    Answer,
    AnswerImage,
    Booking,
    Question,
    Questionnaire,
    QuestionnaireResponse,
)
from sessions.models.questionnaires import answer_thumbnail_upload_to
from studio.background import task_enqueue_on_commit, task_send_now
from studio.image_files import file_name_clean
from studio.selectors import studio_get
from studio.services import storage_files_delete

ACTIVE = (Booking.Status.HELD, Booking.Status.REQUESTED, Booking.Status.CONFIRMED)
ANSWER_MAX = 10_000  # characters in one answer (or one of several choices)


ANSWER_NEEDED = gettext_lazy("Please answer this question.")


class QuestionnaireClosed(Exception):
    """The answers can no longer change; `message` says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Answers:
    """A questionnaire's answers as its form cleaned them (sessions/questionnaire_forms.py)."""

    questions: list[Question]
    values: dict[int, object]  # question id → text, or a list of texts
    visible: set[int]  # the questions shown for these values
    uploads: dict[int, list[UploadedFile]]  # photos chosen, for shown photo questions
    problems: dict[int, list[str]]  # what submitting refuses, for shown questions
    # Which open page sent them and its how-manieth send: ("", 0) when unknown (no script).
    sent_as: tuple[str, int] = ("", 0)
    # Answers the form refused (too long): a draft leaves what was saved for them as it was
    # and saves the rest; nothing is submitted while there are any.
    refused: frozenset[int] = frozenset()


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


def _normal(value) -> str:
    # The same as the browser's trim().toLowerCase() (static/js/questionnaire.js).
    return str(value).strip().lower()


def _matches(value, wanted: str) -> bool:
    wanted = _normal(wanted)
    if isinstance(value, list):
        return any(_normal(item) == wanted for item in value)
    return value is not None and _normal(value) == wanted


def visible_question_ids(questions: list[Question], values: dict[int, object]) -> set[int]:
    """The questions shown for these answers: a question with a condition shows when the
    question it depends on is shown and has the given answer. Whatever the order (a
    condition on a question that has since been moved after it still works); a condition
    loop hides the questions in it."""
    by_id = {question.pk: question for question in questions}
    decided: dict[int, bool] = {}

    def shown(question_id: int, seen: frozenset = frozenset()) -> bool:
        if question_id in decided:
            return decided[question_id]
        question = by_id.get(question_id)
        parent = question.condition_question_id if question else None
        if question is None:
            result = False
        elif parent is None:
            result = True
        elif parent in seen or parent not in by_id:
            result = False
        else:
            result = shown(parent, seen | {question_id}) and _matches(
                values.get(parent), question.condition_value
            )
        decided[question_id] = result
        return result

    return {question.pk for question in questions if shown(question.pk)}


def questionnaire_ensure_open(booking: Booking, *, now: datetime | None = None) -> None:
    """Raise QuestionnaireClosed once the answers can no longer change."""
    if not questionnaire_may_change(booking, now=now):
        raise QuestionnaireClosed(
            _("The answers can no longer be changed online. Please contact the studio.")
        )


def answers_save(
    *,
    booking: Booking,
    questionnaire: Questionnaire,
    answers: Answers,
    submit: bool,
    now: datetime | None = None,
    autosave: bool = False,
) -> SaveResult:
    """Save the client's answers and photos. A draft keeps everything typed (and what
    belongs to questions hidden for now, in case the client changes their mind); a submit
    also needs no `answers.problems`, marks them submitted only when all is well, and drops
    what belongs to hidden questions. One bad photo is refused alone, with its name and the
    reason; the rest is saved. After submitting, a change is kept only if it would submit
    too. An `autosave` overtaken on the way by a later send from the same page is not
    saved (nothing changes); what the client sent by pressing a button always is. Raises
    QuestionnaireClosed after the cut-off."""
    now = now or timezone.now()
    questionnaire_ensure_open(booking, now=now)
    questions = answers.questions
    result = SaveResult()
    written: list[str] = []  # files stored by this call, removed again if it is undone
    try:
        with transaction.atomic():
            response, _created = QuestionnaireResponse.objects.select_for_update().get_or_create(
                booking=booking,
                questionnaire=questionnaire,
                defaults={"questionnaire_name": questionnaire.name},
            )
            already_submitted = response.status == QuestionnaireResponse.Status.SUBMITTED
            if answers.refused:  # an answer too long: the rest is saved as a draft, if one
                if already_submitted:
                    return result  # what was submitted stays; the form shows what was typed
                submit = False
            page, number = answers.sent_as
            overtaken = page == response.sent_page and number <= response.sent_number
            if page and autosave and overtaken:
                # An autosave overtaken on the way (the last one goes as the page closes,
                # maybe before an earlier one arrives): what came later is kept.
                return result
            checking = submit or already_submitted
            if checking:
                result.errors = {pk: list(found) for pk, found in answers.problems.items()}
            if already_submitted and answers.problems:
                # Keep what was submitted; the form shows what was typed.
                for question_id, messages in uploads_not_taken(answers.uploads).items():
                    result.errors.setdefault(question_id, []).extend(messages)
                return result
            counts = _photos_add(response, answers, result, written=written)
            photo_problems = checking and _photo_problems(
                questions, answers.visible, counts, result
            )
            if already_submitted and photo_problems:
                transaction.set_rollback(True)
                storage_files_delete(written)
                return result
            complete = not (checking and answers.problems) and not photo_problems
            _answers_store(
                response,
                [q for q in questions if q.pk not in answers.refused],
                answers.values,
                answers.visible,
                drop_hidden=submit and complete,
            )
            if submit and complete:
                response.status = QuestionnaireResponse.Status.SUBMITTED
                response.submitted_at = response.submitted_at or now
                result.submitted = True
            response.questionnaire_name = questionnaire.name
            if page:
                response.sent_page, response.sent_number = page, number
            response.save()
            if result.submitted:
                task_enqueue_on_commit(
                    "sessions.tasks.studio_email_send_task",
                    booking_id=booking.pk,
                    kind="questionnaire",
                    response_id=response.pk,
                )
    except Exception:
        storage_files_delete(written)
        raise
    return result


def _photos_add(response, answers: Answers, result: SaveResult, *, written: list[str]) -> dict:
    """Add the photos chosen; how many each question holds now."""
    counts = {question.pk: 0 for question in answers.questions}
    for image in response.images.all():
        if image.question_id in counts:
            counts[image.question_id] += 1
    for question_id, files_for_question in answers.uploads.items():
        question = next(q for q in answers.questions if q.pk == question_id)
        messages = _images_add(
            response, question, files_for_question, already=counts[question_id], written=written
        )
        counts[question_id] += len(files_for_question) - len(messages)
        if messages:
            result.errors[question_id] = messages
    return counts


def _photo_problems(questions, visible, counts, result: SaveResult) -> bool:
    found = False
    for question in questions:
        shown = question.pk in visible and question.kind == Question.Kind.IMAGES
        if shown and question.required and not counts[question.pk]:
            found = True
            result.errors.setdefault(question.pk, []).append(str(ANSWER_NEEDED))
    return found


def uploads_not_taken(uploads: dict[int, list]) -> dict[int, list[str]]:
    """Why each photo chosen was not added when the answers are not saved."""
    return {
        question_id: [
            _(
                "%(name)s was not added, because some answers need attention first. "
                "Please choose it again once they're fixed."
            )
            % {"name": file_name_clean(upload.name)}
            for upload in files_for_question
        ]
        for question_id, files_for_question in uploads.items()
        if files_for_question
    }


def _answers_store(response, questions, values, visible, *, drop_hidden: bool) -> None:
    existing = {answer.question_id: answer for answer in response.answers.all()}
    for question in questions:
        answer = existing.get(question.pk)
        if question.pk not in visible:
            if drop_hidden:  # submitted: what hidden questions held is not kept
                if answer:
                    answer.delete()
                for image in response.images.filter(question=question):
                    _image_remove(image)
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


def _image_remove(image: AnswerImage) -> None:
    """Delete the row now and its files once the transaction commits."""
    names = [image.file.name, image.thumbnail.name]
    image.delete()
    transaction.on_commit(lambda: storage_files_delete(names))


def _images_add(
    response, question: Question, uploads, *, already: int, written: list[str]
) -> list[str]:
    """Store the photos that are acceptable, their thumbnails queued for a worker once the
    transaction commits; a message per file that is not."""
    messages = []
    room = question.max_images - already
    for upload in uploads:
        name = file_name_clean(upload.name)
        if room <= 0:
            messages.append(
                _("%(name)s was not added: this question takes at most %(count)s photos.")
                % {"name": name, "count": question.max_images}
            )
            continue
        try:
            facts = image_inspect(upload, size=upload.size)
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
        written.append(image.file.name)
        image.save()
        task_enqueue_on_commit("sessions.tasks.answer_image_thumbnail_make_task", image_id=image.pk)
        room -= 1
    return messages


def answer_image_thumbnail_make(*, image_id: int) -> AnswerImage | None:
    """Make a photo's thumbnail (a worker's job: it decodes the photo). Safe to run twice
    and at once: only the first result is kept. A photo that cannot be decoded is marked
    unreadable, for the client to replace. None when the photo is gone."""
    image = AnswerImage.objects.filter(pk=image_id).first()
    if image is None or image.status != AnswerImage.Status.PROCESSING:
        return image
    try:
        with image.file.open("rb") as stream:
            thumbnail = thumbnail_make(stream)
    except (ImageRejected, FileNotFoundError):
        AnswerImage.objects.filter(pk=image_id, status=AnswerImage.Status.PROCESSING).update(
            status=AnswerImage.Status.UNREADABLE
        )
        return AnswerImage.objects.filter(pk=image_id).first()
    name = default_storage.save(
        answer_thumbnail_upload_to(image, "thumb.jpg"), ContentFile(thumbnail)
    )
    claimed = AnswerImage.objects.filter(pk=image_id, status=AnswerImage.Status.PROCESSING).update(
        thumbnail=name, status=AnswerImage.Status.READY
    )
    if not claimed:  # removed meanwhile, or another worker got there first
        storage_files_delete([name])
    return AnswerImage.objects.filter(pk=image_id).first()


# A thumbnail asked for this long ago and still not made lost its task (a worker killed, a
# broker flushed) or waits behind a long queue of gallery photos: it is asked for again, at
# most this often, so a backlog costs one extra decode per photo per half hour, not more.
THUMBNAIL_QUEUED_TOO_LONG = timedelta(minutes=30)


def answer_images_requeue_stuck(*, now: datetime | None = None) -> int:
    """Queue again the thumbnails asked for over THUMBNAIL_QUEUED_TOO_LONG ago (beat runs
    this). Making one twice keeps one (see above). Returns how many."""
    now = now or timezone.now()
    stuck = AnswerImage.objects.filter(
        status=AnswerImage.Status.PROCESSING, queued_at__lt=now - THUMBNAIL_QUEUED_TOO_LONG
    )
    ids = list(stuck.values_list("pk", flat=True)[:500])
    AnswerImage.objects.filter(pk__in=ids).update(queued_at=now)
    for image_id in ids:
        task_send_now("sessions.tasks.answer_image_thumbnail_make_task", image_id=image_id)
    return len(ids)


class ImageRemovalRefused(QuestionnaireClosed):
    """Removing this photo would leave submitted answers incomplete."""


def answer_image_delete(*, booking: Booking, image_id: int) -> bool:
    """Remove one of the booking's photos; False if there is no such photo (already
    removed, or another booking's). Raises
    QuestionnaireClosed after the cut-off, and ImageRemovalRefused when it is a required
    question's last photo in submitted answers."""
    questionnaire_ensure_open(booking)
    response_id = (
        AnswerImage.objects.filter(pk=image_id, response__booking=booking)
        .values_list("response_id", flat=True)
        .first()
    )
    if response_id is None:
        return False
    with transaction.atomic():
        # The response before its photos: the order answers_save locks them in.
        response = QuestionnaireResponse.objects.select_for_update().get(pk=response_id)
        image = (
            AnswerImage.objects.select_for_update(of=("self",))
            .select_related("question")
            .filter(pk=image_id, response=response)
            .first()
        )
        if image is None:  # removed meanwhile (a second click)
            return False
        question = image.question
        if (
            response.status == QuestionnaireResponse.Status.SUBMITTED
            and question is not None
            and question.required
            and response.images.filter(question=question).count() == 1
        ):
            raise ImageRemovalRefused(
                _("This question needs a photo. Add the new one first, then remove this one.")
            )
        _image_remove(image)
        response.save(update_fields=["updated_at"])
    return True
