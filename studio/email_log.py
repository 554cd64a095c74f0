"""The email log's pieces every floor's admin pages use: an email's HTML under its own CSP,
the small table of emails on a client's, booking's or gallery's page, an email's status, and
queueing one to go again. The log's own admin pages are workspace.admin_emails."""

from csp.constants import NONE, SELF
from csp.decorators import csp
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from studio.background import task_enqueue_on_commit
from studio.models import SentEmail

# An email's HTML shown in the admin: its own inline styles and any image, nothing else.
EMAIL_CSP = {
    "default-src": [NONE],
    "style-src": ["'unsafe-inline'"],
    "img-src": [SELF, "https:", "http:", "data:"],
    "frame-ancestors": [SELF],
}


def email_html_response(request, html: str) -> HttpResponse:
    @csp(EMAIL_CSP)
    @xframe_options_sameorigin
    def view(request):
        return HttpResponse(html)

    return view(request)


def emails_table(emails) -> str:
    """A small table of emails for a client's or gallery's page."""
    rows = format_html_join(
        "",
        '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td class="{}">{}</td></tr>',
        (
            (
                date_format(timezone.localtime(email.created_at), "j M Y, H:i"),
                reverse("admin:studio_sentemail_change", args=[email.pk]),
                email.subject,
                email.to,
                status_css(email),
                status_label(email),
            )
            for email in emails
        ),
    )
    if not rows:
        return gettext("None yet.")
    return format_html('<table class="email-log"><tbody>{}</tbody></table>', rows)


def status_css(email: SentEmail) -> str:
    return "email-failed" if email.status == SentEmail.Status.FAILED or email.unconfirmed else ""


def status_label(email: SentEmail) -> str:
    if email.status == SentEmail.Status.FAILED:
        return gettext("Failed: %(error)s") % {"error": email.error or gettext("unknown error")}
    if email.unconfirmed:
        return gettext("Not confirmed (the worker stopped while sending): send it again?")
    if email.status == SentEmail.Status.SENDING:
        return gettext("Sending")
    return gettext("Sent")


def resend_queue(email: SentEmail, *, by) -> bool:
    """Queue the email to go again as `by` asked; False when nothing is left to send (the
    client's data was erased)."""
    if not (email.text_body or email.html_body):
        return False
    task_enqueue_on_commit(
        "studio.tasks.email_resend_task",
        email_id=email.pk,
        attempt=(email.resend_of or email).resends.count() + 1,
        by_user_id=by.pk,
    )
    return True


ERASED_MESSAGE = _(
    "An email whose client's data was erased has nothing left to send, so it was not sent again."
)
