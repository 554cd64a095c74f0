"""Moving a booking from the calendar (issue 23): the move-to page says what would change and
asks whether to email the client; the move goes through the same service as Move, so a
clash is refused and named, a time outside the studio's rules needs saying so, another
photographer or another length is kept by every rule, a stale view is refused rather than
obeyed, the history says who moved it and where, and only staff who may change bookings can."""

import html
import threading
from datetime import UTC, datetime, time, timedelta
from unittest import mock
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.urls import reverse

from sessions.booking_changes import BookingChangeRefused, booking_reschedule
from sessions.emails import booking_email_send
from sessions.models import AvailabilityRule, Booking, BookingEvent
from sessions.tasks import booking_email_send_task
from studio.models import EmailTemplate
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 10, 0, tzinfo=LONDON)  # a Wednesday


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def working_wednesdays(name: str):
    photographer = PhotographerFactory(display_name=name)
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=2, start_time=time(9), end_time=time(17)
    )
    return photographer


@pytest.fixture
def maya(db):
    return working_wednesdays("Maya Lind")


@pytest.fixture
def theo(db):
    return working_wednesdays("Theo Grant")


@pytest.fixture
def headshot(maya, theo):
    return SessionTypeFactory(name="Headshot", duration_minutes=60, photographers=[maya, theo])


@pytest.fixture
def booking(studio, headshot, maya, anna):
    return BookingFactory(client=anna, session_type=headshot, photographer=maya, starts_at=TEN)


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def move_url(booking, *, start="2026-06-10T14:00", photographer=None, minutes=60, **more):
    query = {
        "start": start,
        "photographer": (photographer or booking.photographer).pk,
        "minutes": minutes,
        "sequence": booking.calendar_sequence,
        **more,
    }
    return reverse("admin:shoots_booking_move_to", args=[booking.pk]) + "?" + urlencode(query)


def move(client, booking, **choice):
    """Press "Move the session" on the move-to page for `choice`."""
    notify = choice.pop("notify", True)
    outside_rules = choice.pop("outside_rules", False)
    address, query = move_url(booking, **choice).split("?", 1)
    data = dict(parse_qsl(query))
    if notify:
        data["notify"] = "1"
    if outside_rules:
        data["outside_rules"] = "1"
    return client.post(address, data)


def local(moment) -> str:
    return moment.astimezone(LONDON).strftime("%a %d %H:%M")


def test_the_page_says_what_would_change_and_asks_whether_to_email(owner, booking):
    page = owner.get(move_url(booking))
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert "Wednesday 10 June 2026, 10:00–11:00 with Maya Lind" in text
    assert "Wednesday 10 June 2026, 14:00–15:00 with Maya Lind" in text
    assert 'name="notify" value="1" checked' in text
    assert 'name="outside_rules"' not in text  # a free time: nothing to set aside
    booking.refresh_from_db()
    assert booking.starts_at == TEN  # looking changes nothing


def test_a_time_running_past_midnight_names_the_day_it_ends(owner, booking):
    text = html.unescape(owner.get(move_url(booking, start="2026-06-10T23:00", minutes=90)).text)
    assert "Wednesday 10 June 2026, 23:00 – Thursday 11 June 2026, 00:30 with Maya Lind" in text


def test_moving_emails_the_client_when_asked_and_records_who_and_where(
    owner, booking, run_tasks, staff_user
):
    with run_tasks():
        response = move(
            owner,
            booking,
            start="2026-06-10T14:00",
            next="/admin/shoots/booking/calendar/?view=week",
        )
    assert response.status_code == 302
    assert response["Location"] == "/admin/shoots/booking/calendar/?view=week"
    booking.refresh_from_db()
    assert local(booking.starts_at) == "Wed 10 14:00"
    assert booking.calendar_sequence == 1
    [told] = mail.outbox
    assert told.subject == "Your Headshot session has moved to Wednesday 10 June"
    assert told.to == ["Anna Kowalska <anna@example.com>"]
    event = BookingEvent.objects.filter(booking=booking, moved=True).get()
    assert event.actor_user == staff_user
    story = html.unescape(owner.get(reverse("admin:shoots_booking_change", args=[booking.pk])).text)
    assert "moved to Wed 10 Jun 2026, 14:00–15:00 with Maya Lind" in story


def test_moving_without_telling_the_client_sends_nothing(owner, booking, run_tasks):
    with run_tasks():
        move(owner, booking, start="2026-06-10T15:00", notify=False)
    booking.refresh_from_db()
    assert local(booking.starts_at) == "Wed 10 15:00"
    assert mail.outbox == []


def queued_move_emails(django_capture_on_commit_callbacks, **move) -> list[dict]:
    """Move the booking (booking_reschedule's arguments) and return the move emails queued,
    as their tasks' arguments, without sending them: the worker comes later."""
    sent = []
    with (
        mock.patch(
            "sessions.services.task_enqueue_on_commit",
            lambda name, **kwargs: sent.append(kwargs) if kwargs.get("kind") else None,
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        booking_reschedule(tz=LONDON, by_client=False, **move)
    return sent


def test_a_quiet_move_right_after_an_emailed_one_does_not_swallow_its_email(
    booking, django_capture_on_commit_callbacks
):
    """Moved at 14:00 with an email, then at once to 15:00 without one, before the worker
    sent the first: the client still hears, once, of where the session is now, and from
    the time they knew."""
    [first] = queued_move_emails(
        django_capture_on_commit_callbacks, booking_id=booking.pk, starts_at=TEN.replace(hour=14)
    )
    assert (
        queued_move_emails(
            django_capture_on_commit_callbacks,
            booking_id=booking.pk,
            starts_at=TEN.replace(hour=15),
            notify=False,
        )
        == []
    )
    assert booking_email_send_task(**first)
    [told] = mail.outbox
    assert "from Wednesday 10 June, 10:00 to Wednesday 10 June, 15:00" in told.body
    assert "14:00" not in told.body  # a time the client never heard of
    # Delivered again, or a later emailed move's own task: once is enough.
    assert not booking_email_send_task(**first)
    assert not booking_email_send(booking_id=booking.pk, kind="rescheduled", sequence=2)
    assert len(mail.outbox) == 1


def test_a_move_email_sent_before_a_quiet_move_is_not_sent_again(
    booking, django_capture_on_commit_callbacks
):
    [first] = queued_move_emails(
        django_capture_on_commit_callbacks, booking_id=booking.pk, starts_at=TEN.replace(hour=14)
    )
    assert booking_email_send_task(**first)
    queued_move_emails(
        django_capture_on_commit_callbacks,
        booking_id=booking.pk,
        starts_at=TEN.replace(hour=15),
        notify=False,
    )
    assert not booking_email_send_task(**first)  # the worker died before saying it was done
    assert len(mail.outbox) == 1


def test_a_move_overtaken_by_approval_or_cancelling_is_not_sent(
    booking, django_capture_on_commit_callbacks
):
    """Approved (or cancelled) after the move, the email of that says where the session is."""
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.REQUESTED)
    [moved] = queued_move_emails(
        django_capture_on_commit_callbacks, booking_id=booking.pk, starts_at=TEN.replace(hour=14)
    )
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.CONFIRMED, calendar_sequence=moved["sequence"] + 1
    )
    assert not booking_email_send_task(**moved)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    assert not booking_email_send_task(**moved)
    assert mail.outbox == []


def test_a_length_change_overtaken_by_another_is_said_as_a_change(
    booking, django_capture_on_commit_callbacks
):
    [longer] = queued_move_emails(
        django_capture_on_commit_callbacks,
        booking_id=booking.pk,
        starts_at=TEN,
        duration=timedelta(minutes=90),
    )
    queued_move_emails(
        django_capture_on_commit_callbacks,
        booking_id=booking.pk,
        starts_at=TEN,
        duration=timedelta(minutes=120),
        notify=False,
    )
    assert booking_email_send_task(**longer)
    [told] = mail.outbox
    assert told.subject == "Your Headshot session on Wednesday 10 June has changed"
    assert "now runs 10:00–12:00" in told.body


def test_a_change_in_place_is_told_in_the_studios_own_words_or_not_at_all(
    booking, django_capture_on_commit_callbacks
):
    """ "Session changed" is an email of its own in Email wording: the studio's words, and
    turned off it is not sent (a move's email is another)."""
    wording = EmailTemplate.objects.create(
        kind="booking-changed",
        subject="New plan for your {session}",
        body="Hi {name}, we now finish at {end}, with {photographer}.",
    )
    [longer] = queued_move_emails(
        django_capture_on_commit_callbacks,
        booking_id=booking.pk,
        starts_at=TEN,
        duration=timedelta(minutes=90),
    )
    assert booking_email_send_task(**longer)
    [told] = mail.outbox
    assert told.subject == "New plan for your Headshot session"
    assert "Hi Anna, we now finish at 11:30, with Maya Lind." in told.body
    wording.enabled = False
    wording.save()
    [shorter] = queued_move_emails(
        django_capture_on_commit_callbacks,
        booking_id=booking.pk,
        starts_at=TEN,
        duration=timedelta(minutes=60),
    )
    assert not booking_email_send_task(**shorter)
    assert len(mail.outbox) == 1


def test_a_time_in_the_past_is_said_so_and_a_change_of_length_asked_as_a_change(owner, booking):
    past = html.unescape(owner.get(move_url(booking, start="2026-05-27T10:00")).text)
    assert "This time is in the past. You can still move the session there" in past
    assert 'name="outside_rules"' in past
    off_grid = html.unescape(owner.get(move_url(booking, start="2026-06-10T14:15")).text)
    assert "off the start-time grid" in off_grid
    longer = html.unescape(owner.get(move_url(booking, start="2026-06-10T10:00", minutes=90)).text)
    assert "Change Anna Kowalska's Headshot session?" in longer


def test_another_photographer_and_another_length(owner, booking, theo, run_tasks):
    asked = html.unescape(owner.get(move_url(booking, photographer=theo, minutes=90)).text)
    assert "The price stays £200.00: a change of length does not change" in asked
    same_length = html.unescape(owner.get(move_url(booking)).text)
    assert "The price stays" not in same_length
    with run_tasks():
        move(owner, booking, start="2026-06-10T11:00", photographer=theo, minutes=90)
    booking.refresh_from_db()
    assert booking.photographer == theo
    assert booking.ends_at - booking.starts_at == timedelta(minutes=90)
    assert booking.blocked_until == booking.ends_at + booking.session_type.buffer_after
    event = BookingEvent.objects.filter(booking=booking, moved=True).get()
    assert (event.photographer, event.ends_at) == (theo, booking.ends_at)


def test_a_clash_is_named_and_nothing_moves_even_when_told_to_set_the_rules_aside(
    owner, booking, headshot, maya, ben
):
    BookingFactory(
        client=ben, session_type=headshot, photographer=maya, starts_at=TEN.replace(hour=14)
    )
    page = html.unescape(owner.get(move_url(booking, start="2026-06-10T14:30")).text)
    assert "That time overlaps Ben" in page
    assert "Move the session" not in page  # no way to press on
    response = move(owner, booking, start="2026-06-10T14:30", outside_rules=True)
    assert response.status_code == 200
    assert "That time overlaps Ben" in html.unescape(response.text)
    booking.refresh_from_db()
    assert booking.starts_at == TEN


def test_outside_the_studios_hours_only_when_said_so(owner, booking, run_tasks):
    page = html.unescape(owner.get(move_url(booking, start="2026-06-10T18:00")).text)
    assert "Clients could not book this time online: it is outside Maya Lind's hours" in page
    assert 'name="outside_rules" value="1" required' in page
    refused = move(owner, booking, start="2026-06-10T18:00")
    assert "tick the box below to move it there anyway" in html.unescape(refused.text)
    booking.refresh_from_db()
    assert booking.starts_at == TEN
    with run_tasks():
        move(owner, booking, start="2026-06-10T18:00", outside_rules=True)
    booking.refresh_from_db()
    assert local(booking.starts_at) == "Wed 10 18:00"


def test_a_booking_changed_since_the_calendar_was_opened_is_not_overwritten(
    owner, booking, run_tasks
):
    seen = booking.calendar_sequence
    with run_tasks():
        move(owner, booking, start="2026-06-10T14:00")  # one member of staff
    stale = Booking(pk=booking.pk, photographer=booking.photographer, calendar_sequence=seen)
    second = move(owner, stale, start="2026-06-10T15:00")  # another, from the same calendar
    assert second.status_code == 200
    assert "Someone changed this booking since you opened it" in html.unescape(second.text)
    booking.refresh_from_db()
    assert local(booking.starts_at) == "Wed 10 14:00"


def test_the_service_itself_refuses_a_move_from_a_stale_view(booking):
    """The page checks first; the service checks again under the booking's lock, so two
    presses at the same moment cannot both pass."""
    booking_reschedule(
        booking_id=booking.pk,
        starts_at=TEN.replace(hour=14),
        tz=LONDON,
        by_client=False,
        sequence=booking.calendar_sequence,
    )
    with pytest.raises(BookingChangeRefused, match="Someone changed this booking"):
        booking_reschedule(
            booking_id=booking.pk,
            starts_at=TEN.replace(hour=15),
            tz=LONDON,
            by_client=False,
            sequence=booking.calendar_sequence,  # what the second saw
        )
    booking.refresh_from_db()
    assert local(booking.starts_at) == "Wed 10 14:00"


def test_nonsense_is_answered_kindly(owner, booking):
    for start, said in (
        ("yesterday", "That isn't a date and time."),
        ("2026-13-40T25:00", "That isn't a date and time."),
        ("2026-06-10T14:00+09:00", "That isn't a date and time."),
        ("0001-01-01T00:00", "That date is too far off"),
        ("9999-12-31T23:00", "That date is too far off"),
    ):
        page = owner.get(move_url(booking, start=start))
        assert page.status_code == 200
        assert said in html.unescape(page.text)
    too_short = owner.get(move_url(booking, minutes=0))
    assert too_short.status_code == 200
    assert "Ensure this value is greater than or equal to 5." in html.unescape(too_short.text)
    nobody = owner.get(
        move_url(booking).replace(f"photographer={booking.photographer_id}", "photographer=999999")
    )
    assert "Select a valid choice" in html.unescape(nobody.text)
    offsite = owner.get(move_url(booking, next="https://evil.example/"))
    assert 'href="/admin/shoots/booking/calendar/"' in offsite.text


@pytest.mark.parametrize("codenames", [("view_booking",), ()])
def test_staff_who_may_not_change_bookings_cannot_move_them(client, booking, codenames):
    user = UserFactory(username="assistant", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    assert client.get(move_url(booking)).status_code == 403
    assert move(client, booking, start="2026-06-10T14:00").status_code == 403
    booking.refresh_from_db()
    assert booking.starts_at == TEN


def test_the_calendar_offers_dragging_only_to_those_who_may_move(client, owner, booking):
    week = "/admin/shoots/booking/calendar/?view=week&date=2026-06-10"
    page = owner.get(week).text
    assert f'data-move="{reverse("admin:shoots_booking_move_to", args=[booking.pk])}"' in page
    assert 'data-start="2026-06-10T10:00"' in page
    # Alt+arrows step by the session type's start times.
    assert f'data-step="{booking.session_type.slot_step_minutes}"' in page
    assert 'id="cal-move-help"' in page
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_booking"))
    client.force_login(viewer)
    looked = client.get(week).text
    assert "data-move=" not in looked
    assert 'id="cal-move-help"' not in looked
    # Told why nothing moves, rather than left dragging in vain.
    assert "Moving sessions or blocking time needs permission to change bookings" in looked
    assert "needs permission" not in page


def test_a_hold_that_ran_out_is_shown_but_not_offered_for_dragging(owner, headshot, maya, anna):
    """A client's hold on a time, left unpaid: on the calendar until the worker lets it go,
    but a drag could only be refused, so none is offered. One still running is movable."""
    ran_out, running = (
        BookingFactory(
            client=anna,
            session_type=headshot,
            photographer=maya,
            starts_at=TEN.replace(hour=hour),
            status=Booking.Status.HELD,
            hold_expires_at=NOW + timedelta(minutes=minutes),
        )
        for hour, minutes in ((12, -1), (15, 10))
    )
    page = owner.get("/admin/shoots/booking/calendar/?view=week&date=2026-06-10").text
    moves = reverse("admin:shoots_booking_move_to", args=[ran_out.pk])
    assert reverse("admin:shoots_booking_change", args=[ran_out.pk]) in page  # shown
    assert f'data-move="{moves}"' not in page
    assert f'data-move="{reverse("admin:shoots_booking_move_to", args=[running.pk])}"' in page


@pytest.mark.django_db(transaction=True)
def test_two_staff_moving_one_booking_at_once_one_wins_the_other_is_told(booking):
    """Both saw the same version; they press at the same moment, to different times."""
    seen = booking.calendar_sequence
    start = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def press(hour: int) -> None:
        try:
            start.wait()
            booking_reschedule(
                booking_id=booking.pk,
                starts_at=TEN.replace(hour=hour),
                tz=LONDON,
                by_client=False,
                sequence=seen,
                notify=False,
            )
            outcomes[hour] = "moved"
        except BookingChangeRefused as refused:
            outcomes[hour] = refused.message
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(hour,)) for hour in (14, 15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert list(outcomes.values()).count("moved") == 1
    [told] = [said for said in outcomes.values() if said != "moved"]
    assert told.startswith("Someone changed this booking since you opened it")
    booking.refresh_from_db()
    winner = next(hour for hour, said in outcomes.items() if said == "moved")
    assert booking.starts_at.astimezone(LONDON).hour == winner
    assert booking.calendar_sequence == seen + 1


def test_a_move_never_hands_a_booking_back_to_whom_it_was_taken_from(
    booking, maya, theo, monkeypatch
):
    """Another move gives it to Theo (and commits) between this move reading its
    photographer and locking: this move of its time only locks Theo's diary, looks again,
    and keeps it with Theo."""
    from sessions import booking_changes

    attempt = booking_changes._reschedule
    seen = []

    def meanwhile(**kwargs):
        if not seen:
            Booking.objects.filter(pk=booking.pk).update(photographer=theo)
        seen.append(kwargs["current"])
        return attempt(**kwargs)

    monkeypatch.setattr(booking_changes, "_reschedule", meanwhile)
    booking_reschedule(
        booking_id=booking.pk, starts_at=TEN.replace(hour=14), tz=LONDON, by_client=False
    )
    booking.refresh_from_db()
    assert seen == [maya.pk, theo.pk]
    assert booking.photographer == theo
    assert local(booking.starts_at) == "Wed 10 14:00"


def test_nothing_to_change_and_photographers_who_dont_take_the_session_are_said_so(
    owner, booking, maya
):
    same = html.unescape(owner.get(move_url(booking, start="2026-06-10T10:00")).text)
    assert "The session is there already." in same
    assert "Move the session" not in same
    other = working_wednesdays("Lena Park")  # works Wednesdays, takes no headshots
    page = html.unescape(owner.get(move_url(booking, photographer=other)).text)
    assert "Lena Park doesn't take Headshot sessions." in page
    assert "Move the session" not in page
    with pytest.raises(BookingChangeRefused, match="doesn't take Headshot sessions"):
        booking_reschedule(
            booking_id=booking.pk,
            starts_at=TEN.replace(hour=14),
            tz=LONDON,
            by_client=False,
            photographer_id=other.pk,
            outside_rules=True,
        )


def test_a_clash_in_another_photographers_diary_says_whose(owner, booking, headshot, theo, ben):
    BookingFactory(client=ben, session_type=headshot, photographer=theo, starts_at=TEN)
    page = html.unescape(
        owner.get(move_url(booking, start="2026-06-10T10:00", photographer=theo)).text
    )
    assert "In Theo Grant's diary: That time overlaps Ben" in page


def test_a_photographer_who_left_still_has_their_sessions_shown_and_movable(owner, booking, maya):
    maya.is_active = False
    maya.save()
    day = owner.get("/admin/shoots/booking/calendar/?view=day&date=2026-06-10").text
    assert 'aria-label="Maya Lind, Wednesday 10 June"' in day
    assert "Anna Kowalska" in day
    page = html.unescape(owner.get(move_url(booking, start="2026-06-10T11:00")).text)
    assert "Wednesday 10 June 2026, 11:00–12:00 with Maya Lind" in page
    assert "Select a valid choice" not in page


def test_who_may_book_but_not_change_gets_no_drag_from_a_kept_grid(client, owner, booking):
    week = "/admin/shoots/booking/calendar/?view=week&date=2026-06-10"
    assert "data-move=" in owner.get(week).text  # drawn and kept for the owner
    booker = UserFactory(username="booker", is_staff=True)
    booker.user_permissions.set(
        Permission.objects.filter(codename__in=["view_booking", "add_booking"])
    )
    client.force_login(booker)
    page = client.get(week).text
    assert "+ Book" in page
    assert "data-move=" not in page


def test_a_longer_session_or_another_photographer_is_said_as_a_change_not_a_move(
    owner, booking, theo, run_tasks
):
    with run_tasks():
        move(owner, booking, start="2026-06-10T10:00", minutes=90)
    [longer] = mail.outbox
    assert longer.subject == "Your Headshot session on Wednesday 10 June has changed"
    assert "now runs 10:00–11:30 with Maya Lind" in longer.body
    assert "moved from" not in longer.body
    with run_tasks():
        move(
            owner,
            Booking.objects.get(pk=booking.pk),
            start="2026-06-10T10:00",
            minutes=90,
            photographer=theo,
        )
    assert "now runs 10:00–11:30 with Theo Grant" in mail.outbox[1].body
    with run_tasks():
        move(
            owner,
            Booking.objects.get(pk=booking.pk),
            start="2026-06-10T15:00",
            minutes=90,
            photographer=theo,
        )
    assert (
        "has moved from Wednesday 10 June, 10:00 to Wednesday 10 June, 15:00" in mail.outbox[2].body
    )
