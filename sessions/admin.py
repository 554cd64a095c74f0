import re
from datetime import date, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clients.services import client_get_or_create
from sessions.admin_calendar import VIEWS, calendar_page
from sessions.admin_forms import (
    BookingAdminForm,
    FreeTimeForm,
    StaffBookingForm,
    StaffRescheduleForm,
    booking_clash_message,
)
from sessions.admin_questionnaires import answer_rows, booking_answers_html
from sessions.booking_changes import (
    BookingChangeRefused,
    booking_approve,
    booking_cancel,
    booking_decline,
    booking_mark_attended,
    booking_reschedule,
)
from sessions.calendar_feeds import external_calendar_sync
from sessions.models import (
    AnswerImage,
    AvailabilityRule,
    Booking,
    DateHours,
    ExternalCalendar,
    Payment,
    QuestionnaireResponse,
    SessionType,
    TimeOff,
)
from sessions.payments.admin import (
    DisputedFilter,
    received_display,
    refunded_display,
    stripe_links,
)
from sessions.payments.checkout import balance_request
from sessions.payments.errors import PaymentRefused
from sessions.payments.ledger import booking_balance_due, booking_received
from sessions.questionnaire_views import answer_image_response
from sessions.reminders import upcoming_reminders
from sessions.selectors import (
    questionnaire_progress_text,
    session_type_slots,
    with_questionnaire_progress,
)
from sessions.services import (
    SlotUnavailable,
    booking_clash_find,
    booking_create_by_staff,
    booking_times,
)
from sessions.tasks import external_calendar_sync_task
from studio.admin_permissions import admin_view_requires, model_admin_allows
from studio.background import task_enqueue_on_commit
from studio.forms import SessionTypeAdminForm
from studio.http import int_or_none
from studio.models import Photographer, SentEmail
from studio.money import money_format
from studio.selectors import studio_get
from studio.templatetags.money import money

FREE_DAYS = 7  # days of free times the Move page shows at once


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    form = SessionTypeAdminForm
    list_display = [
        "name",
        "duration_minutes",
        "price_display",
        "deposit_display",
        "requires_approval",
        "is_active",
        "display_order",
    ]
    list_editable = ["is_active", "display_order"]
    list_filter = ["is_active", "requires_approval", "dated_only", "photographers"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["photographers"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "description", "cover", "location", "photographers"]},
        ),
        (_("Price"), {"fields": ["currency", "price", "deposit"]}),
        (
            _("Timing"),
            {
                "fields": [
                    "duration_minutes",
                    ("buffer_before_minutes", "buffer_after_minutes"),
                    "slot_step_minutes",
                    ("minimum_notice_hours", "booking_window_days"),
                    "max_per_day",
                    "dated_only",
                ]
            },
        ),
        (_("Proofing"), {"fields": ["included_images", "extra_image_price"]}),
        (_("Booking"), {"fields": ["requires_approval", "is_active", "display_order"]}),
    ]

    def get_changeform_initial_data(self, request) -> dict:
        return {"currency": studio_get().currency, **super().get_changeform_initial_data(request)}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Someone who may only look sees amounts as money, not as stored minor units.
        shown = {
            "price": "price_display",
            "deposit": "deposit_display",
            "extra_image_price": "extra_image_price_display",
        }
        return [
            (title, {**options, "fields": [shown.get(f, f) for f in options["fields"]]})
            for title, options in fieldsets
        ]

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, obj: SessionType) -> str:
        return money(obj.price, obj.currency)

    @admin.display(description=_("deposit"), ordering="deposit")
    def deposit_display(self, obj: SessionType) -> str:
        return money(obj.deposit, obj.currency)

    @admin.display(description=_("price per extra image"))
    def extra_image_price_display(self, obj: SessionType) -> str:
        return money(obj.extra_image_price, obj.currency)


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(admin.ModelAdmin):
    list_display = [
        "photographer",
        "weekday",
        "start_time",
        "end_time",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["photographer", "weekday"]
    list_select_related = ["photographer"]


@admin.register(DateHours)
class DateHoursAdmin(admin.ModelAdmin):
    list_display = [
        "date",
        "start_time",
        "end_time",
        "photographer",
        "session_type",
        "replaces_weekly",
        "label",
    ]
    list_filter = ["photographer", "session_type", "replaces_weekly"]
    list_select_related = ["photographer", "session_type"]
    date_hierarchy = "date"


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "photographer", "reason", "external_calendar"]
    list_filter = ["photographer", ("external_calendar", admin.EmptyFieldListFilter)]
    list_select_related = ["photographer", "external_calendar"]
    date_hierarchy = "starts_at"

    def has_change_permission(self, request, obj=None) -> bool:
        # Busy times from an outside calendar are replaced at each reading: change them there.
        if obj is not None and obj.external_calendar_id:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.external_calendar_id:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ExternalCalendar)
class ExternalCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "photographer", "synced_at", "busy_count", "problem"]
    list_filter = ["photographer"]
    list_select_related = ["photographer"]
    readonly_fields = ["synced_at", "busy_count", "problem"]
    actions = ["read_now"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        task_enqueue_on_commit(external_calendar_sync_task, calendar_id=obj.pk)

    @admin.action(description=_("Read now"), permissions=["change"])
    def read_now(self, request, queryset):
        for external in queryset:
            external = external_calendar_sync(calendar_id=external.pk)
            if external.problem:
                self.message_user(request, f"{external}: {external.problem}", messages.WARNING)
            else:
                self.message_user(
                    request,
                    _("%(calendar)s: %(count)d busy times.")
                    % {"calendar": external, "count": external.busy_count},
                    messages.SUCCESS,
                )


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "kind",
        "amount_display",
        "received",
        "status",
        "refunded",
        "paid_at",
        "disputed_at",
        "stripe",
        "actor_label",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor_user")

    @admin.display(description=_("asked for"))
    def amount_display(self, obj: Payment) -> str:
        return money_format(obj.amount, obj.currency)

    @admin.display(description=_("received (Stripe)"))
    def received(self, obj: Payment) -> str:
        return received_display(obj)

    @admin.display(description=_("refunded"))
    def refunded(self, obj: Payment) -> str:
        return refunded_display(obj)

    @admin.display(description=_("Stripe"))
    def stripe(self, obj: Payment) -> str:
        return stripe_links(obj)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "starts_at",
        "client_name",
        "session_type",
        "photographer",
        "status",
        "price_display",
        "questionnaire_status",
    ]
    list_filter = ["status", "photographer", "session_type", "starts_at", DisputedFilter]
    search_fields = ["reference", "client__name", "client__email", "booked_as"]
    date_hierarchy = "starts_at"
    list_select_related = ["client", "session_type", "photographer"]
    actions = [
        "approve",
        "decline",
        "cancel",
        "cancel_keeping_payments",
        "request_balance",
    ]
    form = BookingAdminForm
    inlines = [PaymentInline]

    def _apply(self, request, queryset, service, done_message):
        done, refused = 0, []
        for booking in queryset:
            try:
                service(booking_id=booking.pk)
                done += 1
            except (BookingChangeRefused, PaymentRefused) as error:
                refused.append(f"{booking.reference}: {error.message}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    # Permissions of the actions and buttons beyond Django's own (studio.admin_permissions).
    def has_payments_permission(self, request) -> bool:
        """Money asked for or given back: refunds, balance requests, cancelling with a refund."""
        return request.user.has_perm("shoots.manage_payments")

    def has_cancel_refunding_permission(self, request) -> bool:
        """Cancel and give the money back: both changing bookings and handling money. (One
        name, since Django lets an action run on any one of the permissions it lists.)"""
        return self.has_change_permission(request) and self.has_payments_permission(request)

    def has_book_permission(self, request) -> bool:
        """Book for a client (the plain add form stays off: see has_add_permission)."""
        return request.user.has_perm("shoots.add_booking")

    @admin.action(
        description=_("Approve the selected requests (the client is emailed)"),
        permissions=["change"],
    )
    def approve(self, request, queryset):
        self._apply(
            request,
            queryset,
            booking_approve,
            lambda n: ngettext("%d request approved.", "%d requests approved.", n) % n,
        )

    @admin.action(
        description=_("Decline the selected requests (the client is emailed)"),
        permissions=["change"],
    )
    def decline(self, request, queryset):
        self._apply(
            request,
            queryset,
            booking_decline,
            lambda n: ngettext("%d request declined.", "%d requests declined.", n) % n,
        )

    @admin.action(
        description=_("Cancel the selected bookings, refunding payments in full (emailed)"),
        permissions=["cancel_refunding"],
    )
    def cancel(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda booking_id: booking_cancel(booking_id=booking_id, by_client=False),
            lambda n: ngettext("%d booking cancelled.", "%d bookings cancelled.", n) % n,
        )

    @admin.action(
        description=_("Cancel the selected bookings, keeping what was paid (emailed)"),
        permissions=["change"],
    )
    def cancel_keeping_payments(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda booking_id: booking_cancel(
                booking_id=booking_id, by_client=False, refund_percent=0
            ),
            lambda n: ngettext("%d booking cancelled.", "%d bookings cancelled.", n) % n,
        )

    @admin.action(
        description=_("Send a balance request (the client is emailed what is left to pay)"),
        permissions=["payments"],
    )
    def request_balance(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda booking_id: balance_request(booking_id=booking_id),
            lambda n: ngettext("%d balance request sent.", "%d balance requests sent.", n) % n,
        )

    change_list_template = "admin/shoots/booking/change_list.html"
    change_form_template = "admin/shoots/booking/change_form.html"

    # The buttons on a booking's page: name, label, which statuses show it, and the
    # permissions it needs (the same as the list action that does the same thing).
    PAGE_ACTIONS = [
        ("approve", _("Confirm the request"), {Booking.Status.REQUESTED}, "change"),
        ("decline", _("Decline the request"), {Booking.Status.REQUESTED}, "change"),
        (
            "complete",
            _("Mark completed"),
            {Booking.Status.CONFIRMED, Booking.Status.NO_SHOW},
            "change",
        ),
        (
            "no_show",
            _("Mark as no-show"),
            {Booking.Status.CONFIRMED, Booking.Status.COMPLETED},
            "change",
        ),
        (
            "balance",
            _("Send a balance request"),
            {Booking.Status.CONFIRMED, Booking.Status.COMPLETED},
            "payments",
        ),
        (
            "cancel",
            _("Cancel, refunding in full"),
            {Booking.Status.HELD, Booking.Status.REQUESTED, Booking.Status.CONFIRMED},
            "cancel_refunding",
        ),
        (
            "cancel_keep",
            _("Cancel, keeping what was paid"),
            {Booking.Status.HELD, Booking.Status.REQUESTED, Booking.Status.CONFIRMED},
            "change",
        ),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        booking = self.get_object(request, object_id)
        if booking is not None:
            extra_context = {**(extra_context or {}), **self._story(request, booking)}
        return super().change_view(request, object_id, form_url, extra_context)

    # Floors above add to a booking's page (gallery.admin_bookings: its gallery, and the
    # "Create a gallery" button and action), through these three.
    def story_more(self, booking: Booking) -> tuple[dict, list[str]]:
        """More of the page's context, and the key prefixes of more emails it lists."""
        return {}, []

    def story_action_hidden(self, name: str, story: dict) -> bool:
        return False

    def page_action_run(self, request, booking: Booking, doing: str):
        """The response to a button of the floors above, or None when it is not theirs."""
        return None

    def _story(self, request, booking: Booking) -> dict:
        """The booking's whole story for its page, beyond its own fields and payments."""
        more, email_keys = self.story_more(booking)
        payment_ids = list(booking.payments.values_list("pk", flat=True))
        about = Q(pk__in=booking.sent_emails.values("pk")) | Q(
            key__startswith=f"booking:{booking.pk}:"
        )
        for payment_id in payment_ids:
            about |= Q(key__startswith=f"payment:{payment_id}:")
        for key in email_keys:
            about |= Q(key__startswith=key)
        tz = ZoneInfo(studio_get().time_zone)
        events = list(booking.events.select_related("actor_user"))
        for event in events:
            event.local_start = event.starts_at.astimezone(tz)
        return {
            **more,
            "story_events": events,
            "story_emails": list(
                SentEmail.objects.filter(about).select_related("actor_user").order_by("created_at")
            ),
            "story_other_bookings": Booking.objects.filter(client_id=booking.client_id)
            .exclude(pk=booking.pk)
            .count(),
            "story_actions": [
                (name, label)
                for name, label, statuses, needs in self.PAGE_ACTIONS
                if booking.status in statuses
                and not self.story_action_hidden(name, more)
                and not (name == "balance" and booking_balance_due(booking) <= 0)
                and not (name in ("complete", "no_show") and timezone.now() < booking.starts_at)
                and model_admin_allows(self, request, needs)
            ],
            "story_can_reschedule": booking.status in Booking.ACTIVE_STATUSES
            and self.has_change_permission(request),
            "story_can_resend": request.user.has_perm("studio.resend_sentemail"),
            "story_reminders": upcoming_reminders(booking=booking)
            if hasattr(booking, "questionnaires_expected")
            else [],
        }

    @admin_view_requires("view")
    def act_view(self, request, booking_id):
        """One button on a booking's page: the same services, and the same permissions, as
        the list's actions."""
        if request.method != "POST":
            raise PermissionDenied
        doing = request.POST.get("do", "")
        needs = {name: needs for name, _label, _statuses, needs in self.PAGE_ACTIONS}
        if doing not in needs:
            raise Http404
        if not model_admin_allows(self, request, needs[doing]):
            raise PermissionDenied
        booking = get_object_or_404(Booking, pk=booking_id)
        response = self.page_action_run(request, booking, doing)
        if response is not None:
            return response
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
                    **booking_times(booking.session_type, starts_at),
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

    class Media:
        css = {"all": ["css/admin-answers.css", "css/admin-emails.css"]}

    def get_queryset(self, request):
        return with_questionnaire_progress(super().get_queryset(request))

    @admin.display(description=_("questionnaire"))
    def questionnaire_status(self, obj: Booking) -> str:
        return questionnaire_progress_text(obj)

    @admin.display(description=_("answers"))
    def answers(self, obj: Booking) -> str:
        return mark_safe(booking_answers_html(obj))  # noqa: S308  (a template, escaped)

    def has_add_permission(self, request) -> bool:
        # Staff book through "Book for a client" (phone_booking_view), which runs the
        # booking services' checks; the plain add form would bypass them.
        return False

    def get_urls(self):
        return [
            path(
                "calendar/",
                self.admin_site.admin_view(self.calendar_view),
                name="shoots_booking_calendar",
            ),
            path(
                "calendar/colours.css",
                self.admin_site.admin_view(self.calendar_colours_view),
                name="shoots_booking_calendar_colours",
            ),
            path(
                "<int:booking_id>/act/",
                self.admin_site.admin_view(self.act_view),
                name="shoots_booking_act",
            ),
            path(
                "<int:booking_id>/reschedule/",
                self.admin_site.admin_view(self.reschedule_view),
                name="shoots_booking_reschedule",
            ),
            path(
                "book-for-client/",
                self.admin_site.admin_view(self.phone_booking_view),
                name="shoots_booking_book_for_client",
            ),
            path(
                "<int:booking_id>/brief/",
                self.admin_site.admin_view(self.brief_view),
                name="shoots_booking_brief",
            ),
            re_path(
                r"^(?P<booking_id>[0-9]+)/photos/(?P<image_id>[0-9]+)/(?P<size>full|thumb)/$",
                self.admin_site.admin_view(self.photo_view),
                name="shoots_booking_photo",
            ),
            *super().get_urls(),
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
        return TemplateResponse(
            request,
            "admin/shoots/booking/brief.html",
            {
                "booking": booking,
                "studio": studio_get(),
                "responses": [{"response": r, "rows": answer_rows(r)} for r in responses],
                "paid": booking_received(booking),
                "due": booking_balance_due(booking),
            },
        )

    @admin_view_requires("view")
    def calendar_view(self, request):
        """Month, week and day views of the bookings (?view=, ?date=, filters)."""
        studio = studio_get()
        tz = ZoneInfo(studio.time_zone)
        today = timezone.localdate(timezone=tz)
        view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
        try:
            anchor = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            anchor = today
        if not 1900 <= anchor.year <= 2200:  # a typo of a year: today, not an error
            anchor = today
        page = calendar_page(
            view=view,
            anchor=anchor,
            tz=tz,
            today=today,
            photographer_id=int_or_none(request.GET.get("photographer")),
            session_type_id=int_or_none(request.GET.get("session_type")),
            show_cancelled=request.GET.get("cancelled") == "1",
        )
        filters = {
            key: request.GET[key]
            for key in ("photographer", "session_type", "cancelled")
            if request.GET.get(key)
        }
        context = {
            **self.admin_site.each_context(request),
            "title": _("Calendar"),
            "opts": self.model._meta,
            "can_book": self.has_book_permission(request),
            "page": page,
            "filters": filters,
            "filter_query": urlencode(filters),
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
        response["Cache-Control"] = "private, max-age=60"
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
                )
            except SlotUnavailable as taken:
                wanted = Booking(
                    photographer=data["photographer"],
                    **booking_times(data["session_type"], data["starts_at"]),
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

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "client",
                    "session_type",
                    "photographer",
                    ("starts_at", "ends_at"),
                    "status",
                    "hold_expires_at",
                    "client_notes",
                ]
            },
        ),
        (
            _("Money"),
            {"fields": ["price_display", "deposit_display", "discount", "money_summary"]},
        ),
        (_("Before the session"), {"fields": ["answers"]}),
        (
            _("Record"),
            {
                "classes": ["collapse"],
                "fields": [
                    "created_at",
                    "confirmed_at",
                    "cancelled_at",
                    "completed_at",
                    "created_by_staff",
                    ("blocked_from", "blocked_until"),
                    "calendar_sequence",
                ],
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # Times, status and prices change only through the booking services (reschedule,
        # cancel, confirm), which keep the blocked span and the history right.
        return [
            *(field.name for field in Booking._meta.fields if field.name != "discount"),
            "price_display",
            "deposit_display",
            "money_summary",
            "answers",
        ]

    def save_model(self, request, obj, form, change) -> None:
        # Only the discount is edited here; saving every column could undo a confirmation
        # or cancellation made meanwhile by a webhook or the client.
        obj.save(update_fields=["discount"])

    def has_delete_permission(self, request, obj=None) -> bool:
        # A booking is history, and its payments are financial records: cancel it instead.
        return False

    @admin.display(description=_("deposit"), ordering="deposit")
    def deposit_display(self, obj: Booking) -> str:
        return money(obj.deposit, obj.currency)

    @admin.display(description=_("money"))
    def money_summary(self, obj: Booking) -> str:
        received = booking_received(obj)
        lines = [
            _("Received %(received)s of %(price)s")
            % {
                "received": money_format(received, obj.currency),
                "price": money_format(obj.price - obj.discount, obj.currency),
            }
        ]
        if obj.deposit and not settings.PAYMENTS_ENABLED:
            lines.append(
                _("Deposit due at the studio: %(deposit)s")
                % {"deposit": money_format(obj.deposit, obj.currency)}
            )
        due = booking_balance_due(obj)
        if due and obj.status in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
            lines.append(_("Balance due: %(due)s") % {"due": money_format(due, obj.currency)})
        return " · ".join(str(line) for line in lines)

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, obj: Booking) -> str:
        return money(obj.price, obj.currency)

    @admin.display(description=_("client"), ordering="client__name")
    def client_name(self, obj: Booking) -> str:
        return obj.name_for_studio  # the name typed when booking, and the record's if other
