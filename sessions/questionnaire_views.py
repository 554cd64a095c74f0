"""The client's questionnaire pages, reached through the booking's signed link."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sessions import questionnaires
from sessions.access import booking_get_by_token, booking_url, private_response
from sessions.models import AnswerImage, Booking, Question, Questionnaire
from sessions.questionnaire_forms import QuestionnaireForm
from studio import image_files


def _questionnaire(booking: Booking, questionnaire_id: int) -> Questionnaire:
    try:
        return questionnaires.questionnaire_for_booking(booking, questionnaire_id)
    except Questionnaire.DoesNotExist:
        raise Http404 from None


def _fields(questions, *, values, visible, errors, images_by_question) -> list[dict]:
    """What the template needs for each question, with what to show in it."""
    fields = []
    for question in questions:
        value = values.get(question.pk)
        fields.append(
            {
                "question": question,
                "name": f"q-{question.pk}",
                "value": value if value is not None else "",
                "values": value if isinstance(value, list) else [],
                "errors": errors.get(question.pk, []),
                "hidden": question.pk not in visible,
                "images": images_by_question.get(question.pk, []),
                "room": question.max_images - len(images_by_question.get(question.pk, [])),
            }
        )
    return fields


def _answers_post(request, booking, questionnaire, form) -> HttpResponse | dict[int, list[str]]:
    """Save what the form holds: where to go next, or the problems to show with it."""
    try:
        questionnaires.questionnaire_ensure_open(booking)
        if not form.is_valid():
            errors = form.question_errors()
            if form.savable:  # everything but an answer too long, as a draft
                questionnaires.answers_save(
                    booking=booking,
                    questionnaire=questionnaire,
                    answers=form.answers,
                    submit=False,
                )
                if form.submitting:  # all that stops sending it, said at once
                    for question_id, found in form.answers.problems.items():
                        errors.setdefault(question_id, []).extend(found)
            return errors
        result = questionnaires.answers_save(
            booking=booking,
            questionnaire=questionnaire,
            answers=form.answers,
            submit=form.submitting,
        )
        photo_id = form.cleaned_data["remove"]
        if result.ok and photo_id is not None:
            # "Remove" on a photo: what was typed is saved first, then it goes.
            if questionnaires.answer_image_delete(booking=booking, image_id=photo_id):
                messages.success(request, _("Photo removed."))
            return redirect(request.path)
    except questionnaires.QuestionnaireClosed as closed:
        messages.error(request, closed.message)
        return redirect(request.path)
    if not result.ok:
        return result.errors
    if result.submitted:
        messages.success(request, _("Thank you! Your answers are with the studio."))
        return redirect(booking_url(booking))
    messages.success(request, _("Saved. You can come back and finish any time."))
    return redirect(request.path)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_fill(request, token, questionnaire_id):
    booking = booking_get_by_token(token)
    questionnaire = _questionnaire(booking, questionnaire_id)
    questions = list(questionnaire.questions.all())
    may_change = questionnaires.questionnaire_may_change(booking)
    form, errors = None, {}
    if request.method == "POST":
        form = QuestionnaireForm(request.POST, request.FILES, questions=questions)
        errors = _answers_post(request, booking, questionnaire, form)
        if isinstance(errors, HttpResponse):
            return errors
    response = questionnaires.response_for(booking, questionnaire)
    if form is not None:  # what was typed, to put right
        values = form.values
    else:
        values = {a.question_id: a.value for a in response.answers.all()} if response else {}
    images: dict[int, list[AnswerImage]] = {}
    for image in response.images.all() if response else []:
        images.setdefault(image.question_id, []).append(image)
    visible = questionnaires.visible_question_ids(questions, values)
    return private_response(
        render(
            request,
            "sessions/questionnaire_fill.html",
            {
                "booking": booking,
                "token": token,
                "questionnaire": questionnaire,
                "response": response,
                "form": form,
                "fields": _fields(
                    questions,
                    values=values,
                    visible=visible,
                    errors=errors,
                    images_by_question=images,
                ),
                "errors": [
                    (question, errors[question.pk])
                    for question in questions
                    if question.pk in errors
                ],
                "may_change": may_change,
                "deadline": questionnaires.questionnaire_deadline(booking),
                "autosave_url": reverse(
                    "sessions:questionnaire-autosave", args=[token, questionnaire.pk]
                ),
                "kinds": Question.Kind,
                "answer_max": questionnaires.ANSWER_MAX,
                "length_words": _(
                    "This answer has %(count)s characters: please keep it to %(max)s, or it "
                    "can't be saved."
                ),
            },
        )
    )


@never_cache
@require_POST
def questionnaire_autosave(request, token, questionnaire_id):
    """Saves a draft as the client types (htmx, on each change); answers the status line."""
    booking = booking_get_by_token(token)
    questionnaire = _questionnaire(booking, questionnaire_id)
    response = questionnaires.response_for(booking, questionnaire)
    if response and response.status == response.Status.SUBMITTED:
        text = _("Submitted. Press “Save changes” to update your answers.")
    else:
        form = QuestionnaireForm(
            request.POST, request.FILES, questions=list(questionnaire.questions.all())
        )
        try:
            questionnaires.questionnaire_ensure_open(booking)
            valid = form.is_valid()
            saved = form.savable and (
                questionnaires.answers_save(
                    booking=booking,
                    questionnaire=questionnaire,
                    answers=form.answers,
                    submit=False,
                    autosave=True,
                ).ok
            )
        except questionnaires.QuestionnaireClosed as closed:
            text = closed.message
        else:
            at = {"time": time_format(timezone.localtime(), "H:i")}
            if saved and valid:
                text = _("Draft saved at %(time)s.") % at
            elif saved:
                text = (
                    _(
                        "Draft saved at %(time)s, except an answer that needs a change. “Save for "
                        "later” shows which."
                    )
                    % at
                )
            else:
                text = _("Not saved yet: an answer needs a change. “Save for later” shows which.")
    return private_response(render(request, "sessions/_autosave_status.html", {"text": text}))


# Shown in place of a thumbnail a worker has not made yet, or could not make.
PLACEHOLDERS = {
    AnswerImage.Status.PROCESSING: (
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360" viewBox="0 0 48 36">'
        '<rect width="48" height="36" fill="#e9ecef"/><g fill="#6c757d">'
        '<circle cx="16" cy="18" r="2"/><circle cx="24" cy="18" r="2"/>'
        '<circle cx="32" cy="18" r="2"/></g></svg>'
    ),
    AnswerImage.Status.UNREADABLE: (
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360" viewBox="0 0 48 36">'
        '<rect width="48" height="36" fill="#f8d7da"/><g fill="#842029">'
        '<rect x="23" y="9" width="2" height="12"/><circle cx="24" cy="25" r="1.5"/></g></svg>'
    ),
}


def answer_image_response(image: AnswerImage | None, size: str) -> HttpResponse:
    """The photo itself, privately: for its booking's link, or staff (admin_questionnaires).
    Until its thumbnail is made, the thumbnail is a small placeholder, never cached."""
    if image is None:
        raise Http404
    if size == "thumb" and image.status != AnswerImage.Status.READY:
        return private_response(
            HttpResponse(PLACEHOLDERS[image.status], content_type="image/svg+xml")
        )
    stored = image.thumbnail if size == "thumb" else image.file
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: no file at all
        raise Http404 from None
    if size == "thumb":
        return private_response(FileResponse(handle, content_type="image/jpeg"))
    response = FileResponse(handle, content_type=image.content_type)
    kind = image_files.format_for_content_type(image.content_type)
    name = image_files.file_name_for(image.original_name, kind) if kind else "photo"
    response["Content-Disposition"] = content_disposition_header(False, name)
    return private_response(response)


@never_cache
@require_safe
def answer_image(request, token, image_id, size):
    """A client's photo, for that booking's link only."""
    booking = booking_get_by_token(token)
    image = AnswerImage.objects.filter(pk=image_id, response__booking=booking).first()
    return answer_image_response(image, size)
