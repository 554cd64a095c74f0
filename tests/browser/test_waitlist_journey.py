"""A client joins the waitlist for a sold-out mini-session day, another client cancels, and
the offer's email holds the time for her: she books it, for her daughter."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from sessions.booking_changes import booking_cancel
from sessions.models import Booking, DateHours, WaitlistEntry
from tests.browser.checks import page_checked
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_joins_a_full_days_waitlist_and_books_the_time_that_frees_up(
    page, studio, live_server, settings, eager_tasks
):
    settings.SITE_URL = live_server.url
    maya = PhotographerFactory(display_name="Maya Lind")
    minis = SessionTypeFactory(
        name="Spring minis", slug="spring-minis", duration_minutes=60, slot_step_minutes=60,
        dated_only=True, photographers=[maya],
    )  # fmt: skip
    day = timezone.localdate() + timedelta(days=7)
    DateHours.objects.create(
        photographer=maya, session_type=minis, date=day, start_time=time(10), end_time=time(11)
    )
    starts = timezone.make_aware(datetime.combine(day, time(10)))
    taken = BookingFactory(session_type=minis, photographer=maya, starts_at=starts)

    page.goto(f"/book/spring-minis/?month={day:%Y-%m}")
    label = date_format(day, "l j F")
    page.get_by_role("link", name=f"Join the waitlist for {label}").click()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page_checked(page)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", name="You're on the waitlist")).to_be_visible()
    page_checked(page)

    booking_cancel(booking_id=taken.pk, by_client=False)  # the time frees up
    [offer] = [m for m in mail.outbox if m.subject.startswith("A time came free")]
    link = re.search(r"http://\S+/waitlist/[\w-]+/(?=\s)", offer.body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="A time came free for you")).to_be_visible()
    page_checked(page)
    page.get_by_role("link", name="Book this time").click()

    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Rosa Diaz")  # from the waitlist
    expect(page.get_by_text("kept for you from the waitlist")).to_be_visible()
    page.get_by_label("Someone else").check()
    page.get_by_label("Their name").fill("Mia Diaz")
    page.get_by_label("About them (optional)").fill("my daughter, 4")
    page_checked(page)
    page.get_by_role("button", name="Book this session").click()

    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
    expect(page.locator(".booking-photographed")).to_contain_text("Mia Diaz (my daughter, 4)")
    booking = Booking.objects.get(status=Booking.Status.CONFIRMED)
    assert (booking.starts_at, booking.photographed_name) == (starts, "Mia Diaz")
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.BOOKED
    assert page.console_errors == []
