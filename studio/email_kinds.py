"""Every kind of email Sitting sends, what the studio may change about it, and its wording.

Each kind can be turned off in the admin (except the sign-in link, without which a client
cannot get in). The main client emails also have wording the studio can rewrite: a subject,
a heading and paragraphs, with named placeholders such as {name} that are filled in when the
email goes. Blank wording means Sitting's own, below.
"""

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.models import EmailTemplate

PLACEHOLDER = re.compile(r"\{(\w+)\}")

BOOKING_FACTS = {
    "name": _("the client's first name"),
    "client": _("the client's full name"),
    "session": _("the session, e.g. Headshot session (a type named “Mini session” as it is)"),
    "date": _("the session's day, e.g. Tuesday 8 December"),
    "time": _("the session's start time, e.g. 10:00"),
    "photographer": _("the photographer's name"),
    "reference": _("the booking reference"),
    "studio": _("your studio's name"),
}
GALLERY_FACTS = {
    "name": _("the client's first name"),
    "gallery": _("the gallery's title"),
    "included": _("how many photos the package includes"),
    "deadline": _("the day to send the selection by, if set"),
    "closes": _("the day the gallery closes, if set"),
    "studio": _("your studio's name"),
}


@dataclass(frozen=True)
class EmailKind:
    kind: str
    label: Promise
    to_studio: bool = False
    # A notice to the studio about a client: a reply to it reaches the client.
    reply_to_client: bool = True
    can_turn_off: bool = True
    # Editable wording: the placeholders it may use, and Sitting's own words.
    placeholders: dict = field(default_factory=dict)
    subject: Promise | str = ""
    heading: Promise | str = ""
    body: Promise | str = ""
    added: Promise | str = ""  # what Sitting adds below the message, for the admin's help

    @property
    def editable(self) -> bool:
        return bool(self.placeholders)


_KINDS = [
    EmailKind(
        "booking-confirmed",
        _("Booking confirmed (with calendar invite)"),
        placeholders=BOOKING_FACTS,
        subject=_("You're booked: {session} on {date} with {studio}"),
        heading=_("You're booked"),
        body=_(
            "Hello {name}, your portrait session is booked. We're looking forward to meeting you."
        ),
        added=_(
            "The session's details, the questionnaire links, the guide, your policy and a "
            "calendar invite."
        ),
    ),
    EmailKind("booking-requested", _("Booking request received")),
    EmailKind(
        "booking-rescheduled",
        _("Booking moved (updated invite)"),
        placeholders={
            **BOOKING_FACTS,
            "was": _("the session's time before the move, e.g. Tuesday 8 December, 10:00"),
        },
        subject=_("Your {session} has moved to {date}"),
        heading=_("Your session has moved"),
        body=_(
            "Hello {name}, your {session} has moved from {was} to {date}, {time}.\n\n"
            "The attached invite updates your calendar."
        ),
        added=_("The session's details, a button to the booking and an updated invite."),
    ),
    EmailKind(
        "booking-changed",
        _("Session changed: its length or photographer (updated invite)"),
        placeholders={
            **BOOKING_FACTS,
            "end": _("the session's new end time, e.g. 11:30"),
        },
        subject=_("Your {session} on {date} has changed"),
        heading=_("Your session has changed"),
        body=_(
            "Hello {name}, your {session} on {date} now runs {time}–{end} with "
            "{photographer}.\n\n"
            "The attached invite updates your calendar."
        ),
        added=_("The session's details, a button to the booking and an updated invite."),
    ),
    EmailKind(
        "booking-cancelled",
        _("Booking cancelled (calendar cancellation)"),
        placeholders=BOOKING_FACTS,
        subject=_("Your {session} on {date} is cancelled"),
        heading=_("Your session is cancelled"),
        body=_(
            "Hello {name}, your {session} on {date} at {time} is cancelled. The attached "
            "file removes it from your calendar.\n\n"
            "We hope to see you another time."
        ),
        added=_(
            "What was paid and what is refunded (and when it should arrive), a button to "
            "book again and a calendar cancellation."
        ),
    ),
    EmailKind(
        "booking-declined",
        _("Booking request declined"),
        placeholders=BOOKING_FACTS,
        subject=_("About your {session} request for {date}"),
        heading=_("About your request"),
        body=_(
            "Hello {name}, we're sorry: we can't take your session at the time you asked "
            "for. Please choose another time, or reply and we'll find one together."
        ),
        added=_("What was paid and what is refunded, if anything, and a button to book again."),
    ),
    EmailKind("deposit-due", _("Deposit to pay (approved request)")),
    EmailKind("payment-received", _("Payment received")),
    EmailKind(
        "payment-recorded", _("Payment received by the studio (a bank transfer, cash, in person)")
    ),
    EmailKind(
        "installment-due",
        _("Payment plan: a payment to make (no card saved, the bank asked, a card declined)"),
    ),
    EmailKind("refund-issued", _("Refund issued")),
    EmailKind("late-payment", _("Late payment refunded")),
    EmailKind(
        "balance-due",
        _("Balance due (after the session, or when you ask)"),
        placeholders={
            **BOOKING_FACTS,
            "amount": _("the balance, e.g. £100.00"),
            "thanks": _(
                "once the session is over, “Thank you for your Headshot on Tuesday 8 "
                "December.”; before it, nothing"
            ),
            "how_to_pay": _(
                "with online payments, “You can pay it securely online by card.”; without, "
                "your instructions (Studio › How to pay)"
            ),
        },
        subject=_("The balance for your {session}: {amount}"),
        heading=_("Your balance"),
        body=_(
            "{thanks}\n\nThe balance of {amount} for your {session} is now due (reference "
            "{reference}). {how_to_pay}"
        ),
        added=_("A button to pay online, when online payments are on."),
    ),
    EmailKind(
        "reminder-session",
        _("Session reminder"),
        placeholders={
            **BOOKING_FACTS,
            "day": _("today, tomorrow, or on Tuesday 8 December"),
        },
        subject=_("See you {day}: your {session} at {time}"),
        heading=_("Hello {name}, your session is coming up"),
        body=_(
            "Your {session} with {photographer} is on {date} at {time}.\n\n"
            "Your booking page has the details, and lets you move the session if needed."
        ),
        added=_(
            "A line about the session guide if there is one, the links to any questionnaire "
            "still to answer, and a button to the booking."
        ),
    ),
    EmailKind(
        "reminder-questionnaire",
        _("Questionnaire reminder"),
        placeholders={
            **BOOKING_FACTS,
            "deadline": _("when the questionnaire closes, e.g. Monday 7 December, 10:00"),
        },
        subject=_("A few questions before your {session}"),
        heading=_("Hello {name}, we'd love to know a little more"),
        body=_(
            "Before your {session} on {date}, a few questions help {photographer} plan the "
            "photos you'll love: what to wear, what you'd like to show.\n\n"
            "It takes about five minutes, and it saves as you go. Please answer by {deadline}."
        ),
        added=_("A button to the questionnaire."),
    ),
    EmailKind(
        "gallery-ready",
        _("Gallery ready"),
        placeholders=GALLERY_FACTS,
        subject=_("Your photos are ready to see"),
        heading=_("Hello {name}, your gallery is ready"),
        body=_(
            "Your photos from “{gallery}” are waiting for you in your private gallery. Tap "
            "the heart on the ones you love.\n\n"
            "Your package includes {included} photos, and you can add more if you can't "
            "choose.\n\n"
            "Please send your selection by {deadline}.\n\n"
            "The gallery is open until {closes}."
        ),
        added=_("A button to the gallery."),
    ),
    EmailKind(
        "gallery-nudge",
        _("Favorites not yet sent"),
        placeholders=GALLERY_FACTS,
        subject=_("Your favorites are waiting"),
        heading=_("Hello {name}, have you chosen your favorites?"),
        body=_(
            "Your photos from “{gallery}” are still waiting for you to choose. When you're "
            "happy with your hearts, press “Review and send my selection”.\n\n"
            "Please send your selection by {deadline}."
        ),
        added=_("A button to the gallery."),
    ),
    EmailKind(
        "gallery-deadline",
        _("Choose-by day coming up (3 days and 1 day before)"),
        placeholders=GALLERY_FACTS,
        subject=_("A gentle reminder: please choose your favorites by {deadline}"),
        heading=_("Hello {name}, your favorites are due soon"),
        body=_(
            "Your photos from “{gallery}” are waiting for your hearts. Please send your "
            "selection by {deadline}: after that day your favorites lock.\n\n"
            "If you need a little longer, just reply to this email."
        ),
        added=_("A button to the gallery."),
    ),
    EmailKind(
        "gallery-selection-sent",
        _("Selection received (to the client)"),
        placeholders={
            **GALLERY_FACTS,
            "count": _("how many photos the client sent"),
            "extras": _(
                "a sentence on the extra photos and their cost (paid, or to be invoiced), if any"
            ),
        },
        subject=_("We have your selection: {count} photos"),
        heading=_("Thank you, {name}"),
        body=_(
            "Your selection of {count} photos from “{gallery}” is with {studio}.\n\n"
            "{extras}\n\n"
            "What happens next: we edit the photos you chose and let you know as soon as "
            "they're ready to download. Your favorites are locked meanwhile; if you'd like to "
            "change something, just reply to this email."
        ),
        added=_("A button to the gallery."),
    ),
    EmailKind(
        "gallery-reopened",
        _("Favorites open again (you reopened them, or moved the choose-by day)"),
        placeholders=GALLERY_FACTS,
        subject=_("Your favorites are open again"),
        heading=_("Hello {name}, you can change your favorites"),
        body=_(
            "Your favorites in “{gallery}” are open again: change what you like, then send "
            "your selection once more when you're happy.\n\n"
            "Please send it by {deadline}."
        ),
        added=_("A button to the gallery."),
    ),
    EmailKind(
        "gallery-expiring",
        _("Gallery closing in a week"),
        placeholders=GALLERY_FACTS,
        subject=_("Your gallery closes on {closes}"),
        heading=_("Hello {name}, your gallery closes in a week"),
        body=_(
            "“{gallery}” is open until {closes}. Download anything you'd like to keep, or get "
            "in touch if you need a little longer."
        ),
        added=_("A button to the gallery."),
    ),
    EmailKind(
        "gallery-finals",
        _("Finished photos ready"),
        placeholders=GALLERY_FACTS,
        subject=_("Your finished photos are ready to download"),
        heading=_("Hello {name}, your photos are finished"),
        body=_(
            "The finished photos from “{gallery}” are in your gallery. You can download them "
            "one by one or all together.\n\n"
            "Downloads are open until {closes}."
        ),
        added=_("A button to the gallery."),
    ),
    EmailKind("documents-to-sign", _("Documents to sign (contract, model release)")),
    EmailKind(
        "documents-reminder",
        _("Documents still to sign (a reminder, and one before your sign-by time)"),
    ),
    EmailKind("document-signed", _("Signed document (the sealed PDF)")),
    EmailKind("invoice", _("Invoices and credit notes (the PDF)")),
    EmailKind("gift-voucher", _("Gift voucher bought (the PDF, to the buyer)")),
    EmailKind(
        "gift-voucher-recipient", _("Gift voucher, to its recipient on the buyer's day (the PDF)")
    ),
    EmailKind("gift-voucher-refunded", _("Gift voucher refunded (to the buyer)")),
    EmailKind("waitlist-joined", _("Waitlist: a place taken on a full day (with how to leave)")),
    EmailKind("waitlist-offer", _("Waitlist: a freed time held for the next person waiting")),
    EmailKind("sign-in", _("Sign-in link"), can_turn_off=False),
    EmailKind("studio-new", _("To you: new booking or request"), to_studio=True),
    EmailKind("studio-cancelled", _("To you: booking cancelled"), to_studio=True),
    EmailKind("studio-moved", _("To you: a client moved their session"), to_studio=True),
    EmailKind("studio-questionnaire", _("To you: questionnaire answered"), to_studio=True),
    EmailKind("studio-selection", _("To you: selection sent (Lightroom filter)"), to_studio=True),
    EmailKind(
        "studio-comments",
        _("To you: new comments on photos (one email for several, at most every 15 minutes)"),
        to_studio=True,
    ),
    EmailKind(
        "studio-document-signed",
        _("To you: a document was signed (the sealed PDF)"),
        to_studio=True,
    ),
    EmailKind("studio-dispute", _("To you: payment disputed"), to_studio=True),
    EmailKind("studio-late-payment", _("To you: late payment refunded"), to_studio=True),
    EmailKind("studio-refund-failed", _("To you: a refund Stripe refused"), to_studio=True),
    EmailKind(
        "studio-pin-guessing",
        _("To you: someone is guessing a share link's PIN (at most daily)"),
        to_studio=True,
        reply_to_client=False,  # the guesser is not the client
    ),
]
KINDS = {spec.kind: spec for spec in _KINDS}


def placeholders_unknown(kind: str, text: str) -> list[str]:
    """The {names} in `text` that this kind of email cannot fill in."""
    known = KINDS[kind].placeholders
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in known})


def braces_stray(text: str) -> list[str]:
    """The words holding a brace that is not part of a plain {name} ("{amount",
    "{client.email}", "{amount:>20}"): sent as typed, they would reach the client as code."""
    rest = PLACEHOLDER.sub(lambda match: " " * len(match.group(0)), text)
    words = []
    for at, char in enumerate(rest):
        if char in "{}":
            start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
            ends = [end for end in (text.find(" ", at), text.find("\n", at)) if end != -1]
            word = text[start : min(ends) if ends else len(text)]
            if word not in words:
                words.append(word)
    return words


# "your {session} session", written before the session's name said "session" itself.
SESSION_TWICE = re.compile(r"\b(sessions?) session\b", re.IGNORECASE)


def fill(text: str, facts: dict) -> str:
    filled = PLACEHOLDER.sub(lambda match: str(facts.get(match.group(1), match.group(0))), text)
    return SESSION_TWICE.sub(r"\1", filled)


def wording(kind: str, facts: dict, *, template=None) -> dict:
    """Subject, heading and paragraphs of an editable email: the studio's words where it
    wrote some (`template`, else its saved row), Sitting's otherwise. A paragraph that uses a
    placeholder with nothing to show is left out."""
    spec = KINDS[kind]
    if template is None:
        template = EmailTemplate.objects.filter(kind=kind).first() or EmailTemplate(kind=kind)
    body = template.body.strip() or str(spec.body)
    paragraphs = [
        fill(paragraph.strip(), facts)
        for paragraph in re.split(r"\n\s*\n", body.replace("\r\n", "\n"))
        if paragraph.strip()
        and all(facts.get(name) not in ("", None) for name in PLACEHOLDER.findall(paragraph))
    ]
    return {
        "subject": " ".join(fill(template.subject.strip() or str(spec.subject), facts).split()),
        "heading": fill(template.heading.strip() or str(spec.heading), facts),
        "paragraphs": paragraphs,
    }


def email_enabled(kind: str) -> bool:
    """Whether the studio sends this kind of email (yes unless it turned it off)."""
    if kind not in KINDS or not KINDS[kind].can_turn_off:
        return True
    enabled = EmailTemplate.objects.filter(kind=kind).values_list("enabled", flat=True).first()
    return enabled is not False


def kinds_disabled() -> set[str]:
    return set(EmailTemplate.objects.filter(enabled=False).values_list("kind", flat=True))
