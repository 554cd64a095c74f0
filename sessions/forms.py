from datetime import UTC, datetime, timedelta

from crispy_forms.bootstrap import FieldWithButtons, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from sessions.models import Booking, CodeRedemption, SessionType, WaitlistEntry
from sessions.payments.offers import Offer, add_ons_offered, packages_offered
from studio.forms import PersonNameField, RowIdField, TextBoxField, stored_in
from studio.http import int_or_none


class BookingDetailsForm(forms.Form):
    name = PersonNameField(label=_("Your name"), **stored_in(Client, "name"))
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("We send your confirmation and calendar invite here."),
        **stored_in(Client, "email"),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        help_text=_("Optional: in case we need to reach you on the day."),
        **stored_in(Client, "phone"),
    )
    for_whom = forms.ChoiceField(
        label=_("Who is being photographed?"),
        choices=[("me", _("Me")), ("someone_else", _("Someone else (a gift, a child, a partner)"))],
        initial="me",
        required=False,
        widget=forms.RadioSelect,
    )
    photographed_name = PersonNameField(
        label=_("Their name"),
        required=False,
        help_text=_("We'll still send everything to you."),
        **stored_in(Booking, "photographed_name"),
    )
    photographed_note = forms.CharField(
        label=_("About them (optional)"),
        required=False,
        help_text=_("e.g. my daughter, 4 years old; my partner"),
        **stored_in(Booking, "photographed_note"),
    )
    notes = TextBoxField(
        label=_("Anything we should know?"),
        required=False,
        **stored_in(Booking, "client_notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who is coming, what the pictures are for, anything on your mind."),
    )
    code = forms.CharField(
        label=_("Gift voucher or discount code"),
        required=False,
        **stored_in(CodeRedemption, "code"),
    )
    autopay = forms.BooleanField(
        label=_(
            "Save my card when I pay the deposit, and take the other payments of the plan "
            "on their due dates. I'll get a receipt each time, and I can stop this on my "
            "booking page whenever I like."
        ),
        required=False,
    )
    agree = forms.BooleanField(
        label=_("I have read and agree to the studio's booking policy."),
        error_messages={"required": _("Please read and agree to the booking policy first.")},
    )

    def __init__(
        self,
        *args,
        policies: str = "",
        code_only: bool = False,
        autopay_offered: bool = False,
        **kwargs,
    ):
        """`code_only`: the client pressed Apply beside the code, so nothing else is
        required yet (what they typed is checked, and kept). `autopay_offered`: the package
        is paid in parts, online: the client may choose to save their card for them."""
        super().__init__(*args, **kwargs)
        if not policies:
            del self.fields["agree"]
        if not autopay_offered:
            del self.fields["autopay"]
        if code_only:
            for field in self.fields.values():
                field.required = False
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            "email",
            "phone",
            "for_whom",
            Div("photographed_name", "photographed_note", css_class="photographed-fields"),
            "notes",
            FieldWithButtons(
                "code",
                StrictButton(
                    _("Apply"),
                    type="submit",
                    name="apply_code",
                    value="1",
                    css_class="btn-outline-secondary",
                    formnovalidate=True,  # nothing else need be filled in to try a code
                ),
            ),
            *(["autopay"] if autopay_offered else []),
            *(["agree"] if policies else []),
        )
        self.helper.add_input(Submit("book", _("Book this session"), css_class="btn-dark btn-lg"))

    def clean(self):
        """Someone else's name is needed when booking for someone else, and kept only then."""
        cleaned = super().clean()
        if cleaned.get("for_whom") != "someone_else":
            cleaned["photographed_name"] = cleaned["photographed_note"] = ""
        elif (
            not cleaned.get("photographed_name")
            and "photographed_name" not in self.errors
            and self.fields["name"].required  # not when only trying a code
        ):
            self.add_error(
                "photographed_name", _("Please tell us the name of who is photographed.")
            )
        return cleaned


class WaitlistJoinForm(forms.Form):
    """Joining a full day's waitlist: who to tell when a time frees up."""

    name = PersonNameField(label=_("Your name"), **stored_in(WaitlistEntry, "name"))
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("We email you here if a time comes free, and nowhere else."),
        **stored_in(WaitlistEntry, "email"),
    )


class WaitlistLeaveForm(forms.Form):
    """The "Leave the waitlist" button: nothing typed."""

    leave = forms.BooleanField()


def start_parse(value: str | None) -> datetime | None:
    """An aware start time from a query string or form, within a sane range, else None."""
    try:
        start = parse_datetime(value or "")
        if start is None or timezone.is_naive(start):
            return None
        start = start.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    now = timezone.now()
    if not now - timedelta(days=366) < start < now + timedelta(days=3 * 366):
        return None
    return start


class StartField(forms.Field):
    """A session's start time, as the page's buttons send it; None when it cannot be one."""

    def to_python(self, value) -> datetime | None:
        return start_parse(value if isinstance(value, str) else None)


class SlotChoiceForm(forms.Form):
    """The time chosen on the calendar and the photographer, if one was picked: the
    booking page's address carries them while the details are typed and sent."""

    start = StartField(required=False)
    photographer = RowIdField(required=False)


class OfferChoiceForm(forms.Form):
    """The package and add-ons a client chose for a session type; the booking pages'
    addresses carry them (`package`, and `add_on` once per add-on) until the booking is made."""

    package = forms.TypedChoiceField(
        label=_("Package"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a package.")},
    )
    add_on = forms.TypedMultipleChoiceField(
        label=_("Add-ons"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, session_type: SessionType, studio=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_type = session_type
        self.studio = studio  # whose tax settings price the offer (Offer.studio)
        self.packages = {p.pk: p for p in packages_offered(session_type)}
        self.add_ons = {a.pk: a for a in add_ons_offered(session_type)}
        self.fields["package"].choices = [(pk, p.name) for pk, p in self.packages.items()]
        self.fields["add_on"].choices = [(pk, a.name) for pk, a in self.add_ons.items()]
        self.fields["add_on"].error_messages["invalid_choice"] = _(
            "One of those add-ons is no longer offered. Please choose again."
        )
        self.fields["package"].error_messages["invalid_choice"] = _(
            "That package is no longer offered. Please choose another."
        )

    def ticked(self) -> Offer | None:
        """What the page shows ticked: what was sent, as far as it is offered, else the
        first package; None when nothing is offered."""
        data = self.data if self.is_bound else {}
        sent = int_or_none(data.get("package"))
        package = self.packages.get(sent) or next(iter(self.packages.values()), None)
        if package is None:
            return None
        sent_add_ons = {int_or_none(v) for v in data.getlist("add_on")} if data else set()
        return self._offer(package, sent_add_ons)

    def offer(self) -> Offer:
        """The valid choice, as an Offer (call after is_valid())."""
        return self._offer(
            self.packages[self.cleaned_data["package"]], set(self.cleaned_data["add_on"])
        )

    def _offer(self, package, add_on_ids: set) -> Offer:
        """The package with the offered add-ons among `add_on_ids`, in the studio's order."""
        add_ons = tuple(a for pk, a in self.add_ons.items() if pk in add_on_ids)
        return Offer(
            session_type=self.session_type,
            package=package,
            add_ons=add_ons,
            given_studio=self.studio,
        )


class PaymentChoiceForm(forms.Form):
    """Which of the booking's payments the client pressed "Pay" for."""

    payment = RowIdField()  # required: anything not an id is refused
    # Ticked: keep the card to take the payment plan's next parts on their dates.
    autopay = forms.BooleanField(required=False)


class RescheduleForm(forms.Form):
    """ "Move my session": the new start time confirmed."""

    start = StartField(required=False)
