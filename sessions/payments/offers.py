"""A client's choice of package and add-ons for a session type (an Offer): how long the
session lasts, what it costs, what it includes, and the items a booking copies from it.

Prices are entered with tax included or before tax (`Studio.prices_include_tax`); what a
client is shown and pays is always the gross, worked out once per line by `sold_figures`
(studio.pricing) and copied onto the booking and its items when sold."""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from django.db.models import Prefetch

from sessions.models import AddOn, Booking, BookingItem, Package, SessionType
from sessions.payments.installments import plan_schedule
from studio.models import Studio
from studio.pricing import sold_figures
from studio.selectors import studio_get
from studio.tax import RateTotal


@dataclass(frozen=True)
class Offer:
    session_type: SessionType
    package: Package
    add_ons: tuple[AddOn, ...] = ()
    # Whose tax settings price it: the request's studio when a view has it; else read once.
    given_studio: Studio | None = field(default=None, compare=False, repr=False)

    @cached_property
    def studio(self) -> Studio:
        return self.given_studio or studio_get()

    @property
    def package_figures(self) -> RateTotal:
        return sold_figures(self.package.price, self.package.tax_rate, self.studio)

    @property
    def add_on_lines(self) -> list[tuple[AddOn, RateTotal]]:
        """Each add-on with its figures (the gross is what the client pays for it)."""
        return [(a, sold_figures(a.price, a.tax_rate, self.studio)) for a in self.add_ons]

    @property
    def currency(self) -> str:
        return self.session_type.currency

    @property
    def duration(self) -> timedelta:
        minutes = self.package.duration_minutes or self.session_type.duration_minutes
        return timedelta(minutes=minutes + sum(add_on.extra_minutes for add_on in self.add_ons))

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def price(self) -> int:
        """What the client pays: each line's gross."""
        return self.package_figures.gross + sum(f.gross for _a, f in self.add_on_lines)

    @property
    def deposit(self) -> int:
        return self.package.deposit

    @property
    def included_images(self) -> int:
        return self.package.included_images + sum(a.extra_images for a in self.add_ons)

    def query(self) -> list[tuple[str, int]]:
        """The choice as query parameters, carried from page to page while booking."""
        return [("package", self.package.pk)] + [("add_on", a.pk) for a in self.add_ons]

    def items(self) -> list[BookingItem]:
        """Unsaved items for a booking sold this offer: the package, then each add-on."""
        package = self.package
        figures = self.package_figures
        lines = [
            BookingItem(
                kind=BookingItem.Kind.PACKAGE,
                package=package,
                name=package.name,
                unit_price=figures.gross,
                tax_rate=figures.rate,
                net=figures.net,
                tax=figures.tax,
                extra_minutes=0,
                included_images=package.included_images,
                position=0,
            )
        ]
        for position, (add_on, figures) in enumerate(self.add_on_lines, start=1):
            lines.append(
                BookingItem(
                    kind=BookingItem.Kind.ADD_ON,
                    add_on=add_on,
                    name=add_on.name,
                    unit_price=figures.gross,
                    tax_rate=figures.rate,
                    net=figures.net,
                    tax=figures.tax,
                    extra_minutes=add_on.extra_minutes,
                    included_images=add_on.extra_images,
                    position=position,
                )
            )
        return lines


def packages_offered(session_type: SessionType) -> list[Package]:
    """The packages a client can choose, cheapest first within the studio's order. Uses
    `offered_packages` when prefetched (session_type_list_public)."""
    if hasattr(session_type, "offered_packages"):
        return session_type.offered_packages
    return list(session_type.packages.filter(is_active=True))


def add_ons_offered(session_type: SessionType) -> list[AddOn]:
    if hasattr(session_type, "offered_add_ons"):
        return session_type.offered_add_ons
    return list(session_type.add_ons.filter(is_active=True))


def offer_prefetches(prefix: str = "") -> list[Prefetch]:
    """Prefetches that fill `offered_packages` and `offered_add_ons` on session types."""
    return [
        Prefetch(
            f"{prefix}packages",
            queryset=Package.objects.filter(is_active=True),
            to_attr="offered_packages",
        ),
        Prefetch(
            f"{prefix}add_ons",
            queryset=AddOn.objects.filter(is_active=True),
            to_attr="offered_add_ons",
        ),
    ]


def session_type_has_choices(session_type: SessionType) -> bool:
    """Whether a client chooses anything before picking a time: more than one package, or
    add-ons to consider."""
    return len(packages_offered(session_type)) > 1 or bool(add_ons_offered(session_type))


def offer_default(session_type: SessionType, *, studio: Studio | None = None) -> Offer:
    """The first package offered, with no add-ons (what a one-price session type sells);
    the first of any package when none is offered any more (the studio books it by hand)."""
    package = next(iter(packages_offered(session_type)), None)
    if package is None:
        package = session_type.packages.first()
    if package is None:
        raise Package.DoesNotExist(f"session type {session_type.pk} has no package")
    return Offer(session_type=session_type, package=package, given_studio=studio)


def booking_items_create(*, booking: Booking, offer: Offer) -> None:
    """Save the items the booking bought, and schedule its payment plan if its package has
    one (once, right after the booking itself)."""
    items = offer.items()
    for item in items:
        item.booking = booking
    BookingItem.objects.bulk_create(items)
    plan_schedule(booking)


def booking_offer_fields(offer: Offer) -> dict:
    """The booking fields copied from the offer when it is sold."""
    return {
        "package": offer.package,
        "currency": offer.currency,
        "price": offer.price,
        "deposit": offer.deposit,
        "included_images": offer.included_images,
        # Extra images are billed at the studio's rate, at the price with its tax.
        "extra_image_price": sold_figures(
            offer.package.extra_image_price, None, offer.studio
        ).gross,
    }
