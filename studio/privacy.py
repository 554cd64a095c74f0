"""The email log's part in a privacy export or erasure (workspace.privacy runs both across
the apps): the emails sent to a person's address, and their contents blanked on erasure."""

from django.db.models import Q
from django.utils.translation import gettext as _

from studio.models import SentEmail


def sent_to(address: str) -> Q:
    """Emails sent to exactly this address ("Anna <anna@example.com>" or the bare address),
    never to one that merely contains it (anna@example.com.au)."""
    return Q(to__iexact=address) | Q(to__iendswith=f"<{address}>")


def sent_emails_export(*, address: str) -> list[dict]:
    return [
        {"subject": email.subject, "to": email.to, "sent_at": email.sent_at}
        for email in SentEmail.objects.filter(sent_to(address)).order_by("sent_at")
    ]


def sent_emails_erase(*, about, address: str) -> int:
    """Blank the emails filed under `about` (a row the log files emails under: its `sent_emails`)
    or sent to `address`; how many."""
    return SentEmail.objects.filter(
        Q(pk__in=about.sent_emails.values("pk")) | sent_to(address)
    ).update(to=_("(erased)"), subject=_("(erased)"), text_body="", html_body="", attachments=[])
