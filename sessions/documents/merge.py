"""A document template's text made into one booking's document: merge fields filled in with
the booking's facts, Markdown made into safe HTML.

Facts never pass through Markdown: each {field} becomes an inert token, the studio's
Markdown is rendered and cleaned, and only then is each token replaced by its fact, escaped.
So a client called "*Bo* <b>" is printed exactly so, and a fact can't add a link or a tag.
"""

import hashlib
import re
from dataclasses import dataclass

import markdown as markdown_lib
import nh3
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.models import Booking, Installment
from sessions.selectors import booking_change_deadline
from studio.money import money_format

FIELD = re.compile(r"\{(\w+)\}")
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "hr",
}

# Every merge field a template may use, with what it becomes (the admin lists these).
FIELDS = {
    "client_name": gettext_lazy("the client's full name, as booked"),
    "client_email": gettext_lazy("the client's email address"),
    "person_name": gettext_lazy(
        "whom a model release is about (a child, another adult); else who is photographed"
    ),
    "photographed_name": gettext_lazy(
        "who is photographed: the name given when booking for someone else (a child, a "
        "partner); the client if they booked for themselves"
    ),
    "session": gettext_lazy("the session type, e.g. Family portrait"),
    "date": gettext_lazy("the session's day, e.g. Tuesday 8 December 2026"),
    "time": gettext_lazy("the session's start time, e.g. 10:00"),
    "end_time": gettext_lazy("the session's end time"),
    "duration": gettext_lazy("how long the session is, e.g. 90 minutes"),
    "location": gettext_lazy("where the session is, if set"),
    "photographer": gettext_lazy("the photographer's name"),
    "price": gettext_lazy(
        "the session's price, e.g. £350.00; with a discount code, what is left and how"
    ),
    "deposit": gettext_lazy("the deposit, e.g. £100.00"),
    "balance": gettext_lazy(
        "what is left to pay after the deposit (discounts and vouchers taken off)"
    ),
    "payment_schedule": gettext_lazy(
        "when the rest is due, in a sentence: the package's payment plan, part by part, or "
        "the balance by the day of the session"
    ),
    "cancellation_policy": gettext_lazy(
        "the studio's rule for moving and cancelling, in a sentence, then its policies"
    ),
    "reference": gettext_lazy("the booking reference"),
    "studio_name": gettext_lazy("your studio's name"),
    "studio_address": gettext_lazy("your studio's address"),
    "studio_email": gettext_lazy("your studio's email address"),
    "studio_phone": gettext_lazy("your studio's phone number"),
    "booked_on": gettext_lazy("the day the session was booked, e.g. 3 December 2026"),
}
MULTILINE_FIELDS = {"cancellation_policy", "studio_address"}


def merge_fields_unknown(text: str) -> list[str]:
    """The {names} in `text` that no booking can fill in, sorted."""
    return sorted({name for name in FIELD.findall(text or "") if name not in FIELDS})


def document_facts(booking: Booking, studio, *, person_name: str = "") -> dict[str, str]:
    """The merge fields' values for a booking, on the current clock (the studio's)."""
    starts = timezone.localtime(booking.starts_at)
    ends = timezone.localtime(booking.ends_at)
    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    return {
        "client_name": booking.booked_as_name,
        "client_email": booking.client.email,
        "person_name": person_name or booking.photographed_name or booking.booked_as_name,
        "photographed_name": booking.photographed_name or booking.booked_as_name,
        "session": booking.session_type.name,
        "date": date_format(starts, "l j F Y"),
        "time": date_format(starts, "H:i"),
        "end_time": date_format(ends, "H:i"),
        "duration": _("%(minutes)s minutes") % {"minutes": minutes},
        "location": booking.session_type.location,
        "photographer": booking.photographer.display_name,
        "price": _price_said(booking),
        "deposit": money_format(booking.deposit, booking.currency),
        # What the client still owes after the deposit, as the booking page counts it.
        "balance": money_format(
            max(0, booking.total - booking.gift_voucher_amount - booking.deposit),
            booking.currency,
        ),
        "payment_schedule": _payment_schedule(booking),
        "cancellation_policy": _cancellation_policy(booking, studio),
        "reference": booking.reference,
        "studio_name": studio.name,
        "studio_address": studio.address,
        "studio_email": studio.contact_email,
        "studio_phone": studio.phone,
        "booked_on": date_format(timezone.localtime(booking.created_at), "j F Y"),
    }


def _price_said(booking: Booking) -> str:
    """What the session costs the client: "£508.50 (£565.00 less a discount of £56.50)"
    when a code took something off, and ", £50.00 of it paid by gift voucher" when one paid,
    so the agreement, the booking page and the invoice agree."""
    said = money_format(booking.price, booking.currency)
    if booking.discount:
        said = _("%(total)s (%(price)s less a discount of %(discount)s)") % {
            "total": money_format(booking.total, booking.currency),
            "price": money_format(booking.price, booking.currency),
            "discount": money_format(booking.discount, booking.currency),
        }
    if booking.gift_voucher_amount:
        said = _("%(price)s, %(voucher)s of it paid by gift voucher") % {
            "price": said,
            "voucher": money_format(booking.gift_voucher_amount, booking.currency),
        }
    return said


def _payment_schedule(booking: Booking) -> str:
    """The booking's installments as scheduled (a package's plan), else the balance by the
    session: what the client signs must say what the booking page will ask."""
    parts = [
        _("%(amount)s on %(day)s (%(label)s)")
        % {
            "amount": money_format(part.amount, part.currency),
            "day": date_format(part.due_on, "j F Y"),
            "label": part.label,
        }
        for part in booking.installments.exclude(status=Installment.Status.CANCELLED).order_by(
            "position", "pk"
        )
    ]
    if parts:
        return _("The rest is paid in parts: %(parts)s.") % {"parts": "; ".join(parts)}
    # What is left once the deposit is paid, as the booking page counts it: less any
    # discount and gift voucher taken at booking.
    rest = booking.total - booking.gift_voucher_amount - booking.deposit
    if rest <= 0:
        return _("Nothing more is due after the deposit.")
    return _("The balance of %(balance)s is due by the day of your session.") % {
        "balance": money_format(rest, booking.currency)
    }


def _cancellation_policy(booking: Booking, studio) -> str:
    deadline = timezone.localtime(booking_change_deadline(booking))
    rule = _(
        "You can move or cancel this session online until %(deadline)s. If you cancel by "
        "then, %(percent)s%% of your deposit is refunded; after that the deposit is kept."
    ) % {
        "deadline": date_format(deadline, "l j F Y, H:i"),
        "percent": studio.cancellation_refund_percent,
    }
    return "\n\n".join(part for part in (rule, studio.policies.strip()) if part)


def _fact_html(name: str, value: str) -> str:
    if name in MULTILINE_FIELDS and "\n" in value.strip():
        return linebreaks(value.strip())  # escapes, then <p> and <br>
    return escape(value)


def document_html(body: str, facts: dict[str, str]) -> str:
    """The template's Markdown as clean HTML with its merge fields filled in. An unknown
    field is left as typed (the admin refuses to save one)."""
    tokens: dict[str, str] = {}

    def tokenise(match: re.Match) -> str:
        name = match.group(1)
        if name not in facts:
            return match.group(0)
        token = f"MERGEFIELD{len(tokens):04d}X"
        tokens[token] = _fact_html(name, str(facts[name] or ""))
        return token

    body = _session_said_once(body or "", str(facts.get("session") or ""))
    source = FIELD.sub(tokenise, body.replace("\r\n", "\n"))
    html = _clean(markdown_lib.markdown(source, extensions=["sane_lists"]))
    for token, value in tokens.items():
        if "<p>" in value:
            # A paragraph fact alone on its line: its own paragraphs, not <p> inside <p>.
            html = html.replace(f"<p>{token}</p>", value)
        html = html.replace(token, value.replace("<p>", "").replace("</p>", "<br>"))
    # Once more with the facts in: a fact put in a link's address can't make it unsafe.
    return _clean(html)


SESSION_WORD = re.compile(r"\{session\}\s+session\b", re.IGNORECASE)


def _session_said_once(body: str, session: str) -> str:
    """ "your {session} session" for a type named "Mini session" reads "your Mini session",
    not "your Mini session session"."""
    if not session.lower().rstrip().endswith("session"):
        return body
    return SESSION_WORD.sub("{session}", body)


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


@dataclass(frozen=True)
class Rendered:
    title: str
    html: str
    sha256: str


def text_digest(title: str, html: str) -> str:
    """The SHA-256 that identifies what a signer read: the title and the text's HTML."""
    return hashlib.sha256(f"{title}\n\n{html}".encode()).hexdigest()


def rendered(title: str, html: str) -> Rendered:
    return Rendered(title=title, html=html, sha256=text_digest(title, html))
