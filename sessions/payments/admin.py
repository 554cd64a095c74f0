"""Payments in the admin: every payment (by card, or recorded by the studio) with its refunds
and Stripe links, monthly totals, and a refund form. Nothing here changes money except
through the payments services."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from sessions.admin_forms import RefundForm
from sessions.payments import gateway
from sessions.payments.admin_books import PaymentBooksMixin, books_csv_url, books_url
from sessions.payments.errors import PaymentRefused
from sessions.payments.ledger import money_ledger, payment_refundable
from sessions.payments.models import PAYMENT_RECEIVED_DIFFERS, Payment, Refund, StripeEvent
from sessions.payments.refunds import refund_create
from studio.admin_permissions import admin_view_requires
from studio.money import money_format


class DisputedFilter(admin.SimpleListFilter):
    title = _("disputed")
    parameter_name = "disputed"

    def lookups(self, request, model_admin):
        return [("yes", _("Disputed")), ("no", _("Not disputed"))]

    def queryset(self, request, queryset):
        field = "disputed_at" if queryset.model is Payment else "payments__disputed_at"
        if self.value() == "yes":
            return queryset.filter(**{f"{field}__isnull": False}).distinct()
        if self.value() == "no":
            return queryset.exclude(**{f"{field}__isnull": False})
        return queryset


class ReceivedDiffersFilter(admin.SimpleListFilter):
    title = _("what Stripe took")
    parameter_name = "received"

    def lookups(self, request, model_admin):
        return [("differs", _("Not what was expected"))]

    def queryset(self, request, queryset):
        if self.value() == "differs":
            return queryset.filter(PAYMENT_RECEIVED_DIFFERS)
        return queryset


def received_display(payment: Payment) -> str:
    """What Stripe took, with a warning when it is not what Sitting expected."""
    if payment.amount_received is None:
        return "—"
    taken = money_format(payment.amount_received, payment.currency_received)
    if not payment.received_differs:
        return taken
    return format_html(
        '{} <strong class="payment-differs">⚠ {}</strong>',
        taken,
        _("%(expected)s was expected")
        % {"expected": money_format(payment.amount, payment.currency)},
    )


def refunded_display(payment: Payment) -> str:
    if not payment.amount_refunded:
        return "—"
    return money_format(payment.amount_refunded, payment.currency_received)


def stripe_links(payment: Payment) -> str:
    links = []
    if payment.stripe_payment_intent_id:
        links.append(
            format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                gateway.dashboard_url("payments", payment.stripe_payment_intent_id),
                payment.stripe_payment_intent_id,
            )
        )
    elif payment.stripe_checkout_session_id:
        links.append(format_html("<span>{}</span>", payment.stripe_checkout_session_id))
    if payment.stripe_dispute_id:
        links.append(
            format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                gateway.dashboard_url("disputes", payment.stripe_dispute_id),
                payment.stripe_dispute_id,
            )
        )
    return format_html("<br>".join(["{}"] * len(links)), *links) if links else "—"


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "amount_display",
        "status",
        "reason",
        "note",
        "actor_label",
        "stripe_refund_id",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # A payment's refunds are part of its record: whoever may see it sees them.
        return request.user.has_perm("shoots.view_payment") or request.user.has_perm(
            "shoots.change_payment"
        )

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Refund) -> str:
        return money_format(obj.amount, obj.currency)


@admin.register(Payment)
class PaymentAdmin(PaymentBooksMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "booking_link",
        "client_name",
        "kind",
        "amount_display",
        "received",
        "status",
        "refunded",
        "method",
        "reference",
        "paid_at",
        "disputed_at",
        "actor_label",
    ]
    list_filter = ["status", "kind", "method", DisputedFilter, ReceivedDiffersFilter, "paid_at"]
    search_fields = [
        "booking__reference",
        "booking__client__name",
        "booking__client__email",
        "reference",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["booking__client", "actor_user"]
    show_full_result_count = False
    inlines = [RefundInline]
    change_list_template = "admin/shoots/payment/change_list.html"
    change_form_template = "admin/shoots/payment/change_form.html"
    fields = [
        "booking_link",
        "kind",
        "amount_display",
        "received",
        "status",
        "refunded",
        "method",
        "reference",
        "failure_reason",
        "created_at",
        "actor_label",
        "paid_at",
        "disputed_at",
        "stripe",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # payments come from bookings and Stripe, never typed in

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_payments_permission(self, request) -> bool:
        """Refunds: money leaving the studio (studio.admin_permissions)."""
        return request.user.has_perm("shoots.manage_payments")

    @admin.display(description=_("booking"), ordering="booking__reference")
    def booking_link(self, obj: Payment) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:shoots_booking_change", args=[obj.booking_id]),
            obj.booking.reference,
        )

    @admin.display(description=_("client"), ordering="booking__client__name")
    def client_name(self, obj: Payment) -> str:
        return obj.booking.client.name

    @admin.display(description=_("asked for"), ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return money_format(obj.amount, obj.currency)

    @admin.display(description=_("received"), ordering="amount_received")
    def received(self, obj: Payment) -> str:
        return received_display(obj)

    @admin.display(description=_("refunded"), ordering="amount_refunded")
    def refunded(self, obj: Payment) -> str:
        return refunded_display(obj)

    @admin.display(description=_("Stripe"))
    def stripe(self, obj: Payment) -> str:
        return stripe_links(obj)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request,
            {
                **(extra_context or {}),
                "monthly_totals": monthly_totals(zone=ZoneInfo(request.studio.time_zone)),
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, object_id)
        if payment is None:  # Django's own "not found" message and redirect
            return super().change_view(request, object_id, form_url, extra_context)
        refundable = payment_refundable(payment) if payment else 0
        extra = {
            **(extra_context or {}),
            "refundable": money_format(refundable, payment.currency_received) if refundable else "",
            "refund_url": reverse("admin:shoots_payment_refund", args=[object_id]),
            "can_refund": bool(refundable) and self.has_payments_permission(request),
            "received_differs": payment.received_differs,
        }
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        return [
            path(
                "<int:payment_id>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="shoots_payment_refund",
            ),
            *self.books_urls(),
            *super().get_urls(),
        ]

    @admin_view_requires("payments")
    def refund_view(self, request, payment_id):
        payment = get_object_or_404(
            Payment.objects.select_related("booking__client"), pk=payment_id
        )
        change_url = reverse("admin:shoots_payment_change", args=[payment.pk])
        refundable = payment_refundable(payment)
        if not refundable:
            self.message_user(request, _("Nothing is left to refund on this payment."))
            return redirect(change_url)
        form = RefundForm(request.POST or None, payment=payment, refundable=refundable)
        if request.method == "POST" and form.is_valid():
            try:
                refund_create(
                    payment_id=payment.pk,
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                )
            except PaymentRefused as refused:
                form.add_error("amount", refused.message)
            else:
                given_back = _(
                    "Refund of %(amount)s recorded as given back by %(method)s; the client is "
                    "emailed."
                )
                sent = _(
                    "Refund of %(amount)s sent to Stripe; the client is emailed when it's made."
                )
                done = given_back if payment.recorded else sent
                amount = money_format(form.cleaned_data["amount"], payment.currency)
                method = payment.get_method_display().lower()
                self.message_user(
                    request, done % {"amount": amount, "method": method}, messages.SUCCESS
                )
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund %(ref)s · %(client)s")
            % {"ref": payment.booking.reference, "client": payment.booking.client.name},
            "form": form,
            "payment": payment,
            "amount": money_format(payment.amount_received, payment.currency_received),
            "opts": self.model._meta,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/shoots/payment/refund.html", context)


def monthly_totals(*, zone: ZoneInfo, months: int = 12) -> list[dict]:
    """Received (what Stripe collected), refunded and net per month (in the studio's time
    zone) and currency, the newest first, from the ledger (sessions.payments.ledger)."""
    now = timezone.localtime(timezone.now(), zone)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    until = (start + timedelta(days=32)).replace(day=1)
    for _month in range(months - 1):
        start = (start.replace(day=1) - timedelta(days=1)).replace(day=1)
    return [
        {
            "month": row.month,
            "count": row.count,
            "received": money_format(row.received, row.currency),
            "refunded": money_format(row.refunded, row.currency),
            "net": money_format(row.net, row.currency),
            "books_url": books_url(row.month),
            "csv_url": books_csv_url(row.month),
        }
        for row in money_ledger(since=start, until=until, zone=zone)
    ]


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    """What Stripe told Sitting, and what came of it: for answering "did the webhook arrive?"."""

    list_display = ["received_at", "type", "event_id", "processed_at", "outcome", "payment"]
    list_filter = ["type", "livemode"]
    search_fields = ["event_id", "type"]
    list_select_related = ["payment__booking"]
    readonly_fields = [field.name for field in StripeEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
