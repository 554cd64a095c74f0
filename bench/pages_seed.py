"""The studio bench/pages.py measures, written into the database of the site it serves.
Run by pages.py in a process of its own, with that site's environment:

    python bench/pages_seed.py seed        the studio; prints what pages.py needs, as JSON
    python bench/pages_seed.py history N   adds past bookings until there are N in all

The studio: the demo's (workspace/demo.py) name, session types with their covers, and
portfolio on the home page; 3 photographers with weekly hours; one session type booked (one
package, so /book/<slug>/ opens on its month); 300 clients; 500 bookings over the three
months around today (past ones completed, cancelled or missed; future ones mostly
confirmed); two published galleries of one client, of 100 and 1,000 ready photos whose
thumbnails and previews are a handful of real JPEG files. `history` adds years of past
sessions behind them: what a busy studio accumulates, and its pages should not slow for.
"""

import hashlib
import json
import os
import random
import secrets
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.pages_site")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from clients.models import Client  # noqa: E402
from gallery.access import gallery_link_url  # noqa: E402
from gallery.models import Comment, Gallery, Photo  # noqa: E402
from gallery.proofing import favorite_list_get_or_create, favorite_set  # noqa: E402
from gallery.sample_images import jpeg_bytes  # noqa: E402
from gallery.services import gallery_create_for_booking  # noqa: E402
from sessions.models import AvailabilityRule, Booking, BookingItem, Package, SessionType  # noqa: E402
from sessions.payments.offers import offer_default  # noqa: E402
from sessions.services import booking_new  # noqa: E402
from studio.models import Photographer, Studio  # noqa: E402
from workspace.demo import SESSION_TYPES, STUDIO  # noqa: E402
from workspace.demo_images import portrait_like  # noqa: E402
from workspace.demo_packages import packages_seed  # noqa: E402
from workspace.demo_portfolio import covers_seed, portfolio_seed  # noqa: E402
from workspace.views import PORTFOLIO_SHOWN  # noqa: E402

BOOKINGS = 500
AROUND_TODAY = 45  # days either side of today: three months
CLIENTS = 300
GALLERIES = {"gallery-100": 100, "gallery-1000": 1000}
SETS = ("Outfit 1", "Outfit 2", "Outdoors", "Family")
FILES = 6  # distinct JPEG files the photos share
SLUG = "family"  # the session type booked, an hour long
# (username, name, colour, weekdays worked); each works 09:00-12:30 and 13:30-18:00.
PHOTOGRAPHERS = [
    ("amelia", "Amelia Hart", "#8a5a44", (0, 1, 2, 3, 4)),
    ("theo", "Theo Grant", "#3d6b8e", (1, 2, 3, 4, 5)),
    ("noor", "Noor Haddad", "#5b7f4a", (2, 3, 4, 5, 6)),
]
HOURS = ((time(9), time(12, 30)), (time(13, 30), time(18)))
STARTS = (time(9), time(10, 15), time(11, 30), time(13, 30), time(14, 45), time(16))
FIRST = ["Anna", "Ben", "Chloé", "Dev", "Ruth", "Sam", "Iris", "Omar", "Lena", "Tom", "Mia"]
LAST = ["Kowalska", "Okafor", "Martin", "Patel", "Adeyemi", "Byrne", "Novak", "Silva"]
TZ = ZoneInfo(STUDIO["time_zone"])
rng = random.Random(22)  # the same studio every run


def candidates(day: date, photographers: list[Photographer]) -> list[tuple]:
    """Every start a photographer could be booked at that day, as (photographer, UTC start)."""
    return [
        (photographer, datetime.combine(day, at, TZ).astimezone(UTC))
        for photographer, (*_, weekdays) in zip(photographers, PHOTOGRAPHERS, strict=True)
        if day.weekday() in weekdays
        for at in STARTS
    ]


def status_for(starts_at: datetime, now: datetime) -> str:
    roll = rng.random()
    if starts_at < now:
        return "completed" if roll < 0.8 else ("cancelled" if roll < 0.92 else "no_show")
    if roll < 0.8:
        return "confirmed"
    return "cancelled" if roll < 0.9 else ("requested" if roll < 0.95 else "held")


def bookings_make(slots: list[tuple], clients: list[Client], session_type, first: int) -> None:
    """Bookings at these (photographer, start) slots, with what each bought; references
    count up from `first`."""
    now = timezone.now()
    offer = offer_default(session_type, studio=Studio.objects.get(pk=1))
    bookings = []
    for n, (photographer, starts_at) in enumerate(slots, start=first):
        status = status_for(starts_at, now)
        booking = booking_new(
            client=rng.choice(clients),
            session_type=session_type,
            photographer=photographer,
            starts_at=starts_at,
            offer=offer,
            reference=f"B{n:06d}",
            status=status,
        )
        if status in ("confirmed", "completed", "no_show"):
            booking.confirmed_at = starts_at - timedelta(days=14)
        booking.hold_expires_at = now + timedelta(hours=1) if status == "held" else None
        booking.completed_at = booking.ends_at if status == "completed" else None
        booking.cancelled_at = starts_at - timedelta(days=3) if status == "cancelled" else None
        bookings.append(booking)
    Booking.objects.bulk_create(bookings, batch_size=500)
    items = []
    for booking in bookings:
        for item in offer.items():
            item.booking = booking
            items.append(item)
    BookingItem.objects.bulk_create(items, batch_size=500)


def studio_seed() -> tuple[SessionType, list[Photographer], list[Client]]:
    Studio.objects.update_or_create(pk=1, defaults=STUDIO)
    User = get_user_model()
    photographers = []
    for order, (username, name, colour, weekdays) in enumerate(PHOTOGRAPHERS):
        user = User.objects.create_user(username, first_name=name.split()[0], is_staff=True)
        photographer = Photographer.objects.create(
            user=user, display_name=name, calendar_colour=colour, display_order=order
        )
        AvailabilityRule.objects.bulk_create(
            AvailabilityRule(photographer=photographer, weekday=day, start_time=start, end_time=end)
            for day in weekdays
            for start, end in HOURS
        )
        photographers.append(photographer)
    # The demo's three session types, shown on the home page: the one booked here sells one
    # package (so its booking page opens on the month), the others their demo packages.
    for spec in SESSION_TYPES:
        spec = {key: value for key, value in spec.items() if key != "photographers"}
        session_type = SessionType.objects.create(**spec, currency="GBP", buffer_after_minutes=15)
        session_type.photographers.set(photographers)
        if session_type.slug != SLUG:
            packages_seed(session_type)
    session_type = SessionType.objects.get(slug=SLUG)
    Package.objects.create(
        session_type=session_type, name="Family", price=25000, deposit=5000, included_images=10
    )
    covers_seed()
    portfolio_seed(PORTFOLIO_SHOWN)
    clients = Client.objects.bulk_create(
        Client(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            email=f"client{n}@example.com",
            phone=f"07700 9{n:05d}",
        )
        for n in range(CLIENTS)
    )
    return session_type, photographers, clients


def image_files() -> list[dict]:
    """A few real thumbnails and previews, written once; every photo points at one of them."""
    files = []
    for n in range(FILES):
        landscape = n % 3 != 2
        width, height = (6000, 4000) if landscape else (4000, 6000)
        image = portrait_like(width // 5, height // 5, seed=n)
        stored = {"width": width, "height": height}
        for kind, edge in (("thumbnail", 400), ("preview", 1200)):
            copy = image.copy()
            copy.thumbnail((edge, edge))
            data = jpeg_bytes(copy, quality=82)
            stored[kind] = default_storage.save(
                f"galleries/bench/{kind}-{n}.jpg", ContentFile(data)
            )
            stored[f"{kind}_size"] = len(data)
        files.append(stored)
    return files


def gallery_seed(booking: Booking, count: int, files: list[dict]) -> Gallery:
    """A published gallery of `count` ready proofs in sets, 5% hearted by the client and a few
    commented on."""
    gallery = gallery_create_for_booking(booking=booking)
    Gallery.objects.filter(pk=gallery.pk).update(
        status=Gallery.Status.PUBLISHED, published_at=timezone.now()
    )
    gallery.refresh_from_db()
    taken = booking.starts_at
    photos = []
    for n in range(count):
        file = files[n % len(files)]
        photos.append(
            Photo(
                gallery=gallery,
                kind=Photo.Kind.PROOF,
                set_name=SETS[n * len(SETS) // count],
                original=file["preview"],
                original_name=f"DSCF{n:04d}.JPG",
                sha256=hashlib.sha256(f"{gallery.pk}-{n}".encode()).hexdigest(),
                size=file["preview_size"] * 20,
                status=Photo.Status.READY,
                preview=file["preview"],
                thumbnail=file["thumbnail"],
                width=file["width"],
                height=file["height"],
                captured_at=taken + timedelta(seconds=4 * n),
                camera="FUJIFILM X-T5",
            )
        )
    Photo.objects.bulk_create(photos, batch_size=500)
    hearts = favorite_list_get_or_create(gallery=gallery, name=booking.client.name.split()[0])
    for photo in photos[::20]:
        favorite_set(favorite_list=hearts, photo=photo, on=True)
    for photo in photos[3 :: max(1, count // 8)]:
        Comment.objects.create(
            photo=photo, author_name=booking.client.name, body="Could this one be a little warmer?"
        )
    return gallery


@transaction.atomic
def seed() -> dict:
    session_type, photographers, clients = studio_seed()
    today = timezone.localdate(timezone=TZ)
    slots = [
        slot
        for offset in range(-AROUND_TODAY, AROUND_TODAY + 1)
        for slot in candidates(today + timedelta(days=offset), photographers)
    ]
    bookings_make(sorted(rng.sample(slots, BOOKINGS), key=lambda s: s[1]), clients, session_type, 0)
    # The galleries are one client's two latest completed sessions.
    anna = Client.objects.create(name="Anna Kowalska", email="anna.kowalska@example.com")
    done = list(Booking.objects.filter(status="completed").order_by("-starts_at")[: len(GALLERIES)])
    Booking.objects.filter(pk__in=[b.pk for b in done]).update(client=anna)
    files = image_files()
    galleries = {}
    for (name, count), booking in zip(GALLERIES.items(), done, strict=True):
        booking.refresh_from_db()
        gallery = gallery_seed(booking, count, files)
        galleries[name] = {
            "link": gallery_link_url(gallery),
            "path": reverse("gallery:gallery-detail", args=[gallery.slug]),
            "title": gallery.title,
            "slug": gallery.slug,
        }
    first_photo = Photo.objects.filter(gallery__slug=galleries["gallery-100"]["slug"]).first()
    password = secrets.token_urlsafe(16)
    get_user_model().objects.create_superuser("bench-owner", "owner@example.com", password)
    return {
        "studio": STUDIO["name"],
        "slug": SLUG,
        "galleries": galleries,
        "thumbnail": reverse(
            "gallery:photo-file", args=[first_photo.gallery.slug, first_photo.pk, "thumbnail"]
        ),
        "owner": {"username": "bench-owner", "password": password},
        **expected_in_admin(today),
    }


def expected_in_admin(today: date) -> dict:
    """What the dashboard and the month calendar must show: a client booked this week, and a
    booking of this month by its reference."""
    now = timezone.now()
    week = Booking.objects.filter(
        status="confirmed", starts_at__gte=now, starts_at__lt=now + timedelta(days=6)
    ).select_related("client")
    first = today.replace(day=1)
    month = Booking.objects.filter(
        status="confirmed",
        starts_at__gte=datetime.combine(first, time(), TZ),
        starts_at__lt=datetime.combine((first + timedelta(days=32)).replace(day=1), time(), TZ),
    )
    return {
        "dashboard_expect": week.order_by("starts_at").first().client.name,
        "calendar_expect": month.order_by("starts_at").first().reference,
    }


@transaction.atomic
def history(total: int) -> dict:
    """Past sessions behind the three months, day by day backwards, until `total` bookings."""
    wanted = total - Booking.objects.count()
    photographers = list(Photographer.objects.order_by("display_order"))
    clients = list(Client.objects.all())
    session_type = SessionType.objects.get(slug=SLUG)
    day = timezone.localdate(timezone=TZ) - timedelta(days=AROUND_TODAY + 1)
    slots = []
    while len(slots) < wanted:
        free = candidates(day, photographers)
        slots += rng.sample(free, min(len(free), 6, wanted - len(slots)))
        day -= timedelta(days=1)
    bookings_make(slots, clients, session_type, first=Booking.objects.count() + 100_000)
    return {"bookings": Booking.objects.count(), "since": day.isoformat()}


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(json.dumps(seed()))
    elif sys.argv[1:2] == ["history"] and len(sys.argv) == 3:
        print(json.dumps(history(int(sys.argv[2]))))
    else:
        raise SystemExit(__doc__)
