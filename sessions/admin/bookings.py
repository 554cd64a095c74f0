"""Bookings in the admin: the list and its actions, a booking's page with its story and
buttons (their views in `booking_pages`), payments inline."""

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q, prefetch_related_objects
from django.urls import path, re_path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessions.admin.booking_confirm import (
    bookings_ending,
    given_back_yourself,
    list_confirm_response,
    paid_so_far,
)
from sessions.admin.booking_documents import BookingDocumentsMixin
from sessions.admin.booking_invoices import BookingInvoicesMixin
from sessions.admin.booking_pages import BookingPagesMixin
from sessions.admin.booking_payments import BookingPaymentsMixin
from sessions.admin.calendar_moves import CalendarMovesMixin
from sessions.admin.day_agenda import DayAgendaMixin
from sessions.admin.payment_plans import BookingPlanMixin
from sessions.admin_forms import (
    BookingAdminForm,
)
from sessions.admin_questionnaires import booking_answers_html
from sessions.booking_changes import (
    BookingChangeRefused,
    booking_approve,
    booking_cancel,
    booking_decline,
)
from sessions.emails import ended_booking_money
from sessions.models import (
    Booking,
    Payment,
)
from sessions.payments.admin import (
    DisputedFilter,
    received_display,
    refunded_display,
    stripe_links,
)
from sessions.payments.checkout import balance_request
from sessions.payments.errors import PaymentRefused
from sessions.payments.ledger import (
    booking_balance_due,
    booking_extras_owed,
    booking_received,
)
from sessions.reminders import upcoming_reminders
from sessions.selectors import (
    questionnaire_progress_text,
    with_questionnaire_progress,
)
from studio.admin_permissions import model_admin_allows
from studio.background import task_enqueue_on_commit
from studio.models import SentEmail
from studio.money import money_format
from studio.templatetags.money import money


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
        "paid_by",
        "reference",
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

    @admin.display(description=_("received"))
    def received(self, obj: Payment) -> str:
        return received_display(obj)

    @admin.display(description=_("refunded"))
    def refunded(self, obj: Payment) -> str:
        return refunded_display(obj)

    @admin.display(description=_("Stripe"))
    def stripe(self, obj: Payment) -> str:
        return stripe_links(obj)

    @admin.display(description=_("paid by"))
    def paid_by(self, obj: Payment) -> str:
        """How it was paid, once it was: a payment still waiting says how it is to come."""
        if obj.status in Payment.RECEIVED_STATUSES or obj.status == Payment.Status.PROCESSING:
            return obj.get_method_display()
        if obj.owed_to_studio:
            return _("to the studio")
        return _("online") if obj.stripe_checkout_session_id else "–"


@admin.register(Booking)
class BookingAdmin(
    DayAgendaMixin,
    CalendarMovesMixin,
    BookingDocumentsMixin,
    BookingInvoicesMixin,
    BookingPaymentsMixin,
    BookingPlanMixin,
    BookingPagesMixin,
    admin.ModelAdmin,
):
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
    search_fields = [
        "reference",
        "client__name",
        "client__email",
        "booked_as",
        "photographed_name",
    ]
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

    # The list actions that end bookings, asked first: the page's button doing the same (its
    # statuses are the ones the action ends, PAGE_ACTIONS) and the confirmation's label.
    LIST_ASK_FIRST = {
        "decline": ("decline", _("Decline the selected requests")),
        "cancel": ("cancel", _("Cancel the selected bookings, refunding in full")),
        "cancel_keeping_payments": (
            "cancel_keep",
            _("Cancel the selected bookings, keeping what was paid"),
        ),
    }

    def _ends(self, action: str) -> set:
        doing = self.LIST_ASK_FIRST[action][0]
        return next(statuses for name, _l, statuses, _n in self.PAGE_ACTIONS if name == doing)

    def _ending(self, queryset, action: str):
        """The selected bookings the action ends; the rest are left as they are."""
        return bookings_ending(queryset, self._ends(action))

    def _ask_first(self, request, queryset, action: str):
        """The confirmation page, until its "Yes" posts the action again (post=yes)."""
        if request.POST.get("post") == "yes":
            return None
        doing, label = self.LIST_ASK_FIRST[action]
        return list_confirm_response(
            request,
            self,
            queryset,
            action=action,
            doing=doing,
            label=label,
            statuses=self._ends(action),
        )

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
        if asked := self._ask_first(request, queryset, "decline"):
            return asked
        queryset = self._ending(queryset, "decline")  # as the confirmation said
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
        if asked := self._ask_first(request, queryset, "cancel"):
            return asked
        queryset = self._ending(queryset, "cancel")  # as the confirmation said
        paid = {booking.pk: paid_so_far(booking) for booking in queryset}
        self._apply(
            request,
            queryset,
            lambda booking_id: booking_cancel(booking_id=booking_id, by_client=False),
            lambda n: ngettext("%d booking cancelled.", "%d bookings cancelled.", n) % n,
        )
        # Those this cancelled (the ones ended before were never in `paid`).
        for booking in Booking.objects.filter(status=Booking.Status.CANCELLED, pk__in=paid):
            if yourself := given_back_yourself(booking, paid[booking.pk]):
                self.message_user(request, f"{booking.reference}: {yourself}", messages.WARNING)

    @admin.action(
        description=_("Cancel the selected bookings, keeping what was paid (emailed)"),
        permissions=["change"],
    )
    def cancel_keeping_payments(self, request, queryset):
        if asked := self._ask_first(request, queryset, "cancel_keeping_payments"):
            return asked
        queryset = self._ending(queryset, "cancel_keeping_payments")  # as the confirmation said
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
        prefetch_related_objects([booking], "payments")  # what is owed is read from them too
        payment_ids = [payment.pk for payment in booking.payments.all()]
        about = Q(pk__in=booking.sent_emails.values("pk")) | Q(
            key__startswith=f"booking:{booking.pk}:"
        )
        for payment_id in payment_ids:
            about |= Q(key__startswith=f"payment:{payment_id}:")
        for key in email_keys:
            about |= Q(key__startswith=key)
        tz = timezone.get_current_timezone()  # the studio's (StudioMiddleware)
        events = list(booking.events.select_related("actor_user", "payment", "photographer"))
        for event in events:
            event.local_start = event.starts_at.astimezone(tz)
            event.local_end = event.ends_at and event.ends_at.astimezone(tz)
        return {
            **more,
            **self.documents_story(request, booking),
            **self.payments_story(request, booking),
            **self.plan_story(request, booking),
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

    class Media:
        css = {"all": ["css/admin-answers.css", "css/admin-emails.css", "css/admin-documents.css"]}

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
            *self.move_urls(),
            *self.agenda_urls(),
            *self.document_urls(),
            *self.invoice_urls(),
            *self.payment_urls(),
            *self.plan_urls(),
            *super().get_urls(),
        ]

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
                    ("photographed_name", "photographed_note"),
                    "client_notes",
                ]
            },
        ),
        (
            _("Money"),
            {
                "fields": [
                    "price_display",
                    "deposit_display",
                    "discount",
                    "money_summary",
                    "invoices_display",
                ]
            },
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
            "invoices_display",
            "answers",
        ]

    def save_model(self, request, obj, form, change) -> None:
        # Only the discount is edited here; saving every column could undo a confirmation
        # or cancellation made meanwhile by a webhook or the client.
        obj.save(update_fields=["discount"])
        # The bill may have changed: a new invoice replaces it (nothing, if it did not).
        task_enqueue_on_commit("sessions.tasks.booking_invoice_issue_task", booking_id=obj.pk)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A booking is history, and its payments are financial records: cancel it instead.
        return False

    @admin.display(description=_("deposit"), ordering="deposit")
    def deposit_display(self, obj: Booking) -> str:
        return money(obj.deposit, obj.currency)

    @admin.display(description=_("money"))
    def money_summary(self, obj: Booking) -> str:
        prefetch_related_objects([obj], "payments")  # read three times below
        received = booking_received(obj)
        if obj.status in (Booking.Status.CANCELLED, Booking.Status.DECLINED):
            # Ended: nothing more is owed. Refunds count once asked for (a card's is still
            # on its way until Stripe says it went), as the client's email counts them.
            money = ended_booking_money(obj)
            said = _("%(status)s · refunded: %(refunded)s · kept: %(kept)s · nothing more is owed")
            return said % {
                "status": obj.get_status_display(),
                "refunded": money_format(money["refunded"], obj.currency),
                "kept": money_format(money["kept"], obj.currency),
            }
        # The session's price and what came towards it; extra photos said apart.
        extras_paid = sum(
            p.net_received for p in obj.payments.all() if p.kind == Payment.Kind.EXTRAS
        )
        lines = [
            _("Received %(received)s of %(price)s")
            % {
                "received": money_format(received - extras_paid, obj.currency),
                "price": money_format(obj.price - obj.discount, obj.currency),
            }
        ]
        if extras_paid:
            lines.append(
                _("Extra photos paid: %(paid)s") % {"paid": money_format(extras_paid, obj.currency)}
            )
        deposit_in = any(
            p.kind == Payment.Kind.DEPOSIT and p.status in Payment.RECEIVED_STATUSES
            for p in obj.payments.all()
        )
        if obj.deposit and not settings.PAYMENTS_ENABLED and not deposit_in:
            lines.append(
                _("Deposit due at the studio: %(deposit)s")
                % {"deposit": money_format(obj.deposit, obj.currency)}
            )
        due = booking_balance_due(obj)
        if due and obj.status in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
            lines.append(_("Balance due: %(due)s") % {"due": money_format(due, obj.currency)})
        if extras := booking_extras_owed(obj):
            lines.append(
                _("Extra photos owed: %(owed)s") % {"owed": money_format(extras, obj.currency)}
            )
        return " · ".join(str(line) for line in lines)

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, obj: Booking) -> str:
        return money(obj.price, obj.currency)

    @admin.display(description=_("client"), ordering="client__name")
    def client_name(self, obj: Booking) -> str:
        return obj.name_for_studio  # the name typed when booking, and the record's if other
