"""Gift vouchers in the admin: the list with what is left on each, one given away by the
studio (no payment), voiding, and refunding what is left on one sold online. Sales are made
on the site and paid through Stripe."""

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessions.payments.admin_codes import CodeRedemptionInline
from sessions.payments.codes import CodeRedemption
from sessions.payments.errors import PaymentRefused, PaymentServiceUnavailable
from sessions.payments.voucher_refunds import voucher_refund
from sessions.payments.voucher_sales import (
    voucher_give,
    voucher_token,
    voucher_url,
    voucher_void,
)
from sessions.payments.vouchers import (
    GiftVoucher,
    VoucherPayment,
    VoucherRefund,
    voucher_remaining,
)
from studio.dates import studio_time_text
from studio.forms import MoneyFieldsMixin
from studio.money import money_format
from studio.selectors import studio_get

EDITABLE = ["recipient_name", "recipient_email", "message", "send_on", "expires_on"]


class GiftVoucherAdminForm(MoneyFieldsMixin, forms.ModelForm):
    """A voucher the studio gives away: its value and who it is for."""

    money_fields = ("value",)

    class Meta:
        model = GiftVoucher
        fields = [
            "value",
            "currency",
            "buyer_name",
            "buyer_email",
            "recipient_name",
            "recipient_email",
            "message",
            "send_on",
            "expires_on",
        ]
        labels = {"buyer_name": _("From"), "buyer_email": _("From (email)")}
        help_texts = {
            "buyer_name": _("Printed as who it is from; empty for your studio's name."),
            "expires_on": _("Empty: your studio's usual validity from today."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "buyer_name" in self.fields:
            self.fields["buyer_name"].required = False

    def clean(self):
        cleaned = super().clean()
        studio_currency = studio_get().currency
        if "currency" in self.fields and cleaned.get("currency") not in (None, studio_currency):
            self.add_error(
                "currency",
                _(
                    "Vouchers pay for bookings in your studio's currency (%(studio)s): one in "
                    "%(other)s could never be used."
                )
                % {"studio": studio_currency, "other": cleaned["currency"]},
            )
        if cleaned.get("send_on") and not cleaned.get("recipient_email"):
            self.add_error("recipient_email", _("An email address is needed to send it."))
        expires, send_on = cleaned.get("expires_on"), cleaned.get("send_on")
        if expires and "expires_on" in self.changed_data:
            if expires < timezone.localdate():
                self.add_error("expires_on", _("That day has passed: the voucher would be no use."))
            elif send_on and expires < send_on:
                self.add_error(
                    "expires_on", _("It would expire before it is sent: choose a later day.")
                )
        return cleaned


class VoucherUseInline(CodeRedemptionInline):
    """A voucher's uses: a code's, through the other key, and what each paid."""

    fk_name = "gift_voucher"
    fields = ["booking", "amount_display", "created_at", "released_at"]
    readonly_fields = fields
    verbose_name_plural = _("paid on bookings")

    @admin.display(description=_("paid"))
    def amount_display(self, obj: CodeRedemption) -> str:
        return super().amount_display(obj)


@admin.register(GiftVoucher)
class GiftVoucherAdmin(admin.ModelAdmin):
    form = GiftVoucherAdminForm
    list_display = [
        "code",
        "value_display",
        "remaining_display",
        "buyer_name",
        "recipient_name",
        "status",
        "recipient_sent_at",
        "expires_on",
    ]
    list_filter = ["status", "given_by_studio"]
    search_fields = ["code", "buyer_name", "buyer_email", "recipient_name", "recipient_email"]
    actions = ["void", "refund_remaining"]
    inlines = [VoucherUseInline]

    def get_queryset(self, request):
        used = Coalesce(Sum("redemptions__amount", filter=Q(redemptions__released_at=None)), 0)
        sale = VoucherPayment.objects.filter(voucher=OuterRef("pk"))
        refunded = Coalesce(Subquery(sale.values("amount_refunded")[:1]), 0)
        return super().get_queryset(request).annotate(used=used, refunded=refunded)

    def get_changeform_initial_data(self, request):
        return {"currency": studio_get().currency, **super().get_changeform_initial_data(request)}

    def get_fields(self, request, obj=None):
        if obj is None:
            return GiftVoucherAdminForm.Meta.fields
        return [
            "code",
            "value_display",
            "remaining_display",
            "status",
            "buyer_name",
            "buyer_email",
            "package_name",
            "paid_display",
            "refunds_display",
            "voucher_link",
            *EDITABLE,
            "recipient_sent_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = EDITABLE if self.has_change_permission(request, obj) else []
        return [name for name in self.get_fields(request, obj) if name not in editable]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # money and what it paid: void it instead

    def has_refund_permission(self, request) -> bool:
        """Money leaving the studio, on vouchers the user may see: both. (One name, since
        Django lets an action run on any one of the permissions it lists.)"""
        return request.user.has_perm(
            "shoots.manage_payments"
        ) and self.has_view_or_change_permission(request)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=[name for name in EDITABLE if name in form.changed_data])
        else:
            voucher_give(voucher=obj)

    @admin.display(description=_("value"), ordering="value")
    def value_display(self, obj: GiftVoucher) -> str:
        return money_format(obj.value, obj.currency)

    @admin.display(description=_("left"))
    def remaining_display(self, obj: GiftVoucher) -> str:
        used, refunded = getattr(obj, "used", None), getattr(obj, "refunded", None)
        if used is None or refunded is None:
            return money_format(voucher_remaining(obj), obj.currency)
        return money_format(max(obj.value - used - refunded, 0), obj.currency)

    @admin.display(description=_("paid"))
    def paid_display(self, obj: GiftVoucher) -> str:
        if obj.given_by_studio:
            return _("Given by the studio")
        sale = VoucherPayment.objects.filter(voucher=obj).first()
        if sale is None or sale.amount_received is None:
            return obj.get_status_display()
        received = money_format(sale.amount_received, sale.currency_received)
        return f"{received} · {sale.stripe_payment_intent_id or ''}"

    @admin.display(description=_("the voucher"))
    def voucher_link(self, obj: GiftVoucher) -> str:
        """Its page and PDF, to print or pass on (a voucher the studio gives has no buyer to
        pass it on, nor always an address to email it to)."""
        if obj.status != GiftVoucher.Status.PAID:
            return "—"
        page = voucher_url(obj)
        pdf = reverse("sessions:gift-voucher-pdf", args=[voucher_token(obj)])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> · '
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            page,
            _("Its page"),
            pdf,
            _("The PDF to print or send"),
        )

    @admin.display(description=_("refunded"))
    def refunds_display(self, obj: GiftVoucher) -> str:
        refunds = VoucherRefund.objects.filter(voucher_payment__voucher=obj)
        if not refunds:
            return "—"
        return format_html_join(
            "",
            "<div>{} · {} · {} · {}</div>",
            (
                (
                    money_format(r.amount, r.currency),
                    studio_time_text(r.created_at),
                    r.get_status_display(),
                    r.get_reason_display(),
                )
                for r in refunds
            ),
        )

    @admin.action(description=_("Refund what is left on the voucher"), permissions=["refund"])
    def refund_remaining(self, request, queryset):
        """Each chosen voucher sold online: what is left on it back to the buyer's card, and
        the voucher void; Stripe is asked at once, and a refusal says why."""
        for voucher in queryset.order_by("pk"):
            try:
                refund = voucher_refund(voucher_id=voucher.pk)
            except PaymentServiceUnavailable as error:
                self.message_user(request, error.message, messages.ERROR)
            except PaymentRefused as error:
                self.message_user(request, error.message, messages.WARNING)
            else:
                self.message_user(
                    request,
                    _(
                        "%(amount)s refunded on %(code)s; the voucher is void and the buyer "
                        "is emailed."
                    )
                    % {
                        "amount": money_format(refund.amount, refund.currency),
                        "code": voucher.code,
                    },
                    messages.SUCCESS,
                )

    @admin.action(description=_("Void the chosen vouchers"), permissions=["change"])
    def void(self, request, queryset):
        voided = sum(voucher_void(voucher_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d voucher voided.", "%(count)d vouchers voided.", voided)
            % {"count": voided},
            messages.SUCCESS,
        )
