"""Reminders before a session, through time: each at its wall-clock moment in the studio's
zone, never in the night, exactly once however often beat scans, and after a worker outage
only those still useful."""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection

from sessions.models import Booking, Questionnaire, QuestionnaireResponse
from sessions.reminders import (
    out_of_quiet_hours,
    parse_days,
    reminders_scan,
    wall_clock_before,
)
from studio.models import SentEmail
from tests.factories import BookingFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")


def local(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


@pytest.fixture
def family(studio):
    session_type = SessionTypeFactory(name="Family", duration_minutes=60)
    questionnaire = Questionnaire.objects.create(name="Wardrobe")
    questionnaire.session_types.add(session_type)
    return session_type


@pytest.fixture
def scan(eager_tasks, django_capture_on_commit_callbacks):
    """Beat's scan at a moment, with a worker sending what it queues. Returns the subjects
    of the emails sent by this scan."""

    def at(moment: datetime) -> list[str]:
        before = len(mail.outbox)
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            reminders_scan()
        return [message.subject for message in mail.outbox[before:]]

    return at


def test_days_and_times_are_read_kindly():
    assert parse_days("7, 1") == [7, 1]
    assert parse_days("1,7,7, x, 0") == [7, 1]
    assert parse_days("") == []


def test_one_day_before_is_the_same_wall_clock_time_across_a_clock_change():
    # Clocks go back on Sunday 25 October 2026.
    monday = local(2026, 10, 26, 10)
    assert wall_clock_before(monday, days=1, tz=LONDON) == local(2026, 10, 25, 10)
    assert wall_clock_before(monday, days=7, tz=LONDON).astimezone(UTC).hour == 9  # BST
    # Quiet hours: 06:30 waits for 08:00; 22:00 for 08:00 the next day; 12:00 goes.
    assert out_of_quiet_hours(local(2026, 6, 9, 6, 30), tz=LONDON) == local(2026, 6, 9, 8)
    assert out_of_quiet_hours(local(2026, 6, 9, 22), tz=LONDON) == local(2026, 6, 10, 8)
    assert out_of_quiet_hours(local(2026, 6, 9, 12), tz=LONDON) == local(2026, 6, 9, 12)


def test_a_bookings_life_sends_each_reminder_once_at_its_moment(family, anna, scan):
    BookingFactory(client=anna, session_type=family, starts_at=local(2026, 6, 24, 10))
    assert scan(local(2026, 6, 14, 12)) == []  # booked ten days out
    assert scan(local(2026, 6, 17, 9, 55)) == []
    assert scan(local(2026, 6, 17, 10, 5)) == [
        "See you on Wednesday 24 June: your Family session at 10:00"
    ]
    assert scan(local(2026, 6, 17, 10, 10)) == []  # beat again: nothing twice
    assert scan(local(2026, 6, 19, 10, 5)) == ["A few questions before your Family session"]
    assert scan(local(2026, 6, 22, 10, 5)) == ["A few questions before your Family session"]
    assert scan(local(2026, 6, 23, 10, 5)) == ["See you tomorrow: your Family session at 10:00"]
    assert scan(local(2026, 6, 24, 11)) == []  # the session has passed
    assert SentEmail.objects.count() == 4
    body = mail.outbox[-1].body
    assert "Wednesday 24 June at 10:00" in body
    assert "please fill in your questionnaire" in body


def test_a_sent_questionnaire_stops_its_reminders(family, anna, scan):
    booking = BookingFactory(client=anna, session_type=family, starts_at=local(2026, 6, 24, 10))
    assert scan(local(2026, 6, 19, 10, 5)) == [
        "See you on Wednesday 24 June: your Family session at 10:00",  # late, but still useful
        "A few questions before your Family session",
    ]
    QuestionnaireResponse.objects.create(
        booking=booking,
        questionnaire=Questionnaire.objects.get(),
        questionnaire_name="Wardrobe",
        status=QuestionnaireResponse.Status.SUBMITTED,
    )
    assert scan(local(2026, 6, 22, 10, 5)) == []
    one_day = scan(local(2026, 6, 23, 10, 5))
    assert one_day == ["See you tomorrow: your Family session at 10:00"]
    assert "questionnaire" not in mail.outbox[-1].body


def test_nothing_in_the_night_it_waits_for_the_morning(family, anna, scan):
    BookingFactory(client=anna, session_type=family, starts_at=local(2026, 6, 24, 7))
    assert scan(local(2026, 6, 23, 7, 30)) == []
    assert scan(local(2026, 6, 23, 8, 1)) == ["See you tomorrow: your Family session at 07:00"]
    late = BookingFactory(session_type=family, starts_at=local(2026, 7, 8, 22))
    assert scan(local(2026, 7, 7, 22, 5)) == []  # due at 22:00: held
    assert scan(local(2026, 7, 8, 8, 5)) == ["See you today: your Family session at 22:00"]
    assert SentEmail.objects.filter(key__startswith=f"booking:{late.pk}:reminder-1d").exists()


def test_after_three_days_without_a_worker_only_useful_reminders_go(family, anna, scan):
    BookingFactory(client=anna, session_type=family, starts_at=local(2026, 6, 24, 10))
    # Beat and workers down from 21 June to the evening before the session: the one-week
    # reminder and both questionnaire reminders are moot (the questionnaire has closed);
    # the one-day reminder still helps.
    assert scan(local(2026, 6, 23, 18)) == ["See you tomorrow: your Family session at 10:00"]
    assert SentEmail.objects.count() == 1


def test_cancelled_bookings_get_nothing_and_moved_ones_are_reminded_again(family, anna, scan):
    cancelled = BookingFactory(
        client=anna, session_type=family, starts_at=local(2026, 6, 24, 10), status="cancelled"
    )
    assert scan(local(2026, 6, 23, 10, 5)) == []
    moved = BookingFactory(session_type=family, starts_at=local(2026, 6, 26, 10))
    assert scan(local(2026, 6, 25, 10, 5)) == ["See you tomorrow: your Family session at 10:00"]
    later = local(2026, 6, 27, 10)
    Booking.objects.filter(pk=moved.pk).update(
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        blocked_from=later,
        blocked_until=later + timedelta(hours=1),
    )
    assert scan(local(2026, 6, 26, 10, 5)) == ["See you tomorrow: your Family session at 10:00"]
    assert cancelled.pk not in {
        int(k.split(":")[1]) for k in SentEmail.objects.values_list("key", flat=True)
    }


def test_a_session_type_can_have_its_own_reminders(family, anna, scan):
    family.reminder_days = "2"
    family.save()
    BookingFactory(client=anna, session_type=family, starts_at=local(2026, 6, 24, 10))
    assert scan(local(2026, 6, 17, 10, 5)) == []  # no one-week reminder for this type
    assert scan(local(2026, 6, 22, 10, 5)) == [
        "See you on Wednesday 24 June: your Family session at 10:00",
        "A few questions before your Family session",
    ]
    assert scan(local(2026, 6, 23, 10, 5)) == []


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_reminder_once(studio, eager_tasks):
    session_type = SessionTypeFactory(name="Family")
    for _ in range(5):
        BookingFactory(session_type=session_type, starts_at=local(2026, 6, 24, 10))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def beat():
        try:
            start.wait()
            reminders_scan()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(local(2026, 6, 23, 10, 5), tick=False):
        threads = [threading.Thread(target=beat) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert len(mail.outbox) == 5
    assert SentEmail.objects.count() == 5


def test_the_booking_page_lists_the_reminders_to_come(family, anna, client, staff_user):
    from django.urls import reverse

    booking = BookingFactory(client=anna, session_type=family, starts_at=local(2026, 6, 24, 10))
    client.force_login(staff_user)
    with time_machine.travel(local(2026, 6, 18, 12), tick=False):
        page = client.get(
            reverse("admin:shoots_booking_change", args=[booking.pk])
        ).content.decode()
    to_come = page.split("Reminders to come", 1)[1].split("</ul>", 1)[0]
    assert "Questionnaire reminder: Fri 19 Jun 2026, 10:00" in to_come
    assert "Last questionnaire reminder: Mon 22 Jun 2026, 10:00" in to_come
    assert "Session reminder, 1 day before: Tue 23 Jun 2026, 10:00" in to_come
    assert "7 days before" not in to_come  # already past
    # In the order they go, whatever they are called.
    said = [to_come.index(text) for text in ("Fri 19 Jun", "Mon 22 Jun", "Tue 23 Jun")]
    assert said == sorted(said)
