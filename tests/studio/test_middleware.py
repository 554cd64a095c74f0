from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from studio.middleware import StudioMiddleware
from studio.models import Studio
from studio.selectors import studio_get


def test_requests_see_times_in_the_studio_time_zone(studio):
    studio.time_zone = "America/New_York"
    studio.save()
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        seen["studio"] = request.studio.name

    StudioMiddleware(view)(RequestFactory().get("/"))

    assert seen == {"zone": "America/New_York", "studio": "Lumen Portraits"}
    assert timezone.get_current_timezone_name() == "Europe/London"  # restored afterwards


def test_a_request_reads_the_studio_row_once(client, studio, staff_user):
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/")  # middleware, the dashboard and its parts all ask
    assert page.status_code == 200
    assert sum('FROM "studio_studio"' in q["sql"] for q in queries) == 1


def test_a_change_to_the_studio_is_seen_later_in_the_request_and_by_the_next(studio):
    seen = []

    def view(request):
        seen.append(studio_get().name)
        row = Studio.objects.get(pk=1)  # as the admin saves it: another instance
        row.name = f"{row.name} & Co"
        row.save()
        seen.append(studio_get().name)

    middleware = StudioMiddleware(view)
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().get("/"))
    assert seen == [
        "Lumen Portraits",
        "Lumen Portraits & Co",
        "Lumen Portraits & Co",
        "Lumen Portraits & Co & Co",
    ]


def test_outside_a_request_every_read_is_fresh(studio):
    first = studio_get()
    Studio.objects.filter(pk=1).update(name="Renamed")  # no save signal
    assert studio_get().name == "Renamed"
    assert first is not studio_get()
