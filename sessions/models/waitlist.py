"""Waitlists: people waiting for a time on a full day (sessions.waitlist)."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import Booking, SessionType


def waitlist_token_new() -> str:
    return secrets.token_urlsafe(24)


class WaitlistEntry(models.Model):
    """Someone waiting for a time on a full day. When a time frees up the first one waiting
    is offered it: a held booking kept for them for the studio's `waitlist_offer_hours`,
    emailed with a link; unused, it lapses and the next one is offered."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a time")
        BOOKED = "booked", _("Booked")
        LAPSED = "lapsed", _("Offer not taken")
        LEFT = "left", _("Left the waitlist")
        PASSED = "passed", _("The day passed")

    session_type = models.ForeignKey(
        SessionType,
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("session type"),
    )
    package = models.ForeignKey(
        "shoots.Package",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("package"),
    )
    # What they chose with it (extra time among them): offered and booked with the time.
    add_ons = models.ManyToManyField(
        "shoots.AddOn", blank=True, related_name="+", verbose_name=_("add-ons")
    )
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"), max_length=254)
    # The key of the entry's private links (the offer, leaving); only in the emails.
    token = models.CharField(max_length=64, unique=True, default=waitlist_token_new, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)
    # The time held for them: a held booking whose hold_expires_at is the offer's end.
    hold = models.OneToOneField(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_offer",
        verbose_name=_("time held"),
    )
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    booking = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booking made"),
    )

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        ordering = ["day", "created_at", "pk"]
        indexes = [models.Index(fields=["status", "day"], name="waitlist_status_day")]
        constraints = [
            # One place per person per day and session type while they wait or are offered.
            models.UniqueConstraint(
                "session_type",
                "day",
                models.functions.Lower("email"),
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_place_each",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.session_type} · {self.day:%Y-%m-%d}"
