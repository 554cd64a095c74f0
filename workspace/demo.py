"""Demo data: a small London studio, so a fresh `make run` shows every feature.

Idempotent: rows are found by natural keys and created only when missing, so running it
again (or after a person edited a row in the admin) changes nothing.
"""

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from gallery.models import Comment, Gallery, Photo
from gallery.photos import photo_add, photo_process
from gallery.proofing import favorite_list_get_or_create, favorite_set, first_name
from gallery.sample_images import exif_with, jpeg_bytes
from gallery.services import gallery_create_for_booking
from sessions.models import (
    AvailabilityRule,
    Booking,
    Question,
    Questionnaire,
    SessionGuide,
    SessionType,
)
from sessions.payments.offers import booking_items_create, offer_default
from sessions.services import booking_new
from studio.background import task_enqueue_on_commit
from studio.models import Photographer, Studio
from workspace.demo_culling import FRAMES, culling_gallery_seed
from workspace.demo_documents import documents_seed
from workspace.demo_images import portrait_like
from workspace.demo_packages import packages_seed
from workspace.demo_portfolio import PORTFOLIO, covers_seed, portfolio_seed
from workspace.demo_preparation import GUIDES, QUESTIONNAIRES

STUDIO = {
    "name": "Northlight Portrait Studio",
    "intro": (
        "Calm, unhurried portraits in a daylight studio in Islington. We take time to get to "
        "know you before the camera comes out, so the pictures look like you on a good day."
    ),
    "time_zone": "Europe/London",
    "currency": "GBP",
    "contact_email": "hello@northlight.example",
    "phone": "020 7946 0321",
    "address": "14 Canonbury Lane\nLondon N1 2AS",
    "policies": (
        "A deposit secures your session and comes off the final price. You can reschedule or "
        "cancel free of charge up to 48 hours before your session; after that the deposit is "
        "kept. If you are unwell, tell us and we will find a new date."
    ),
}

PHOTOGRAPHERS = [
    # username, display name, colour, bio
    (
        "amelia",
        "Amelia Hart",
        "#8a5a44",
        "Headshots and personal branding; ex-theatre photographer.",
    ),
    ("theo", "Theo Grant", "#3d6b8e", "Families, children and the occasional very patient dog."),
]

SESSION_TYPES = [
    {
        "slug": "headshot",
        "name": "Headshot",
        "description": "A focused half hour for a professional headshot: two looks, "
        "guided posing, and your pick of the best frames.",
        "duration_minutes": 30,
        "display_order": 1,
        "photographers": ["amelia", "theo"],
    },
    {
        "slug": "family",
        "name": "Family",
        "description": "Portraits for up to six people (pets welcome). Relaxed, playful, "
        "with time for a few quieter portraits of each of you.",
        "duration_minutes": 60,
        "display_order": 2,
        "photographers": ["theo"],
    },
    {
        "slug": "personal-branding",
        "name": "Personal branding",
        "description": "Ninety minutes of portraits for your website and social channels, "
        "planned with you beforehand: outfits, props and the story you want to tell.",
        "duration_minutes": 90,
        "display_order": 3,
        "photographers": ["amelia"],
    },
]

# Weekly hours in the studio's local time: (username, weekdays, start, end).
HOURS = [
    ("amelia", [1, 2, 3, 4], time(9, 0), time(12, 30)),
    ("amelia", [1, 2, 3, 4], time(13, 30), time(17, 30)),
    ("amelia", [5], time(10, 0), time(14, 0)),
    ("theo", [0, 2, 4], time(9, 30), time(16, 0)),
    ("theo", [5, 6], time(9, 0), time(13, 0)),
]

CLIENTS = [
    ("anna.kowalska@example.com", "Anna Kowalska", "07700 900123"),
    ("ben.okafor@example.com", "Ben Okafor", "07700 900456"),
    ("chloe.martin@example.com", "Chloé Martin", ""),
    ("dev.patel@example.com", "Dev Patel", "07700 900789"),
    ("ruth.adeyemi@example.com", "Ruth Adeyemi", "07700 900321"),
]


# (reference, client email, session slug, photographer, weeks from this week, weekday, time,
# status). Placed inside the photographers' HOURS above, so they never overlap.
BOOKINGS = [
    ("DM2A7C", "anna.kowalska@example.com", "headshot", "amelia", 1, 1, time(10), "confirmed"),
    ("DM3D4E", "ben.okafor@example.com", "family", "theo", 1, 5, time(10), "confirmed"),
    ("DM4F6G", "dev.patel@example.com", "personal-branding", "amelia", 2, 3, time(14), "confirmed"),
    ("DM6H7J", "chloe.martin@example.com", "headshot", "theo", -1, 2, time(11), "completed"),
    ("DM7K9M", "anna.kowalska@example.com", "family", "theo", -2, 5, time(9, 30), "completed"),
    # Photographed last week; its gallery waits to be culled (workspace.demo_culling).
    (
        "DM9R5T",
        "ruth.adeyemi@example.com",
        "personal-branding",
        "amelia",
        -1,
        3,
        time(13, 30),
        "completed",
    ),
]


def _demo_start(today: date, weeks: int, weekday: int, at: time, tz: ZoneInfo) -> datetime:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
    # To UTC before any arithmetic: aware-datetime arithmetic in Python is wall-clock.
    return datetime.combine(monday + timedelta(days=weekday), at, tz).astimezone(UTC)


@transaction.atomic
def demo_seed(*, photos: int = 30) -> dict[str, int]:
    """Create whatever demo rows are missing. Returns how many rows of each kind it created."""
    created = dict.fromkeys(
        [
            "studio",
            "photographers",
            "session_types",
            "hours",
            "clients",
            "bookings",
            "questionnaires",
            "guides",
            "document_templates",
            "galleries",
            "photos",
            "portfolio_photographs",
            "covers",
        ],
        0,
    )
    _, made = Studio.objects.get_or_create(pk=1, defaults=STUDIO)
    created["studio"] += made

    User = get_user_model()
    photographers = {}
    for username, display_name, colour, bio in PHOTOGRAPHERS:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": display_name.split()[0],
                "last_name": display_name.split()[-1],
                "email": f"{username}@northlight.example",
                "is_staff": True,
                "password": "!",  # unusable until someone sets one in the admin
            },
        )
        photographers[username], made = Photographer.objects.get_or_create(
            user=user,
            defaults={"display_name": display_name, "calendar_colour": colour, "bio": bio},
        )
        created["photographers"] += made

    for spec in SESSION_TYPES:
        spec = dict(spec)
        who = spec.pop("photographers")
        session_type, made = SessionType.objects.get_or_create(
            slug=spec.pop("slug"), defaults={**spec, "currency": "GBP"}
        )
        if made:
            session_type.photographers.set([photographers[name] for name in who])
            packages_seed(session_type)
        created["session_types"] += made

    for username, weekdays, start, end in HOURS:
        for weekday in weekdays:
            _, made = AvailabilityRule.objects.get_or_create(
                photographer=photographers[username],
                weekday=weekday,
                start_time=start,
                end_time=end,
            )
            created["hours"] += made

    for email, name, phone in CLIENTS:
        _, made = Client.objects.get_or_create(
            email__iexact=email, defaults={"email": email, "name": name, "phone": phone}
        )
        created["clients"] += made

    tz = ZoneInfo(STUDIO["time_zone"])
    today = datetime.now(tz).date()
    for reference, email, slug, username, weeks, weekday, at, status in BOOKINGS:
        if Booking.objects.filter(reference=reference).exists():
            continue
        session_type = SessionType.objects.get(slug=slug)
        starts_at = _demo_start(today, weeks, weekday, at, tz)
        booking = booking_new(
            client=Client.objects.get(email__iexact=email),
            session_type=session_type,
            photographer=photographers[username],
            starts_at=starts_at,
            reference=reference,
            status=status,
            confirmed_at=starts_at - timedelta(days=10),
        )
        if status == "completed":
            booking.completed_at = booking.ends_at
        booking.save()
        booking_items_create(booking=booking, offer=offer_default(session_type))
        created["bookings"] += 1
        if status == "confirmed":
            # The emails the demo's clients would have had, sent by the worker once it
            # starts, so a new site's outbox (var/outbox/) shows what clients receive.
            task_enqueue_on_commit(
                "sessions.tasks.booking_email_send_task", booking_id=booking.pk, kind="confirmed"
            )
    created["questionnaires"] = _questionnaires_seed()
    created["guides"] = _guides_seed()
    created["document_templates"] = documents_seed(references=[row[0] for row in BOOKINGS])
    created["galleries"], created["photos"] = _gallery_seed(photos)
    if photos >= FRAMES:  # real photographs through the whole culling assistant: a few seconds
        culled = culling_gallery_seed()
        created["galleries"] += bool(culled)
        created["photos"] += culled
    if photos:
        created["portfolio_photographs"] = portfolio_seed(min(photos, len(PORTFOLIO)))
        created["covers"] = covers_seed()
    return created


# The completed demo headshot gets a proofing gallery of generated, photo-like pictures, with
# favorites in two lists and a comment; the completed family session a delivered gallery.
GALLERY_BOOKING = "DM6H7J"
DELIVERED_BOOKING = "DM7K9M"


def _demo_photo(n: int, *, taken: datetime) -> bytes:
    width, height = (1800, 1200) if n % 3 else (1200, 1800)
    image = portrait_like(width, height, seed=n)
    orientation = 6 if n % 5 == 4 else None
    if orientation:  # stored on its side, as a camera held upright writes it
        image = image.transpose(2)  # ROTATE_90: EXIF 6 turns it back
    return jpeg_bytes(
        image,
        quality=88,
        exif=exif_with(
            orientation=orientation,
            camera=("FUJIFILM", "X-T5"),
            taken=(taken + timedelta(minutes=2 * n)).strftime("%Y:%m:%d %H:%M:%S"),
        ),
    )


def _demo_photos_add(gallery, count: int, *, first: int, name: str, kind: str, sets=()) -> int:
    made = 0
    for n in range(count):
        data = _demo_photo(first + n, taken=datetime(2026, 5, 16, 10))
        set_name = sets[0] if sets and n < count // 2 else (sets[-1] if sets else "")
        added = photo_add(
            gallery=gallery,
            stream=io.BytesIO(data),
            name=name % (first + n),
            size=len(data),
            set_name=set_name,
            kind=kind,
        )
        if added.created:
            photo_process(photo_id=added.photo.pk)
            made += 1
    return made


def _gallery_seed(count: int) -> tuple[int, int]:
    """Two galleries, their photos made by Pillow and processed through the real pipeline
    (some turned by EXIF orientation, as cameras do): Chloe's, being proofed, with her and
    Sam's favorites and a comment the studio answered; Anna's family session, delivered."""
    galleries = made = 0
    booking = Booking.objects.filter(reference=GALLERY_BOOKING).first()
    if booking is not None and not booking.galleries.exists():
        gallery = gallery_create_for_booking(booking=booking)
        Gallery.objects.filter(pk=gallery.pk).update(
            status=Gallery.Status.PUBLISHED, published_at=timezone.now()
        )
        gallery.refresh_from_db()
        made += _demo_photos_add(
            gallery,
            count,
            first=0,
            name="DSCF41%02d.JPG",
            kind="proof",
            sets=("Outfit 1", "Outfit 2"),
        )
        photos = list(gallery.photos.filter(status=Photo.Status.READY))
        chloe = favorite_list_get_or_create(gallery=gallery, name=first_name(booking.client.name))
        sam = favorite_list_get_or_create(gallery=gallery, name="Sam")
        for photo in photos[0:8:2]:
            favorite_set(favorite_list=chloe, photo=photo, on=True)
        for photo in photos[2:9:3]:
            favorite_set(favorite_list=sam, photo=photo, on=True)
        if photos:
            Comment.objects.create(
                photo=photos[0],
                author_name=booking.client.name,
                body="I love this one. Could you soften the shadow under my chin a little?",
            )
            Comment.objects.create(
                photo=photos[0],
                author_name=Studio.objects.values_list("name", flat=True).first() or "",
                from_studio=True,
                body="Of course! We'll do that in the final edit.",
            )
        galleries += 1
        task_enqueue_on_commit(
            "gallery.tasks.gallery_email_send_task", gallery_id=gallery.pk, kind="ready"
        )
    booking = Booking.objects.filter(reference=DELIVERED_BOOKING).first()
    if booking is not None and not booking.galleries.exists():
        gallery = gallery_create_for_booking(booking=booking)
        made += _demo_photos_add(
            gallery, min(count, 6), first=40, name="IMG_03%02d.JPG", kind="proof"
        )
        made += _demo_photos_add(
            gallery, min(count, 4), first=40, name="IMG_03%02d-edit.jpg", kind="final"
        )
        status = Gallery.Status.DELIVERED if count else Gallery.Status.PUBLISHED
        Gallery.objects.filter(pk=gallery.pk).update(
            status=status, downloads_allowed=bool(count), published_at=timezone.now()
        )
        galleries += 1
        task_enqueue_on_commit(
            "gallery.tasks.gallery_email_send_task",
            gallery_id=gallery.pk,
            kind="finals" if status == Gallery.Status.DELIVERED else "ready",
        )
    return galleries, made


def _questionnaires_seed() -> int:
    """The starting questionnaires, each created whole or not at all (found by name)."""
    made = 0
    for spec in QUESTIONNAIRES:
        questionnaire, created = Questionnaire.objects.get_or_create(
            name=spec["name"], defaults={"intro": spec["intro"]}
        )
        if not created:
            continue
        made += 1
        questionnaire.session_types.set(SessionType.objects.filter(slug__in=spec["session_types"]))
        by_label: dict[str, Question] = {}
        for position, (label, kind, required, help_text, choices, condition) in enumerate(
            spec["questions"], start=1
        ):
            parent, wanted = (by_label[condition[0]], condition[1]) if condition else (None, "")
            by_label[label] = Question.objects.create(
                questionnaire=questionnaire,
                position=position * 10,
                label=label,
                kind=kind,
                required=required,
                help_text=help_text,
                choices="\n".join(choices),
                max_images=spec["max_images"],
                max_choices=spec.get("max_choices", {}).get(label),
                condition_question=parent,
                condition_value=wanted,
            )
    return made


def _guides_seed() -> int:
    made = 0
    for spec in GUIDES:
        guide, created = SessionGuide.objects.get_or_create(
            title=spec["title"], defaults={"body": spec["body"]}
        )
        if created:
            guide.session_types.set(SessionType.objects.filter(slug__in=spec["session_types"]))
            made += 1
    return made
