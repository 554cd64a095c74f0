from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from studio.forms import PersonNameField, stored_in


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email"),
        help_text=_("The address you booked with."),
        **stored_in(Client, "email"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("send", _("Email me a link"), css_class="btn-dark"))


class ClientAdminForm(forms.ModelForm):
    name = PersonNameField(label=_("name"), **stored_in(Client, "name"))

    class Meta:
        model = Client
        fields = ["name", "email", "phone", "notes"]
