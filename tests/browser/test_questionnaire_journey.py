"""The "Wardrobe & style" questionnaire in a real browser: a condition, a photo, a draft
left and found again, submitted, and read by the studio in the admin."""

import io
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from sessions.access import booking_token
from sessions.models import Answer, QuestionnaireResponse
from tests.factories import BookingFactory, SessionTypeFactory
from workspace.demo import _questionnaires_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def annas_headshot(studio, anna):
    headshot = SessionTypeFactory(name="Headshot", slug="headshot")
    _questionnaires_seed()
    return BookingFactory(
        client=anna, session_type=headshot, starts_at=timezone.now() + timedelta(days=10)
    )


def outfit_photo(path) -> str:
    out = io.BytesIO()
    Image.new("RGB", (900, 1200), "teal").save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def draft_texts() -> list[str]:
    return [str(value) for value in Answer.objects.values_list("value", flat=True)]


def assert_soon(check, what: str, seconds: float = 5.0) -> None:
    """`check()` becomes true within `seconds` (another request of the page's is on its way)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"never arrived: {what}"
        time.sleep(0.05)


def test_a_client_fills_the_wardrobe_questionnaire_and_the_studio_reads_it(
    page, live_server, annas_headshot, staff_user, tmp_path
):
    page.goto(f"/booking/{booking_token(annas_headshot)}/")
    page.get_by_role("link", name="Fill it in").click()
    expect(page.get_by_role("heading", name="Wardrobe & style")).to_be_visible()

    page.get_by_label("LinkedIn or a CV").check()
    outfits = page.get_by_label("Which outfits are you thinking of bringing?")
    outfits.fill("Everything. " * 1000)  # a paste too long is said at once, not cut
    expect(
        page.get_by_text("This answer has 11,999 characters: please keep it to 10,000")
    ).to_be_visible()
    outfits.fill("A navy blazer with a white shirt, or a green wrap dress.")
    expect(page.get_by_text("This answer has", exact=False)).to_be_hidden()
    who = page.get_by_role("group", name="Who is doing your hair and make-up?")
    expect(who).to_be_hidden()
    makeup = page.get_by_role("group", name="Would you like hair and make-up for the session?")
    makeup.get_by_label("Yes").check()
    expect(who).to_be_visible()  # shown by the answer above
    who.get_by_label("The studio's artist, please").check()
    # "Choose up to 3.": a fourth waits until one of the three is unticked.
    come_across = page.get_by_role("group", name="How would you like to come across?")
    for choice in ("Warm and approachable", "Confident", "Thoughtful"):
        come_across.get_by_label(choice).check()
    expect(come_across.get_by_label("Creative")).to_be_disabled()
    come_across.get_by_label("Confident").uncheck()
    expect(come_across.get_by_label("Creative")).to_be_enabled()
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")

    # Leave at once, before the last change's autosave: it is sent as the page goes.
    page.get_by_label("Tell us a little more about where they'll be used").fill("A law firm")
    page.get_by_role("link", name="Your booking").click()
    expect(page.get_by_text("Started: your draft is saved")).to_be_visible()
    # The page's last send travels beside the next page's request; it is in before a
    # person could press "Carry on".
    assert_soon(lambda: "A law firm" in draft_texts(), "the answers sent as the page closed")
    page.get_by_role("link", name="Carry on").click()
    expect(page.get_by_label("Which outfits are you thinking of bringing?")).to_have_value(
        "A navy blazer with a white shirt, or a green wrap dress."
    )
    expect(who.get_by_label("The studio's artist, please")).to_be_checked()
    expect(page.get_by_label("Tell us a little more about where they'll be used")).to_have_value(
        "A law firm"
    )

    # Submitting without the required glasses answer lists it at the top.
    page.get_by_label("Photos of the outfits you're considering").set_input_files(
        outfit_photo(tmp_path / "blazer.jpg")
    )
    page.get_by_role("button", name="Submit my answers").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Do you wear glasses?").click()
    expect(page.get_by_alt_text("blazer.jpg")).to_be_visible()  # the photo was kept
    page.get_by_role("group", name="Do you wear glasses?").get_by_label("No").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_text("Thank you! Your answers are with the studio.")).to_be_visible()
    assert QuestionnaireResponse.objects.get().status == "submitted"

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/shoots/booking/{annas_headshot.pk}/change/")
    answers = page.locator(".booking-answers")
    expect(answers).to_contain_text("A navy blazer with a white shirt")
    expect(answers).to_contain_text("The studio's artist, please")
    expect(answers.get_by_alt_text("blazer.jpg")).to_be_visible()
    assert page.console_errors == []


def test_an_answer_the_server_refused_as_too_long_is_said_once_until_it_is_shortened(
    page, live_server, annas_headshot
):
    page.goto(f"/booking/{booking_token(annas_headshot)}/")
    page.get_by_role("link", name="Fill it in").click()
    outfits = page.get_by_label("Which outfits are you thinking of bringing?")
    # Notes pasted with line breaks: each counts once, as the browser counts it.
    outfits.evaluate("(box, text) => { box.value = text; }", "Everything.\n" * 1000)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#error-summary")).to_be_visible()
    refused = "Please keep this to 10000 characters or fewer (it has 11999)."
    box = outfits.get_attribute("id")
    expect(page.locator(f"#{box}-error")).to_have_text(refused)
    expect(page.locator(f"#{box}-length")).to_be_hidden()  # one message, the server's
    outfits.fill("Two suits" + "!" * 10_000)
    expect(page.locator(f"#{box}-length")).to_have_text(
        "This answer has 10,009 characters: please keep it to 10,000, or it can't be saved."
    )
    expect(page.locator(f"#{box}-error")).to_be_hidden()  # about the text before


def test_the_studio_reorders_questions_with_the_up_and_down_buttons(
    page, live_server, annas_headshot, staff_user
):
    from sessions.models import Questionnaire

    wardrobe = Questionnaire.objects.get(name="Wardrobe & style")
    first, second = list(wardrobe.questions.all())[:2]
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/shoots/questionnaire/{wardrobe.pk}/change/")
    page.locator("#questions-group .inline-related").nth(1).get_by_role(
        "button", name="Move up"
    ).click()
    expect(
        page.locator("#questions-group .inline-related")
        .nth(1)
        .get_by_role("button", name="Move up")
    ).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    ordered = list(wardrobe.questions.values_list("label", flat=True)[:2])
    assert ordered == [second.label, first.label]
    assert page.console_errors == []
