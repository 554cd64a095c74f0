"""Moving sessions on the calendar in Chromium (issue 23): drag one to a free time and email
the client, drag one onto another client's session (refused, the clash named), drag a
session's lower edge to make it longer, and do the same with the keyboard; block a morning
by dragging across it, while a click on empty time still books there. The calendar shows
each change without leaving the page."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from sessions.models import AvailabilityRule, Booking, SessionType, TimeOff
from tests.browser.admin_pages import shot, sign_in
from tests.browser.checks import axe_violations
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def next_week_day(weekday: int) -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday() + weekday)


@pytest.fixture
def week(studio, staff_user, eager_tasks):
    """Maya works Wednesday and Thursday of next week, 09:00-17:00, sessions starting on
    any quarter hour; Anna's headshot is on Wednesday at 10:00, Ben's on Thursday at 15:00."""
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in (2, 3):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    headshot = SessionTypeFactory(
        name="Headshot", duration_minutes=60, slot_step_minutes=15, photographers=[maya]
    )
    wednesday, thursday = next_week_day(2), next_week_day(3)
    anna = BookingFactory(
        client=ClientFactory(name="Anna Kowalska", email="anna@example.com"),
        session_type=headshot,
        photographer=maya,
        starts_at=datetime.combine(wednesday, time(10), LONDON),
    )
    BookingFactory(
        client=ClientFactory(name="Ben Okafor"),
        session_type=headshot,
        photographer=maya,
        starts_at=datetime.combine(thursday, time(15), LONDON),
    )
    return {"maya": maya, "anna": anna, "wednesday": wednesday, "thursday": thursday}


def open_week(page, week):
    sign_in(page)
    page.goto(
        f"/admin/shoots/booking/calendar/?view=week&date={week['wednesday']}"
        f"&photographer={week['maya'].pk}"
    )
    return page.locator(".cal-block[data-move]", has_text="Anna Kowalska")


def row_y(page, day: date, hh: int, mm: int = 0) -> tuple[float, float]:
    """The middle of a quarter hour's row in a day's column, on the screen."""
    section = page.locator(f'section[data-date="{day}"]')
    head = section.locator(".cal-day-head").bounding_box()
    box = section.bounding_box()
    rows = float(section.evaluate("s => parseFloat(getComputedStyle(s).gridAutoRows)"))
    first = int(page.locator(".cal-week").get_attribute("data-first-minute"))
    row = (hh * 60 + mm - first) // 15
    return box["x"] + box["width"] / 2, head["y"] + head["height"] + row * rows + rows / 2


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 4, start[1] + 8, steps=2)
    page.mouse.move(*end, steps=10)
    page.mouse.up()


def test_a_session_dragged_to_a_free_time_moves_there_and_the_client_is_told(page, week):
    block = open_week(page, week)
    assert axe_violations(page) == []  # the week, free time, buffers and all
    box = block.bounding_box()
    drag(page, (box["x"] + 20, box["y"] + 6), row_y(page, week["thursday"], 11))
    dialog = page.locator("#cal-move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("11:00–12:00 with Maya Lind")
    expect(dialog.get_by_label("Email the client the new time")).to_be_checked()
    assert axe_violations(page) == []  # the confirmation too
    shot(page, "calendar-drag-confirm")
    dialog.get_by_role("button", name="Move the session").click()
    expect(dialog).to_be_hidden()
    moved = page.locator(f'section[data-date="{week["thursday"]}"] .cal-block', has_text="Anna")
    expect(moved).to_contain_text("11:00–12:00")
    expect(page.locator(".messagelist")).to_contain_text("the client is emailed the new time")
    shot(page, "calendar-drag-moved")
    anna = Booking.objects.get(pk=week["anna"].pk)
    assert anna.starts_at.astimezone(LONDON).time() == time(11)
    assert [m.subject for m in mail.outbox if "has moved" in m.subject]


def test_the_keyboard_steps_by_the_session_types_start_times(page, week):
    """Every 20 minutes: Alt+down from 10:00 proposes 10:20, a time clients could book."""
    SessionType.objects.filter(pk=week["anna"].session_type_id).update(slot_step_minutes=20)
    block = open_week(page, week)
    block.focus()
    page.keyboard.press("Alt+ArrowDown")
    dialog = page.locator("#cal-move-dialog")
    expect(dialog).to_contain_text("10:20–11:20 with Maya Lind")
    expect(dialog).not_to_contain_text("Move it there anyway")
    page.keyboard.press("Escape")


def test_a_session_dragged_onto_another_is_refused_with_the_clash_named(page, week):
    block = open_week(page, week)
    box = block.bounding_box()
    drag(page, (box["x"] + 20, box["y"] + 6), row_y(page, week["thursday"], 15))
    dialog = page.locator("#cal-move-dialog")
    expect(dialog).to_contain_text("That time overlaps Ben Okafor's Headshot session")
    expect(dialog.get_by_role("button", name="Move the session")).to_have_count(0)
    dialog.get_by_role("link", name="Back to the calendar").click()
    expect(dialog).to_be_hidden()
    assert Booking.objects.get(pk=week["anna"].pk).starts_at == week["anna"].starts_at


def test_a_sessions_lower_edge_dragged_makes_it_longer(page, week):
    block = open_week(page, week)
    box = block.bounding_box()
    edge = (box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    drag(page, edge, row_y(page, week["wednesday"], 11, 15))
    dialog = page.locator("#cal-move-dialog")
    expect(dialog).to_contain_text("10:00–11:30 with Maya Lind")
    dialog.get_by_label("Email the client the new time").uncheck()
    dialog.get_by_role("button", name="Change the session").click()
    expect(dialog).to_be_hidden()
    anna = Booking.objects.get(pk=week["anna"].pk)
    assert anna.ends_at - anna.starts_at == timedelta(minutes=90)
    assert not [m for m in mail.outbox if "has moved" in m.subject]


def test_the_keyboard_moves_a_session_as_a_drag_does(page, week):
    block = open_week(page, week)
    block.focus()
    page.keyboard.press("Alt+ArrowDown")  # a quarter of an hour later
    dialog = page.locator("#cal-move-dialog")
    expect(dialog).to_contain_text("10:15–11:15 with Maya Lind")
    expect(dialog.get_by_role("button", name="Move the session")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    moved = page.locator(".cal-block[data-move]", has_text="Anna Kowalska")
    expect(moved).to_contain_text("10:15–11:15")
    moved.focus()
    page.keyboard.press("Alt+ArrowRight")  # to Thursday
    expect(dialog).to_contain_text("10:15–11:15 with Maya Lind")
    expect(dialog).to_contain_text(week["thursday"].strftime("%A"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert (
        Booking.objects.get(pk=week["anna"].pk).starts_at.astimezone(LONDON).date()
        == (week["wednesday"])
    )


def test_a_morning_is_blocked_by_dragging_across_it(page, week):
    open_week(page, week)
    thursday = week["thursday"]
    drag(page, row_y(page, thursday, 9), row_y(page, thursday, 11, 45))
    dialog = page.locator("#cal-move-dialog")
    expect(dialog).to_contain_text("Block this time?")
    expect(dialog).to_contain_text("09:00–12:00")
    expect(dialog.get_by_label("Whose time")).to_have_value(str(week["maya"].pk))
    dialog.get_by_label("Why (only the studio sees it)").fill("School run")
    shot(page, "calendar-block-confirm")
    dialog.get_by_role("button", name="Block this time").click()
    expect(dialog).to_be_hidden()
    blocked = page.locator(f'section[data-date="{thursday}"] .cal-block.time-off')
    expect(blocked).to_contain_text("09:00–12:00")
    expect(blocked).to_contain_text("School run")
    off = TimeOff.objects.get()
    assert (off.photographer, off.reason) == (week["maya"], "School run")
    # A click on it opens it to change; saved, the same week comes back.
    here = page.url
    blocked.click()
    page.get_by_label("Reason").fill("School run and swimming")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(here)
    expect(blocked).to_contain_text("School run and swimming")


def test_a_click_on_empty_time_still_books_there(page, week):
    open_week(page, week)
    x, y = row_y(page, week["thursday"], 13)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/book-for-client/\?date=.*&time=13:00"))


def test_on_the_day_a_phone_shows_the_agenda_and_a_brief_is_one_tap_away(
    browser, live_server, week, staff_user
):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    sign_in(page)
    day = week["wednesday"]
    page.goto(f"/admin/shoots/booking/calendar/agenda/?date={day}")
    session = page.locator(".agenda-item", has_text="Anna Kowalska")
    expect(session).to_contain_text("10:00–11:00")
    expect(session).to_contain_text("Headshot · Maya Lind")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 375, f"the agenda is {wide} px wide on a 375 px phone"
    assert axe_violations(page) == []
    shot(page, "agenda-phone")
    session.get_by_role("link", name="Brief").tap()
    expect(page.get_by_role("heading", name="Anna Kowalska")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("10:00–11:00")
    context.close()


def test_when_the_server_cannot_be_reached_the_calendar_says_so_and_moves_nothing(page, week):
    block = open_week(page, week)
    page.route("**/move-to/**", lambda route: route.abort())
    block.focus()
    page.keyboard.press("Alt+ArrowDown")
    dialog = page.locator("#cal-move-dialog")
    expect(dialog.get_by_role("alert")).to_contain_text("nothing was changed")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    assert Booking.objects.get(pk=week["anna"].pk).starts_at == week["anna"].starts_at
