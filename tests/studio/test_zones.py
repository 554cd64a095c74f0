"""The studio_time tag: the studio's clock in the page, the moment for the visitor's clock."""

import zoneinfo
from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import timezone

from studio.templatetags.zones import zone_city

# 26 March 2027: London still on GMT, New York already on summer time.
MORNING = datetime(2027, 3, 26, 9, tzinfo=UTC)
LATER = datetime(2027, 3, 29, 9, tzinfo=UTC)  # London on summer time: 10:00 there


def render(text: str, **context) -> str:
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        return Template("{% load zones %}" + text).render(Context(context))


def test_it_shows_the_studio_time_and_carries_the_moment_for_the_local_one():
    html = render("{% studio_time start %}", start=MORNING)
    assert '<span class="studio-time">09:00</span>' in html
    assert 'data-starts="2027-03-26T09:00:00+00:00"' in html
    assert 'data-studio-zone="Europe/London"' in html
    assert 'data-both="09:00 in London · {local} your time"' in html
    assert "zone-label" not in html


def test_a_range_across_the_clock_change_reads_on_the_studio_clock_with_its_zone():
    html = render("{% studio_time start end zone_label=True %}", start=LATER, end=LATER)
    assert '<span class="studio-time">10:00–10:00</span>' in html
    assert 'data-ends="2027-03-29T09:00:00+00:00"' in html
    assert "(Europe/London)</span>" in html


def test_a_zone_is_called_by_its_city():
    assert zone_city("Europe/London") == "London"
    assert zone_city("America/Argentina/Buenos_Aires") == "Buenos Aires"
    assert zone_city("UTC") == "UTC"
