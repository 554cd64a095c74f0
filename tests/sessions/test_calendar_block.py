"""Blocking time from the calendar (issue 23): a drag across empty time proposes it; the page
names the span and the sessions already in it (which stay), offers booking there instead, and
makes time off for a photographer or the whole studio, which the slot engine keeps clear of at
once. Only staff who may add time off can; nonsense gets a sentence, never an error page."""

import html
from datetime import UTC, date, datetime, time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission

from sessions.models import AvailabilityRule, TimeOff
from sessions.selectors import session_type_slots
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
FRIDAY = date(2026, 6, 12)
URL = "/admin/shoots/timeoff/block/"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 6, 1, 8, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def maya(db, studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=maya, weekday=4, start_time=time(9), end_time=time(17)
    )
    return maya


@pytest.fixture
def headshot(maya):
    return SessionTypeFactory(name="Headshot", duration_minutes=60, photographers=[maya])


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def block_url(maya=None, start="2026-06-12T09:00", end="2026-06-12T12:00", **more) -> str:
    query = {"starts_at": start, "ends_at": end, **more}
    if maya:
        query["photographer"] = maya.pk
    return URL + "?" + urlencode(query)


def free_starts(headshot) -> list[str]:
    days = session_type_slots(session_type=headshot, first_day=FRIDAY, last_day=FRIDAY, tz=LONDON)
    return [f"{slot.starts_at.astimezone(LONDON):%H:%M}" for slot in days.get(FRIDAY, [])]


def test_the_page_names_the_span_and_the_sessions_that_stay(owner, maya, headshot, anna):
    BookingFactory(
        client=anna,
        session_type=headshot,
        photographer=maya,
        starts_at=datetime.combine(FRIDAY, time(10), LONDON),
    )
    page = html.unescape(owner.get(block_url(maya)).text)
    assert "Friday 12 June 2026, 09:00–12:00" in page
    assert "blocking it doesn't move or cancel them" in page
    assert "Anna Kowalska's Headshot at 10:00" in page
    assert f'<option value="{maya.pk}" selected>Maya Lind</option>' in page
    assert "/admin/shoots/booking/book-for-client/?date=2026-06-12&time=09:00" in page
    assert not TimeOff.objects.exists()  # looking blocks nothing


def test_blocking_makes_time_off_the_engine_keeps_clear_of(owner, maya, headshot):
    assert "09:00" in free_starts(headshot)
    back = "/admin/shoots/booking/calendar/?view=week&date=2026-06-12"
    response = owner.post(
        URL,
        {
            "starts_at": "2026-06-12T09:00",
            "ends_at": "2026-06-12T12:00",
            "photographer": maya.pk,
            "reason": "Dentist",
            "next": back,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == back
    off = TimeOff.objects.get()
    assert (off.photographer, off.reason) == (maya, "Dentist")
    assert off.starts_at.astimezone(LONDON).hour == 9
    assert off.ends_at.astimezone(LONDON).hour == 12
    assert free_starts(headshot)[0] == "12:00"
    calendar = owner.get(back).text
    assert "Time off: Maya Lind" in calendar


def test_the_whole_studio_can_be_closed_when_chosen_never_by_default(owner, maya):
    """From "Everyone" no photographer is given: whose time is asked, not assumed."""
    span = {"starts_at": "2026-06-12T13:00", "ends_at": "2026-06-12T14:00"}
    asked = html.unescape(owner.get(URL + "?" + urlencode(span)).text)
    assert '<option value="" selected>Choose…</option>' in asked
    assert "Choose whose time it is" not in asked  # not an error before anything is pressed
    assert "aria-invalid" not in asked
    unchosen = html.unescape(owner.post(URL, {**span, "photographer": ""}).text)
    assert "Choose whose time it is: a photographer's, or the studio's." in unchosen
    assert not TimeOff.objects.exists()
    owner.post(URL, {**span, "photographer": "studio"})
    assert TimeOff.objects.get().photographer is None


@pytest.mark.parametrize(
    ("start", "end", "said"),
    [
        ("2026-06-12T12:00", "2026-06-12T09:00", "The end must come after the start."),
        ("2026-06-12T09:00", "2026-08-12T09:00", "For more than a month"),
        ("friday", "2026-06-12T09:00", "That isn't a date and time."),
        ("2026-03-29T01:30", "2026-03-29T03:00", "the clocks skip it"),
        ("2026-06-12T09:00" * 50, "2026-06-12T12:00", "That isn't a date and time."),
    ],
)
def test_nonsense_gets_a_sentence_and_blocks_nothing(owner, maya, start, end, said):
    response = owner.post(URL, {"starts_at": start, "ends_at": end, "photographer": maya.pk})
    assert response.status_code == 200
    assert said in html.unescape(response.text)
    assert not TimeOff.objects.exists()


def test_opened_without_a_span_it_says_where_to_go_and_offers_no_button(owner, maya):
    page = html.unescape(owner.get(URL).text)
    assert "Drag down across empty time on the calendar to block it" in page
    assert "/admin/shoots/timeoff/add/" in page
    assert "isn't a date and time" not in page
    assert "Block this time</button>" not in page
    refused = html.unescape(owner.post(URL, {"photographer": maya.pk}).text)
    assert "Block this time</button>" not in refused
    assert not TimeOff.objects.exists()


def test_a_reason_too_long_keeps_the_span_and_what_was_typed(owner, maya):
    response = owner.post(
        block_url(),
        {
            "starts_at": "2026-06-12T09:00",
            "ends_at": "2026-06-12T12:00",
            "photographer": maya.pk,
            "reason": "Dentist " * 100,
        },
    )
    page = html.unescape(response.text)
    assert "Friday 12 June 2026, 09:00–12:00" in page
    assert "Block this time</button>" in page
    assert "Dentist Dentist" in page
    assert not TimeOff.objects.exists()


def test_the_time_off_form_says_an_end_before_the_start_in_words(owner, maya):
    response = owner.post(
        "/admin/shoots/timeoff/add/",
        {
            "photographer": maya.pk,
            "starts_at_0": "12/06/2026",
            "starts_at_1": "17:00",
            "ends_at_0": "12/06/2026",
            "ends_at_1": "16:00",
            "reason": "Dentist",
        },
    )
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "The end must come after the start." in page
    assert "time_off_ends_after_start" not in page
    assert not TimeOff.objects.exists()


@pytest.mark.parametrize("codenames", [("view_booking", "view_timeoff"), ("add_booking",), ()])
def test_only_staff_who_may_add_time_off_can_block(client, maya, codenames):
    user = UserFactory(username="assistant", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    assert client.get(block_url(maya)).status_code == 403
    blocked = client.post(URL, {"starts_at": "2026-06-12T09:00", "ends_at": "2026-06-12T10:00"})
    assert blocked.status_code == 403
    assert not TimeOff.objects.exists()
    week = client.get("/admin/shoots/booking/calendar/?view=week&date=2026-06-12").text
    assert "data-block=" not in week


def test_the_calendar_offers_the_sweep_to_those_who_may_block(owner, maya):
    week = owner.get(
        f"/admin/shoots/booking/calendar/?view=week&date=2026-06-12&photographer={maya.pk}"
    )
    assert f'data-block="{URL}"' in week.text
    assert f'data-photographer="{maya.pk}"' in week.text
    assert "Drag down across empty time to block it" in week.text
    # A phone's touch scrolls the day: there, the way that works (the CSS shows one or the
    # other by the width).
    assert "To block time on a phone, use Time off → Add." in week.text


def test_time_off_opened_from_the_calendar_goes_back_to_it_once_saved(owner, maya):
    off = TimeOff.objects.create(
        photographer=maya,
        starts_at=datetime(2026, 6, 12, 8, tzinfo=UTC),
        ends_at=datetime(2026, 6, 12, 11, tzinfo=UTC),
        reason="Dentist",
    )
    week = "/admin/shoots/booking/calendar/?view=week&date=2026-06-12"
    form = {
        "photographer": maya.pk,
        "starts_at_0": "12/06/2026",
        "starts_at_1": "09:00",
        "ends_at_0": "12/06/2026",
        "ends_at_1": "13:00",
        "reason": "Dentist, then lunch",
    }
    change = f"/admin/shoots/timeoff/{off.pk}/change/"
    saved = owner.post(f"{change}?{urlencode({'next': week})}", form)
    assert saved.status_code == 302
    assert saved["Location"] == week
    off.refresh_from_db()
    assert off.reason == "Dentist, then lunch"
    elsewhere = owner.post(f"{change}?next=https://evil.example/", form)
    assert elsewhere["Location"] == "/admin/shoots/timeoff/"
    staying = owner.post(f"{change}?{urlencode({'next': week})}", {**form, "_continue": "1"})
    assert staying["Location"].startswith(change)
    assert urlencode({"next": week}) in staying["Location"]  # the next Save still goes back


def test_time_off_deleted_from_the_calendar_goes_back_to_it(owner, maya):
    off, kept = (
        TimeOff.objects.create(
            photographer=maya,
            starts_at=datetime(2026, 6, day, 8, tzinfo=UTC),
            ends_at=datetime(2026, 6, day, 11, tzinfo=UTC),
            reason="Dentist",
        )
        for day in (12, 13)
    )
    week = "/admin/shoots/booking/calendar/?view=week&date=2026-06-12"
    back = urlencode({"next": week})
    page = owner.get(f"/admin/shoots/timeoff/{off.pk}/change/?{back}").text
    delete = f"/admin/shoots/timeoff/{off.pk}/delete/"
    assert f'href="{delete}?{back}" class="deletelink"' in page
    assert "Maya Lind: 12 Jun 2026" in owner.get(f"{delete}?{back}").text  # it asks first
    deleted = owner.post(f"{delete}?{back}", {"post": "yes"})
    assert (deleted.status_code, deleted["Location"]) == (302, week)
    assert not TimeOff.objects.filter(pk=off.pk).exists()
    # Opened from the list it goes back to the list; never to another site.
    plain = owner.get(f"/admin/shoots/timeoff/{kept.pk}/change/").text
    assert f'href="/admin/shoots/timeoff/{kept.pk}/delete/" class="deletelink"' in plain
    offsite = owner.post(
        f"/admin/shoots/timeoff/{kept.pk}/delete/?next=https://evil.example/", {"post": "yes"}
    )
    assert offsite["Location"] == "/admin/shoots/timeoff/"


def test_time_off_in_the_year_9999_is_refused_in_words(owner, maya):
    response = owner.post(
        "/admin/shoots/timeoff/add/",
        {
            "photographer": maya.pk,
            "starts_at_0": "31/12/9999",
            "starts_at_1": "09:00",
            "ends_at_0": "31/12/9999",
            "ends_at_1": "17:00",
        },
    )
    assert response.status_code == 200
    assert "That date is too far off: choose one between 1901 and 2199." in html.unescape(
        response.text
    )
    assert not TimeOff.objects.exists()


@pytest.mark.parametrize(
    ("day", "clock", "said"),
    [
        ("29/03/2026", "01:30", "That time doesn't exist here: the clocks skip it."),
        ("25/10/2026", "01:30", None),  # the clocks repeat it: the first of the two
    ],
)
def test_time_off_on_a_night_the_clocks_change_is_said_in_words(owner, maya, day, clock, said):
    response = owner.post(
        "/admin/shoots/timeoff/add/",
        {
            "photographer": maya.pk,
            "starts_at_0": day, "starts_at_1": clock,
            "ends_at_0": day, "ends_at_1": "03:00",
        },
    )  # fmt: skip
    page = response.content.decode().replace("&#x27;", "'")
    assert "couldn't be interpreted" not in page
    assert "couldn’t be interpreted" not in page
    if said:
        assert said in page
        assert not TimeOff.objects.exists()
    else:
        assert response.status_code == 302
        off = TimeOff.objects.get()
        assert off.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 summer time
