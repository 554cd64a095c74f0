"""Sending email once: the one way Sitting sends mail about something.

Every email is a row in the sent-email log (`SentEmail`), claimed by its unique key before the
mail server is asked, so however many workers, retries or scans run the same task, it goes at
most once. A failure is recorded on the row with its error, and the task's retry claims the
row again; the studio sees failures in the admin and can send any email again.
"""

import base64
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.utils import formataddr, parseaddr
from functools import partial
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from studio import private_links
from studio.actors import ActorKind, actor_current
from studio.email_kinds import KINDS, email_enabled
from studio.models import SentEmail
from studio.selectors import studio_get
from studio.text import one_line

# What a task sending mail retries on: the mail server said no for now, or could not be
# reached (refused, timed out, its name not found, TLS broken: all OSErrors).
MAIL_ERRORS = (SMTPException, OSError)


def email_kind_render(kind: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of a kind of email, from its templates in emails/<kind>/:
    subject.txt, body.txt and body.html (HTML is "" for a kind without one, the sign-in
    link). `context` needs `studio`; `site_url` is added."""
    context = {"site_url": settings.SITE_URL, **context}
    try:
        html = render_to_string(f"emails/{kind}/body.html", context)
    except TemplateDoesNotExist:
        html = ""
    return (
        render_to_string(f"emails/{kind}/subject.txt", context).strip(),
        render_to_string(f"emails/{kind}/body.txt", context),
        html,
    )


@contextmanager
def studio_locale(studio) -> Iterator[None]:
    """The studio's time zone and Sitting's language, current: what its emails are written in."""
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        yield


def email_kind_send(
    *,
    kind: str,
    key: str,
    to: str,
    context: dict | Callable[[], dict],
    booking=None,
    client=None,
    gallery=None,
    reply_to: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
) -> bool:
    """Send an email of `kind` once per `key` (email_send_once), rendered from its templates
    (email_kind_render) in the studio's zone and language. `context` may be a function, so
    the dates it formats are the studio's; `studio` is added to it."""
    studio = studio_get()
    with studio_locale(studio):
        context = {"studio": studio, **(context() if callable(context) else context)}
        subject, text, html = email_kind_render(kind, context)
        return email_send_once(
            key=key,
            to=to,
            subject=subject,
            text=text,
            html=html,
            attachments=attachments,
            reply_to=reply_to,
            kind=kind,
            booking=booking,
            client=client,
            gallery=gallery,
        )


def email_to_studio() -> str:
    """The studio's contact address with its name, for Sitting's notices; "" if it has none."""
    studio = studio_get()
    return formataddr((studio.name, studio.contact_email)) if studio.contact_email else ""


def email_address(name: str, address: str) -> str:
    """`name <address>` as people read it: quoted where the name needs it, not MIME-encoded
    (Django encodes the header when the email goes, so the log keeps "Zoë", not "=?utf-8?...").
    Just the address if the two can't make one."""
    try:
        return str(Address(display_name=one_line(name), addr_spec=address))
    except (ValueError, HeaderParseError):
        return address


def address_decoded(value: str) -> str:
    """An address header with its name's MIME encoded words decoded, as `formataddr` writes
    a name with accents: "=?utf-8?q?Zo=C3=AB?= <zoe@example.com>" is "Zoë <zoe@example.com>".
    Anything else comes back as it is."""
    if "=?" not in value:
        return value
    name, address = parseaddr(value)
    if not address:
        return value
    try:
        name = str(make_header(decode_header(name)))
    except (HeaderParseError, LookupError, UnicodeDecodeError):
        return value
    return email_address(name, address)


def email_sender(*, to_studio: bool = False) -> str:
    """From: the studio's name at the address Sitting sends from (DEFAULT_FROM_EMAIL, one
    the mail server may send for, so SPF and DMARC pass; replies reach the studio through
    Reply-To). Sitting's notices to the studio read "<studio> via Sitting"."""
    configured_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not address:
        return settings.DEFAULT_FROM_EMAIL
    name = studio_get().name or configured_name
    if to_studio:
        name = _("%(studio)s via Sitting") % {"studio": name}
    return email_address(name, address)


def _reply_to_default(kind: str, client) -> str:
    """Who a reply reaches when the sender names no one: on a notice to the studio about a
    client, the client."""
    spec = KINDS.get(kind)
    if client is None or spec is None or not (spec.to_studio and spec.reply_to_client):
        return ""
    return email_address(client.name, client.email)


def _address_fitted(value: str) -> str:
    """An address header for the log's 300 characters: a name too long is left out."""
    return value if len(value) <= 300 else (parseaddr(value)[1] or value)[:300]


@dataclass(frozen=True)
class Letter:
    """What an email says: live (its links work) when sent, redacted when logged."""

    to: str
    subject: str
    text: str
    html: str = ""
    attachments: tuple[tuple[str, bytes, str], ...] = ()
    reply_to: str = ""

    @classmethod
    def of(cls, email: SentEmail) -> "Letter":
        return cls(
            to=email.to,
            subject=email.subject,
            text=email.text_body,
            html=email.html_body,
            attachments=tuple(
                (a["filename"], base64.b64decode(a["content"]), a["mimetype"])
                for a in email.attachments
            ),
            reply_to=email.reply_to,
        )

    def changed(self, change: Callable[[str], str]) -> "Letter":
        """`change` applied to the subject, text, HTML and text attachments."""
        return replace(
            self,
            subject=change(self.subject),
            text=change(self.text),
            html=change(self.html),
            attachments=tuple(
                (filename, private_links.in_attachment(content, mimetype, change), mimetype)
                for filename, content, mimetype in self.attachments
            ),
        )

    def fields(self) -> dict:
        """The log's columns for this letter."""
        return {
            "to": _address_fitted(self.to),
            "subject": self.subject[:300],
            "reply_to": _address_fitted(self.reply_to),
            "text_body": self.text,
            "html_body": self.html,
            "attachments": [
                {
                    "filename": filename,
                    "mimetype": mimetype,
                    "content": base64.b64encode(content).decode(),
                }
                for filename, content, mimetype in self.attachments
            ],
        }

    def message(self, *, from_email: str | None = None) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text,
            from_email=from_email,
            to=[self.to],
            reply_to=[self.reply_to] if self.reply_to else None,
        )
        if self.html:
            message.attach_alternative(self.html, "text/html")
        for filename, content, mimetype in self.attachments:
            message.attach(filename, content, mimetype)
        return message


def email_send_once(
    *,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    reply_to: str | None = None,
    kind: str = "",
    booking=None,
    client=None,
    gallery=None,
) -> bool:
    """Send unless an email with this key was already sent (or the studio turned this kind
    of email off); True if this call sent it.

    The mail goes with its links working; the log keeps it with its private links
    redacted (studio.private_links). It comes from the studio (`email_sender`); a notice to
    the studio about a client answers the client unless `reply_to` names someone. Headers
    are kept to one line, so a name with a line break in it can neither add headers nor
    stop the email, and names in them stay readable (`address_decoded`). A failed send is
    recorded on the row and the error raised, for the task to retry: the retry renders the
    email again and claims the failed row. `booking`, `client` and `gallery` file the email
    under each of them (their `sent_emails`, link rows their apps own): a gallery's email is
    filed under its booking and client too, a booking's under its client."""
    if kind and not email_enabled(kind):
        return False
    if client is None and booking is not None:
        client = booking.client
    if booking is None and gallery is not None:
        booking = gallery.booking
        client = client or booking.client
    letter = Letter(
        to=one_line(address_decoded(to)),
        subject=one_line(subject),
        text=text,
        html=html or "",
        attachments=tuple(
            (filename, content if isinstance(content, bytes) else content.encode(), mimetype)
            for filename, content, mimetype in attachments
        ),
        reply_to=one_line(address_decoded(reply_to or _reply_to_default(kind, client))),
    )
    fields = {
        **letter.changed(private_links.redact).fields(),
        "kind": kind,
        # A first send is Sitting's, whichever request or task ran it; Send again is the
        # staff member's (email_resend, under their actor).
        "actor": ActorKind.SYSTEM,
        "actor_user": None,
    }
    claim = _claim(
        key, fields, about=[row for row in (booking, client, gallery) if row is not None]
    )
    if claim is None:
        return False
    return _deliver(claim, letter)


def _about_relations() -> list:
    """The link tables that file emails under other rows (Booking.sent_emails, Client.sent_emails,
    Gallery.sent_emails): the apps above declare them, so the log names none of them."""
    return [rel for rel in SentEmail._meta.related_objects if rel.many_to_many]


def email_about(email: SentEmail) -> list:
    """The rows `email` is filed under (its bookings, clients, galleries)."""
    return [
        row for rel in _about_relations() for row in getattr(email, rel.get_accessor_name()).all()
    ]


def _claim(key: str, fields: dict, *, about: list) -> SentEmail | None:
    """The row to send under this key: new, or a failed one taken back; None when the email
    was sent or is being sent. The row is filed under each of `about` (rows with `sent_emails`)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            claim = SentEmail.objects.create(
                key=key, status=SentEmail.Status.SENDING, created_at=now, updated_at=now, **fields
            )
            for row in about:
                row.sent_emails.add(claim)
            return claim
    except IntegrityError:
        pass
    # One UPDATE, so of two workers retrying the same failure only one gets the row.
    taken = SentEmail.objects.filter(key=key, status=SentEmail.Status.FAILED).update(
        status=SentEmail.Status.SENDING,
        attempts=F("attempts") + 1,
        updated_at=now,
        **fields,
    )
    if not taken:
        return None
    claim = SentEmail.objects.get(key=key)
    for row in about:
        row.sent_emails.add(claim)  # a link it has already is left as it is
    return claim


def _failed(email: SentEmail, error: str) -> None:
    SentEmail.objects.filter(pk=email.pk).update(
        status=SentEmail.Status.FAILED, error=error[:2000], updated_at=timezone.now()
    )


def _deliver(email: SentEmail, letter: Letter) -> bool:
    """Send `letter` as the claimed row `email`, and record how it went."""
    spec = KINDS.get(email.kind)
    sender = email_sender(to_studio=spec is not None and spec.to_studio)
    try:
        letter.message(from_email=sender).send()
    except Exception as error:
        _failed(email, f"{type(error).__name__}: {error}")
        raise
    now = timezone.now()
    SentEmail.objects.filter(pk=email.pk).update(
        status=SentEmail.Status.SENT, sent_at=now, updated_at=now, error=""
    )
    return True


def _deliver_again(email: SentEmail) -> bool:
    """Send a claimed row from the log, its private links made afresh (a new sign-in link,
    the booking's or gallery's current one). One that can't be made fails the row, saying
    why, and is not retried: waiting won't bring it back."""
    made: dict = {}
    try:
        letter = Letter.of(email).changed(
            lambda text: private_links.resolve(text, email=email, made=made)
        )
    except private_links.LinkGone as gone:
        _failed(email, str(gone))
        return False
    return _deliver(email, letter)


def email_resend(*, email_id: int, attempt: int) -> bool:
    """Send a logged email again, as the studio asked: a failed or unconfirmed one is tried
    again in place; a sent one goes once more as a new log entry. `attempt` numbers the
    studio's requests, so a task retried or a button pressed twice sends once per request."""
    original = SentEmail.objects.filter(pk=email_id).first()
    if original is None:
        return False
    if original.status == SentEmail.Status.FAILED or original.unconfirmed:
        now = timezone.now()
        taken = SentEmail.objects.filter(
            pk=original.pk, status=original.status, updated_at=original.updated_at
        ).update(
            status=SentEmail.Status.SENDING,
            attempts=F("attempts") + 1,
            updated_at=now,
            actor=actor_current().kind,
            actor_user_id=actor_current().user_id,
        )
        if not taken:
            return False
        original.refresh_from_db()
        return _deliver_again(original)
    if original.status != SentEmail.Status.SENT:
        return False
    source = original.resend_of or original
    fields = {
        name: getattr(original, name)
        for name in (
            "kind",
            "to",
            "subject",
            "reply_to",
            "text_body",
            "html_body",
            "attachments",
        )
    }
    claim = _claim(
        f"{source.key}:again:{attempt}"[:200],
        {**fields, "resend_of": source},
        about=email_about(original),
    )
    return _deliver_again(claim) if claim is not None else False


def sent_emails_redact(*, model=SentEmail) -> int:
    """Redact the private links of emails logged before the log redacted them; the number
    of emails changed. Safe to run again. `model` is the historical model when a migration
    calls it."""
    changed = 0
    for email in model.objects.iterator():
        letter = Letter.of(email)
        kept = letter.changed(partial(private_links.redact, markers_typed=False))
        if kept != letter:
            fields = kept.fields()
            kept_fields = ("subject", "text_body", "html_body", "attachments")
            model.objects.filter(pk=email.pk).update(**{name: fields[name] for name in kept_fields})
            changed += 1
    return changed


def sent_emails_addresses_decode(*, model=SentEmail) -> int:
    """Decode the names in addresses logged MIME-encoded (`address_decoded`); the number of
    emails changed. Safe to run again. `model` is the historical model in a migration."""
    changed = 0
    encoded = model.objects.filter(Q(to__contains="=?") | Q(reply_to__contains="=?"))
    for email in encoded.only("pk", "to", "reply_to").iterator():
        to, reply_to = address_decoded(email.to), address_decoded(email.reply_to)
        if (to, reply_to) != (email.to, email.reply_to):
            model.objects.filter(pk=email.pk).update(
                to=_address_fitted(to), reply_to=_address_fitted(reply_to)
            )
            changed += 1
    return changed
