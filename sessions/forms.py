from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from studio.forms import PersonNameField


class BookingDetailsForm(forms.Form):
    name = PersonNameField(label=_("Your name"), max_length=120)
    email = forms.EmailField(
        label=_("Email"), help_text=_("We send your confirmation and calendar invite here.")
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("Optional: in case we need to reach you on the day."),
    )
    notes = forms.CharField(
        label=_("Anything we should know?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who is coming, what the pictures are for, anything on your mind."),
    )
    agree = forms.BooleanField(
        label=_("I have read and agree to the studio's booking policy."),
        error_messages={"required": _("Please read and agree to the booking policy first.")},
    )

    def __init__(self, *args, policies: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if not policies:
            del self.fields["agree"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("book", _("Book this session"), css_class="btn-dark btn-lg"))
