from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.http import int_or_none
from studio.money import to_major, to_minor
from studio.tax import rate_from_percent
from studio.text import one_line

TOO_LONG = _("Please keep this to %(limit_value)d characters or fewer (it has %(show_value)d).")


def stored_in(model, name: str) -> dict:
    """A form field's max_length, for a value kept in `model.name`: its column's size (or a
    TextField's own limit), said kindly when passed. Pass as keyword arguments: **stored_in()."""
    return {
        "max_length": model._meta.get_field(name).max_length,
        "error_messages": {"max_length": TOO_LONG},
    }


class TextBoxField(forms.CharField):
    """Text from a box of several lines, its line breaks kept as one character each: a
    browser sends them as two (CR LF) but counts one against the box's `maxlength`, so a
    text the box let through would otherwise be refused as too long."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class RowIdField(forms.Field):
    """A row's id sent by a button or a radio, or None for anything that cannot be one
    (never an error: the view decides what a missing row means)."""

    def to_python(self, value) -> int | None:
        return int_or_none(value if isinstance(value, str) else None)


class PersonNameField(forms.CharField):
    """A person's name, kept on one line: line breaks, control characters and runs of spaces
    never reach the database, nor the email headers built from it."""

    def to_python(self, value):
        typed = super().to_python(value)
        name = one_line(typed)
        if typed and not name:
            raise forms.ValidationError(
                _(
                    "Please type the name again: once line breaks and invisible characters "
                    "are taken out, nothing is left."
                ),
                code="no_name",
            )
        return name


def money_form_field(label, help_text="", *, required: bool = True) -> forms.DecimalField:
    """A field for an amount typed as people write it (150.00); convert with to_minor."""
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def money_minor_clean(amount: Decimal, currency: str) -> int:
    """The amount in minor units, or a ValidationError saying why the currency can't hold
    it (0.5 JPY)."""
    try:
        return to_minor(amount, currency)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


class MoneyFieldsMixin:
    """For a ModelForm whose money is stored as integer minor units beside a currency field:
    people type and see amounts such as 150.00, the model gets 15000.

    List the integer fields in `money_fields`; the currency comes from `currency_field`, or
    for a form whose row takes its currency from another (a package from its session type)
    from the `currency` argument, with `currency_field = None`.
    """

    money_fields: tuple[str, ...] = ()
    currency_field: str | None = "currency"

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.money_currency = currency
        currency = self.initial.get(self.currency_field) if self.currency_field else currency
        for name in self.money_fields:
            if name not in self.fields:
                continue  # shown read-only, to someone who may only look
            stored = self.fields[name]
            self.fields[name] = money_form_field(
                stored.label, stored.help_text, required=stored.required
            )
            if currency and isinstance(self.initial.get(name), int):
                self.initial[name] = to_major(self.initial[name], currency)

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get(self.currency_field) if self.currency_field else self.money_currency
        for name in self.money_fields:
            amount = cleaned.get(name)
            if amount is None or not currency:
                continue
            try:
                cleaned[name] = to_minor(amount, currency)
            except ValueError as error:
                self.add_error(name, str(error))
        return cleaned


def percent_rate_field(*, required: bool, help_text: str) -> forms.DecimalField:
    """A tax rate typed as a percentage (20 or 5.5); `percent_rate_clean` stores it in basis
    points."""
    return forms.DecimalField(
        label=_("tax rate (%)"),
        required=required,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=6,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def percent_rate_initial(form: forms.BaseForm) -> None:
    if isinstance(form.initial.get("tax_rate"), int):
        form.initial["tax_rate"] = Decimal(form.initial["tax_rate"]) / 100


def percent_rate_clean(percent: Decimal | None) -> int:
    try:
        return rate_from_percent(percent)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


class SoldItemAdminForm(MoneyFieldsMixin, forms.ModelForm):
    """A package or an add-on, on its session type's page: money in the type's currency
    (SessionTypeAdmin passes it)."""

    money_fields = ("price", "deposit", "extra_image_price")
    currency_field = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_texts = {
            "price": _(
                "The full price, e.g. 150.00: including tax or before it, as your studio's "
                "settings say (Tax and invoices)."
            ),
            "deposit": _(
                "Paid when booking and taken off the price, e.g. 50.00. Enter 0 for no deposit."
            ),
        }
        for name, text in help_texts.items():
            if name in self.fields:
                self.fields[name].help_text = text
        if "tax_rate" in self.fields:
            self.fields["tax_rate"] = percent_rate_field(
                required=False,
                help_text=_(
                    "Leave empty for the studio's rate. E.g. 0 for a gift voucher, 5 for 5%."
                ),
            )
            percent_rate_initial(self)

    def clean_tax_rate(self) -> int | None:
        percent = self.cleaned_data.get("tax_rate")
        return None if percent is None else percent_rate_clean(percent)


class StudioAdminForm(forms.ModelForm):
    """The studio's settings; its tax rate typed as a percentage (20 or 5.5), stored in
    basis points."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tax_rate" not in self.fields:
            return  # shown read-only, to someone who may only look
        self.fields["tax_rate"] = percent_rate_field(
            required=False, help_text=_("e.g. 20 for 20% VAT. 0 if you don't charge tax.")
        )
        percent_rate_initial(self)
        if "prices_include_tax" in self.fields:
            self.fields["prices_include_tax"] = forms.TypedChoiceField(
                label=_("Prices I enter are"),
                choices=[(True, _("including tax")), (False, _("before tax"))],
                coerce=lambda value: value in (True, "True"),
                required=False,
                empty_value=True,  # not sent: including tax, as before there was a choice
                widget=forms.RadioSelect,
                help_text=_(
                    "Including tax: what you enter is what clients pay. Before tax: clients "
                    "pay your price plus the tax, worked out when they buy."
                ),
            )

    def clean_tax_rate(self) -> int:
        return percent_rate_clean(self.cleaned_data["tax_rate"] or 0)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tax_rate") and not cleaned.get("tax_name"):
            self.add_error("tax_name", _("Give the tax a name for your invoices, e.g. VAT."))
        self._numbering_check(cleaned)
        self._vouchers_check(cleaned)
        return cleaned

    def _numbering_check(self, cleaned) -> None:
        """Invoices and credit notes are numbered apart: their prefixes must tell them apart,
        or INV-0001 and a credit note 0001 would read the same."""
        if "invoice_prefix" not in cleaned or "credit_note_prefix" not in cleaned:
            return
        invoice = cleaned["invoice_prefix"].strip()
        credit = cleaned["credit_note_prefix"].strip()
        if invoice.casefold() == credit.casefold():
            self.add_error(
                "credit_note_prefix",
                _(
                    "Invoices and credit notes are numbered separately, so their numbers need "
                    "different beginnings (e.g. INV- and CN-)."
                ),
            )

    def _vouchers_check(self, cleaned) -> None:
        smallest, largest = cleaned.get("gift_voucher_min"), cleaned.get("gift_voucher_max")
        if smallest is not None and largest is not None and smallest > largest:
            self.add_error(
                "gift_voucher_max", _("The largest gift voucher can't be below the smallest.")
            )
        if cleaned.get("gift_voucher_months") == 0:
            self.add_error(
                "gift_voucher_months", _("A gift voucher must be valid for a month at least.")
            )
        typed = cleaned.get("gift_voucher_amounts")
        if typed:
            words = [word.strip() for word in typed.split(",") if word.strip()]
            wrong = [word for word in words if not (word.isdigit() and int(word) > 0)]
            if wrong:
                self.add_error(
                    "gift_voucher_amounts",
                    _(
                        "Amounts are whole numbers above nothing, separated by commas, e.g. "
                        "50, 100, 200; this isn't one: %(word)s."
                    )
                    % {"word": wrong[0]},
                )


class PageButtonForm(forms.Form):
    """Which of an admin page's buttons was pressed (`do`), among the names it offers."""

    do = forms.ChoiceField()

    def __init__(self, *args, names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["do"].choices = [(name, name) for name in names]
