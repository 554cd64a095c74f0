from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from sessions.emails import booking_email_send
from sessions.models import AvailabilityRule, Booking, Payment
from studio.background import _send_after_commit
from tests.factories import BookingFactory, PhotographerFactory

CHANGELIST = reverse("admin:shoots_booking_changelist")
SOON = datetime(2030, 6, 10, 9, tzinfo=UTC)


def emails_sent(callbacks) -> list[str]:
    """The kinds of the emails a commit sends (its other callbacks move kept pages on)."""
    sends = [c for c in callbacks if getattr(c, "func", None) is _send_after_commit]
    return [c.keywords["kwargs"]["kind"] for c in sends]


@pytest.fixture
def owner(client, studio, staff_user):
    client.force_login(staff_user)
    return client


def act(owner, action, *bookings, confirmed=True):
    """A list action as the studio runs it: for those that end bookings, its "Yes" too."""
    data = {"action": action, "_selected_action": [b.pk for b in bookings]}
    return owner.post(CHANGELIST, {**data, "post": "yes"} if confirmed else data, follow=True)


def test_the_studio_approves_a_request_and_the_client_hears_of_it(
    owner, anna, django_capture_on_commit_callbacks
):
    request = BookingFactory(client=anna, status=Booking.Status.REQUESTED, starts_at=SOON)
    with django_capture_on_commit_callbacks() as callbacks:
        response = act(owner, "approve", request)
    assert "1 request approved." in response.content.decode()
    request.refresh_from_db()
    assert request.status == Booking.Status.CONFIRMED
    assert callbacks[0].keywords["kwargs"] == {
        "booking_id": request.pk,
        "kind": "confirmed",
        "sequence": 1,
    }


def test_with_payments_on_an_approved_request_is_held_for_its_deposit(owner, anna, settings):
    settings.PAYMENTS_ENABLED = True
    request = BookingFactory(client=anna, status=Booking.Status.REQUESTED, starts_at=SOON)
    act(owner, "approve", request)
    request.refresh_from_db()
    assert request.status == Booking.Status.HELD
    assert request.hold_expires_at is not None


def test_declining_frees_the_time_and_tells_the_client_kindly(owner, anna):
    request = BookingFactory(client=anna, status=Booking.Status.REQUESTED, starts_at=SOON)
    act(owner, "decline", request)
    request.refresh_from_db()
    assert request.status == Booking.Status.DECLINED
    booking_email_send(booking_id=request.pk, kind="declined")
    assert "we can't take your session" in mail.outbox[0].body


def test_only_requests_can_be_approved_and_the_admin_says_which_were_not(owner, anna):
    confirmed = BookingFactory(client=anna, starts_at=SOON)
    cancelled = BookingFactory(
        client=anna, status=Booking.Status.CANCELLED, starts_at=SOON + timedelta(days=1)
    )
    response = act(owner, "approve", cancelled, confirmed)
    html = response.content.decode()
    assert f"{cancelled.reference}: Only requests waiting for approval can be approved." in html
    cancelled.refresh_from_db()
    assert cancelled.status == Booking.Status.CANCELLED


def test_the_studio_may_cancel_even_past_the_clients_cut_off(owner, anna):
    tomorrow = BookingFactory(client=anna, starts_at=datetime.now(UTC) + timedelta(hours=20))
    act(owner, "cancel", tomorrow)
    tomorrow.refresh_from_db()
    assert tomorrow.status == Booking.Status.CANCELLED


@pytest.mark.parametrize("action", ["cancel", "cancel_keeping_payments", "decline"])
def test_list_actions_that_end_bookings_ask_first_and_say_what_happens_to_the_money(
    owner, anna, action
):
    paid = BookingFactory(client=anna, starts_at=SOON)
    Payment.objects.create(
        booking=paid, kind=Payment.Kind.DEPOSIT, amount=5000, currency="GBP",
        amount_received=5000, currency_received="GBP", status=Payment.Status.PAID,
        method=Payment.Method.BANK_TRANSFER, paid_at=SOON - timedelta(days=30),
    )  # fmt: skip
    request = BookingFactory(
        client=anna, status=Booking.Status.REQUESTED, starts_at=SOON + timedelta(days=1)
    )
    over = BookingFactory(
        client=anna, status=Booking.Status.CANCELLED, starts_at=SOON + timedelta(days=2)
    )
    asked = act(owner, action, paid, request, over, confirmed=False)
    html = asked.content.decode()
    statuses = {b.pk: b.status for b in Booking.objects.all()}
    assert statuses == {paid.pk: "confirmed", request.pk: "requested", over.pk: "cancelled"}
    assert not mail.outbox  # nothing happens before the yes
    assert 'name="post" value="yes"' in html
    assert "No, go back" in html
    ending = html.split('class="act-confirm-bookings"')[1].split("</ul>")[0]
    left = html.split('class="act-confirm-left"')[1].split("</ul>")[0]
    assert request.reference in ending
    assert over.reference in left
    if action == "decline":  # only requests are declined
        assert paid.reference in left
        assert "These 2 are left as they are" in html
    else:
        assert paid.reference in ending
        money = {
            "cancel": "The £50.00 was paid another way (bank transfer): you give it back",
            "cancel_keeping_payments": "The £50.00 paid is kept: nothing is refunded.",
        }[action]
        assert money in ending
        assert "Nothing has been paid for it." in ending  # the request
    done = act(owner, action, paid, request, over).content.decode()
    request.refresh_from_db()
    assert request.status == ("declined" if action == "decline" else "cancelled")
    if action == "cancel":
        assert f"{paid.reference}: Give back the £50.00 paid another way" in done


def test_cancelling_from_the_list_leaves_ended_bookings_and_run_out_holds_alone(owner, anna):
    kept = BookingFactory(client=anna, status=Booking.Status.CANCELLED, starts_at=SOON)
    Payment.objects.create(
        booking=kept, kind=Payment.Kind.DEPOSIT, amount=5000, currency="GBP",
        amount_received=5000, currency_received="GBP", status=Payment.Status.PAID,
        method=Payment.Method.BANK_TRANSFER, paid_at=SOON - timedelta(days=30),
    )  # fmt: skip  # cancelled earlier, keeping the deposit
    lapsed = BookingFactory(
        client=anna, status=Booking.Status.HELD, starts_at=SOON + timedelta(days=1),
        hold_expires_at=datetime.now(UTC) - timedelta(minutes=5),
    )  # fmt: skip
    asked = act(owner, "cancel", kept, lapsed, confirmed=False).content.decode()
    left = asked.split('class="act-confirm-left"')[1].split("</ul>")[0]
    assert kept.reference in left
    assert lapsed.reference in left
    assert 'class="act-confirm-bookings"' not in asked  # nothing to end
    done = act(owner, "cancel", kept, lapsed).content.decode()
    assert "Give back" not in done  # the deposit kept when it was cancelled stays kept
    assert "booking cancelled" not in done
    lapsed.refresh_from_db()
    assert lapsed.status == Booking.Status.HELD


def test_booking_list_is_query_bounded(owner, django_assert_max_num_queries):
    for n in range(30):
        BookingFactory(starts_at=SOON + timedelta(days=n))
    with django_assert_max_num_queries(10):
        response = owner.get(CHANGELIST)
    assert response.status_code == 200


def test_a_booking_cannot_be_edited_around_the_services(owner, anna):
    booking = BookingFactory(client=anna, starts_at=SOON)
    owner.post(
        reverse("admin:shoots_booking_change", args=[booking.pk]),
        {"starts_at_0": "2030-06-11", "starts_at_1": "09:00", "status": "cancelled"},
    )
    booking.refresh_from_db()
    assert (booking.starts_at, booking.status) == (SOON, Booking.Status.CONFIRMED)


BOOK_FOR_CLIENT = reverse("admin:shoots_booking_book_for_client")


@pytest.fixture
def headshot_with_maya(db):
    from datetime import time

    from sessions.models import AvailabilityRule
    from tests.factories import PhotographerFactory, SessionTypeFactory

    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    with time_machine.travel(datetime(2030, 6, 1, 8, tzinfo=UTC), tick=False):
        yield SessionTypeFactory(name="Headshot", duration_minutes=60, photographers=[maya]), maya


def errors(response) -> list[str]:
    """The errors above the form: the form's own, and what the service refused."""
    if "problems" in response.context:
        return [str(problem) for problem in response.context["problems"]]
    return list(response.context["form"].non_field_errors())


def phone_form(session_type, photographer, **overrides):
    return {
        "new_client_name": "Walter Phone",
        "new_client_email": "walter@example.com",
        "new_client_phone": "07700 900000",
        "session_type": session_type.pk,
        "photographer": photographer.pk,
        "date": "2030-06-12",
        "time": "10:00",
        "client_notes": "Rang on Tuesday",
        "email_client": "on",
        **overrides,
    }


def test_staff_book_a_new_client_by_phone(headshot_with_maya, owner):
    session_type, maya = headshot_with_maya
    page = owner.get(BOOK_FOR_CLIENT)
    assert page.status_code == 200
    response = owner.post(BOOK_FOR_CLIENT, phone_form(session_type, maya))
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert booking.created_by_staff
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.client.email == "walter@example.com"
    assert booking.starts_at == datetime(2030, 6, 12, 9, tzinfo=UTC)  # 10:00 BST


def test_outside_the_public_rules_the_studio_is_warned_then_may_book_anyway(
    headshot_with_maya, owner
):
    session_type, maya = headshot_with_maya
    late = phone_form(session_type, maya, time="19:00")
    warned = owner.post(BOOK_FOR_CLIENT, late)
    assert "Clients could not book this time online" in warned.content.decode()
    assert 'value="Walter Phone"' in warned.content.decode()
    assert not Booking.objects.exists()
    booked = owner.post(BOOK_FOR_CLIENT, {**late, "book_anyway": "on"})
    assert booked.status_code == 302
    assert Booking.objects.get().starts_at == datetime(2030, 6, 12, 18, tzinfo=UTC)


def test_a_photographer_who_does_not_take_the_session_type_is_named_as_the_reason(
    headshot_with_maya, owner
):
    session_type, _maya = headshot_with_maya
    ian = PhotographerFactory(display_name="Ian Moss")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=ian, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    warned = owner.post(BOOK_FOR_CLIENT, phone_form(session_type, ian)).content.decode()
    assert (
        f"Clients can&#x27;t book “{session_type.name}” with Ian Moss online: Ian Moss isn&#x27;t "
        "one of its photographers"
    ) in warned
    assert "outside Ian Moss&#x27;s hours" not in warned
    assert not Booking.objects.exists()
    booked = owner.post(BOOK_FOR_CLIENT, {**phone_form(session_type, ian), "book_anyway": "on"})
    assert booked.status_code == 302
    assert Booking.objects.get().photographer == ian


def test_the_studio_can_never_double_book_even_when_booking_anyway(headshot_with_maya, owner, anna):
    session_type, maya = headshot_with_maya
    BookingFactory(
        client=anna,
        session_type=session_type,
        photographer=maya,
        starts_at=datetime(2030, 6, 12, 9, tzinfo=UTC),
    )
    response = owner.post(
        BOOK_FOR_CLIENT, phone_form(session_type, maya, time="10:30", book_anyway="on")
    )
    assert errors(response) == [
        "That time overlaps Anna Kowalska's Headshot session, 10:00–11:00 on "
        "Wednesday 12 June 2030."
    ]
    assert Booking.objects.count() == 1
    assert not Booking.objects.filter(client__email="walter@example.com").exists()


@pytest.mark.parametrize(
    ("day", "clock", "field", "message"),
    [
        ("9999-12-31", "23:50", "date", "That date is too far off: choose one between 1901"),
        ("0001-01-01", "00:00", "date", "That date is too far off: choose one between 1901"),
        ("2031-03-30", "01:30", "time", "That time doesn't exist here: the clocks skip it."),
    ],
)
def test_a_date_too_far_off_or_a_time_the_clocks_skip_is_refused_kindly(
    headshot_with_maya, owner, day, clock, field, message
):
    """Typed on Book for a client, even with "Book anyway": said on its field, never a
    server error, never moved an hour on."""
    session_type, maya = headshot_with_maya
    response = owner.post(
        BOOK_FOR_CLIENT, phone_form(session_type, maya, date=day, time=clock, book_anyway="on")
    )
    assert response.status_code == 200
    assert any(error.startswith(message) for error in response.context["form"].errors[field])
    assert 'value="Walter Phone"' in response.content.decode()  # what was typed is kept
    assert not Booking.objects.exists()


def test_a_booking_needs_a_client(headshot_with_maya, owner):
    session_type, maya = headshot_with_maya
    response = owner.post(
        BOOK_FOR_CLIENT, phone_form(session_type, maya, new_client_name="", new_client_email="")
    )
    assert "Choose an existing client" in response.content.decode()
    # An address typed wrong is said on its field, not as a missing client.
    typo = owner.post(
        BOOK_FOR_CLIENT, phone_form(session_type, maya, new_client_email="not-an-email")
    )
    page = typo.content.decode()
    assert "Enter a valid email address." in page
    assert "Choose an existing client" not in page
    assert not Booking.objects.exists()


def test_clients_and_visitors_cannot_book_for_others(client, studio, anna):
    response = client.get(BOOK_FOR_CLIENT)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Moving a booking: the free times, a clash named, the rules set aside ---------------

WEDNESDAY_TEN = datetime(2030, 6, 12, 9, tzinfo=UTC)  # 10:00 in London


@pytest.fixture
def annas_headshot(headshot_with_maya, anna, studio):
    session_type, maya = headshot_with_maya
    return BookingFactory(
        client=anna, session_type=session_type, photographer=maya, starts_at=WEDNESDAY_TEN
    )


def move_url(booking) -> str:
    return reverse("admin:shoots_booking_reschedule", args=[booking.pk])


def free_times(page) -> dict[str, list[str]]:
    return {
        day.strftime("%a %d"): [t.strftime("%H:%M") for t in times]
        for day, times in page.context["free_days"]
    }


def test_the_move_page_offers_the_photographers_free_times_and_one_press_moves_there(
    annas_headshot, owner, ben, django_capture_on_commit_callbacks
):
    BookingFactory(
        client=ben,
        session_type=annas_headshot.session_type,
        photographer=annas_headshot.photographer,
        starts_at=WEDNESDAY_TEN + timedelta(hours=4),  # 14:00 to 15:00
    )
    page = owner.get(move_url(annas_headshot))
    wednesday = free_times(page)["Wed 12"]
    # Every half hour from 9:00 to 16:00, less her own 10:00 and what would touch Ben's.
    assert wednesday == [
        "09:00", "09:30", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "15:00",
        "15:30", "16:00",
    ]  # fmt: skip
    assert len(page.context["free_days"]) == 7
    assert "Move to Wed 12 Jun, 15:00" in page.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        moved = owner.post(move_url(annas_headshot), {"start": "2030-06-12T15:00:00+01:00"})
    assert moved.status_code == 302
    annas_headshot.refresh_from_db()
    assert annas_headshot.starts_at == WEDNESDAY_TEN + timedelta(hours=5)
    assert emails_sent(callbacks) == ["rescheduled"]


def test_moving_onto_another_booking_names_it_and_no_tick_sets_that_aside(
    annas_headshot, owner, ben, settings
):
    BookingFactory(
        client=ben,
        session_type=annas_headshot.session_type,
        photographer=annas_headshot.photographer,
        starts_at=WEDNESDAY_TEN + timedelta(hours=4),
        status=Booking.Status.REQUESTED,
    )
    for form in (
        {"date": "2030-06-12", "time": "14:30"},
        {"date": "2030-06-12", "time": "14:30", "move_anyway": "on"},
    ):
        refused = owner.post(move_url(annas_headshot), form)
        assert refused.status_code == 200
        assert errors(refused) == [
            "That time overlaps Ben Okafor's Headshot session, 14:00–15:00 on Wednesday "
            "12 June 2030. It is a request waiting for your approval."
        ]
    assert refused.context["clash"].client == ben
    # A free time pressed after someone took it: the service refuses, the clash is named.
    pressed = owner.post(move_url(annas_headshot), {"start": "2030-06-12T13:30:00+01:00"})
    assert errors(pressed)[0].startswith("That time overlaps Ben Okafor's Headshot session")
    annas_headshot.refresh_from_db()
    assert annas_headshot.starts_at == WEDNESDAY_TEN


def test_buffers_are_named_as_the_time_kept_free_between_sessions(annas_headshot, owner, ben):
    session_type = annas_headshot.session_type
    session_type.buffer_after_minutes = 30
    session_type.save()
    BookingFactory(
        client=ben,
        session_type=session_type,
        photographer=annas_headshot.photographer,
        starts_at=WEDNESDAY_TEN + timedelta(hours=4),
    )
    refused = owner.post(move_url(annas_headshot), {"date": "2030-06-12", "time": "15:15"})
    assert errors(refused) == [
        "That time is too close to Ben Okafor's Headshot session, 14:00–15:00 on Wednesday "
        "12 June 2030: the time kept free around sessions would overlap."
    ]


def test_a_time_past_the_booking_window_is_warned_of_as_such(annas_headshot, owner):
    """Not the catch-all "outside hours, time off…": the photographer should know which
    rule they would be overriding."""
    far = owner.post(move_url(annas_headshot), {"date": "2030-10-16", "time": "10:00"})
    assert errors(far) == [
        "This is further ahead than clients can book “Headshot” online (up to 90 days ahead).",
        "Tick “Move anyway” to move it all the same.",
    ]


def test_outside_the_public_rules_the_studio_is_warned_then_may_move_anyway(
    annas_headshot, owner, django_capture_on_commit_callbacks
):
    # Half an hour later overlaps only its own time: nothing to warn of.
    later = owner.post(move_url(annas_headshot), {"date": "2030-06-12", "time": "10:30"})
    assert later.status_code == 302
    evening = {"date": "2030-06-12", "time": "19:00"}
    warned = owner.post(move_url(annas_headshot), evening)
    assert errors(warned) == [
        "Clients could not book this time online: it is outside Maya Lind's hours, in time "
        "off, off the start-time grid, or past a daily limit.",
        "Tick “Move anyway” to move it all the same.",
    ]
    annas_headshot.refresh_from_db()
    assert annas_headshot.starts_at == WEDNESDAY_TEN + timedelta(minutes=30)
    with django_capture_on_commit_callbacks() as callbacks:
        moved = owner.post(move_url(annas_headshot), {**evening, "move_anyway": "on"})
    assert moved.status_code == 302
    annas_headshot.refresh_from_db()
    assert annas_headshot.starts_at == WEDNESDAY_TEN + timedelta(hours=9)
    assert annas_headshot.calendar_sequence == 2
    assert emails_sent(callbacks) == ["rescheduled"]


def test_the_service_sets_the_rules_aside_for_the_studio_only_and_never_an_overlap(
    annas_headshot, ben
):
    from zoneinfo import ZoneInfo

    from sessions.booking_changes import booking_reschedule
    from sessions.services import SlotUnavailable

    london = ZoneInfo("Europe/London")
    bens = BookingFactory(
        client=ben,
        session_type=annas_headshot.session_type,
        photographer=annas_headshot.photographer,
        starts_at=WEDNESDAY_TEN + timedelta(hours=4),
    )
    with pytest.raises(ValueError, match="public booking rules"):
        booking_reschedule(
            booking_id=annas_headshot.pk,
            starts_at=WEDNESDAY_TEN + timedelta(hours=9),
            tz=london,
            by_client=True,
            outside_rules=True,
        )
    with pytest.raises(SlotUnavailable):
        booking_reschedule(
            booking_id=annas_headshot.pk,
            starts_at=bens.starts_at + timedelta(minutes=30),
            tz=london,
            by_client=False,
            outside_rules=True,
        )
    annas_headshot.refresh_from_db()
    assert annas_headshot.starts_at == WEDNESDAY_TEN


def test_the_move_page_refuses_nonsense_kindly(annas_headshot, owner):
    for query in ("?from=not-a-day", "?from=9999-12-31", "?from=0001-01-01"):
        assert owner.get(move_url(annas_headshot) + query).status_code == 200
    for start, problem in (
        ("", "Please choose one of the free times."),
        ("tomorrow", "Please choose one of the free times."),
        ("2030-06-12T10:00:00+01:00", "The session is at that time already."),
        ("2030-06-12T19:00:00+01:00", "That time is no longer free."),  # not a free time
        ("9999-12-31T23:00:00+00:00", "Please choose one of the free times."),
    ):
        response = owner.post(move_url(annas_headshot), {"start": start})
        assert errors(response) == [problem]
    annas_headshot.refresh_from_db()
    assert (annas_headshot.starts_at, annas_headshot.calendar_sequence) == (WEDNESDAY_TEN, 0)
    annas_headshot.status = Booking.Status.CANCELLED
    annas_headshot.save()
    page = owner.get(move_url(annas_headshot)).content.decode()
    assert "This booking is cancelled, so it can't be moved." in page
    assert 'name="start"' not in page


@pytest.mark.parametrize(
    ("day", "clock", "field"),
    [
        ("9999-12-31", "23:50", "date"),
        ("0001-01-01", "10:00", "date"),
        ("2031-03-30", "01:30", "time"),
    ],
)
def test_a_move_to_a_date_too_far_off_or_a_skipped_time_is_refused_kindly(
    annas_headshot, owner, day, clock, field
):
    response = owner.post(
        move_url(annas_headshot), {"date": day, "time": clock, "move_anyway": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    annas_headshot.refresh_from_db()
    assert (annas_headshot.starts_at, annas_headshot.calendar_sequence) == (WEDNESDAY_TEN, 0)


def test_the_page_shows_no_button_that_could_only_refuse(owner, anna, settings, run_tasks):
    """No balance request when nothing is left to pay; no completed or no-show before
    the session. With payments off the balance request still goes: it says how to pay."""
    settings.PAYMENTS_ENABLED = False
    booking = BookingFactory(client=anna, starts_at=SOON, price=15000, deposit=5000)
    page = owner.get(reverse("admin:shoots_booking_change", args=[booking.pk]))
    assert page.context["story_actions"] == [
        ("balance", "Send a balance request"),
        ("gallery", "Create a gallery"),
        ("cancel", "Cancel, refunding in full"),
        ("cancel_keep", "Cancel, keeping what was paid"),
    ]
    mail.outbox.clear()
    with run_tasks():
        sent = owner.post(
            reverse("admin:shoots_booking_act", args=[booking.pk]), {"do": "balance"}, follow=True
        )
    assert "Balance request sent." in sent.content.decode()
    assert not booking.payments.exists()  # nothing can be paid through Sitting
    assert [email.subject for email in mail.outbox] == [
        f"The balance for your {booking.session_type.called}: £100.00"
    ]

    Booking.objects.filter(pk=booking.pk).update(discount=10000)  # nothing left to pay
    page = owner.get(reverse("admin:shoots_booking_change", args=[booking.pk]))
    assert "balance" not in dict(page.context["story_actions"])
