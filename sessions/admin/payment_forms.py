"""The form the studio records money received outside Stripe with (a bank transfer, cash)."""

import json
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.models import Booking, Payment
from sessions.payments.manual import Received, booking_owed_recordable
from studio.forms import money_form_field, money_minor_clean, stored_in
from studio.money import to_major

# When in the day money arrived, if the studio doesn't say: midday, the same day anywhere.
DEFAULT_TIME = time(12)


class PaymentRecordForm(forms.Form):
    """An amount as people write it (50.00), how it was paid, and the day it arrived in the
    studio's time: today or before. Whether that much is owed is the service's to say."""

    kind = forms.ChoiceField(
        label=_("What it is for"),
        choices=[
            (Payment.Kind.DEPOSIT, _("The deposit")),
            (Payment.Kind.BALANCE, _("The balance")),
            (Payment.Kind.EXTRAS, _("Extra photos chosen in the gallery")),
        ],
        widget=forms.RadioSelect,
    )
    amount = money_form_field(_("Amount received"))
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[(v, label) for v, label in Payment.Method.choices if v != Payment.Method.CARD],
    )
    received_on = forms.DateField(label=_("Day it was received"), widget=AdminDateWidget)
    received_time = forms.TimeField(
        label=_("Time (studio time)"),
        required=False,
        widget=AdminTimeWidget,
        help_text=_("If you know it; otherwise midday (or now, if it isn't midday yet)."),
    )
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        help_text=_("A bank reference or a receipt number, for your records."),
        **stored_in(Payment, "reference"),
    )

    class Media:
        js = ["js/admin-payment-record.js"]

    def __init__(self, *args, booking: Booking, tz: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.booking, self.tz = booking, tz
        self.today = timezone.localdate(timezone=tz)
        # What each kind may still bring in, for the page's script to fill in the amount
        # when another is chosen; the deposit first while it is owed, then the balance.
        self.owed = booking_owed_recordable(booking)
        if not self.owed[Payment.Kind.EXTRAS]:  # offered only while extra photos are owed
            self.fields["kind"].choices = [
                choice for choice in self.fields["kind"].choices if choice[0] != Payment.Kind.EXTRAS
            ]
        kind = next((kind for kind, owed in self.owed.items() if owed), Payment.Kind.DEPOSIT)
        owed = self.owed[kind]
        major = {k: str(to_major(v, booking.currency)) if v else "" for k, v in self.owed.items()}
        self.fields["kind"].widget.attrs["data-owed"] = json.dumps(major)
        self.initial = {
            "kind": kind,
            "amount": to_major(owed, booking.currency) if owed else None,
            "method": Payment.Method.BANK_TRANSFER,
            "received_on": self.today,
            **self.initial,
        }

    def clean_amount(self) -> int:
        amount = money_minor_clean(self.cleaned_data["amount"], self.booking.currency)
        if amount <= 0:
            raise forms.ValidationError(_("Please enter an amount above zero."))
        return amount

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("received_on")
        if day is None:
            return cleaned
        now = timezone.localtime(timezone=self.tz)
        at = cleaned.get("received_time")
        if at is None:
            at = DEFAULT_TIME if day != self.today else min(DEFAULT_TIME, now.time())
        when = datetime.combine(day, at, tzinfo=self.tz)
        if when > now:
            self.add_error(
                "received_time" if day == self.today else "received_on",
                _("That is in the future: please give the day the money arrived."),
            )
        cleaned["paid_at"] = when.astimezone(UTC)
        return cleaned

    def received(self) -> Received:
        """What was typed, for sessions.payments.manual.payment_record. Call once valid."""
        data = self.cleaned_data
        return Received(
            kind=data["kind"],
            amount=data["amount"],
            method=data["method"],
            paid_at=data["paid_at"],
            reference=data["reference"].strip(),
        )
