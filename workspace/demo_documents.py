"""The demo studio's contract and model releases, written for a person to read, and which
session asks for which. Found by title: a second run, or one after the studio edited them,
changes nothing."""

from django.db import transaction
from django.utils import timezone

from sessions.documents.services import (
    booking_documents_issue,
    document_template_save,
    documents_send,
)
from sessions.models import Booking, DocumentTemplate, SessionType, SessionTypeDocument, Usage

AGREEMENT = """### What this agreement is

This is the agreement between **{studio_name}** and **{client_name}** for your {session} session on
{date} at {time} with {photographer} (booking {reference}). Please read it before your
session; if anything is unclear, write to us at {studio_email} and we'll explain.

### Booking, deposit and payment

The session costs **{price}**. The deposit of {deposit} secures your time: no one else can
book it. {payment_schedule} Any other arrangement we make, we agree in writing.

### Moving or cancelling

{cancellation_policy}

If we have to cancel (illness, an emergency), we'll offer you the first free time that
suits you, or refund everything you paid, as you prefer.

### What you receive, and when

After the session we send you a private online gallery to choose your favourite photos,
usually within a week. The photos you choose are edited and ready to download within three
weeks of your choice. We keep your photos safely for a year after delivery.

### Using your photos

The photos are yours for personal use: print them, frame them, share them with family and
friends and on your own social media. Please don't sell them or use them to advertise a
business without asking us first. As the photographer, {studio_name} keeps the copyright.

### The studio's own use of your photos

We only show your photos in our portfolio, website or social media if you say yes in a
separate model release. You can say no, or change your mind later, and it changes nothing
about your session.

### Our responsibility

We take great care of your photos and keep backups. If something beyond our control (a
fault in equipment, a fire, a flood) means we can't deliver them, we'll offer another
session free of charge or refund what you paid; we are not responsible for more than that.

### Safety

The studio is a working space with lights and cables: please keep children close and
follow the photographer's guidance. Tell us before the session about anything we should
know to keep you comfortable and safe.

### Arriving late

Your session starts at {time}. If you arrive late we'll do all we can, but we may need to
finish on time for the next client, and the price stays the same.
"""

ADULT_RELEASE = """### Permission to use your photos

I, **{person_name}**, photographed by {studio_name} at my {session} session on {date}, choose below
where the studio may show the photos of me.

- The studio never sells my photos to anyone else.
- The studio doesn't show my full name or where I live next to a photo without asking me.
- I can withdraw this permission for future use at any time by writing to {studio_email}.
  What has already been printed or published can't always be taken back.

Anything I don't tick stays private: those photos are for me alone.
"""

CHILD_RELEASE = """### Permission to use photos of your child

I am the parent or legal guardian of **{person_name}**, photographed by {studio_name} at the
{session} session on {date}. I choose below where the studio may show the photos of my child.

- The studio never sells the photos to anyone else.
- The studio never shows my child's name, school or where we live next to a photo.
- I can withdraw this permission for future use at any time by writing to {studio_email}.
  What has already been published can't always be taken back.

Anything I don't tick stays private: those photos are for our family alone.
"""

TEMPLATES = [
    {
        "name": "Portrait session agreement",
        "kind": DocumentTemplate.Kind.CONTRACT,
        "body": AGREEMENT,
        "signer": DocumentTemplate.Signer.SELF,
        "usages": [],
    },
    {
        "name": "Model release",
        "kind": DocumentTemplate.Kind.RELEASE,
        "body": ADULT_RELEASE,
        "signer": DocumentTemplate.Signer.SELF,
        "usages": [usage.value for usage in Usage],
    },
    {
        "name": "Model release for a child",
        "kind": DocumentTemplate.Kind.RELEASE,
        "body": CHILD_RELEASE,
        "signer": DocumentTemplate.Signer.GUARDIAN,
        "usages": [Usage.PORTFOLIO.value, Usage.SOCIAL.value, Usage.COMPETITIONS.value],
    },
]
# (template, session type slugs, required): every session asks for the agreement and
# offers the adult release; the family session offers the child's too.
LINKS = [
    ("Portrait session agreement", ("headshot", "family", "personal-branding"), True),
    ("Model release", ("headshot", "family", "personal-branding"), False),
    ("Model release for a child", ("family",), False),
]


@transaction.atomic
def documents_seed(*, references: list[str]) -> int:
    """The three templates and their links to the session types, each made only when
    missing; how many templates were made. When the templates are new, the demo's upcoming
    confirmed bookings (of `references`) are given their documents, and emailed the links
    by the worker (var/outbox/ shows the email)."""
    made = 0
    templates = {}
    for spec in TEMPLATES:
        template = DocumentTemplate.objects.filter(name=spec["name"]).first()
        if template is None:
            template = DocumentTemplate(**spec)
            document_template_save(template=template)
            made += 1
        templates[spec["name"]] = template
    if not made:
        return 0
    for name, slugs, required in LINKS:
        for session_type in SessionType.objects.filter(slug__in=slugs):
            SessionTypeDocument.objects.get_or_create(
                session_type=session_type,
                template=templates[name],
                defaults={"required": required},
            )
    upcoming = Booking.objects.filter(
        reference__in=references, status=Booking.Status.CONFIRMED, starts_at__gt=timezone.now()
    ).select_related("session_type")
    for booking in upcoming:
        booking_documents_issue(booking=booking)
        documents_send(booking=booking)
    return made
