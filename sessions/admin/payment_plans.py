"""Payment plans in the admin: a package's plan (reached from its session type's page),
and a booking's own schedule, which the studio can change for the parts still to pay."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from sessions.models import Booking, Installment, Package, PlanStep
from sessions.payments.codes import percent_text
from sessions.payments.installments import (
    PLANNED_STATUSES,
    PlanRefused,
    plan_left,
    plan_lines,
    plan_replace,
    saved_card_active,
)
from studio.admin_permissions import admin_view_requires
from studio.forms import money_form_field, money_minor_clean, stored_in
from studio.money import money_format, to_major
from studio.selectors import studio_get


class PlanStepForm(forms.ModelForm):
    """A part of a plan; its share typed as a percentage (50 or 12.5), stored in basis
    points; empty: the rest."""

    class Meta:
        model = PlanStep
        fields = ["position", "label", "percent", "anchor", "days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "percent" not in self.fields:
            return
        self.fields["percent"] = forms.DecimalField(
            label=_("share of the price (%)"),
            required=False,
            min_value=Decimal("0.01"),
            max_value=Decimal(100),
            decimal_places=2,
            help_text=_("Leave empty for everything still left to pay."),
        )
        if isinstance(self.initial.get("percent"), int):
            self.initial["percent"] = Decimal(self.initial["percent"]) / 100

    def clean_percent(self):
        percent = self.cleaned_data.get("percent")
        return None if percent is None else int(percent * 100)


class PlanStepFormSet(BaseInlineFormSet):
    """A plan never asks for more than the price: the deposit's share and the parts' shares
    come to 100% at most, and one part at most takes "the rest"."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if sum(1 for row in rows if row.get("percent") is None) > 1:
            raise ValidationError(
                _("Only one part can be everything still left to pay: give the others a share.")
            )
        package = self.instance
        deposit = package.deposit * 10_000 // package.price if package.price else 0
        total = deposit + sum(row["percent"] for row in rows if row.get("percent") is not None)
        if total > 10_000:
            raise ValidationError(
                _(
                    "With the deposit (%(deposit)s%%), these shares come to %(total)s%% of the "
                    "price: more than all of it. Lower them to 100%% at most together."
                )
                % {"deposit": percent_text(deposit), "total": percent_text(total)}
            )


class PlanStepInline(admin.TabularInline):
    model = PlanStep
    form = PlanStepForm
    formset = PlanStepFormSet
    extra = 1
    verbose_name = _("payment after the deposit")
    verbose_name_plural = _(
        "payment plan (after the deposit; what is left after the last part is due on the "
        "session day)"
    )


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    """Only a package's payment plan is edited here; the rest is on its session type."""

    inlines = [PlanStepInline]
    fields = ["session_type", "name", "price_text"]
    readonly_fields = fields

    def has_module_permission(self, request) -> bool:
        return False  # reached from a session type's packages

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # packages are removed on their session type's page

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:shoots_sessiontype_changelist")

    def response_change(self, request, obj):
        if "_continue" in request.POST:
            return super().response_change(request, obj)
        self.message_user(
            request,
            _("The payment plan of %(package)s is saved.") % {"package": obj.name},
            messages.SUCCESS,
        )
        return redirect("admin:shoots_sessiontype_change", obj.session_type_id)

    @admin.display(description=_("price and deposit"))
    def price_text(self, package: Package) -> str:
        currency = package.session_type.currency
        return _("%(price)s, deposit %(deposit)s") % {
            "price": money_format(package.price, currency),
            "deposit": money_format(package.deposit, currency),
        }


def plan_summary(package: Package) -> str:
    """ "50% 14 days before the session; the rest 7 days after the session", or "" """
    parts = []
    for step in package.plan_steps.all():
        share = _("the rest") if step.percent is None else f"{percent_text(step.percent)}%"
        if step.days == 0:
            when = _("on %(day)s") % {"day": step.get_anchor_display()}
        elif step.days < 0:
            when = _("%(days)d days before %(day)s") % {
                "days": -step.days,
                "day": step.get_anchor_display(),
            }
        else:
            when = _("%(days)d days after %(day)s") % {
                "days": step.days,
                "day": step.get_anchor_display(),
            }
        parts.append(f"{share} {when}")
    return "; ".join(parts)


def plan_link(package: Package) -> str:
    if package.pk is None:
        return _("Save the package first.")
    url = reverse("admin:shoots_package_change", args=[package.pk])
    summary = plan_summary(package) or _("none: the balance is asked for after the session")
    link = '{} · <a class="in-text" href="{}">{}</a>'
    return format_html(link, summary, url, _("change the plan"))


class InstallmentForm(forms.Form):
    label = forms.CharField(label=_("Name"), **stored_in(Installment, "label"))
    amount = money_form_field(_("Amount"))
    due_on = forms.DateField(label=_("Due on"), widget=AdminDateWidget)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:  # a part asks for something: remove it instead
            raise forms.ValidationError(_("Please enter an amount above zero."))
        return amount


InstallmentFormSet = forms.formset_factory(InstallmentForm, extra=1, can_delete=True)


class BookingPlanMixin:
    """For `bookings.BookingAdmin`: a booking's plan on its page, and changing it (needs the
    payments permission and the right to change the booking)."""

    def has_plan_change_permission(self, request) -> bool:
        return request.user.has_perm("shoots.manage_payments") and self.has_change_permission(
            request
        )

    def plan_urls(self) -> list:
        return [
            path(
                "<int:booking_id>/plan/",
                self.admin_site.admin_view(self.plan_change_view),
                name="shoots_booking_plan",
            )
        ]

    def plan_story(self, request, booking: Booking) -> dict:
        lines = plan_lines(booking)
        return {
            "story_plan": lines,
            "story_saved_card": saved_card_active(booking) if lines else None,
            "story_can_change_plan": booking.status in PLANNED_STATUSES
            and self.has_plan_change_permission(request),
        }

    @admin_view_requires("plan_change")
    def plan_change_view(self, request, booking_id):
        booking = get_object_or_404(Booking.objects.select_related("client"), pk=booking_id)
        currency = booking.currency
        lines = plan_lines(booking)
        initial = [
            {
                "label": line.installment.label,
                "amount": to_major(line.amount, currency),
                "due_on": line.installment.due_on,
            }
            for line in lines
            if line.amount  # nothing left for it: it goes when the plan is saved
            and line.installment.status
            in (Installment.Status.SCHEDULED, Installment.Status.ACTION_NEEDED)
        ]
        formset = InstallmentFormSet(request.POST or None, initial=initial, prefix="parts")
        if request.method == "POST" and formset.is_valid():
            try:
                parts = [
                    (
                        form.cleaned_data["label"],
                        money_minor_clean(form.cleaned_data["amount"], currency),
                        form.cleaned_data["due_on"],
                    )
                    for form in formset.forms
                    if form.cleaned_data and not form.cleaned_data.get("DELETE")
                ]
                plan_replace(booking_id=booking.pk, parts=parts)
            except forms.ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            except PlanRefused as refused:
                formset._non_form_errors = formset.error_class([refused.message])
            else:
                self.message_user(request, _("The payment plan is saved."), messages.SUCCESS)
                return redirect("admin:shoots_booking_change", booking.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Payment plan · %(ref)s") % {"ref": booking.reference},
            "booking": booking,
            "plan": lines,
            "formset": formset,
            "left": money_format(plan_left(booking), currency),
            "zone": studio_get().time_zone,
            "media": self.media + formset.media,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/shoots/booking/payment_plan.html", context)
