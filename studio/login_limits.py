"""Wrong passwords at the admin's sign-in, counted by django-axes per username and address.

After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair waits
LOGIN_FIRST_WAIT, and each wrong password after a wait doubles it, up to LOGIN_LONGEST_WAIT.
Failures are remembered for AXES_COOLOFF_TIME after the last one (longer than the longest
wait, so the waits keep growing); the right password forgets them. Tries made while waiting
are refused unchecked and not counted, so the owner retrying never lengthens their own wait,
and someone else's guessing from another address never locks the owner out.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from django.conf import settings
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.http import wait_text

LOGIN_FIRST_WAIT = timedelta(minutes=1)
LOGIN_LONGEST_WAIT = timedelta(days=1)


def login_wait(failures: int) -> timedelta:
    """How long a username and address wait after this many wrong passwords."""
    free = settings.AXES_FAILURE_LIMIT
    if failures < free:
        return timedelta(0)
    return min(LOGIN_FIRST_WAIT * 2 ** min(failures - free, 30), LOGIN_LONGEST_WAIT)


class LoginLimitHandler(AxesDatabaseHandler):
    """Axes' database handler, locking only until the latest failure's wait is over."""

    def wait_until(self, request, credentials=None):
        """When this username and address may try again; None if they may now."""
        failures = self.get_failures(request, credentials)
        if failures < get_failure_limit(request, credentials):
            return None
        latest = max(
            (
                attempt_time
                for attempts in self.get_user_attempts(request, credentials)
                for attempt_time in attempts.values_list("attempt_time", flat=True)
            ),
            default=None,
        )
        if latest is None:
            return None
        until = latest + login_wait(failures)
        return until if request.axes_attempt_time < until else None

    def is_locked(self, request, credentials=None) -> bool:
        return self.wait_until(request, credentials) is not None


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The admin's sign-in page again, saying in plain words how long to wait (429)."""
    from axes.handlers.proxy import AxesProxyHandler

    until = AxesProxyHandler.get_implementation().wait_until(request, credentials)
    wait = wait_text(until, timezone.now()) if until else _("a minute")
    message = _(
        "Too many wrong passwords for “%(username)s” from your connection. Please wait "
        "%(wait)s, then try again. Signing in from another connection works meanwhile."
    ) % {"username": get_client_username(request, credentials) or "", "wait": wait}
    context = getattr(original_response, "context_data", None)
    if not context or "form" not in context:
        return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    form = context["form"]
    form.errors.clear()
    form.add_error(None, message)
    response = TemplateResponse(request, original_response.template_name, context, status=429)
    return response.render()
