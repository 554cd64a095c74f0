"""The workspace admin's forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ErasureConfirmForm(forms.Form):
    """The word typed to confirm erasing a client's personal data, in any case."""

    confirm = forms.CharField(required=False)

    def clean_confirm(self) -> str:
        if self.cleaned_data["confirm"].lower() != "erase":
            raise ValidationError(_("Type ERASE to confirm."), code="not_erase")
        return self.cleaned_data["confirm"]
