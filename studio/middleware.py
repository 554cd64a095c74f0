import zoneinfo

from django.utils import timezone

from studio.selectors import studio_get

# Answered without the studio row, so a monitor still gets its 503 when the database is down.
STUDIO_EXEMPT_PATHS = frozenset({"/healthz"})


class StudioMiddleware:
    """Puts the studio on the request and shows every time in the studio's own zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in STUDIO_EXEMPT_PATHS:
            return self.get_response(request)
        request.studio = studio_get()
        timezone.activate(zoneinfo.ZoneInfo(request.studio.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
