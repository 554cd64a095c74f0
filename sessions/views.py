import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from clients.services import client_get_or_create
from sessions.access import booking_url, private_response
from sessions.calendar_feeds import photographer_feed
from sessions.document_views import document_sign_url
from sessions.documents.services import documents_in_signing_order
from sessions.forms import BookingDetailsForm, OfferChoiceForm, SlotChoiceForm
from sessions.models import Booking, Payment, SessionType, WaitlistEntry
from sessions.models.slot_version import slot_version_get
from sessions.month_calendar import calendar_context
from sessions.payments.installments import offer_plan_preview, plan_steps_of
from sessions.payments.offers import (
    Offer,
    offer_default,
    offer_prefetches,
    packages_offered,
    session_type_has_choices,
)
from sessions.payments.plan_views import payment_card_consent
from sessions.payments.redemptions import CodeQuote, CodeRefused, code_quote
from sessions.payments.views import payment_start
from sessions.public_list import session_type_cards
from sessions.selectors import CLOCK_BUCKET_SECONDS, session_type_slots
from sessions.services import SlotUnavailable, booking_create
from sessions.waitlist import waitlist_offer_for, waitlist_offer_take
from sessions.waitlist_views import full_days_context
from studio.http import int_or_none
from studio.link_previews import link_preview
from studio.models import Photographer
from studio.page_cache import public_page_key, public_page_memo_many
from studio.selectors import studio_get

DETAILS_SESSION_KEY = "booking_details"
SLOT_PICK_READS = ("month", "day", "photographer", "package", "add_on", "change")


def _bookable_type(slug: str) -> SessionType:
    """A bookable session type, with the packages and add-ons it offers (3 queries)."""
    session_types = SessionType.objects.filter(is_active=True).prefetch_related(*offer_prefetches())
    session_type = get_object_or_404(session_types, slug=slug)
    if not packages_offered(session_type):
        raise Http404  # nothing to sell online: the studio took every package out of use
    return session_type


def _photographer_choice(session_type: SessionType, pk: int | None) -> Photographer | None:
    """The photographer asked for, if they offer this session."""
    if pk is None:
        return None
    return session_type.photographers.filter(is_active=True, pk=pk).first()


def _offer_query(offer: Offer | None) -> list[tuple[str, int]]:
    """The package and add-ons in a booking page's address; none for a one-price type."""
    return offer.query() if offer and session_type_has_choices(offer.session_type) else []


def _slot_pick_url(session_type, *, day=None, photographer=None, offer=None) -> str:
    query = _offer_query(offer)
    if day:
        query += [("month", day.strftime("%Y-%m")), ("day", day.isoformat())]
    if photographer:
        query.append(("photographer", photographer.pk))
    url = reverse("sessions:slot-pick", args=[session_type.slug])
    return f"{url}?{urlencode(query)}" if query else url


def _details_urls(session_type, photographer=None, offer=None):
    """`url(slot)`, the details page for a time: the route and the rest of the query worked
    out once for a day's list of times."""
    rest = urlencode(
        [*_offer_query(offer), *([("photographer", photographer.pk)] if photographer else [])]
    )
    base = reverse("sessions:booking-create", args=[session_type.slug]) + "?"
    tail = f"&{rest}" if rest else ""
    return lambda slot: base + urlencode([("start", slot.starts_at.isoformat())]) + tail


def _offer_chosen(request, session_type) -> tuple[Offer | None, OfferChoiceForm | None]:
    """The package and add-ons in the address: the offer, or None with the form to choose
    (bound, with its errors, when something unusable was sent). A session type with one
    package and no add-ons sells that package without asking."""
    studio = getattr(request, "studio", None)
    if not session_type_has_choices(session_type):
        return offer_default(session_type, studio=studio), None
    if "package" not in request.GET:
        return None, OfferChoiceForm(session_type=session_type, studio=studio)
    form = OfferChoiceForm(request.GET, session_type=session_type, studio=studio)
    if not form.is_valid() or "change" in request.GET:
        return None, form
    return form.offer(), form


@require_safe
def session_type_list(request):
    preview = link_preview(
        request=request,
        title=_("Book a session with %(studio)s") % {"studio": request.studio.name},
        description=request.studio.intro,
    )
    cards = session_type_cards(request.studio)
    return render(
        request, "sessions/session_type_list.html", {"cards": cards, "link_preview": preview}
    )


def _session_type_preview(request, session_type: SessionType) -> dict:
    return link_preview(
        request=request,
        title=f"{session_type.name} · {request.studio.name}",
        description=session_type.description,
        image=session_type.cover_large.name,
    )


@require_safe
def slot_pick(request, slug):
    """Choose a package and add-ons (when the session type offers a choice), then a time.
    The same for every visitor of an address in a minute: made once per minute and per
    change of what it shows (public_pages_changed: the session type, its packages, add-ons
    and photographers; the slot version: bookings, hours, time off), unless a message
    waits for this visitor."""
    if get_messages(request):
        return _slot_pick(request, slug)
    key = (
        *public_page_key("slot-pick", request.studio),
        request.path,
        # What the page reads of the address, no more: any other parameter would make pages
        # of its own until the store was full, and anyone could empty it that way.
        tuple((name, tuple(request.GET.getlist(name))) for name in SLOT_PICK_READS),
        slot_version_get(),
        int(time.time()) // CLOCK_BUCKET_SECONDS,  # what is free moves on with the clock
        timezone.get_current_timezone_name(),
    )
    page = public_page_memo_many(key, lambda: _slot_pick(request, slug).content)
    return HttpResponse(page)


def _slot_pick(request, slug):
    session_type = _bookable_type(slug)
    photographer = _photographer_choice(session_type, int_or_none(request.GET.get("photographer")))
    offer, offer_form = _offer_chosen(request, session_type)
    if offer is None:
        return render(
            request,
            "sessions/package_pick.html",
            {
                "session_type": session_type,
                "form": offer_form,
                "photographer": photographer,
                "link_preview": _session_type_preview(request, session_type),
            },
        )
    context = calendar_context(
        request,
        session_type,
        photographer=photographer,
        time_url=_details_urls(session_type, photographer, offer),
        base_url=reverse("sessions:slot-pick", args=[session_type.slug]),
        duration=offer.duration,
        query=_offer_query(offer),
        # With one photographer chosen, a day is full only when nobody else has a time
        # either, so the studio's full days are worked out afresh below.
        full_days=photographer is None,
    )
    context["photographers"] = session_type.photographers.filter(is_active=True)
    context["offer"] = offer
    context["offer_query"] = _offer_query(offer)
    context["change_offer_url"] = _change_offer_url(session_type, offer, photographer)
    context["link_preview"] = _session_type_preview(request, session_type)
    context["full_days"] = full_days_context(
        session_type,
        month=context["month"],
        offer=offer,
        days=None if photographer else context["full_day_dates"],
    )
    return render(request, "sessions/slot_pick.html", context)


def _change_offer_url(session_type, offer, photographer) -> str | None:
    """Back to the package page with the choice ticked, when there is a choice."""
    query = _offer_query(offer)
    if not query:
        return None
    query += [("change", 1), *([("photographer", photographer.pk)] if photographer else [])]
    return reverse("sessions:slot-pick", args=[session_type.slug]) + "?" + urlencode(query)


@require_http_methods(["GET", "HEAD", "POST"])
def booking_create_view(request, slug):
    session_type = _bookable_type(slug)
    studio = request.studio
    tz = timezone.get_current_timezone()
    chosen = SlotChoiceForm(request.GET)
    chosen.is_valid()  # neither field refuses anything: what cannot be read is None
    photographer = _photographer_choice(session_type, chosen.cleaned_data["photographer"])
    offer, _offer_form = _offer_chosen(request, session_type)
    if offer is None:
        messages.info(request, _("Please choose a package first."))
        return redirect(_slot_pick_url(session_type, photographer=photographer))
    starts_at = chosen.cleaned_data["start"]
    if starts_at is None:
        messages.info(request, _("Please choose a day and a time first."))
        return redirect(_slot_pick_url(session_type, photographer=photographer, offer=offer))
    waitlist = waitlist_offer_for(request.GET.get("waitlist"), starts_at=starts_at)
    local_day = starts_at.astimezone(tz).date()
    calendar_url = _slot_pick_url(
        session_type, day=local_day, photographer=photographer, offer=offer
    )
    applying = request.method == "POST" and "apply_code" in request.POST
    steps = plan_steps_of(offer.package.pk)
    form = BookingDetailsForm(
        request.POST or None,
        initial=request.session.get(DETAILS_SESSION_KEY) or _waitlist_initial(waitlist),
        policies=studio.policies,
        code_only=applying,
        autopay_offered=bool(steps) and settings.PAYMENTS_ENABLED and offer.deposit > 0,
    )
    if request.method != "POST":
        offered = session_type_slots(
            session_type=session_type,
            first_day=local_day,
            last_day=local_day,
            tz=tz,
            photographer_ids=[photographer.pk] if photographer else None,
            duration=offer.duration,
            exclude_booking_id=waitlist and waitlist.hold_id,  # the time held for them
        ).get(local_day, [])
        if not any(slot.starts_at == starts_at for slot in offered):
            messages.warning(
                request, _("Sorry, that time is no longer free. Please choose another.")
            )
            return redirect(calendar_url)
    elif form.is_valid() and not applying:
        details = {key: form.cleaned_data[key] for key in DETAILS_KEPT}
        request.session[DETAILS_SESSION_KEY] = details  # kept if the time is taken
        try:
            booking = _book(details, session_type, starts_at, tz, photographer, offer, waitlist)
        except SlotUnavailable as unavailable:
            return _slot_taken(
                request, unavailable, session_type, photographer, offer, calendar_url
            )
        except CodeRefused as refused:
            form.add_error("code", refused.message)
        else:
            if form.cleaned_data.get("autopay"):
                # A code may have left no deposit (the card can be saved at a later part).
                deposit = booking.payments.filter(kind=Payment.Kind.DEPOSIT).first()
                if deposit is not None:
                    payment_card_consent(payment_id=deposit.pk, save_card=True)
            return _after_booking(request, booking)
    quote = _code_quote_shown(form, offer, tz)
    if applying and form.is_valid() and not form.has_error("code"):
        # "Apply" pressed and the code taken: what was typed is kept and the page shown by
        # a GET, so Back and reload never ask to send the form again.
        request.session[DETAILS_SESSION_KEY] = {
            key: form.cleaned_data.get(key) for key in DETAILS_KEPT
        }
        return redirect(request.get_full_path())
    return private_response(
        render(
            request,
            "sessions/booking_form.html",
            {
                "session_type": session_type,
                "offer": offer,
                "quote": quote,
                "today": timezone.localdate(timezone=tz),
                "payments_enabled": settings.PAYMENTS_ENABLED,
                "plan": steps
                and offer_plan_preview(
                    steps,
                    total=quote.total if quote else offer.price,
                    deposit=offer.deposit,
                    starts_at=starts_at,
                ),
                "starts_at": starts_at,
                "ends_at": starts_at + offer.duration,
                "photographer": photographer,
                "form": form,
                "time_zone": tz.key,
                "change_url": calendar_url,
                "waitlist": waitlist,
            },
        )
    )


DETAILS_KEPT = (
    "name",
    "email",
    "phone",
    "for_whom",
    "photographed_name",
    "photographed_note",
    "notes",
    "code",
)


def _book(details, session_type, starts_at, tz, photographer, offer, waitlist=None) -> Booking:
    """Book from the details typed; raises SlotUnavailable or CodeRefused, leaving nothing
    behind (not even a new client record). With a waitlist entry, the time held for it is
    released to this booking in the same transaction."""
    with transaction.atomic():
        if waitlist is not None:
            waitlist_offer_take(entry_id=waitlist.pk, starts_at=starts_at)
        client = client_get_or_create(
            email=details["email"], name=details["name"], phone=details["phone"]
        )
        booking = booking_create(
            client=client,
            session_type=session_type,
            starts_at=starts_at,
            tz=tz,
            photographer=photographer,
            client_notes=details["notes"],
            booked_as=details["name"],
            photographed=(details["photographed_name"], details["photographed_note"]),
            offer=offer,
            code=details["code"],
        )
        if waitlist is not None:
            WaitlistEntry.objects.filter(pk=waitlist.pk).update(booking=booking)
        return booking


def _waitlist_initial(waitlist) -> dict:
    """The details form filled in for someone who was offered a time from the waitlist."""
    return {"name": waitlist.name, "email": waitlist.email} if waitlist else {}


def _slot_taken(request, unavailable, session_type, photographer, offer, calendar_url):
    url = _details_urls(session_type, photographer, offer)
    return render(
        request,
        "sessions/slot_taken.html",
        {
            "session_type": session_type,
            "message": unavailable.message,
            "nearest": [{"slot": slot, "url": url(slot)} for slot in unavailable.nearest],
            "calendar_url": calendar_url,
        },
        status=409,
    )


def _after_booking(request, booking):
    request.session.pop(DETAILS_SESSION_KEY, None)
    to_sign = documents_in_signing_order(booking)
    if to_sign:  # read and sign, then pay
        return redirect(document_sign_url(booking, to_sign[0], booking_step=True))
    if booking.status == Booking.Status.HELD:
        return payment_start(request, booking, booking.payments.get(kind="deposit"))
    return redirect(booking_url(booking))


def _code_quote_shown(form, offer, tz) -> CodeQuote | None:
    """What the code typed takes off, for the page shown again; a refusal becomes the code
    field's error."""
    if form.has_error("code"):
        return None
    # A page shown after "Apply" (a GET) has the code among what was kept, not posted.
    typed = form.cleaned_data if form.is_bound else form.initial
    text = typed.get("code")
    if not text:
        return None
    try:
        return code_quote(text=text, offer=offer, email=typed.get("email") or "", tz=tz)
    except CodeRefused as refused:
        if form.is_bound:
            form.add_error("code", refused.message)
        return None


@require_safe
def calendar_feed(request, token):
    """A photographer's bookings for their calendar app. The token is the only key: a wrong
    or rotated one is a 404."""

    photographer = Photographer.objects.filter(calendar_feed_token=token).first()
    if photographer is None or len(token) < 20:
        raise Http404
    body = photographer_feed(
        photographer=photographer,
        tz=ZoneInfo(studio_get().time_zone),
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    patch_cache_control(response, private=True, max_age=300)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response
