from datetime import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget, AutocompleteSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from sessions.models import Booking, SessionType
from sessions.services import booking_rule_warnings
from studio.models import Photographer


class StaffBookingForm(forms.Form):
    """A booking taken by the studio: an existing client, or a new one by name and email."""

    client = forms.ModelChoiceField(
        Client.objects.all(),
        required=False,
        label=_("Existing client"),
        widget=AutocompleteSelect(Booking._meta.get_field("client"), admin.site),
    )
    new_client_name = forms.CharField(label=_("or a new client: name"), required=False)
    new_client_email = forms.EmailField(label=_("new client's email"), required=False)
    new_client_phone = forms.CharField(label=_("new client's phone"), required=False)
    session_type = forms.ModelChoiceField(SessionType.objects.all(), label=_("Session type"))
    photographer = forms.ModelChoiceField(
        Photographer.objects.filter(is_active=True), label=_("Photographer")
    )
    date = forms.DateField(label=_("Date"), widget=AdminDateWidget)
    time = forms.TimeField(label=_("Start time (studio time)"), widget=AdminTimeWidget)
    client_notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)
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
