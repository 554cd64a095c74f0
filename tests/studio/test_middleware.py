from django.test import RequestFactory
from django.utils import timezone

from studio.middleware import StudioMiddleware


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
