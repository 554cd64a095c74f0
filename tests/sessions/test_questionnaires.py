"""Questionnaires: drafts, conditions, photos, submitting, and who may see the answers."""

import functools
import html
import io
import time
from datetime import UTC, datetime, timedelta

import pillow_heif
import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gallery.sample_images import png_of_zeros
from sessions.access import booking_token
from sessions.models import (
    AnswerImage,
    Booking,
    Question,
    Questionnaire,
    QuestionnaireResponse,
)
from studio.background import _send_after_commit
from tests.factories import BookingFactory, SessionTypeFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
K = Question.Kind


def text(response) -> str:
    return html.unescape(response.content.decode())


def photo(name="outfit.jpg", fmt="JPEG", size=(1200, 900), colour="navy") -> SimpleUploadedFile:
    out = io.BytesIO()
    if fmt == "HEIF":
        pillow_heif.register_heif_opener()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def wardrobe(studio):
    headshot = SessionTypeFactory(name="Headshot", slug="headshot")
    questionnaire = Questionnaire.objects.create(name="Wardrobe & style", intro="Hello **you**.")
    questionnaire.session_types.add(headshot)

    def ask(position, label, kind, **extra):
        return Question.objects.create(
            questionnaire=questionnaire, position=position, label=label, kind=kind, **extra
        )

    q = {
        "outfits": ask(10, "Which outfits?", K.LONG_TEXT, required=True),
        "glasses": ask(20, "Do you wear glasses?", K.YES_NO, required=True),
        "hair": ask(30, "Hair and make-up?", K.YES_NO, required=True),
    }
    q["who"] = ask(
        40,
        "Who is doing it?",
        K.SINGLE_CHOICE,
        required=True,
        choices="Studio artist\nMy own artist",
        condition_question=q["hair"],
        condition_value="yes",
    )
    q["photos"] = ask(50, "Outfit photos", K.IMAGES, max_images=2)
    q["people"] = ask(60, "How many people?", K.NUMBER)
    q["feel"] = ask(70, "How do you feel?", K.MULTIPLE_CHOICE, choices="Calm\nNervous")
    return questionnaire, q, headshot


@pytest.fixture
def annas(wardrobe, anna) -> Booking:
    _questionnaire, _q, headshot = wardrobe
    return BookingFactory(client=anna, session_type=headshot, starts_at=TEN)


def url(booking, questionnaire, name="sessions:questionnaire-fill"):
    return reverse(name, args=[booking_token(booking), questionnaire.pk])


def answers_of(booking) -> dict[str, object]:
    response = QuestionnaireResponse.objects.get(booking=booking)
    return {answer.label: answer.value for answer in response.answers.all()}


def test_a_draft_keeps_everything_typed_and_comes_back(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    response = client.post(
        url(annas, questionnaire),
        {
            "action": "save",
            f"q-{q['outfits'].pk}": "Navy blazer, white shirt",
            f"q-{q['people'].pk}": "two",  # not a number: kept as typed in a draft
            f"q-{q['feel'].pk}": ["Calm", "Nervous"],
        },
    )
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get(booking=annas)
    assert saved.status == QuestionnaireResponse.Status.DRAFT
    assert answers_of(annas)["Which outfits?"] == "Navy blazer, white shirt"
    assert answers_of(annas)["How do you feel?"] == ["Calm", "Nervous"]
    page = text(client.get(url(annas, questionnaire)))
    assert "Navy blazer, white shirt" in page
    assert 'value="two"' in page
    assert "Draft saved" in page


def test_submitting_with_answers_missing_lists_them_at_the_top_and_keeps_what_was_typed(
    client, annas, wardrobe
):
    questionnaire, q, _ = wardrobe
    response = client.post(
        url(annas, questionnaire),
        {"action": "submit", f"q-{q['outfits'].pk}": "Green dress", f"q-{q['people'].pk}": "x"},
    )
    assert response.status_code == 200
    page = text(response)
    assert 'id="error-summary"' in page
    assert (
        f'<a href="#q-{q["glasses"].pk}">Do you wear glasses?</a>: Please answer this question.'
        in page
    )
    assert f'<a href="#q-{q["people"].pk}">How many people?</a>: Please enter a number' in page
    assert "Who is doing it?</a>" not in page  # hidden: hair and make-up not wanted
    assert "Green dress" in page
    assert QuestionnaireResponse.objects.get(booking=annas).status == "draft"


def test_a_question_shown_by_an_answer_is_required_and_one_hidden_is_neither_required_nor_kept(
    client, annas, wardrobe
):
    questionnaire, q, _ = wardrobe
    base = {
        "action": "submit",
        f"q-{q['outfits'].pk}": "Blazer",
        f"q-{q['glasses'].pk}": "no",
    }
    shown = client.post(url(annas, questionnaire), {**base, f"q-{q['hair'].pk}": "yes"})
    assert shown.status_code == 200
    assert "Who is doing it?</a>: Please answer this question." in text(shown)

    hidden = client.post(
        url(annas, questionnaire),
        {**base, f"q-{q['hair'].pk}": "no", f"q-{q['who'].pk}": "Studio artist"},
    )
    assert hidden.status_code == 302
    assert "Who is doing it?" not in answers_of(annas)
    assert QuestionnaireResponse.objects.get(booking=annas).status == "submitted"


def test_submitting_marks_it_submitted_and_the_booking_page_says_so(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    response = client.post(
        url(annas, questionnaire),
        {
            "action": "submit",
            f"q-{q['outfits'].pk}": "Blazer",
            f"q-{q['glasses'].pk}": "yes",
            f"q-{q['hair'].pk}": "yes",
            f"q-{q['who'].pk}": "My own artist",
            f"q-{q['people'].pk}": "1",
        },
        follow=True,
    )
    page = text(response)
    assert "Thank you! Your answers are with the studio." in page
    assert "Sent to the studio" in page
    saved = QuestionnaireResponse.objects.get(booking=annas)
    assert (saved.status, saved.submitted_at) == ("submitted", NOW)
    assert answers_of(annas)["Who is doing it?"] == "My own artist"


def test_after_submitting_a_change_that_would_not_submit_is_not_kept(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    good = {
        "action": "submit",
        f"q-{q['outfits'].pk}": "Blazer",
        f"q-{q['glasses'].pk}": "no",
        f"q-{q['hair'].pk}": "no",
    }
    client.post(url(annas, questionnaire), good)
    emptied = client.post(url(annas, questionnaire), {**good, f"q-{q['outfits'].pk}": ""})
    assert emptied.status_code == 200
    assert answers_of(annas)["Which outfits?"] == "Blazer"
    changed = client.post(url(annas, questionnaire), {**good, f"q-{q['outfits'].pk}": "Suit"})
    assert changed.status_code == 302
    assert answers_of(annas)["Which outfits?"] == "Suit"
    assert QuestionnaireResponse.objects.get(booking=annas).status == "submitted"


def test_answers_save_as_the_client_goes(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    response = client.post(
        url(annas, questionnaire, "sessions:questionnaire-autosave"),
        {f"q-{q['outfits'].pk}": "Red jumper"},
    )
    assert response.status_code == 200
    assert "Draft saved at 09:00." in text(response)  # studio time
    assert answers_of(annas)["Which outfits?"] == "Red jumper"


def test_one_answer_too_long_leaves_it_as_it_was_and_saves_the_rest(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    client.post(url(annas, questionnaire), {"action": "save", f"q-{q['people'].pk}": "3"})
    long = "I want to remember how we laughed. " * 300  # 10,500 characters
    typed = {f"q-{q['people'].pk}": "four", f"q-{q['outfits'].pk}": long}
    autosaved = client.post(url(annas, questionnaire, "sessions:questionnaire-autosave"), typed)
    assert "Draft saved at 09:00, except an answer that needs a change." in text(autosaved)
    saved = answers_of(annas)
    assert (saved["How many people?"], saved["Which outfits?"]) == ("four", "")  # never cut
    refused = client.post(
        url(annas, questionnaire),
        {**typed, "action": "save", f"q-{q['glasses'].pk}": "yes", f"q-{q['photos'].pk}": []},
    )
    assert refused.status_code == 200
    page = text(refused)
    assert "Please keep this to 10000 characters or fewer (it has 10499)." in page
    assert long.strip() in page  # what was typed is on the page to shorten
    saved = answers_of(annas)
    assert (saved["Do you wear glasses?"], saved["Which outfits?"]) == ("yes", "")
    # Submitting with it saves the rest as a draft too: nothing is submitted.
    client.post(url(annas, questionnaire), {**typed, "action": "submit", f"q-{q['hair'].pk}": "no"})
    saved = QuestionnaireResponse.objects.get(booking=annas)
    assert saved.status == QuestionnaireResponse.Status.DRAFT
    assert (answers_of(annas)["Hair and make-up?"], answers_of(annas)["Which outfits?"]) == (
        "no",
        "",
    )


def test_submitting_with_an_answer_too_long_also_says_what_else_is_missing(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    long = "I want to remember how we laughed. " * 300
    page = text(
        client.post(
            url(annas, questionnaire),
            {"action": "submit", f"q-{q['outfits'].pk}": long, f"q-{q['hair'].pk}": "no"},
        )
    )
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert "Which outfits?</a>: Please keep this to 10000 characters" in summary
    assert "Do you wear glasses?</a>: Please answer this question." in summary  # at once
    assert page.count("Please keep this to 10000 characters") == 2  # the summary, the box
    assert answers_of(annas)["Hair and make-up?"] == "no"  # the rest kept as a draft


def test_an_autosave_overtaken_on_the_way_does_not_undo_a_later_one(client, annas, wardrobe):
    """The last answers go as the page closes and can arrive before an earlier autosave:
    the earlier one, from the same page, is not saved over them. Another page (another
    device, or the page opened again) is saved as it comes."""
    questionnaire, q, _ = wardrobe
    autosave = url(annas, questionnaire, "sessions:questionnaire-autosave")
    outfits = f"q-{q['outfits'].pk}"

    def send(answer, page, number):
        return client.post(autosave, {outfits: answer, "sent_page": page, "sent_number": number})

    assert send("Blazer and a green dress", "tab1", 3).status_code == 200
    late = send("Blazer", "tab1", 2)
    assert late.status_code == 200
    assert answers_of(annas)["Which outfits?"] == "Blazer and a green dress"
    send("Blazer and a green dress", "tab1", 3)  # the same send twice changes nothing
    assert answers_of(annas)["Which outfits?"] == "Blazer and a green dress"
    send("Suit", "phone1", 1)
    assert answers_of(annas)["Which outfits?"] == "Suit"
    send("Suit and tie", "phone1", 2)
    assert answers_of(annas)["Which outfits?"] == "Suit and tie"
    # Sent by hand (no script): saved as it comes.
    client.post(autosave, {outfits: "Jeans"})
    assert answers_of(annas)["Which outfits?"] == "Jeans"
    # A page that is not one of ours is refused, and nothing is saved.
    refused = client.post(autosave, {outfits: "Kilt", "sent_page": "<script>", "sent_number": 9})
    assert refused.status_code == 200
    assert "Not saved yet" in text(refused)
    assert answers_of(annas)["Which outfits?"] == "Jeans"


def test_a_button_pressed_is_saved_even_behind_an_autosave_from_the_same_page(
    client, annas, wardrobe
):
    """ "Save for later" pressed as a change's autosave goes: the small autosave arrives
    first with the same count, and the form with its photos is saved all the same."""
    questionnaire, q, _ = wardrobe
    outfits = f"q-{q['outfits'].pk}"
    order = {"sent_page": "tab1", "sent_number": 2}
    client.post(
        url(annas, questionnaire, "sessions:questionnaire-autosave"), {outfits: "Suit", **order}
    )
    saved = client.post(
        url(annas, questionnaire),
        {"action": "save", outfits: "Suit", f"q-{q['photos'].pk}": [photo("a.jpg")], **order},
    )
    assert saved.status_code == 302
    assert AnswerImage.objects.filter(response__booking=annas).count() == 1
    assert answers_of(annas)["Which outfits?"] == "Suit"


def test_photos_are_checked_one_by_one_and_a_bad_one_fails_alone_with_its_name(
    client, annas, wardrobe
):
    questionnaire, q, _ = wardrobe
    not_a_photo = SimpleUploadedFile("holiday.jpg", b"%PDF-1.4 not a photo", "image/jpeg")
    gif = photo("party.gif", fmt="GIF")
    response = client.post(
        url(annas, questionnaire),
        {
            "action": "save",
            f"q-{q['outfits'].pk}": "Blazer",
            f"q-{q['photos'].pk}": [not_a_photo, gif, photo("a.jpg"), photo("b.webp", "WEBP")],
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "holiday.jpg was not added: it is a PDF document, not a photo." in page
    assert "party.gif was not added: it is not a JPEG, PNG, WebP or HEIC photo." in page
    assert "Blazer" in page
    stored = AnswerImage.objects.order_by("pk")
    assert [image.original_name for image in stored] == ["a.jpg", "b.webp"]
    assert [image.content_type for image in stored] == ["image/jpeg", "image/webp"]
    assert answers_of(annas)["Which outfits?"] == "Blazer"
    # A third photo is one too many for this question.
    third = client.post(
        url(annas, questionnaire),
        {"action": "save", f"q-{q['photos'].pk}": [photo("c.png", "PNG")]},
    )
    assert "c.png was not added: this question takes at most 2 photos." in text(third)


def test_heic_photos_from_iphones_are_accepted_and_named_by_the_server(
    client, annas, wardrobe, eager_tasks, django_capture_on_commit_callbacks
):
    questionnaire, q, _ = wardrobe
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url(annas, questionnaire),
            {"action": "save", f"q-{q['photos'].pk}": [photo("../../IMG_0001.HEIC", "HEIF")]},
        )
    image = AnswerImage.objects.get()
    assert image.content_type == "image/heic"
    assert (image.width, image.height) == (1200, 900)
    assert image.original_name == "IMG_0001.HEIC"  # Django keeps the base name only
    assert "IMG_0001" not in image.file.name
    assert ".." not in image.file.name
    assert image.file.name.startswith("questionnaires/")
    assert image.file.name.endswith(".heic")
    with Image.open(image.thumbnail) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) == 480


def test_a_photo_over_20_mb_is_refused_before_it_is_opened(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    huge = SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"0" * (21 * 1024 * 1024), "image/jpeg")
    response = client.post(
        url(annas, questionnaire), {"action": "save", f"q-{q['photos'].pk}": [huge]}
    )
    assert "huge.jpg was not added: it is 21.0 MB; photos can be up to 20 MB." in text(response)
    assert not AnswerImage.objects.exists()


def test_the_client_sees_their_photo_and_ben_sees_nothing_of_annas(client, annas, wardrobe, ben):
    questionnaire, q, headshot = wardrobe
    client.post(url(annas, questionnaire), {"action": "save", f"q-{q['photos'].pk}": [photo()]})
    image = AnswerImage.objects.get()
    bens = BookingFactory(client=ben, session_type=headshot, starts_at=TEN + timedelta(hours=2))
    own = client.get(
        reverse("sessions:answer-image", args=[booking_token(annas), image.pk, "full"])
    )
    assert own.status_code == 200
    assert own["Content-Type"] == "image/jpeg"
    assert own["Cache-Control"].startswith("private")
    for size in ("full", "thumb"):
        assert (
            client.get(
                reverse("sessions:answer-image", args=[booking_token(bens), image.pk, size])
            ).status_code
            == 404
        )
    tampered = booking_token(annas)[:-2] + "xx"
    for name in ("sessions:questionnaire-fill", "sessions:questionnaire-autosave"):
        page = reverse(name, args=[tampered, questionnaire.pk])
        assert client.get(page).status_code in (404, 405)
        assert client.post(page, {"action": "save"}).status_code == 404
    assert (
        client.get(reverse("sessions:answer-image", args=[tampered, image.pk, "full"])).status_code
        == 404
    )
    # Ben asking to remove Anna's photo from his own questionnaire removes nothing.
    client.post(url(bens, questionnaire), {"action": "save", "remove": str(image.pk)})
    # Ben's own page for the questionnaire shows none of Anna's answers or photos.
    assert "outfit.jpg" not in text(client.get(url(bens, questionnaire)))
    assert AnswerImage.objects.filter(pk=image.pk).exists()


def test_a_questionnaire_of_another_session_type_is_a_404(client, annas, studio):
    other = Questionnaire.objects.create(name="Family session")
    other.session_types.add(SessionTypeFactory())
    assert client.get(url(annas, other)).status_code == 404


def test_after_the_cut_off_the_answers_are_shown_but_cannot_change(client, annas, wardrobe, clock):
    questionnaire, q, _ = wardrobe
    client.post(url(annas, questionnaire), {"action": "save", f"q-{q['outfits'].pk}": "Blazer"})
    clock.move_to(TEN - timedelta(hours=23))
    page = text(client.get(url(annas, questionnaire)))
    assert "These answers can no longer be changed online" in page
    assert "Blazer" in page
    assert "<textarea" not in page
    late = client.post(
        url(annas, questionnaire), {"action": "save", f"q-{q['outfits'].pk}": "Suit"}, follow=True
    )
    assert "can no longer be changed online" in text(late)
    assert answers_of(annas)["Which outfits?"] == "Blazer"


def test_renamed_and_deleted_questions_keep_what_the_client_answered(
    client, annas, wardrobe, staff_user
):
    questionnaire, q, _ = wardrobe
    client.post(
        url(annas, questionnaire),
        {
            "action": "save",
            f"q-{q['outfits'].pk}": "Blazer",
            f"q-{q['people'].pk}": "3",
            f"q-{q['photos'].pk}": [photo()],
        },
    )
    Question.objects.filter(pk=q["outfits"].pk).update(label="What will you wear?")
    q["people"].delete()
    q["photos"].delete()
    client.force_login(staff_user)
    page = text(client.get(reverse("admin:shoots_booking_change", args=[annas.pk])))
    assert "Which outfits?" in page
    assert "Blazer" in page
    assert "How many people?" in page
    assert ">3<" in page.replace("\n", "").replace(" ", "")
    assert "Outfit photos" in page
    photo_url = reverse(
        "admin:shoots_booking_photo", args=[annas.pk, AnswerImage.objects.get().pk, "thumb"]
    )
    assert photo_url in page
    assert booking_token(annas) not in page  # staff never see the client's own link
    assert client.get(photo_url).status_code == 200


def test_the_studio_reads_the_answers_on_the_booking_and_in_the_printable_brief(
    client, annas, wardrobe, staff_user, django_assert_max_num_queries
):
    questionnaire, q, headshot = wardrobe
    client.post(
        url(annas, questionnaire),
        {
            "action": "submit",
            f"q-{q['outfits'].pk}": "Blazer <b>bold</b>",
            f"q-{q['glasses'].pk}": "yes",
            f"q-{q['hair'].pk}": "no",
            f"q-{q['feel'].pk}": ["Calm"],
        },
    )
    for n in range(15):
        BookingFactory(session_type=headshot, starts_at=TEN + timedelta(days=n + 1))
    client.force_login(staff_user)
    with django_assert_max_num_queries(10):
        listing = text(client.get(reverse("admin:shoots_booking_changelist")))
    assert listing.count("Not started") == 15
    assert "Submitted" in listing
    change = client.get(reverse("admin:shoots_booking_change", args=[annas.pk])).content.decode()
    assert "Blazer &lt;b&gt;bold&lt;/b&gt;" in change  # escaped, never markup
    assert "Submitted" in change
    assert "Print session brief" in change
    brief = client.get(reverse("admin:shoots_booking_brief", args=[annas.pk]))
    assert brief.status_code == 200
    body = text(brief)
    assert "Anna Kowalska" in body
    assert "Do you wear glasses?" in body
    assert "Calm" in body
    client.logout()
    assert client.get(reverse("admin:shoots_booking_brief", args=[annas.pk])).status_code == 302


def test_the_booking_page_links_the_questionnaire_and_shows_the_guide(client, annas, wardrobe):
    from sessions.models import SessionGuide

    questionnaire, _q, headshot = wardrobe
    guide = SessionGuide.objects.create(title="Getting ready", body="Wear **solid** colours.")
    guide.session_types.add(headshot)
    page = text(client.get(reverse("sessions:booking-detail", args=[booking_token(annas)])))
    assert url(annas, questionnaire) in page
    assert "Fill it in" in page
    assert "<strong>solid</strong>" in page


def test_the_confirmation_email_links_the_questionnaire(annas, wardrobe):
    from sessions.emails import booking_email_send

    questionnaire, _q, _ = wardrobe
    booking_email_send(booking_id=annas.pk, kind="confirmed")
    assert f"Wardrobe & style: http://testserver{url(annas, questionnaire)}" in mail.outbox[
        0
    ].body.replace("http://127.0.0.1:8000", "http://testserver")


def test_the_admin_refuses_a_condition_on_a_later_question_or_an_impossible_answer(wardrobe):
    from django.forms import inlineformset_factory

    from sessions.admin_questionnaires import QuestionForm, QuestionFormSet

    questionnaire, q, _ = wardrobe

    def form(**data):
        base = {
            "position": 25,
            "label": "Both with and without?",
            "kind": K.YES_NO,
            "max_images": 3,
            "choices": "",
            "help_text": "",
        }
        return QuestionForm({**base, **data}, instance=Question(questionnaire=questionnaire))

    wrong = form(condition_question=q["glasses"].pk, condition_value="maybe")
    assert not wrong.is_valid()
    assert "Write one of: Yes, No." in str(wrong.errors)
    good = form(condition_question=q["glasses"].pk, condition_value="Yes")
    assert good.is_valid(), good.errors
    assert good.cleaned_data["condition_value"] == "yes"
    choice = form(condition_question=q["who"].pk, condition_value=" studio ARTIST ")
    assert choice.is_valid(), choice.errors
    assert choice.cleaned_data["condition_value"] == "Studio artist"  # as the choice is written
    no_choices = form(kind=K.SINGLE_CHOICE)
    assert "List the choices, one per line." in str(no_choices.errors)

    # Moving the question a condition depends on after it, in the same save, is refused.
    Formset = inlineformset_factory(
        Questionnaire, Question, form=QuestionForm, formset=QuestionFormSet, extra=0
    )
    questions = list(questionnaire.questions.all())
    data = {
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(len(questions)),
    }
    for n, question in enumerate(questions):
        for name in QuestionForm.Meta.fields:
            value = getattr(
                question, name if name != "condition_question" else "condition_question_id"
            )
            data[f"questions-{n}-{name}"] = "" if value is None else value
        data[f"questions-{n}-id"] = question.pk
        data[f"questions-{n}-questionnaire"] = questionnaire.pk
        if question.pk == q["hair"].pk:
            data[f"questions-{n}-position"] = 90  # now after "Who is doing it?" (40)
    data = {
        key: (str(value) if not isinstance(value, bool) else ("on" if value else ""))
        for key, value in data.items()
    }
    formset = Formset(data, instance=questionnaire, prefix="questions")
    assert not formset.is_valid()
    assert "It must depend on a question that comes before it." in str(formset.errors)


def test_seed_demo_installs_three_questionnaires_with_conditions_and_guides(db):
    from io import StringIO

    from django.core.management import call_command

    from sessions.models import SessionGuide

    call_command("seed_demo", "--photos", "0", stdout=StringIO())
    names = set(Questionnaire.objects.values_list("name", flat=True))
    assert names == {"Wardrobe & style", "Family session", "Personal branding"}
    makeup = Question.objects.get(label="Who is doing your hair and make-up?")
    assert makeup.condition_question.label == "Would you like hair and make-up for the session?"
    assert makeup.condition_value == "yes"
    assert Question.objects.filter(kind=K.IMAGES).count() == 3
    assert SessionGuide.objects.count() == 3
    family = Questionnaire.objects.get(name="Family session")
    assert list(family.session_types.values_list("slug", flat=True)) == ["family"]


@pytest.fixture
def inspiration(wardrobe):
    """A photo question shown only when hair and make-up is wanted."""
    questionnaire, q, _ = wardrobe
    q["looks"] = Question.objects.create(
        questionnaire=questionnaire,
        position=35,
        label="Looks you like",
        kind=K.IMAGES,
        max_images=3,
        condition_question=q["hair"],
        condition_value="yes",
    )
    return q["looks"]


def stored_files() -> list[str]:
    from django.conf import settings

    root = settings.MEDIA_ROOT / "questionnaires"
    return sorted(str(path) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_a_question_hidden_by_a_mis_click_keeps_its_photos_until_submitting_without_it(
    client, annas, wardrobe, inspiration, django_capture_on_commit_callbacks, eager_tasks
):
    questionnaire, q, _ = wardrobe
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url(annas, questionnaire),
            {
                "action": "save",
                f"q-{q['hair'].pk}": "yes",
                f"q-{inspiration.pk}": [photo("bob.jpg")],
            },
        )
    assert AnswerImage.objects.count() == 1
    # "No" by mistake: the autosave keeps the photo for when they click "Yes" again.
    client.post(
        url(annas, questionnaire, "sessions:questionnaire-autosave"), {f"q-{q['hair'].pk}": "no"}
    )
    assert AnswerImage.objects.count() == 1
    assert len(stored_files()) == 2  # the photo and its thumbnail
    # Submitted with "No": what the hidden question held is not kept, files included.
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url(annas, questionnaire),
            {
                "action": "submit",
                f"q-{q['outfits'].pk}": "Blazer",
                f"q-{q['glasses'].pk}": "no",
                f"q-{q['hair'].pk}": "no",
            },
        )
    assert done.status_code == 302
    assert not AnswerImage.objects.exists()
    assert stored_files() == []


def test_a_damaged_heic_is_refused_with_its_name_not_a_server_error(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    whole = photo("IMG_0002.HEIC", "HEIF").read()
    damaged = SimpleUploadedFile("IMG_0002.HEIC", whole[: len(whole) // 2], "image/heic")
    response = client.post(
        url(annas, questionnaire),
        {"action": "save", f"q-{q['outfits'].pk}": "Blazer", f"q-{q['photos'].pk}": [damaged]},
    )
    assert response.status_code == 200
    assert "IMG_0002.HEIC was not added: it could not be read as a photo" in text(response)
    assert answers_of(annas)["Which outfits?"] == "Blazer"
    assert stored_files() == []


def test_control_characters_in_answers_are_dropped_not_an_error(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    response = client.post(
        url(annas, questionnaire),
        {"action": "save", f"q-{q['outfits'].pk}": "Blazer\x00 and\x07 shirt\nthanks"},
    )
    assert response.status_code == 302
    assert answers_of(annas)["Which outfits?"] == "Blazer and shirt\nthanks"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-inf", "sNaN"])
def test_a_number_answer_must_be_a_real_number(client, annas, wardrobe, number):
    questionnaire, q, _ = wardrobe
    response = client.post(
        url(annas, questionnaire), {"action": "submit", f"q-{q['people'].pk}": number}
    )
    assert "How many people?</a>: Please enter a number" in text(response)


def test_a_number_answer_is_never_below_zero(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    response = client.post(
        url(annas, questionnaire), {"action": "submit", f"q-{q['people'].pk}": "-3"}
    )
    assert "How many people?</a>: Please enter a number of 0 or more." in text(response)
    assert 'value="-3"' in text(response)  # kept as typed, to put right


def test_removing_a_photo_keeps_what_was_just_typed(
    client, annas, wardrobe, django_capture_on_commit_callbacks
):
    questionnaire, q, _ = wardrobe
    client.post(url(annas, questionnaire), {"action": "save", f"q-{q['photos'].pk}": [photo()]})
    image = AnswerImage.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(annas, questionnaire),
            {"action": "save", "remove": str(image.pk), f"q-{q['outfits'].pk}": "Typed just now"},
            follow=True,
        )
    assert "Photo removed." in text(response)
    assert not AnswerImage.objects.exists()
    assert stored_files() == []
    assert answers_of(annas)["Which outfits?"] == "Typed just now"
    again = client.post(url(annas, questionnaire), {"action": "save", "remove": str(image.pk)})
    assert again.status_code == 302  # a second click: nothing left to remove, no error


def test_after_submitting_a_required_photo_cannot_be_removed_to_nothing(client, annas, wardrobe):
    questionnaire, q, _ = wardrobe
    Question.objects.filter(pk=q["photos"].pk).update(required=True)
    answers = {
        "action": "submit",
        f"q-{q['outfits'].pk}": "Blazer",
        f"q-{q['glasses'].pk}": "no",
        f"q-{q['hair'].pk}": "no",
    }
    client.post(url(annas, questionnaire), {**answers, f"q-{q['photos'].pk}": [photo()]})
    assert QuestionnaireResponse.objects.get().status == "submitted"
    image = AnswerImage.objects.get()
    response = client.post(
        url(annas, questionnaire), {**answers, "remove": str(image.pk)}, follow=True
    )
    assert "This question needs a photo. Add the new one first" in text(response)
    assert AnswerImage.objects.filter(pk=image.pk).exists()


def test_after_submitting_a_new_photo_with_a_broken_answer_is_not_lost_silently(
    client, annas, wardrobe
):
    questionnaire, q, _ = wardrobe
    answers = {
        "action": "submit",
        f"q-{q['outfits'].pk}": "Blazer",
        f"q-{q['glasses'].pk}": "no",
        f"q-{q['hair'].pk}": "no",
    }
    client.post(url(annas, questionnaire), answers)
    response = client.post(
        url(annas, questionnaire),
        {**answers, f"q-{q['outfits'].pk}": "", f"q-{q['photos'].pk}": [photo("kept.jpg")]},
    )
    assert "kept.jpg was not added, because some answers need attention first." in text(response)
    assert not AnswerImage.objects.exists()
    assert stored_files() == []


def test_a_condition_still_works_when_its_question_was_moved_after_it(wardrobe):
    from sessions.questionnaires import visible_question_ids

    questionnaire, q, _ = wardrobe
    Question.objects.filter(pk=q["hair"].pk).update(position=90)  # after "Who is doing it?"
    questions = list(questionnaire.questions.all())
    assert visible_question_ids(questions, {q["hair"].pk: "Yes "}) >= {q["who"].pk}
    assert q["who"].pk not in visible_question_ids(questions, {q["hair"].pk: "no"})
    # A loop hides the questions in it rather than hanging.
    Question.objects.filter(pk=q["hair"].pk).update(
        condition_question=q["who"], condition_value="x"
    )
    questions = list(questionnaire.questions.all())
    assert not {q["hair"].pk, q["who"].pk} & visible_question_ids(questions, {})


def test_staff_who_may_view_bookings_see_photos_and_others_do_not(
    client, annas, wardrobe, staff_user
):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    questionnaire, q, _ = wardrobe
    client.post(url(annas, questionnaire), {"action": "save", f"q-{q['photos'].pk}": [photo()]})
    photo_url = reverse(
        "admin:shoots_booking_photo", args=[annas.pk, AnswerImage.objects.get().pk, "full"]
    )
    assert client.get(photo_url).status_code == 302  # not signed in: to the admin login
    nobody = UserFactory(username="temp", is_staff=True)
    client.force_login(nobody)
    assert client.get(photo_url).status_code == 403
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client.force_login(viewer)
    assert client.get(photo_url).status_code == 200
    other = reverse(
        "admin:shoots_booking_photo", args=[annas.pk + 1, AnswerImage.objects.get().pk, "full"]
    )
    assert client.get(other).status_code == 404


def test_the_booking_list_says_how_many_questionnaires_are_in(client, annas, wardrobe, staff_user):
    questionnaire, q, headshot = wardrobe
    second = Questionnaire.objects.create(name="Family session")
    second.session_types.add(headshot)
    Question.objects.create(questionnaire=second, label="Who is coming?", kind=K.SHORT_TEXT)
    client.post(
        url(annas, questionnaire),
        {
            "action": "submit",
            f"q-{q['outfits'].pk}": "Blazer",
            f"q-{q['glasses'].pk}": "no",
            f"q-{q['hair'].pk}": "no",
        },
    )
    client.force_login(staff_user)
    listing = text(client.get(reverse("admin:shoots_booking_changelist")))
    assert "1 of 2 submitted" in listing


@functools.cache
def poster_png() -> bytes:
    """273 KB-ish, 9400 × 9400 RGB pixels: 265 MB once decoded."""
    return png_of_zeros(9400, 9400)


def test_a_photo_with_too_many_pixels_is_refused_from_its_header_without_decoding_it(
    client, annas, wardrobe
):
    questionnaire, q, _ = wardrobe
    client.get(url(annas, questionnaire))  # templates compiled, so the timing is the post's
    poster = SimpleUploadedFile("poster.png", poster_png(), "image/png")
    started = time.process_time()
    response = client.post(
        url(annas, questionnaire),
        {"action": "save", f"q-{q['outfits'].pk}": "Blazer", f"q-{q['photos'].pk}": [poster]},
    )
    spent = time.process_time() - started
    assert response.status_code == 200
    page = text(response)
    assert (
        "poster.png was not added: it is 9400 × 9400 pixels (88 megapixels); photos can have "
        "up to 50 megapixels." in page
    )
    assert "Blazer" in page
    assert answers_of(annas)["Which outfits?"] == "Blazer"  # what was typed is saved
    assert not AnswerImage.objects.exists()
    assert stored_files() == []
    # Decoding those pixels alone takes about a second of CPU (23 s on the server that
    # was tried); reading the header takes a few milliseconds.
    assert spent < 0.4


def test_a_photo_gets_its_thumbnail_from_a_worker_and_the_pages_cope_meanwhile(
    client, annas, wardrobe, staff_user, eager_tasks, django_capture_on_commit_callbacks
):
    from sessions.tasks import answer_image_thumbnail_make_task
    from studio.celery import app as celery_app

    route = celery_app.amqp.router.route({}, answer_image_thumbnail_make_task.name)
    assert route["queue"].name == "images"
    questionnaire, q, _ = wardrobe
    with django_capture_on_commit_callbacks() as queued:
        client.post(url(annas, questionnaire), {"action": "save", f"q-{q['photos'].pk}": [photo()]})
    image = AnswerImage.objects.get()
    assert (image.status, image.thumbnail.name) == (AnswerImage.Status.PROCESSING, "")
    thumb = reverse("sessions:answer-image", args=[booking_token(annas), image.pk, "thumb"])
    waiting = client.get(thumb)
    assert (waiting.status_code, waiting["Content-Type"]) == (200, "image/svg+xml")
    assert "no-store" in waiting["Cache-Control"]
    assert "Preparing its preview…" in text(client.get(url(annas, questionnaire)))
    client.force_login(staff_user)
    for page in (
        reverse("admin:shoots_booking_change", args=[annas.pk]),
        reverse("admin:shoots_booking_brief", args=[annas.pk]),
        reverse("admin:shoots_booking_photo", args=[annas.pk, image.pk, "thumb"]),
    ):
        assert client.get(page).status_code == 200, page
    # The thumbnail task, sent once the photo's row is committed (the rest move kept pages on).
    sends = [c for c in queued if getattr(c, "func", None) is _send_after_commit]
    assert len(sends) == 1
    sends[0]()  # the worker runs it
    image.refresh_from_db()
    assert image.status == AnswerImage.Status.READY
    with Image.open(image.thumbnail) as thumbnail:
        assert (thumbnail.format, max(thumbnail.size)) == ("JPEG", 480)
    made = client.get(thumb)
    assert made["Content-Type"] == "image/jpeg"
    # Running it again (a redelivered task) changes nothing.
    answer_image_thumbnail_make_task.delay(image_id=image.pk)
    assert AnswerImage.objects.get().thumbnail.name == image.thumbnail.name
    assert len(stored_files()) == 2


def test_a_thumbnail_whose_task_was_lost_is_made_by_the_sweep(
    client, annas, wardrobe, eager_tasks, django_capture_on_commit_callbacks
):
    """A worker killed, or the broker flushed: the photo must not wait forever."""
    from sessions.questionnaires import answer_images_requeue_stuck

    questionnaire, q, _ = wardrobe
    with django_capture_on_commit_callbacks(execute=False):  # its task never arrives
        client.post(url(annas, questionnaire), {"action": "save", f"q-{q['photos'].pk}": [photo()]})
    image = AnswerImage.objects.get()
    assert answer_images_requeue_stuck() == 0  # not yet: it may be waiting behind others
    later = image.queued_at + timedelta(minutes=31)
    assert answer_images_requeue_stuck(now=later) == 1  # the worker (eager here) makes it
    image.refresh_from_db()
    assert (image.status, image.queued_at) == (AnswerImage.Status.READY, later)
    assert image.thumbnail.name
    assert answer_images_requeue_stuck(now=later + timedelta(hours=5)) == 0
    # Still waiting behind a long queue: asked for again once per half hour, not each scan.
    AnswerImage.objects.filter(pk=image.pk).update(status=AnswerImage.Status.PROCESSING)
    assert answer_images_requeue_stuck(now=later + timedelta(minutes=29)) == 0
    assert answer_images_requeue_stuck(now=later + timedelta(minutes=31)) == 1


def test_a_photo_cut_short_is_marked_unreadable_by_the_worker(
    client, annas, wardrobe, eager_tasks, django_capture_on_commit_callbacks
):
    questionnaire, q, _ = wardrobe
    whole = photo(size=(1600, 1200)).read()
    cut = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2], "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(annas, questionnaire), {"action": "save", f"q-{q['photos'].pk}": [cut]})
    image = AnswerImage.objects.get()
    assert image.status == AnswerImage.Status.UNREADABLE
    page = text(client.get(url(annas, questionnaire)))
    assert "This photo could not be read. Please remove it and choose it again." in page
    thumb = reverse("sessions:answer-image", args=[booking_token(annas), image.pk, "thumb"])
    assert client.get(thumb)["Content-Type"] == "image/svg+xml"


def test_a_photos_stored_extension_and_type_come_from_its_content_never_its_name(
    client, annas, wardrobe
):
    questionnaire, q, _ = wardrobe
    client.post(
        url(annas, questionnaire),
        {
            "action": "save",
            f"q-{q['photos'].pk}": [photo("x.jpg.php"), photo("selfie\u202egpj.exe", "PNG")],
        },
    )
    php, rlo = AnswerImage.objects.order_by("pk")
    assert php.file.name.endswith(".jpg")
    assert rlo.file.name.endswith(".png")
    assert php.original_name == "x.jpg.php"  # kept as text to show, and only that
    assert rlo.original_name == "selfiegpj.exe"  # no right-to-left override
    token = booking_token(annas)
    served = client.get(reverse("sessions:answer-image", args=[token, rlo.pk, "full"]))
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"] == 'inline; filename="selfiegpj.png"'
    served = client.get(reverse("sessions:answer-image", args=[token, php.pk, "full"]))
    assert served["Content-Disposition"] == 'inline; filename="x.jpg"'
    assert "\u202e" not in text(client.get(url(annas, questionnaire)))


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_the_images_queue_makes_the_thumbnail(redis_url, client, annas, wardrobe):
    from studio.celery import app as celery_app
    from tests.workers import worker_run_until

    questionnaire, q, _ = wardrobe
    celery_app.control.purge()
    client.post(url(annas, questionnaire), {"action": "save", f"q-{q['photos'].pk}": [photo()]})
    assert AnswerImage.objects.get().status == AnswerImage.Status.PROCESSING
    worker_run_until(
        lambda: AnswerImage.objects.get().status != AnswerImage.Status.PROCESSING, timeout=30
    )
    image = AnswerImage.objects.get()
    assert image.status == AnswerImage.Status.READY
    with Image.open(image.thumbnail) as thumbnail:
        assert thumbnail.format == "JPEG"


def test_a_question_taking_up_to_three_refuses_four_and_keeps_what_was_ticked(
    client, annas, wardrobe
):
    from sessions.admin_questionnaires import QuestionForm

    questionnaire, q, _ = wardrobe
    style = Question.objects.create(
        questionnaire=questionnaire,
        position=80,
        label="How would you like to come across?",
        kind=K.MULTIPLE_CHOICE,
        choices="Warm\nConfident\nThoughtful\nCreative",
        max_choices=3,
    )
    page = text(client.get(url(annas, questionnaire)))
    assert 'data-max-choices="3"' in page  # static/js/questionnaire.js stops a fourth
    assert "Choose up to 3." in page
    answered = {
        f"q-{q['outfits'].pk}": "Blazer",
        f"q-{q['glasses'].pk}": "no",
        f"q-{q['hair'].pk}": "no",
    }
    four = ["Warm", "Confident", "Thoughtful", "Creative"]
    response = client.post(
        url(annas, questionnaire), {"action": "submit", **answered, f"q-{style.pk}": four}
    )
    page = text(response)
    assert response.status_code == 200
    assert (
        f'<a href="#q-{style.pk}">How would you like to come across?</a>: '
        "Please choose at most 3 options (you chose 4)." in page
    )
    for choice in four:  # nothing ticked is lost
        assert f'value="{choice}" checked>' in page
    assert QuestionnaireResponse.objects.get(booking=annas).status == "draft"

    response = client.post(
        url(annas, questionnaire), {"action": "submit", **answered, f"q-{style.pk}": four[:3]}
    )
    assert response.status_code == 302
    assert QuestionnaireResponse.objects.get(booking=annas).status == "submitted"
    assert answers_of(annas)["How would you like to come across?"] == four[:3]

    limit_on_a_yes_no = QuestionForm(
        {"position": 90, "label": "Glasses?", "kind": K.YES_NO, "max_images": 3, "max_choices": 2},
        instance=Question(questionnaire=questionnaire),
    )
    assert not limit_on_a_yes_no.is_valid()
    assert "Only a several-choice question has a limit." in str(limit_on_a_yes_no.errors)


@pytest.mark.parametrize("ending", ["completed", "no_show", "cancelled", "time_past"])
def test_a_finished_session_asks_nothing_more_and_keeps_the_answers_readable(
    client, annas, wardrobe, clock, ending
):
    from sessions.models import SessionGuide

    questionnaire, q, headshot = wardrobe
    guide = SessionGuide.objects.create(title="Getting ready", body="Wear **solid** colours.")
    guide.session_types.add(headshot)
    unanswered = Questionnaire.objects.create(name="Family details")
    unanswered.session_types.add(headshot)
    client.post(url(annas, questionnaire), {"action": "save", f"q-{q['outfits'].pk}": "Blazer"})
    if ending != "cancelled":  # cancelled a week before; the others are over
        clock.move_to(TEN + timedelta(hours=2))
    if ending != "time_past":  # past its time, still "confirmed": nobody marked it
        Booking.objects.filter(pk=annas.pk).update(status=ending)

    page = text(client.get(reverse("sessions:booking-detail", args=[booking_token(annas)])))
    assert "Fill it in" not in page
    assert url(annas, unanswered) not in page
    assert "Before your session" not in page
    assert "Getting ready" not in page
    assert "<strong>solid</strong>" not in page
    assert "Your answers" in page
    assert url(annas, questionnaire) in page  # what was given stays readable
    assert "See answers" in page
    assert "Blazer" in text(client.get(url(annas, questionnaire)))
