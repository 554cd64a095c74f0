"""The waitlist's pages: joining a full day's, and the private page an offer's email links
to (the time held, booking it, leaving)."""

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from sessions.access import private_response
from sessions.forms import OfferChoiceForm, WaitlistJoinForm, WaitlistLeaveForm
from sessions.models import SessionType
from sessions.payments.offers import Offer
from sessions.waitlist import (
    OPEN,
    WaitlistRefused,
    offer_booking_url,
    offer_is_open,
    waitlist_entry_by_token,
    waitlist_full_days,
    waitlist_join,
    waitlist_leave,
    waitlist_refusal,
)
from studio.http import int_or_none


def full_days_context(
    session_type, *, month: date, offer: Offer, days: list[date] | None
) -> list[dict]:
    """The full days of the month shown on the calendar, each with its "Join the waitlist"
    link (for the package chosen); `days`: those days, when the calendar found them."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    last = (timezone.now() + timedelta(days=session_type.booking_window_days)).astimezone(tz)
    month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    first_day, last_day = max(month, today), min(month_end, last.date())
    if first_day > last_day:
        return []
    if days is None:
        days = waitlist_full_days(
            session_type=session_type,
            first_day=first_day,
            last_day=last_day,
            tz=tz,
            duration=offer.duration,
        )
    url = reverse("sessions:waitlist-join", args=[session_type.slug])
    chosen = urlencode(offer.query())
    return [{"day": day, "url": f"{url}?day={day.isoformat()}&{chosen}"} for day in days]


# Places one address (IP) may take: enough for a family, too few to fill a day's list with
# addresses nobody asked for.
JOIN_RATE = "10/h"


def _day_asked(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _offer_asked(request, session_type) -> Offer | None:
    """The package and add-ons the calendar's link carries; an add-on no longer offered is
    left out, a package no longer offered leaves the choice to the studio (None)."""
    form = OfferChoiceForm(request.GET, session_type=session_type, studio=request.studio)
    if form.is_valid():
        return form.offer()
    if form.packages.get(int_or_none(request.GET.get("package"))) is None:
        return None
    return form.ticked()  # the package, with those of the add-ons sent still offered


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_join_view(request, slug):
    session_type = get_object_or_404(SessionType, slug=slug, is_active=True)
    day = _day_asked(request.GET.get("day"))
    today = timezone.localdate()
    if day is None:
        raise Http404
    if not today <= day <= today + timedelta(days=session_type.booking_window_days):
        # An old link, or one far ahead: the calendar, with why (never the slot engine on
        # dates it can't reach).
        messages.info(
            request,
            _("That day has passed: here are the days with free times.")
            if day < today
            else _("That day is further ahead than we take bookings for yet."),
        )
        return redirect("sessions:slot-pick", slug=slug)
    offer = _offer_asked(request, session_type)
    package = offer.package if offer else None

    def back_to_calendar(message: str):
        messages.info(request, message)
        chosen = [*(offer.query() if offer else []), ("month", f"{day:%Y-%m}")]
        chosen.append(("day", day.isoformat()))
        return redirect(reverse("sessions:slot-pick", args=[slug]) + f"?{urlencode(chosen)}#times")

    if request.method != "POST" and (
        refused := waitlist_refusal(
            session_type=session_type,
            package=package,
            add_ons=offer.add_ons if offer else (),
            day=day,
            tz=timezone.get_current_timezone(),
        )
    ):  # said before anyone types a name: a day with free times, or a day off
        return back_to_calendar(refused)
    form = WaitlistJoinForm(request.POST or None)
    joined, status = None, 200
    if request.method == "POST" and form.is_valid():
        if is_ratelimited(request, group="waitlist-join", key="ip", rate=JOIN_RATE, increment=True):
            form.add_error(
                None, _("That's a lot of waitlist places in a short time: please wait a while.")
            )
            status = 429
        else:
            try:
                joined = waitlist_join(
                    session_type=session_type,
                    package=package,
                    add_ons=offer.add_ons if offer else (),
                    day=day,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    tz=timezone.get_current_timezone(),
                )
            except WaitlistRefused as refused:
                return back_to_calendar(refused.message)
    return private_response(
        render(
            request,
            "sessions/waitlist_join.html",
            {
                "session_type": session_type,
                "package": package,
                # "Hair and make-up and Extra outfit", as the booking page lists them
                "add_ons": get_text_list([a.name for a in offer.add_ons], _("and"))
                if offer
                else "",
                "day": day,
                "form": form,
                "joined": joined,
            },
            status=status,
        )
    )


def _entry_or_404(token: str):
    entry = waitlist_entry_by_token(token)
    if entry is None:
        raise Http404
    return entry


@never_cache
@require_http_methods(["GET", "HEAD"])
def waitlist_entry_view(request, token):
    """Where an offer's email leads: the time held and a button to book it, or what became
    of the offer."""
    entry = _entry_or_404(token)
    is_open = offer_is_open(entry)
    return private_response(
        render(
            request,
            "sessions/waitlist_entry.html",
            {
                "entry": entry,
                "offer_open": is_open,
                "book_url": offer_booking_url(entry) if is_open else None,
                "leave_url": reverse("sessions:waitlist-leave", args=[token]),
            },
        )
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_leave_view(request, token):
    """Leaving the waitlist (from the offer's email): a question, then the button's POST.
    A time held for them goes to the next one waiting."""
    entry = _entry_or_404(token)
    if entry.status not in OPEN:  # booked, left, lapsed or past: its page says which
        return redirect("sessions:waitlist-entry", token=token)
    if request.method == "POST" and WaitlistLeaveForm(request.POST).is_valid():
        waitlist_leave(token=token)
        messages.success(request, _("You've left the waitlist. We won't email you about it again."))
        return redirect("sessions:waitlist-entry", token=token)
    return private_response(
        render(
            request,
            "sessions/waitlist_leave.html",
            {"entry": entry, "form": WaitlistLeaveForm()},
        )
    )
