"""The day on a phone (issue 23): the agenda lists the day's sessions in order with what the
photographer needs on the day (client, type, photographer, questionnaire and documents, the
phone number to tap, directions when on location, the brief one tap away); the day sheet
prints every session's brief. Both for staff who may view bookings, in a fixed number of
queries."""

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import Booking, Questionnaire, QuestionnaireResponse
from tests.document_fixtures import release
from tests.factories import (
    BookingFactory,
    ClientFactory,
    PhotographerFactory,
    SessionTypeFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
AGENDA = "/admin/shoots/booking/calendar/agenda/"
SHEET = "/admin/shoots/booking/calendar/day-sheet/"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 6, 10, 7, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def day(db, studio):
    """Wednesday 10 June: Anna at 10:00 in the studio with Maya, the Lees at 14:00 in the
    park with Theo; a cancelled one at 12:00, and Ben tomorrow."""
    maya = PhotographerFactory(display_name="Maya Lind")
    theo = PhotographerFactory(display_name="Theo Grant")
    headshot = SessionTypeFactory(name="Headshot")
    outdoors = SessionTypeFactory(name="Family outdoors", location="Victoria Park, London E9")
    anna = ClientFactory(name="Anna Kowalska", phone="07700 900123")
    at = lambda hh, d=10: datetime(2026, 6, d, hh, tzinfo=LONDON)  # noqa: E731
    annas = BookingFactory(client=anna, session_type=headshot, photographer=maya, starts_at=at(10))
    lees = BookingFactory(
        client=ClientFactory(name="Sam Lee"),
        session_type=outdoors,
        photographer=theo,
        starts_at=at(14),
    )
    BookingFactory(
        client=ClientFactory(name="Cancelled Person"),
        session_type=headshot,
        photographer=maya,
        starts_at=at(12),
        status=Booking.Status.CANCELLED,
    )
    BookingFactory(
        client=ClientFactory(name="Ben Tomorrow"),
        session_type=headshot,
        photographer=maya,
        starts_at=at(10, 11),
    )
    style = Questionnaire.objects.create(name="Style", is_active=True)
    style.session_types.add(headshot)
    QuestionnaireResponse.objects.create(
        booking=annas,
        questionnaire=style,
        questionnaire_name="Style",
        status=QuestionnaireResponse.Status.SUBMITTED,
    )
    return {"maya": maya, "theo": theo, "annas": annas, "lees": lees}


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def test_the_agenda_lists_the_days_sessions_with_what_the_day_needs(owner, day):
    page = html.unescape(owner.get(AGENDA + "?date=2026-06-10").text)
    assert "Today, Wednesday 10 June" in page
    assert page.index("Anna Kowalska") < page.index("Sam Lee")
    assert "Cancelled Person" not in page
    assert "Ben Tomorrow" not in page
    anna = page[page.index("10:00–11:00") : page.index("14:00–15:00")]
    assert "Headshot · Maya Lind" in anna
    assert "Submitted" in anna
    assert 'href="tel:07700900123"' in anna
    assert f"/admin/shoots/booking/{day['annas'].pk}/brief/" in anna
    lees = page[page.index("14:00–15:00") :]
    assert "Victoria Park, London E9" in lees
    assert (
        "https://www.google.com/maps/search/?api=1&amp;query=Victoria+Park%2C+London+E9"
        in owner.get(AGENDA + "?date=2026-06-10").text
    )
    assert "tel:" not in lees  # no number given


def test_the_agenda_for_one_photographer_and_another_day(owner, day):
    theos = html.unescape(
        owner.get(AGENDA + f"?date=2026-06-10&photographer={day['theo'].pk}").text
    )
    assert "Sam Lee" in theos
    assert "Anna Kowalska" not in theos
    tomorrow = html.unescape(owner.get(AGENDA + "?date=2026-06-11").text)
    assert "Thursday 11 June 2026" in tomorrow
    assert "Ben Tomorrow" in tomorrow
    nonsense = owner.get(AGENDA + "?date=someday&photographer=x")
    assert nonsense.status_code == 200
    assert "Today, Wednesday 10 June" in html.unescape(nonsense.text)


def test_the_day_sheet_prints_every_sessions_brief(owner, day):
    sheet = html.unescape(owner.get(SHEET + "?date=2026-06-10").text)
    assert "2 sessions" in sheet
    assert sheet.count('class="day-sheet-session"') == 2
    assert "Wednesday 10 June 2026, 10:00–11:00" in sheet
    assert "Victoria Park, London E9" in sheet
    assert "Style" in sheet  # Anna's questionnaire
    assert "Money" not in sheet  # the sheet is for the shoot, not the books


def test_the_agenda_and_sheet_take_the_same_queries_for_a_busy_day(
    owner, day, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as quiet:
        owner.get(AGENDA + "?date=2026-06-10")
        owner.get(SHEET + "?date=2026-06-10")
    for hour in (8, 9, 11, 13, 15, 16, 17, 18, 19, 20):  # around Anna's and the Lees'
        BookingFactory(
            photographer=day["maya"],
            starts_at=datetime(2026, 6, 10, hour, 30, tzinfo=LONDON),
            ends_at=datetime(2026, 6, 10, hour, 45, tzinfo=LONDON),
        )
    with django_assert_num_queries(len(quiet.captured_queries)):
        busy = owner.get(AGENDA + "?date=2026-06-10")
        sheet = owner.get(SHEET + "?date=2026-06-10")
    assert busy.text.count('class="agenda-item') == 12
    assert sheet.text.count('class="day-sheet-session"') == 12


@pytest.mark.parametrize(("codenames", "answer"), [(("view_booking",), 200), ((), 403)])
def test_who_may_see_the_agenda(client, day, codenames, answer):
    user = UserFactory(username="assistant", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    assert client.get(AGENDA + "?date=2026-06-10").status_code == answer
    assert client.get(SHEET + "?date=2026-06-10").status_code == answer


def test_the_documents_are_said_in_a_few_words(owner, day, adult_release):
    release(day["annas"], adult_release, status="signed")
    release(day["annas"], adult_release, person="Tom", status="pending")
    release(day["lees"], adult_release, status="signed")
    page = html.unescape(owner.get(AGENDA + "?date=2026-06-10").text)
    anna = page[page.index("10:00–11:00") : page.index("14:00–15:00")]
    assert "Model release: waiting to be signed" in anna  # one of two still waits
    assert "Model release: signed" in page[page.index("14:00–15:00") :]


def test_a_studio_far_from_london_sees_its_own_days_and_a_session_across_midnight(
    owner, studio, day
):
    studio.time_zone = "America/Los_Angeles"
    studio.save()
    la = ZoneInfo("America/Los_Angeles")
    late = BookingFactory(
        client=ClientFactory(name="Night Owl"),
        photographer=day["maya"],
        starts_at=datetime(2026, 6, 11, 23, 0, tzinfo=la),
        ends_at=datetime(2026, 6, 12, 1, 0, tzinfo=la),
    )
    early = BookingFactory(
        client=ClientFactory(name="Early Bird"),
        photographer=day["maya"],
        starts_at=datetime(2026, 6, 11, 0, 30, tzinfo=la),
        ends_at=datetime(2026, 6, 11, 1, 0, tzinfo=la),
    )
    eleventh = html.unescape(owner.get(AGENDA + "?date=2026-06-11").text)
    assert "Early Bird" in eleventh  # 00:30 there is 07:30 in London, still the 11th
    assert "00:30–01:00" in eleventh
    assert "Night Owl" in eleventh
    assert "Thu 23:00–Fri 01:00" in eleventh  # across midnight: which days
    twelfth = html.unescape(owner.get(AGENDA + "?date=2026-06-12").text)
    assert "Night Owl" in twelfth  # still on at the start of the 12th
    assert "Early Bird" not in twelfth
    assert late.pk != early.pk


def test_the_brief_shows_money_only_to_those_who_may_see_payments(client, day):
    brief = f"/admin/shoots/booking/{day['annas'].pk}/brief/"
    for codenames, shown in [(("view_booking",), False), (("view_booking", "view_payment"), True)]:
        user = UserFactory(username="-".join(codenames), is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
        client.force_login(user)
        page = html.unescape(client.get(brief).text)
        assert "Anna Kowalska" in page
        assert ("paid of" in page) is shown, codenames
