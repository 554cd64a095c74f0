"""What the studio may do with a booking's photos, by its model releases, and a client's
documents as the studio sees them. Reads only; a constant number of queries each.

The rule: each person's newest signed release counts, and a use is allowed only when every
person's counts it in (a family session can have one release per adult; a child's is signed
by a parent). A release still waiting to be signed allows nothing yet, even beside older
signed ones; no release at all allows nothing. Void documents don't count.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from sessions.documents.services import name_key
from sessions.models import Document, DocumentTemplate, ReleaseChoice, Usage

# The uses in a few words, for a badge ("May use: portfolio, social media").
USAGE_SHORT = {
    Usage.PORTFOLIO: _("portfolio"),
    Usage.SOCIAL: _("social media"),
    Usage.ADVERTISING: _("print advertising"),
    Usage.COMPETITIONS: _("competitions"),
}


@dataclass(frozen=True)
class ReleaseUsage:
    """A booking's model releases, summed up."""

    NONE = "none"  # no release: private use only
    WAITING = "waiting"  # one waits to be signed: nothing allowed yet
    SIGNED = "signed"  # every release signed: `allowed` says what for (maybe nothing)

    state: str
    allowed: tuple[str, ...] = ()  # Usage values, in Usage's order
    people: int = 0  # whose releases count

    @property
    def label(self) -> str:
        if self.state == self.WAITING:
            return str(_("Release waiting to be signed — no use yet"))
        if self.state == self.NONE:
            return str(_("No model release — private use only"))
        if not self.allowed:
            return str(_("The release allows no use — private use only"))
        uses = ", ".join(str(USAGE_SHORT[Usage(usage)]) for usage in self.allowed)
        return _("May use: %(uses)s") % {"uses": uses}

    @property
    def may_use(self) -> bool:
        return bool(self.allowed)


NO_RELEASE = ReleaseUsage(state=ReleaseUsage.NONE)
WAITING = ReleaseUsage(state=ReleaseUsage.WAITING)


@dataclass
class _Release:
    pk: int
    person: str  # name_key of whom it is about; "" for the client
    status: str
    signed_at: datetime | None
    granted: set[str]


def _usage(releases: list[_Release]) -> ReleaseUsage:
    if not releases:
        return NO_RELEASE
    if any(release.status == Document.Status.PENDING for release in releases):
        return WAITING
    newest: dict[str, _Release] = {}
    for release in sorted(releases, key=lambda release: (release.signed_at, release.pk)):
        newest[release.person] = release
    allowed = set.intersection(*(release.granted for release in newest.values()))
    return ReleaseUsage(
        state=ReleaseUsage.SIGNED,
        allowed=tuple(usage for usage in Usage.values if usage in allowed),
        people=len(newest),
    )


def release_usage_for_bookings(*, booking_ids: Iterable[int]) -> dict[int, ReleaseUsage]:
    """Each booking's ReleaseUsage, by booking id (NO_RELEASE for one without). One query."""
    booking_ids = set(booking_ids)
    if not booking_ids:
        return {}
    rows = (
        Document.objects.filter(booking_id__in=booking_ids, kind=DocumentTemplate.Kind.RELEASE)
        .exclude(status=Document.Status.VOIDED)
        .values_list(
            "pk",
            "booking_id",
            "person_name",
            "status",
            "signed_at",
            "choices__usage",
            "choices__granted",
            "booking__booked_as",
            "booking__client__name",
        )
    )
    releases: dict[int, _Release] = {}
    by_booking: dict[int, list[_Release]] = defaultdict(list)
    for pk, booking_id, person, status, signed_at, usage, granted, booked_as, client in rows:
        if pk not in releases:
            # A release naming the person the session was booked under is the client's.
            key = name_key(person)
            key = "" if key == name_key(booked_as or client) else key
            releases[pk] = _Release(pk, key, status, signed_at, set())
            by_booking[booking_id].append(releases[pk])
        if usage and granted:
            releases[pk].granted.add(usage)
    return {booking_id: _usage(by_booking[booking_id]) for booking_id in booking_ids}


def release_usage_for_booking(*, booking_id: int) -> ReleaseUsage:
    """The booking's ReleaseUsage. One query."""
    return release_usage_for_bookings(booking_ids=[booking_id])[booking_id]


@dataclass(frozen=True)
class ClientDocuments:
    documents: list[Document]  # newest first; releases with `choices` prefetched
    releases: list[tuple[object, ReleaseUsage]]  # (booking, its usage), bookings with releases


def client_documents_for_studio(*, client_id: int) -> ClientDocuments:
    """Every document of the client's bookings (signed, waiting or void) and, per booking
    with a model release, what the studio may use its photos for. Three queries."""
    documents = list(
        Document.objects.filter(booking__client_id=client_id)
        .select_related("booking__session_type", "template")
        .prefetch_related(Prefetch("choices", queryset=ReleaseChoice.objects.order_by("pk")))
        .order_by("-booking__starts_at", "-required", "kind", "-pk")
    )
    bookings = {
        document.booking_id: document.booking
        for document in documents
        if document.kind == DocumentTemplate.Kind.RELEASE
    }
    usage = release_usage_for_bookings(booking_ids=bookings)
    return ClientDocuments(
        documents=documents,
        releases=[(booking, usage[booking_id]) for booking_id, booking in bookings.items()],
    )
