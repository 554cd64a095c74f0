"""The admin in the studio's colours (issue 23), in Chromium: with a pale brand colour (the
hardest to read) and a dark one, in the light theme and the dark, the pages a photographer
uses every day have no WCAG 2.2 AA violation of serious or critical impact, and the
dashboard takes the page's width."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sessions.models import AvailabilityRule
from tests.browser.admin_pages import shot, sign_in
from tests.browser.checks import axe_violations
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("colour", "scheme"), [("#ffe4b5", "light"), ("#2e7d32", "light"), ("#ffe4b5", "dark")]
)
def test_the_daily_admin_pages_pass_the_check_in_the_studios_colour(
    page, studio, staff_user, colour, scheme
):
    studio.brand_colour = colour
    studio.save()
    maya = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=maya, weekday=2, start_time=time(9), end_time=time(17)
    )
    headshot = SessionTypeFactory(name="Headshot", photographers=[maya])
    wednesday = datetime.now(LONDON).date() + timedelta(days=9 - datetime.now(LONDON).weekday())
    booking = BookingFactory(
        client=ClientFactory(name="Anna Kowalska"),
        session_type=headshot,
        photographer=maya,
        starts_at=datetime.combine(wednesday, time(10), LONDON),
    )
    page.emulate_media(color_scheme=scheme)  # the admin follows the system's theme
    sign_in(page)
    # Measured once the page's stylesheets are in: before that the grid has no width.
    page.wait_for_load_state("load")
    wide = page.locator("div.dashboard").bounding_box()["width"]
    assert wide > 900, f"the dashboard is {wide} px wide on a 1280 px screen"
    pages = {
        "dashboard": "/admin/",
        "bookings": "/admin/shoots/booking/",
        "booking": f"/admin/shoots/booking/{booking.pk}/change/",
        "week": f"/admin/shoots/booking/calendar/?view=week&date={wednesday}",
        # Today's heading is drawn on the bar colour: its links too.
        "today": "/admin/shoots/booking/calendar/?view=day",
        "this-week": "/admin/shoots/booking/calendar/?view=week",
        "month": f"/admin/shoots/booking/calendar/?date={wednesday}",
        "agenda": f"/admin/shoots/booking/calendar/agenda/?date={wednesday}",
    }
    found = {}
    for name, url in pages.items():
        page.goto(url)
        found[name] = axe_violations(page)
        shot(page, f"admin-{name}-{colour.lstrip('#')}-{scheme}")
    assert found == {name: [] for name in pages}
