from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.money import to_major, to_minor


class MoneyFieldsMixin:
    """For a ModelForm whose money is stored as integer minor units beside a currency field:
    people type and see amounts such as 150.00, the model gets 15000.

    List the integer fields in `money_fields`; the currency comes from `currency_field`.
    """

    money_fields: tuple[str, ...] = ()
    currency_field = "currency"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currency = self.initial.get(self.currency_field)
        for name in self.money_fields:
            stored = self.fields[name]
            self.fields[name] = forms.DecimalField(
                label=stored.label,
                help_text=stored.help_text,
                required=stored.required,
                min_value=Decimal(0),
                max_digits=12,
                decimal_places=3,
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            )
            if currency and isinstance(self.initial.get(name), int):
                self.initial[name] = to_major(self.initial[name], currency)

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get(self.currency_field)
        for name in self.money_fields:
            amount = cleaned.get(name)
            if amount is None or not currency:
                continue
            try:
                cleaned[name] = to_minor(amount, currency)
            except ValueError as error:
                self.add_error(name, str(error))
        return cleaned


class SessionTypeAdminForm(MoneyFieldsMixin, forms.ModelForm):
    money_fields = ("price", "deposit", "extra_image_price")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].help_text = _("The full price of the session, e.g. 150.00.")
        self.fields["deposit"].help_text = _(
            "Paid when booking and taken off the price, e.g. 50.00. Enter 0 for no deposit."
        )
