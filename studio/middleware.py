import zoneinfo

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from studio.selectors import studio_get, studio_read_once

# Answered without the studio row, so a monitor still gets its 503 when the database is down.
STUDIO_EXEMPT_PATHS = frozenset({"/healthz"})


class StudioMiddleware:
    """Puts the studio on the request and shows every time in the studio's own zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in STUDIO_EXEMPT_PATHS:
            return self.get_response(request)
        with studio_read_once():  # one read of the row per request, whoever asks
            request.studio = studio_get()
            timezone.activate(zoneinfo.ZoneInfo(request.studio.time_zone))
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()


# Extra room for a form's other fields and the multipart boundaries around a file.
FORM_OVERHEAD_BYTES = 1024 * 1024
# Views that take more than REQUEST_BODY_MAX_BYTES: {view name: (bytes of files, answer in
# JSON)}, registered by their apps (AppConfig.ready); the body may be FORM_OVERHEAD_BYTES
# more. Their own per-file limits decide the rest, once the body is within these.
REQUEST_BODY_ALLOWANCES: dict[str, tuple[int, bool]] = {}


def request_body_allowance_register(view_name: str, *, files_bytes: int, as_json: bool) -> None:
    REQUEST_BODY_ALLOWANCES[view_name] = (files_bytes, as_json)


class RequestSizeMiddleware:
    """Refuses a body larger than its view takes from its Content-Length, before a byte of
    it is read (413), and a body of unknown length (411), which Django would not read.
    Early in MIDDLEWARE, after the ones that only add headers: no query, no session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared:
            if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
                return self._refuse(request, status=411, limit=settings.REQUEST_BODY_MAX_BYTES)
            return self.get_response(request)
        try:
            size = int(declared)
        except ValueError:
            return self.get_response(request)  # Django reads nothing of it
        if size <= settings.REQUEST_BODY_MAX_BYTES:
            return self.get_response(request)
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        allowance = REQUEST_BODY_ALLOWANCES.get(view_name)
        if allowance is None:
            return self._refuse(request, status=413, limit=settings.REQUEST_BODY_MAX_BYTES)
        limit, as_json = allowance
        if size <= limit + FORM_OVERHEAD_BYTES:
            return self.get_response(request)
        return self._refuse(request, status=413, limit=limit, as_json=as_json)

    @staticmethod
    def _refuse(request, *, status: int, limit: int, as_json: bool = False) -> HttpResponse:
        megabytes = limit // 1024 // 1024
        if as_json:  # the upload page's script shows the reason beside the file's name
            reason = gettext("it is over the %(limit)s MB limit") % {"limit": megabytes}
            response = JsonResponse({"status": "rejected", "reason": reason}, status=status)
        else:
            # Back to the form it came from (this site's own pages only), else the home
            # page or, from the admin, the admin.
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
                back = "/admin/" if request.path.startswith("/admin/") else "/"
            response = render(
                request, "413.html", {"limit": megabytes, "status": status, "back": back}
            )
            response.status_code = status
        response["Content-Length"] = len(response.content)
        return response
