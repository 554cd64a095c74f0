from datetime import date, datetime, time
from functools import partial
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget, AutocompleteSelect
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from sessions import slots
from sessions.models import AddOn, Booking, CodeRedemption, Package, Refund, SessionType
from sessions.payments.offers import Offer, offer_default
from sessions.services import booking_clash_find, booking_rule_warnings, booking_times
from studio.forms import PersonNameField, money_form_field, money_minor_clean, stored_in
from studio.models import Photographer, Studio
from studio.money import money_format, to_major
from studio.pricing import sold_figures
from studio.selectors import studio_get
from studio.validators import within_years

SKIPPED = _("That time doesn't exist here: the clocks skip it.")


def studio_moment(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """A day and time the studio typed, on its clock, as an aware datetime. Raises
    ValidationError (code "far" or "skipped") for a date too far off, or a time the
    clocks skip when they go forward (never quietly moved an hour on)."""
    within_years(day)  # code "far"
    instant = slots.to_utc(datetime.combine(day, clock), tz)
    if instant is None:
        raise forms.ValidationError(SKIPPED, code="skipped")
    return instant.astimezone(tz)


def studio_moment_clean(form: forms.Form, cleaned: dict, tz: ZoneInfo) -> datetime | None:
    """`cleaned`'s date and time as studio_moment, or None with the reason on its field."""
    try:
        return studio_moment(cleaned["date"], cleaned["time"], tz)
    except forms.ValidationError as refused:
        form.add_error("date" if refused.code == "far" else "time", refused)
        return None


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
    package = forms.ModelChoiceField(
        Package.objects.select_related("session_type"),
        required=False,
        label=_("Package"),
        help_text=_("Leave empty for the session type's first package."),
    )
    add_ons = forms.ModelMultipleChoiceField(
        AddOn.objects.select_related("session_type"),
        required=False,
        label=_("Add-ons"),
        widget=forms.CheckboxSelectMultiple,
    )
    code = forms.CharField(
        label=_("Discount code"),
        required=False,
        help_text=_("Used as if the client had typed it: its limits and dates apply."),
        **stored_in(CodeRedemption, "code"),
    )
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        studio = studio_get()
        self.fields["package"].label_from_instance = partial(_sold_label, studio=studio)
        self.fields["add_ons"].label_from_instance = partial(_sold_label, studio=studio)

    def clean(self):
        cleaned = super().clean()
        typed_wrong = {"client", "new_client_name", "new_client_email"} & set(self.errors)
        if (
            not typed_wrong
            and not cleaned.get("client")
            and not (cleaned.get("new_client_name") and cleaned.get("new_client_email"))
        ):
            raise forms.ValidationError(
                _("Choose an existing client, or give a new client's name and email.")
            )
        if cleaned.get("session_type"):
            cleaned["offer"] = self._offer(cleaned)
        tz = timezone.get_current_timezone()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = studio_moment_clean(self, cleaned, tz)
            if cleaned["starts_at"] and cleaned.get("offer") and cleaned.get("photographer"):
                staff_time_check(
                    self,
                    Booking(
                        photographer=cleaned["photographer"],
                        **booking_times(
                            cleaned["session_type"],
                            cleaned["starts_at"],
                            cleaned["offer"].duration,
                        ),
                    ),
                    session_type=cleaned["session_type"],
                    tz=tz,
                    anyway=cleaned.get("book_anyway", False),
                    anyway_hint=_("Tick “Book anyway” to book it all the same."),
                )
        return cleaned

    def _offer(self, cleaned) -> Offer | None:
        """The package and add-ons chosen, if they are the session type's; else None, with
        the reason on the field."""
        session_type = cleaned["session_type"]
        package = cleaned.get("package")
        if package is None:
            try:
                package = offer_default(session_type).package
            except Package.DoesNotExist:
                self.add_error("session_type", _("This session type has no package to sell."))
                return None
        if package.session_type_id != session_type.pk:
            self.add_error("package", _("This package belongs to another session type."))
            return None
        add_ons = tuple(cleaned.get("add_ons") or ())
        if any(add_on.session_type_id != session_type.pk for add_on in add_ons):
            self.add_error("add_ons", _("Choose add-ons of this session type only."))
            return None
        return Offer(session_type=session_type, package=package, add_ons=add_ons)


def _sold_label(item: Package | AddOn, *, studio: Studio) -> str:
    """“Family session: Signature, £450.00” (what the client pays: with prices entered
    before tax, the tax added), and “, not offered” when it is withdrawn."""
    price = sold_figures(item.price, item.tax_rate, studio).gross
    label = _("%(type)s: %(name)s, %(price)s") % {
        "type": item.session_type.name,
        "name": item.name,
        "price": money_format(price, item.session_type.currency),
    }
    return label if item.is_active else _("%(label)s, not offered") % {"label": label}


def staff_time_check(form, wanted: Booking, *, session_type, tz, anyway: bool, anyway_hint):
    """For a time the studio chose (`wanted`: an unsaved booking, or one being moved with its
    new times): refuse it if it overlaps another booking, naming that booking (`form.clash`);
    else list why clients could not book it online (`form.warnings`), refused unless
    `anyway`. Overlaps are never set aside."""
    form.clash = booking_clash_find(booking=wanted)
    if form.clash:
        raise forms.ValidationError(booking_clash_message(form.clash, wanted=wanted, tz=tz))
    form.warnings = booking_rule_warnings(
        session_type=session_type,
        photographer=wanted.photographer,
        starts_at=wanted.starts_at,
        tz=tz,
        exclude_booking_id=wanted.pk,
        duration=wanted.duration,
    )
    if form.warnings and not anyway:
        raise forms.ValidationError([*form.warnings, anyway_hint])


def booking_clash_message(clash: Booking, *, wanted: Booking, tz: ZoneInfo) -> str:
    """What a time clashes with, for the studio: whose session, which, and when."""
    start, end = clash.starts_at.astimezone(tz), clash.ends_at.astimezone(tz)
    names = {
        "client": clash.client.name,
        "session": clash.session_type.name,
        "start": time_format(start, "H:i"),
        "end": time_format(end, "H:i"),
        "day": date_format(start, "l j F Y"),
    }
    if wanted.starts_at < clash.ends_at and clash.starts_at < wanted.ends_at:
        message = _(
            "That time overlaps %(client)s's %(session)s session, %(start)s–%(end)s on %(day)s."
        )
    else:
        message = _(
            "That time is too close to %(client)s's %(session)s session, %(start)s–%(end)s "
            "on %(day)s: the time kept free around sessions would overlap."
        )
    waiting = {
        Booking.Status.REQUESTED: _("It is a request waiting for your approval."),
        Booking.Status.HELD: _("It is held while the client pays."),
    }.get(clash.status)
    return f"{message % names} {waiting}" if waiting else message % names


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
        by_voucher = self.instance.gift_voucher_amount
        if by_voucher and discount > self.instance.price - by_voucher:
            raise forms.ValidationError(
                _("%(paid)s was paid by gift voucher, so the discount can be %(most)s at most.")
                % {
                    "paid": money_format(by_voucher, self.instance.currency),
                    "most": money_format(self.instance.price - by_voucher, self.instance.currency),
                }
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
    """A new date and start time, in the studio's time, for a booking the studio moves:
    refused if it overlaps another booking (named), and, outside the public booking rules,
    moved only when the studio says so."""

    date = forms.DateField(label=_("New date"), widget=AdminDateWidget)
    time = forms.TimeField(label=_("New start time (studio time)"), widget=AdminTimeWidget)
    move_anyway = forms.BooleanField(
        label=_("Move anyway, outside the public booking rules"), required=False
    )

    def __init__(self, *args, booking: Booking, tz: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.booking, self.tz = booking, tz
        self.clash, self.warnings = None, []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = studio_moment_clean(self, cleaned, self.tz)
            if cleaned["starts_at"] is None:
                return cleaned
            moved = Booking(
                pk=self.booking.pk,
                photographer=self.booking.photographer,
                **booking_times(
                    self.booking.session_type, cleaned["starts_at"], self.booking.duration
                ),
            )
            staff_time_check(
                self,
                moved,
                session_type=self.booking.session_type,
                tz=self.tz,
                anyway=cleaned.get("move_anyway", False),
                anyway_hint=_("Tick “Move anyway” to move it all the same."),
            )
            cleaned["outside_rules"] = bool(self.warnings)
        return cleaned


class FreeTimeForm(forms.Form):
    """One of the free times the Move page offers, pressed."""

    start = forms.DateTimeField(validators=[within_years])


class StudioSplitMomentField(forms.SplitDateTimeField):
    """The admin's date and time boxes on the studio's clock: a time the clocks skip is
    refused in words, and a time they repeat (an autumn night) means its first instance,
    where Django's own field answers both with a message about time zones."""

    def compress(self, data_list):
        if not data_list:
            return None
        day, clock = data_list
        if day in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if clock in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return studio_moment(day, clock, timezone.get_current_timezone())


class LocalMomentField(forms.Field):
    """A wall-clock time in the studio's zone as the calendar writes it ("2026-12-10T14:00"),
    made an instant; a time the clocks skip is refused."""

    def __init__(self, *args, tz: ZoneInfo | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz

    def to_python(self, value):
        typed = str(value or "")
        try:
            local = datetime.fromisoformat(typed)
        except ValueError:
            raise forms.ValidationError(_("That isn't a date and time.")) from None
        if len(typed) > 16 or local.tzinfo is not None:
            raise forms.ValidationError(_("That isn't a date and time."))
        return studio_moment(local.date(), local.time(), self.tz)
