"""The bookings admin's own pages: buttons, Move, Book for a client, brief, calendar."""

import re
from datetime import date, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

from clients.services import client_get_or_create
from sessions.admin.booking_confirm import (
    ASK_FIRST,
    act_confirm_response,
    given_back_yourself,
    paid_so_far,
)
from sessions.admin_calendar import VIEWS, calendar_page_drawn, date_asked
from sessions.admin_forms import (
    FreeTimeForm,
    StaffBookingForm,
    StaffRescheduleForm,
    booking_clash_message,
)
from sessions.admin_questionnaires import answer_rows
from sessions.booking_changes import (
    BookingChangeRefused,
    booking_approve,
    booking_cancel,
    booking_decline,
    booking_mark_attended,
    booking_reschedule,
)
from sessions.models import (
    AnswerImage,
    Booking,
    QuestionnaireResponse,
)
from sessions.payments.checkout import balance_request
from sessions.payments.errors import PaymentRefused
from sessions.payments.ledger import booking_balance_due, booking_received
from sessions.payments.redemptions import CodeRefused
from sessions.questionnaire_views import answer_image_response
from sessions.selectors import (
    session_type_slots,
)
from sessions.services import (
    SlotUnavailable,
    booking_clash_find,
    booking_create_by_staff,
    booking_times,
)
from studio.admin_permissions import admin_view_requires, model_admin_allows
from studio.forms import PageButtonForm
from studio.http import int_or_none
from studio.models import Photographer
from studio.selectors import studio_get

FREE_DAYS = 7  # days of free times the Move page shows at once


class BookingPagesMixin:
    """A booking's admin pages beyond its own form, for `bookings.BookingAdmin`: its buttons
    (act), Move, Book for a client, the printable brief, questionnaire photos and the
    calendar. Each checks its permission with `admin_view_requires`."""

    @admin_view_requires("view")
    def act_view(self, request, booking_id):
        """One button on a booking's page: the same services, and the same permissions, as
        the list's actions."""
        if request.method != "POST":
            raise PermissionDenied
        needs = {name: needs for name, _label, _statuses, needs in self.PAGE_ACTIONS}
        form = PageButtonForm(request.POST, names=list(needs))
        if not form.is_valid():
            raise Http404
        doing = form.cleaned_data["do"]
        if not model_admin_allows(self, request, needs[doing]):
            raise PermissionDenied
        booking = get_object_or_404(Booking, pk=booking_id)
        response = self.page_action_run(request, booking, doing)
        if response is not None:
            return response
        if doing in ASK_FIRST and request.POST.get("confirmed") != "yes":
            labels = {name: label for name, label, _statuses, _needs in self.PAGE_ACTIONS}
            return act_confirm_response(request, self, booking, doing=doing, label=labels[doing])
        paid = paid_so_far(booking)
        services = {
            "approve": (
                lambda: booking_approve(booking_id=booking.pk),
                _("Confirmed; the client is emailed."),
            ),
            "decline": (
                lambda: booking_decline(booking_id=booking.pk),
                _("Declined; the client is emailed."),
            ),
            "complete": (
                lambda: booking_mark_attended(booking_id=booking.pk, attended=True),
                _("Marked completed."),
            ),
            "no_show": (
                lambda: booking_mark_attended(booking_id=booking.pk, attended=False),
                _("Marked as a no-show."),
            ),
            "balance": (
                lambda: balance_request(booking_id=booking.pk),
                _("Balance request sent."),
            ),
            "cancel": (
                lambda: booking_cancel(booking_id=booking.pk, by_client=False),
                _("Cancelled, with a full refund; the client is emailed."),
            ),
            "cancel_keep": (
                lambda: booking_cancel(booking_id=booking.pk, by_client=False, refund_percent=0),
                _("Cancelled, keeping what was paid; the client is emailed."),
            ),
        }
        service, done = services[doing]
        try:
            service()
        except (BookingChangeRefused, PaymentRefused) as refused:
            self.message_user(request, refused.message, messages.WARNING)
        else:
            self.message_user(request, done, messages.SUCCESS)
            if doing == "cancel" and (yourself := given_back_yourself(booking, paid)):
                self.message_user(request, yourself, messages.WARNING)
        return redirect("admin:shoots_booking_change", booking.pk)

    @admin_view_requires("change")
    def reschedule_view(self, request, booking_id):
        """Move a booking: to one of its photographer's free times (pressed), or to a time
        typed in, where the public rules may be set aside but an overlap never is. The same
        service as the client's move; the client gets an updated invite."""
        booking = get_object_or_404(
            Booking.objects.select_related("client", "session_type", "photographer"),
            pk=booking_id,
        )
        tz = ZoneInfo(studio_get().time_zone)
        pressed = request.method == "POST" and "start" in request.POST
        form = StaffRescheduleForm(
            request.POST if request.method == "POST" and not pressed else None,
            initial={"date": booking.starts_at.astimezone(tz).date()},
            booking=booking,
            tz=tz,
        )
        nearest, problems, starts_at, outside_rules = [], [], None, False
        if pressed:
            free_time = FreeTimeForm(request.POST)
            if free_time.is_valid():
                starts_at = free_time.cleaned_data["start"]
            else:
                problems.append(_("Please choose one of the free times."))
        elif request.method == "POST" and form.is_valid():
            starts_at = form.cleaned_data["starts_at"]
            outside_rules = form.cleaned_data["outside_rules"]
        clash = form.clash
        if starts_at is not None and starts_at == booking.starts_at:
            problems.append(_("The session is at that time already."))
        elif starts_at is not None:
            try:
                booking_reschedule(
                    booking_id=booking.pk,
                    starts_at=starts_at,
                    tz=tz,
                    by_client=False,
                    outside_rules=outside_rules,
                )
            except SlotUnavailable as taken:
                moved = Booking(
                    pk=booking.pk,
                    photographer_id=booking.photographer_id,
                    **booking_times(booking.session_type, starts_at, booking.duration),
                )
                clash, problem = self._clash_named(moved, tz, otherwise=taken.message)
                problems.append(problem)
                nearest = [slot.starts_at for slot in taken.nearest]
            except BookingChangeRefused as refused:
                problems.append(refused.message)
            else:
                self.message_user(
                    request, _("Moved; the client is emailed an updated invite."), messages.SUCCESS
                )
                return redirect("admin:shoots_booking_change", booking.pk)
        first_day = self._free_times_from(request, form, booking, starts_at, tz)
        today = timezone.localdate(timezone=tz)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Move %(ref)s") % {"ref": booking.reference},
            "booking": booking,
            "local_start": booking.starts_at.astimezone(tz),
            "movable": booking.status in Booking.ACTIVE_STATUSES,
            "form": form,
            "problems": [*form.non_field_errors(), *problems],
            "clash": clash,
            "nearest": [start.astimezone(tz) for start in nearest],
            "free_days": self._free_days(booking, first_day, tz),
            "earlier": max(first_day - timedelta(days=FREE_DAYS), today),
            "earlier_shown": first_day > today,
            "later": first_day + timedelta(days=FREE_DAYS),
            "media": self.media + form.media,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/shoots/booking/reschedule.html", context)

    @staticmethod
    def _clash_named(wanted: Booking, tz, *, otherwise: str) -> tuple[Booking | None, str]:
        """After a booking service refused a time: the booking it clashes with, found by a
        query (the service may have met the overlap constraint, or the public rules), and
        what to tell the studio; `otherwise` when there is none."""
        clash = booking_clash_find(booking=wanted)
        return clash, booking_clash_message(clash, wanted=wanted, tz=tz) if clash else otherwise

    @staticmethod
    def _free_times_from(request, form, booking: Booking, starts_at, tz) -> date:
        """The first day of free times to show: asked for, else the day being tried, else
        the booking's own day (today, if that has passed)."""
        today = timezone.localdate(timezone=tz)
        try:
            asked = date.fromisoformat(request.GET.get("from", ""))
            if abs(asked - today) < timedelta(days=3660):  # a typo of a year: not an error
                return asked
        except ValueError:
            pass
        tried = getattr(form, "cleaned_data", {}).get("date")
        if starts_at is not None:
            tried = starts_at.astimezone(tz).date()
        return max(tried or booking.starts_at.astimezone(tz).date(), today)

    @staticmethod
    def _free_days(booking: Booking, first_day: date, tz) -> list[tuple[date, list]]:
        """Each day from `first_day` with the free start times of the booking's session
        type and photographer then, as clients would be offered them (its own time aside)."""
        if booking.status not in Booking.ACTIVE_STATUSES:
            return []
        last_day = first_day + timedelta(days=FREE_DAYS - 1)
        days = session_type_slots(
            session_type=booking.session_type,
            first_day=first_day,
            last_day=last_day,
            tz=tz,
            photographer_ids=[booking.photographer_id],
            exclude_booking_id=booking.pk,
            duration=booking.duration,
        )
        return [
            (
                first_day + timedelta(days=n),
                [
                    slot.starts_at.astimezone(tz)
                    for slot in days.get(first_day + timedelta(days=n), [])
                    if slot.starts_at != booking.starts_at
                ],
            )
            for n in range(FREE_DAYS)
        ]

    @admin_view_requires("view")
    def photo_view(self, request, booking_id, image_id, size):
        """A client's questionnaire photo, for staff who may see the booking."""
        image = AnswerImage.objects.filter(pk=image_id, response__booking_id=booking_id).first()
        return answer_image_response(image, size)

    @admin_view_requires("view")
    def brief_view(self, request, booking_id):
        """A printable page for the day of the shoot: who, when, what, and their answers."""
        booking = get_object_or_404(
            Booking.objects.select_related("client", "session_type", "photographer"),
            pk=booking_id,
        )
        responses = QuestionnaireResponse.objects.filter(booking=booking).prefetch_related(
            "answers", "images"
        )
        user = request.user
        money = user.has_perm("shoots.view_payment") or user.has_perm("shoots.change_payment")
        return TemplateResponse(
            request,
            "admin/shoots/booking/brief.html",
            {
                "booking": booking,
                "studio": studio_get(),
                "responses": [{"response": r, "rows": answer_rows(r)} for r in responses],
                # Money only for those who may see payments (as on the dashboard).
                "paid": booking_received(booking) if money else None,
                "due": booking_balance_due(booking) if money else None,
            },
        )

    @admin_view_requires("view")
    def calendar_view(self, request):
        """Month, week and day views of the bookings (?view=, ?date=, filters)."""
        studio = studio_get()
        tz = ZoneInfo(studio.time_zone)
        today = timezone.localdate(timezone=tz)
        view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
        anchor = date_asked(request.GET.get("date"), today=today)
        filters = {
            key: request.GET[key]
            for key in ("photographer", "session_type", "cancelled")
            if request.GET.get(key)
        }
        can_book = self.has_book_permission(request)
        can_move = self.has_change_permission(request)
        can_block = request.user.has_perm("shoots.add_timeoff")
        suffix = f"&{urlencode(filters)}" if filters else ""
        moment = timezone.now()
        quarter_hour = moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)
        page, grid = calendar_page_drawn(
            draw=lambda page: render_to_string(
                "admin/shoots/booking/_calendar_grid.html",
                {
                    "page": page,
                    "can_book": can_book,
                    "can_move": can_move,
                    "can_block": can_block,
                    "filter_suffix": suffix,
                },
            ),
            drawn_for=f"{int(can_book)}:{int(can_move)}:{int(can_block)}:{suffix}",
            view=view,
            anchor=anchor,
            tz=tz,
            today=today,
            photographer_id=int_or_none(request.GET.get("photographer")),
            session_type_id=int_or_none(request.GET.get("session_type")),
            show_cancelled=request.GET.get("cancelled") == "1",
            # The line of now: a week or a day is drawn again each quarter hour.
            now=quarter_hour if view != "month" else None,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Calendar"),
            "opts": self.model._meta,
            "page": page,
            "grid": grid,
            "filters": filters,
            "filter_query": urlencode(filters),
            "can_move": can_move and view != "month",
            "can_block": can_block and view != "month",
            "today": today,
            "views": list(zip(VIEWS, [_("Month"), _("Week"), _("Day")], strict=True)),
        }
        return TemplateResponse(request, "admin/shoots/booking/calendar.html", context)

    @admin_view_requires("view")
    def calendar_colours_view(self, request):
        """Each photographer's calendar colour as a class: the page's policy allows no inline
        styles, and colours are the studio's to choose."""
        rules = [
            f".ph-{pk} {{ --ph: {colour}; }}"
            for pk, colour in Photographer.objects.values_list("pk", "calendar_colour")
            if re.fullmatch(r"#[0-9a-fA-F]{6}", colour or "")
        ]
        response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
        patch_cache_control(response, private=True, max_age=60)
        return response

    @admin_view_requires("book")
    def phone_booking_view(self, request):
        initial = {
            key: request.GET[key]
            for key in ("photographer", "date", "time")
            if request.GET.get(key)
        }
        form = StaffBookingForm(request.POST or None, initial=initial)
        clash = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a refused code or time makes no client either
                    client = data["client"] or client_get_or_create(
                        email=data["new_client_email"],
                        name=data["new_client_name"],
                        phone=data["new_client_phone"],
                    )
                    booking = booking_create_by_staff(
                        client=client,
                        session_type=data["session_type"],
                        photographer=data["photographer"],
                        starts_at=data["starts_at"],
                        client_notes=data["client_notes"],
                        email_client=data["email_client"],
                        offer=data["offer"],
                        code=data["code"].strip(),
                    )
            except CodeRefused as refused:
                form.add_error("code", refused.message)
            except SlotUnavailable as taken:
                wanted = Booking(
                    photographer=data["photographer"],
                    **booking_times(
                        data["session_type"], data["starts_at"], data["offer"].duration
                    ),
                )
                clash, problem = self._clash_named(
                    wanted, timezone.get_current_timezone(), otherwise=taken.message
                )
                form.add_error(None, problem)
            else:
                self.message_user(
                    request,
                    _("Booked: %(ref)s for %(client)s.")
                    % {"ref": booking.reference, "client": client.name},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:shoots_booking_change", args=[booking.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Book for a client"),
            "form": form,
            "clash": clash or getattr(form, "clash", None),
            "media": self.media + form.media,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/shoots/booking/book_for_client.html", context)
