"""The gift voucher forms: buying one on the site, and the studio giving one away."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.models import Package
from sessions.payments.voucher_sales import VoucherOrder, voucher_amounts
from sessions.payments.vouchers import GiftVoucher
from studio.forms import (
    PersonNameField,
    TextBoxField,
    money_form_field,
    money_minor_clean,
    stored_in,
)
from studio.models import Studio
from studio.money import money_format, to_minor

OTHER = "other"


def packages_for_vouchers(currency: str):
    return (
        Package.objects.filter(
            is_active=True, session_type__is_active=True, session_type__currency=currency
        )
        .select_related("session_type")
        .order_by("session_type__name", "display_order", "price", "pk")
    )


class GiftVoucherBuyForm(forms.Form):
    """What the buyer chooses: a suggested amount, their own (within the studio's limits),
    or a package; and who it is for."""

    choice = forms.ChoiceField(label=_("The voucher"), widget=forms.RadioSelect)
    other_amount = money_form_field(_("Another amount"), required=False)

    field_order = ["choice", "other_amount"]

    buyer_name = PersonNameField(label=_("Your name"), **stored_in(GiftVoucher, "buyer_name"))
    buyer_email = forms.EmailField(
        label=_("Your email"),
        help_text=_("We send the voucher here."),
        **stored_in(GiftVoucher, "buyer_email"),
    )
    recipient_name = PersonNameField(
        label=_("Who it is for"), **stored_in(GiftVoucher, "recipient_name")
    )
    recipient_email = forms.EmailField(
        label=_("Their email"),
        required=False,
        help_text=_("Optional: we can email it to them on the day you choose."),
        **stored_in(GiftVoucher, "recipient_email"),
    )
    message = TextBoxField(
        label=_("A message for them"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        **stored_in(GiftVoucher, "message"),
    )
    send_on = forms.DateField(
        label=_("Email it to them on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today or later. Leave empty to pass it on yourself."),
    )

    def clean_send_on(self) -> date | None:
        send_on = self.cleaned_data.get("send_on")
        if send_on and send_on < timezone.localdate():
            raise forms.ValidationError(_("Please choose today or a later day."))
        return send_on

    def voucher_order(self) -> VoucherOrder:
        data = self.cleaned_data
        return VoucherOrder(
            value=data["value"],
            currency=self.studio.currency,
            package=data["package"],
            buyer_name=data["buyer_name"],
            buyer_email=data.get("buyer_email") or "",
            recipient_name=data["recipient_name"],
            recipient_email=data.get("recipient_email") or "",
            message=data.get("message") or "",
            send_on=data.get("send_on"),
        )

    def __init__(self, *args, studio: Studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.studio = studio
        currency = studio.currency
        self.packages = {str(p.pk): p for p in packages_for_vouchers(currency)}
        choices = [(f"amount:{a}", money_format(a, currency)) for a in voucher_amounts(studio)]
        choices.append((OTHER, _("Another amount")))
        choices += [
            (
                f"package:{pk}",
                f"{p.session_type.name}: {p.name} ({money_format(p.price, currency)})",
            )
            for pk, p in self.packages.items()
        ]
        self.fields["choice"].choices = choices
        self.fields["other_amount"].help_text = _("Between %(min)s and %(max)s.") % {
            "min": money_format(self._limit(studio.gift_voucher_min), currency),
            "max": money_format(self._limit(studio.gift_voucher_max), currency),
        }

    def _limit(self, whole: int) -> int:
        return to_minor(whole, self.studio.currency)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("send_on") and not cleaned.get("recipient_email"):
            self.add_error("recipient_email", _("We need their email to send it on that day."))
        choice = cleaned.get("choice") or ""
        cleaned["value"], cleaned["package"] = 0, None
        if choice.startswith("amount:"):
            cleaned["value"] = int(choice.split(":", 1)[1])
        elif choice.startswith("package:"):
            package = self.packages[choice.split(":", 1)[1]]
            cleaned["value"], cleaned["package"] = package.price, package
        elif choice == OTHER:
            self._clean_other(cleaned)
        return cleaned

    def _clean_other(self, cleaned: dict) -> None:
        amount = cleaned.get("other_amount")
        if amount is None:
            self.add_error("other_amount", _("Please type the amount."))
            return
        try:
            value = money_minor_clean(amount, self.studio.currency)
        except forms.ValidationError as error:
            self.add_error("other_amount", error)
            return
        low, high = (
            self._limit(self.studio.gift_voucher_min),
            self._limit(self.studio.gift_voucher_max),
        )
        if not low <= value <= high:
            self.add_error("other_amount", self.fields["other_amount"].help_text)
            return
        cleaned["value"] = value
