import zoneinfo

from django.utils import timezone

from studio.selectors import studio_get


class StudioMiddleware:
    """Puts the studio on the request and shows every time in the studio's own zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.studio = studio_get()
        timezone.activate(zoneinfo.ZoneInfo(request.studio.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
