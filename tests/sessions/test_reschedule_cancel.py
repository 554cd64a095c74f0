import html
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from sessions.access import booking_token
from sessions.booking_changes import BookingChangeRefused, booking_cancel, booking_reschedule
from sessions.emails import booking_email_send
from sessions.models import AvailabilityRule, Booking
from sessions.services import SlotUnavailable
from studio.timezones import TIME_ZONE_NAMES
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in London
assert "Europe/London" in TIME_ZONE_NAMES


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def london():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


@pytest.fixture
def maya(db):
    photographer = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=2, start_time=time(9), end_time=time(17)
    )
    return photographer


@pytest.fixture
def annas_booking(studio, maya, anna):
    headshot = SessionTypeFactory(
        name="Headshot", slug="headshot", duration_minutes=60, photographers=[maya]
    )
    return BookingFactory(client=anna, session_type=headshot, photographer=maya, starts_at=TEN)


def test_moving_a_session_keeps_its_reference_and_updates_the_same_calendar_event(
    annas_booking, london
):
    moved = booking_reschedule(
        booking_id=annas_booking.pk,
        starts_at=TEN + timedelta(minutes=30),
        tz=london,
        by_client=True,
    )
    assert moved.reference == annas_booking.reference
    assert moved.starts_at == TEN + timedelta(minutes=30)
    assert moved.ends_at == TEN + timedelta(minutes=90)
    assert moved.calendar_sequence == 1
    # 30 minutes later overlaps its own old time: the booking never stands in its own way.
    booking_email_send(booking_id=moved.pk, kind="rescheduled")
    event = Calendar.from_ical(mail.outbox[0].attachments[0][1]).walk("VEVENT")[0]
    assert str(event["UID"]) == f"booking-{moved.reference}@sitting"
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == TEN + timedelta(minutes=30)
    assert (
        "Hello Anna, your Headshot session has moved from Wednesday 10 June, 10:00 to "
        "Wednesday 10 June, 10:30." in mail.outbox[0].body
    )


def test_moving_onto_another_booking_is_refused_with_nearby_times(annas_booking, maya, london):
    BookingFactory(
        session_type=annas_booking.session_type,
        photographer=maya,
        starts_at=TEN + timedelta(hours=3),
    )
    with pytest.raises(SlotUnavailable) as refused:
        booking_reschedule(
            booking_id=annas_booking.pk,
            starts_at=TEN + timedelta(hours=3),
            tz=london,
            by_client=True,
        )
    assert refused.value.nearest
    annas_booking.refresh_from_db()
    assert annas_booking.starts_at == TEN


def test_cancelling_frees_the_time_and_sends_a_cancellation_for_the_calendar(annas_booking, london):
    from sessions.selectors import session_type_slots

    def free_at_ten():
        day = TEN.date()
        days = session_type_slots(
            session_type=annas_booking.session_type, first_day=day, last_day=day, tz=london
        )
        return TEN in {slot.starts_at for slot in days.get(day, [])}

    assert not free_at_ten()
    cancelled = booking_cancel(booking_id=annas_booking.pk, by_client=True)
    assert free_at_ten()
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.cancelled_at == NOW
    assert booking_cancel(booking_id=annas_booking.pk, by_client=True).status == "cancelled"
    booking_email_send(booking_id=cancelled.pk, kind="cancelled")
    calendar = Calendar.from_ical(mail.outbox[0].attachments[0][1])
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_past_the_cut_off_clients_cannot_move_online_but_the_studio_can(annas_booking, london):
    with time_machine.travel(TEN - timedelta(hours=47), tick=False):
        with pytest.raises(BookingChangeRefused, match="too close to your session"):
            booking_reschedule(
                booking_id=annas_booking.pk,
                starts_at=TEN + timedelta(hours=1),
                tz=london,
                by_client=True,
            )
        moved = booking_reschedule(
            booking_id=annas_booking.pk,
            starts_at=TEN + timedelta(hours=1),
            tz=london,
            by_client=False,
        )
        assert moved.starts_at == TEN + timedelta(hours=1)


def test_past_the_cut_off_clients_may_still_cancel_until_the_session_starts(annas_booking):
    with time_machine.travel(TEN - timedelta(hours=1), tick=False):
        assert booking_cancel(booking_id=annas_booking.pk, by_client=True).status == "cancelled"


def test_once_the_session_has_started_clients_cannot_cancel_online(annas_booking):
    with time_machine.travel(TEN + timedelta(minutes=5), tick=False):
        with pytest.raises(BookingChangeRefused, match="already started"):
            booking_cancel(booking_id=annas_booking.pk, by_client=True)
        assert booking_cancel(booking_id=annas_booking.pk, by_client=False).status == "cancelled"


def test_a_session_type_can_set_its_own_cut_off(annas_booking):
    annas_booking.session_type.cancellation_cutoff_hours = 2
    annas_booking.session_type.save()
    with time_machine.travel(TEN - timedelta(hours=3), tick=False):
        assert booking_cancel(booking_id=annas_booking.pk, by_client=True).status == "cancelled"


def test_the_booking_page_offers_changes_until_the_cut_off(client, annas_booking):
    url = reverse("sessions:booking-detail", args=[booking_token(annas_booking)])
    html = client.get(url).content.decode()
    assert "Move to another time" in html
    assert (
        'until Monday 8 June, <span class="zoned-time" data-studio-zone="Europe/London"'
        ' data-starts="2026-06-08T09:00:00+00:00"' in html
    )
    with time_machine.travel(TEN - timedelta(hours=10), tick=False):
        late = client.get(url).content.decode()
    assert "Move to another time" not in late
    assert "too close to your session" in late


def test_a_client_cancels_from_their_booking_page(client, annas_booking):
    token = booking_token(annas_booking)
    confirm = client.get(reverse("sessions:booking-cancel", args=[token]))
    assert "Cancel your session?" in confirm.content.decode()
    response = client.post(reverse("sessions:booking-cancel", args=[token]), follow=True)
    assert "Your session is cancelled" in response.content.decode()
    annas_booking.refresh_from_db()
    assert annas_booking.status == Booking.Status.CANCELLED
    page = response.content.decode()
    assert "This session is cancelled" in page  # in words, not "Its status is: Cancelled."
    assert "Its status is" not in page
    assert reverse("sessions:slot-pick", args=[annas_booking.session_type.slug]) in page


def test_a_client_confirms_the_new_time_before_their_session_moves(client, annas_booking, maya):
    url = reverse("sessions:booking-reschedule", args=[booking_token(annas_booking)])
    times = client.get(url, {"month": "2026-06", "day": "2026-06-10"}).content.decode()
    eleven = TEN + timedelta(hours=1)
    confirm_url = f"{url}?{urlencode({'start': eleven.isoformat()})}"
    # A link to confirm, not a move at once.
    assert f'href="{confirm_url}"><span class="zoned-time"' in times
    assert 'class="studio-time">11:00<' in times
    assert 'name="start"' not in times
    # Her own time, 10:00, is shown as hers, not as a time to move to.
    own = f"{url}?{urlencode({'start': TEN.isoformat()})}"
    assert f'href="{own}"' not in times
    assert "your current time" in times

    confirm = html.unescape(client.get(confirm_url).content.decode())
    annas_booking.refresh_from_db()
    assert annas_booking.starts_at == TEN  # looking moves nothing
    assert '<s>Wednesday 10 June 2026, <span class="zoned-time"' in confirm
    assert 'class="studio-time">10:00–11:00<' in confirm
    assert '<strong>Wednesday 10 June 2026, <span class="zoned-time"' in confirm
    assert 'class="studio-time">11:00–12:00<' in confirm
    assert f'name="start" value="{eleven.isoformat()}"' in confirm
    assert "Move my session" in confirm

    # Someone takes 11:00 before she presses: she is back at that day's times, told why.
    BookingFactory(session_type=annas_booking.session_type, photographer=maya, starts_at=eleven)
    failed = client.post(url, {"start": eleven.isoformat()}, follow=True)
    page = html.unescape(failed.content.decode())
    assert failed.redirect_chain[-1][0] == f"{url}?month=2026-06&day=2026-06-10#times"
    assert (
        "That time is no longer free. Your session is still at its old time; please choose "
        "another." in page
    )
    assert 'class="studio-time">14:00<' in page
    annas_booking.refresh_from_db()
    assert annas_booking.starts_at == TEN
    # The same page for a time taken meanwhile sends her back to choose, too.
    gone = client.get(confirm_url, follow=True)
    assert "Sorry, that time is no longer free." in html.unescape(gone.content.decode())

    two = TEN + timedelta(hours=4)
    moved = client.post(url, {"start": two.isoformat()}, follow=True)
    assert "Your session has moved" in moved.content.decode()
    annas_booking.refresh_from_db()
    assert annas_booking.starts_at == two
    # Back to the page that asked: no move to the time it has now, just her booking.
    again = f"{url}?{urlencode({'start': two.isoformat()})}"
    back = client.get(again, follow=True)
    assert back.redirect_chain[-1][0] == reverse(
        "sessions:booking-detail", args=[booking_token(annas_booking)]
    )
    assert "Your session is already at that time." in back.content.decode()
    assert "Move my session" not in back.content.decode()
    resent = client.post(url, {"start": two.isoformat()}, follow=True)
    assert "Your session is already at that time." in resent.content.decode()


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-06-10T13:07:00+00:00"])
def test_moving_to_a_time_that_is_not_offered_changes_nothing(client, annas_booking, start):
    url = reverse("sessions:booking-reschedule", args=[booking_token(annas_booking)])
    response = client.post(url, {"start": start}, follow=True)
    assert response.status_code == 200
    annas_booking.refresh_from_db()
    assert annas_booking.starts_at == TEN


def test_another_clients_link_cannot_cancel_or_move_a_booking(client, annas_booking, ben, maya):
    bens = BookingFactory(
        client=ben,
        session_type=annas_booking.session_type,
        photographer=maya,
        starts_at=TEN + timedelta(hours=4),
    )
    forged = f"{annas_booking.reference}:{booking_token(bens).split(':', 1)[1]}"
    for name in ("sessions:booking-cancel", "sessions:booking-reschedule"):
        assert client.post(reverse(name, args=[forged]), {"start": ""}).status_code == 404
    annas_booking.refresh_from_db()
    assert annas_booking.status == Booking.Status.CONFIRMED


def test_an_email_queued_before_a_later_change_is_not_sent(annas_booking):
    queued_sequence = annas_booking.calendar_sequence  # "you're booked", queued...
    booking_cancel(booking_id=annas_booking.pk, by_client=True)  # ...then cancelled at once
    assert not booking_email_send(
        booking_id=annas_booking.pk, kind="confirmed", sequence=queued_sequence
    )
    assert mail.outbox == []


def test_the_calendar_file_of_a_cancelled_booking_cancels_the_event(client, annas_booking):
    booking_cancel(booking_id=annas_booking.pk, by_client=True)
    response = client.get(reverse("sessions:booking-calendar", args=[booking_token(annas_booking)]))
    calendar = Calendar.from_ical(response.content)
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "PUBLISH"  # a download; emailed cancellations are CANCEL
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)
    assert not event.walk("VALARM")  # no reminder of a session that will not happen


def test_moving_onto_a_hold_that_ran_out_succeeds(annas_booking, maya, london):
    later = TEN + timedelta(hours=3)
    BookingFactory(
        session_type=annas_booking.session_type,
        photographer=maya,
        starts_at=later,
        status=Booking.Status.HELD,
        hold_expires_at=NOW - timedelta(minutes=5),
    )
    moved = booking_reschedule(
        booking_id=annas_booking.pk, starts_at=later, tz=london, by_client=True
    )
    assert moved.starts_at == later
    assert Booking.objects.filter(status=Booking.Status.EXPIRED).count() == 1


def test_a_hold_that_ran_out_cannot_be_changed(annas_booking):
    Booking.objects.filter(pk=annas_booking.pk).update(
        status=Booking.Status.HELD, hold_expires_at=NOW - timedelta(minutes=1)
    )
    with pytest.raises(BookingChangeRefused, match="no longer active"):
        booking_cancel(booking_id=annas_booking.pk, by_client=True)


def test_without_online_payments_a_cancellation_claims_no_deposit_was_paid(
    client, annas_booking, eager_tasks, django_capture_on_commit_callbacks
):
    # A £50 deposit "due at the studio": Sitting can't know it was paid, so never says so.
    url = reverse("sessions:booking-cancel", args=[booking_token(annas_booking)])
    assert "Nothing has been paid online." in html.unescape(client.get(url).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        done = html.unescape(client.post(url, follow=True).content.decode())
    said = (
        "Nothing was paid online for this session. If you paid the studio directly, please "
        "get in touch and we'll sort it out."
    )
    assert "Your session is cancelled" in done
    assert said in done
    assert "deposit" not in done.split("<main", 1)[1]
    [email] = [
        m
        for m in mail.outbox
        if m.subject == "Your Headshot session on Wednesday 10 June is cancelled"
    ]
    assert said in email.body
    assert "Deposit" not in email.body
    assert "The invitation attached to this email adds" not in email.alternatives[0][0]


def test_the_studio_rewords_the_cancel_move_and_decline_emails(annas_booking, london, maya):
    from sessions.booking_changes import booking_decline
    from studio.models import EmailTemplate

    EmailTemplate.objects.create(
        kind="booking-rescheduled",
        subject="New time for your {session}",
        heading="See you on {date}, {name}",
        body="We've moved you from {was} to {date} at {time}.",
    )
    EmailTemplate.objects.create(
        kind="booking-cancelled", subject="{session} cancelled", body="Sorry to miss you, {name}."
    )
    EmailTemplate.objects.create(
        kind="booking-declined", subject="{date} is taken", body="Another day, {name}?"
    )
    booking_reschedule(
        booking_id=annas_booking.pk, starts_at=TEN + timedelta(hours=2), tz=london, by_client=True
    )
    booking_email_send(booking_id=annas_booking.pk, kind="rescheduled")
    booking_cancel(booking_id=annas_booking.pk, by_client=True)
    booking_email_send(booking_id=annas_booking.pk, kind="cancelled")
    request = BookingFactory(
        session_type=annas_booking.session_type,
        photographer=maya,
        starts_at=TEN,
        status=Booking.Status.REQUESTED,
        client=annas_booking.client,
    )
    booking_decline(booking_id=request.pk)
    booking_email_send(booking_id=request.pk, kind="declined")
    moved, cancelled, declined = mail.outbox
    assert moved.subject == "New time for your Headshot session"
    assert "We've moved you from Wednesday 10 June, 10:00 to Wednesday 10 June at 12:00." in (
        moved.body
    )
    assert "See you on Wednesday 10 June, Anna" in moved.alternatives[0][0]
    assert (cancelled.subject, declined.subject) == (
        "Headshot session cancelled",
        "Wednesday 10 June is taken",
    )
    assert "Sorry to miss you, Anna." in cancelled.body
    assert "Another day, Anna?" in declined.body


def test_the_studio_previews_its_cancel_wording_on_a_real_booking(
    client, staff_user, annas_booking
):
    from studio.models import EmailTemplate

    row = EmailTemplate.objects.get_or_create(kind="booking-cancelled")[0]
    client.force_login(staff_user)
    change = reverse("admin:studio_emailtemplate_change", args=[row.pk])
    assert 'name="subject"' in client.get(change).content.decode()
    form = {
        "enabled": "on",
        "subject": "{session} on {date}: cancelled",
        "heading": "Sorry, {name}",
        "body": "We hope to see you another time.",
        "preview_with": f"booking:{annas_booking.pk}",
        "_preview": "1",
    }
    page = html.unescape(client.post(change, form).content.decode())
    assert "Headshot session on Wednesday 10 June: cancelled" in page
    assert "We hope to see you another time." in page
    row.refresh_from_db()
    assert row.subject == ""  # a preview saves nothing
