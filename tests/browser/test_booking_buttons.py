"""Every button on a booking's admin page, in every status, pressed in Chromium: each does
what it says (the status it leads to, the emails it sends), Save keeps the discount, Send
again sends again; and Move offers the free times, names a clash and can set the rules
aside."""

import os
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from gallery.models import Gallery
from sessions.models import AvailabilityRule, Booking, Payment
from sessions.payments.checkout import payment_checkout_url
from sessions.payments.webhooks import payment_refresh
from sessions.services import booking_create
from studio.models import SentEmail
from tests.browser.admin_pages import sign_in
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages
LONDON = ZoneInfo("Europe/London")
ANNA = "anna@example.com"
STUDIO = "hello@lumen.example"
CANCELLED = {("booking-cancelled", ANNA), ("studio-cancelled", STUDIO)}

# What each button on the page of a booking in each status leads to: the booking's status
# afterwards and the emails sent (kind, to). Statuses without buttons still have Save.
PRESSES = {
    "held": {
        "Cancel, refunding in full": ("cancelled", CANCELLED),
        "Cancel, keeping what was paid": ("cancelled", CANCELLED),
    },
    "requested": {
        # Approved, and the deposit is now due: held while the client pays.
        "Confirm the request": ("held", {("deposit-due", ANNA)}),
        "Decline the request": ("declined", {("booking-declined", ANNA)}),
        "Cancel, refunding in full": ("cancelled", CANCELLED),
        "Cancel, keeping what was paid": ("cancelled", CANCELLED),
    },
    "confirmed": {
        "Mark completed": ("completed", set()),
        "Mark as no-show": ("no_show", set()),
        "Send a balance request": ("confirmed", {("balance-due", ANNA)}),
        "Create a gallery": ("confirmed", set()),
        # The refund's credit note is emailed too.
        "Cancel, refunding in full": (
            "cancelled",
            {*CANCELLED, ("refund-issued", ANNA), ("invoice", ANNA)},
        ),
        "Cancel, keeping what was paid": ("cancelled", CANCELLED),
    },
    "completed": {
        "Mark as no-show": ("no_show", set()),
        "Send a balance request": ("completed", {("balance-due", ANNA)}),
        "Create a gallery": ("completed", set()),
    },
    "no_show": {"Mark completed": ("completed", set())},
    "cancelled": {},
    "declined": {},
    "expired": {},
}


def ten_oclock(days: int) -> datetime:
    """10:00 in the studio's time, `days` from today."""
    local = timezone.localdate(timezone=LONDON) + timedelta(days=days)
    return datetime.combine(local, time(10), LONDON)


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def diary(studio, stripe_standin, settings, live_server, eager_tasks):
    """Maya works 9 to 5 every day; a portrait with a deposit, and a family session that
    needs the studio's approval. Payments are on, through the Stripe stand-in."""
    settings.SITE_URL = live_server.url
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    kinds = {
        "portrait": SessionTypeFactory(
            name="Portrait", duration_minutes=60, price=15000, deposit=5000, photographers=[maya]
        ),
        "family": SessionTypeFactory(
            name="Family",
            duration_minutes=60,
            price=15000,
            deposit=5000,
            requires_approval=True,
            photographers=[maya],
        ),
    }
    return {"maya": maya, "anna": ClientFactory(name="Anna Kowalska", email=ANNA), **kinds}


class Bookings:
    """A fresh booking in any status, each on its own day so none overlaps another."""

    def __init__(self, diary, standin):
        self.diary, self.standin, self.day = diary, standin, 0

    def make(self, status: str, button: str = "") -> Booking:
        self.day += 1
        future, past = ten_oclock(2 + self.day), ten_oclock(-self.day)
        d = self.diary
        if status in ("held", "requested"):
            kind = d["portrait"] if status == "held" else d["family"]
            booking = booking_create(
                client=d["anna"], session_type=kind, starts_at=future, tz=LONDON
            )
        elif status == "confirmed" and button.startswith("Cancel, refunding"):
            # A deposit paid on Checkout, for the refund to give back.
            booking = booking_create(
                client=d["anna"], session_type=d["portrait"], starts_at=future, tz=LONDON
            )
            deposit = booking.payments.get(kind=Payment.Kind.DEPOSIT)
            payment_checkout_url(payment_id=deposit.pk)
            deposit.refresh_from_db()
            self.standin.complete_session(deposit.stripe_checkout_session_id)
            payment_refresh(payment_id=deposit.pk)
        else:
            # Sessions that have happened (or were booked and ended) start in the past,
            # so they can be marked completed or a no-show.
            booking = BookingFactory(
                client=d["anna"],
                session_type=d["portrait"],
                photographer=d["maya"],
                status=status,
                starts_at=past,
            )
        booking.refresh_from_db()
        assert booking.status == status
        SentEmail.objects.all().delete()  # what making it sent is not the button's doing
        mail.outbox.clear()
        return booking


BILLED = {"confirmed", "completed", "no_show"}  # sessions.payments.invoices.CONFIRMED_STATUSES
ASKS_FIRST = {"Cancel, refunding in full", "Cancel, keeping what was paid", "Decline the request"}


def sent() -> set[tuple[str, str]]:
    rows = {(row.kind, row.to.split("<")[-1].rstrip(">")) for row in SentEmail.objects.all()}
    assert len(mail.outbox) == SentEmail.objects.filter(status="sent").count()
    return rows


def open_booking(page, booking):
    page.goto(f"/admin/shoots/booking/{booking.pk}/change/")
    expect(page.get_by_role("heading", name="The client")).to_be_visible()


def press(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).first.click()


def test_every_button_on_a_booking_does_what_it_says_in_every_status(
    page, diary, staff_user, stripe_standin
):
    bookings = Bookings(diary, stripe_standin)
    sign_in(page)
    resent = set()  # Send again is pressed on a page with buttons and on one without
    for status, buttons in PRESSES.items():
        for n, (label, (after, emails)) in enumerate([*buttons.items(), ("", (status, set()))]):
            if n and not label:
                break
            booking = bookings.make(status, label)
            open_booking(page, booking)
            if n == 0:
                # The page of a booking in this status: exactly these buttons; Save saves.
                shown = page.locator(".story-actions button").all_inner_texts()
                assert sorted(shown) == sorted(buttons), status
                page.get_by_label("Discount").fill("12.50")
                press(page, "Save and continue editing")
                expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
                booking.refresh_from_db()
                # A confirmed booking's bill changed: its invoice goes to the client (here
                # its first, since making it here issued none).
                billed = {("invoice", "anna@example.com")} if status in BILLED else set()
                assert (booking.discount, booking.status, sent()) == (1250, status, billed)
                SentEmail.objects.all().delete()  # the bill's email, not a button's
                mail.outbox.clear()
                shot(page, f"booking-{status}")
                if not label:
                    break
            press(page, label)
            if label in ASKS_FIRST:  # what will happen, money included; nothing yet
                expect(page.get_by_text("The client is emailed.")).to_be_visible()
                booking.refresh_from_db()
                assert (booking.status, sent()) == (status, set()), (status, label)
                shot(page, f"booking-{status}-asks-first")
                press(page, f"Yes: {label}")
            booking.refresh_from_db()
            assert (booking.status, sent()) == (after, emails), (status, label)
            if label == "Create a gallery":
                gallery = Gallery.objects.get(booking=booking)
                assert page.url.endswith(f"/admin/gallery/gallery/{gallery.pk}/change/")
                continue
            expect(page.locator(".messagelist .success")).to_be_visible()
            with_buttons = page.locator(".story-actions button").count() > 0
            if emails and with_buttons not in resent:
                press(page, "Send again")
                expect(page.locator(".messagelist")).to_contain_text("will be sent again")
                assert len(mail.outbox) == len(emails) + 1
                assert SentEmail.objects.filter(key__contains=":again:").count() == 1
                resent.add(with_buttons)
    assert resent == {True, False}
    assert page.console_errors == []


def test_the_studio_moves_a_booking_to_a_free_time_or_outside_the_rules_never_onto_another(
    page, diary, staff_user
):
    day = timezone.localdate(timezone=LONDON) + timedelta(days=5)
    annas = BookingFactory(
        client=diary["anna"],
        session_type=diary["portrait"],
        photographer=diary["maya"],
        starts_at=ten_oclock(5),
    )
    BookingFactory(
        client=ClientFactory(name="Ada Lovelace"),
        session_type=diary["family"],
        photographer=diary["maya"],
        starts_at=ten_oclock(5) + timedelta(hours=4),
    )
    sign_in(page)
    open_booking(page, annas)
    page.get_by_role("link", name="Move to another time").click()
    row = page.get_by_role("row", name=day.strftime("%a %-d %b"))
    # Every half hour from 9:00 to 16:00 but her own 10:00 and what would overlap Ada's
    # (expect waits for the page; reading the texts at once raced its loading).
    expect(row.get_by_role("button")).to_have_text([
        "09:00", "09:30", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "15:00",
        "15:30", "16:00",
    ])  # fmt: skip
    shot(page, "booking-move")

    page.get_by_label("New date").fill(day.isoformat())
    page.get_by_label("New start time").fill("14:30")
    page.get_by_label("Move anyway").check()
    page.get_by_role("button", name="Move the booking").click()
    when = f"14:00–15:00 on {day.strftime('%A %-d %B %Y')}"
    expect(page.locator(".errorlist")).to_have_text(
        f"That time overlaps Ada Lovelace's Family session, {when}."
    )
    expect(page.get_by_role("link", name="Open Ada Lovelace's booking")).to_be_visible()
    shot(page, "booking-move-clash")

    page.get_by_label("New start time").fill("19:00")
    page.get_by_label("Move anyway").uncheck()
    page.get_by_role("button", name="Move the booking").click()
    expect(page.locator(".errorlist")).to_contain_text("Clients could not book this time online")
    page.get_by_label("Move anyway").check()
    press(page, "Move the booking")
    expect(page.locator(".messagelist")).to_contain_text("Moved; the client is emailed")
    annas.refresh_from_db()
    assert annas.starts_at.astimezone(LONDON).time() == time(19)
    assert sent() == {("booking-rescheduled", ANNA)}

    page.get_by_role("link", name="Move to another time").click()
    press(page, f"Move to {day.strftime('%a %-d %b')}, 11:00")
    expect(page.locator(".messagelist")).to_contain_text("Moved; the client is emailed")
    annas.refresh_from_db()
    assert annas.starts_at.astimezone(LONDON).time() == time(11)
    assert [row.kind for row in SentEmail.objects.all()] == ["booking-rescheduled"] * 2
    assert page.console_errors == []


def test_cancelling_from_the_list_asks_first_on_a_phone_and_only_the_yes_cancels(
    page, staff_user, diary
):
    from tests.browser.checks import page_fits

    bookings = [
        BookingFactory(
            client=diary["anna"], session_type=diary["portrait"], photographer=diary["maya"],
            starts_at=ten_oclock(days),
        )
        for days in (3, 4)
    ]  # fmt: skip
    sign_in(page)
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/admin/shoots/booking/")
    for booking in bookings:
        page.locator(f"input.action-select[value='{booking.pk}']").check()
    page.locator("select[name=action]").select_option("cancel_keeping_payments")
    page.get_by_role("button", name="Go").click()
    expect(
        page.get_by_role("heading", name=re.compile("keeping what was paid\\?$"))
    ).to_be_visible()
    page_fits(page)  # the long "Yes: …" wraps on the phone
    page.get_by_role("link", name="No, go back").click()
    assert {b.status for b in Booking.objects.all()} == {"confirmed"}  # nothing yet
    for booking in bookings:
        page.locator(f"input.action-select[value='{booking.pk}']").check()
    page.locator("select[name=action]").select_option("cancel_keeping_payments")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name=re.compile("^Yes: Cancel")).click()
    expect(page.locator(".messagelist")).to_contain_text("2 bookings cancelled.")
    assert {b.status for b in Booking.objects.all()} == {"cancelled"}
