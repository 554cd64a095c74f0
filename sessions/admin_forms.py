from datetime import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget, AutocompleteSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from sessions.models import Booking, Refund, SessionType
from sessions.services import booking_rule_warnings
from studio.forms import PersonNameField, money_form_field, money_minor_clean, stored_in
from studio.models import Photographer
from studio.money import money_format, to_major


class StaffBookingForm(forms.Form):
    """A booking taken by the studio: an existing client, or a new one by name and email."""

    client = forms.ModelChoiceField(
        Client.objects.all(),
        required=False,
        label=_("Existing client"),
        widget=AutocompleteSelect(Booking._meta.get_field("client"), admin.site),
    )
    new_client_name = PersonNameField(
        label=_("or a new client: name"), required=False, **stored_in(Client, "name")
    )
    new_client_email = forms.EmailField(
        label=_("new client's email"), required=False, **stored_in(Client, "email")
    )
    new_client_phone = forms.CharField(
        label=_("new client's phone"), required=False, **stored_in(Client, "phone")
    )
    session_type = forms.ModelChoiceField(SessionType.objects.all(), label=_("Session type"))
    photographer = forms.ModelChoiceField(
        Photographer.objects.filter(is_active=True), label=_("Photographer")
    )
    date = forms.DateField(label=_("Date"), widget=AdminDateWidget)
    time = forms.TimeField(label=_("Start time (studio time)"), widget=AdminTimeWidget)
    client_notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea,
        **stored_in(Booking, "client_notes"),
    )
    email_client = forms.BooleanField(
        label=_("Email the client a confirmation with a calendar invite"),
        required=False,
        initial=True,
    )
    book_anyway = forms.BooleanField(
        label=_("Book anyway, outside the public booking rules"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("client") and not (
            cleaned.get("new_client_name") and cleaned.get("new_client_email")
        ):
            raise forms.ValidationError(
                _("Choose an existing client, or give a new client's name and email.")
            )
        if cleaned.get("date") and cleaned.get("time"):
            tz = timezone.get_current_timezone()
            cleaned["starts_at"] = datetime.combine(cleaned["date"], cleaned["time"], tz)
            if cleaned.get("session_type") and cleaned.get("photographer"):
                self.warnings = booking_rule_warnings(
                    session_type=cleaned["session_type"],
                    photographer=cleaned["photographer"],
                    starts_at=cleaned["starts_at"],
                    tz=tz,
                )
                if self.warnings and not cleaned.get("book_anyway"):
                    raise forms.ValidationError(
                        [*self.warnings, _("Tick “Book anyway” to book it all the same.")]
                    )
        return cleaned


class BookingAdminForm(forms.ModelForm):
    """The one thing staff edit on a booking directly: a discount off the balance."""

    class Meta:
        model = Booking
        fields = ["discount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["discount"] = money_form_field(
            _("Discount"), _("Taken off the balance the client is asked to pay, e.g. 25.00.")
        )
        if self.instance.pk:
            self.initial["discount"] = to_major(self.instance.discount, self.instance.currency)

    def clean_discount(self) -> int:
        discount = money_minor_clean(self.cleaned_data["discount"], self.instance.currency)
        if discount > self.instance.price:
            raise forms.ValidationError(
                _("A discount can't be more than the price, %(price)s.")
                % {"price": money_format(self.instance.price, self.instance.currency)}
            )
        return discount


class RefundForm(forms.Form):
    amount = money_form_field(_("Amount to refund"))
    note = forms.CharField(
        label=_("Note for the studio's records"), required=False, **stored_in(Refund, "note")
    )

    def __init__(self, *args, payment, refundable: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.payment, self.refundable = payment, refundable
        self.fields["amount"].help_text = _("At most %(amount)s.") % {
            "amount": money_format(refundable, payment.currency_received)
        }
        self.fields["amount"].initial = to_major(refundable, payment.currency_received)

    def clean_amount(self) -> int:
        amount = money_minor_clean(self.cleaned_data["amount"], self.payment.currency_received)
        if amount <= 0:
            raise forms.ValidationError(_("Please enter an amount above zero."))
        if amount > self.refundable:
            raise forms.ValidationError(
                _("At most %(amount)s can be refunded on this payment.")
                % {"amount": money_format(self.refundable, self.payment.currency_received)}
            )
        return amount


class StaffRescheduleForm(forms.Form):
    """A new date and start time, in the studio's time, for a booking the studio moves."""

    date = forms.DateField(label=_("New date"), widget=AdminDateWidget)
    time = forms.TimeField(label=_("New start time (studio time)"), widget=AdminTimeWidget)

    def __init__(self, *args, tz, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = datetime.combine(cleaned["date"], cleaned["time"], self.tz)
        return cleaned
