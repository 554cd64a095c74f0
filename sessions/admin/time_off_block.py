"""Blocking time from the calendar (issue 23): a drag across empty time in the week or day
view (static/js/admin-calendar.js) proposes it; this page names the span, says which
sessions already in it stay where they are, lets the studio choose whose time it is (a
photographer's, or the whole studio's) and why, and makes it time off, which the slot engine
keeps clear of at once. It also offers to book a session there instead."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format, time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.admin_forms import LocalMomentField
from sessions.models import Booking, TimeOff
from studio.admin_permissions import admin_view_requires
from studio.forms import TOO_LONG
from studio.models import Photographer
from studio.selectors import studio_get

LONGEST_DAYS = 31  # a drag blocks hours; a holiday of weeks is the time-off form's
WHOLE_STUDIO = "studio"


def _whose_choices() -> list[tuple[str, str]]:
    """Chosen, never assumed: closing the whole studio is one choice among the rest."""
    return [
        ("", gettext_lazy("Choose…")),
        *(
            (str(pk), name)
            for pk, name in Photographer.objects.filter(is_active=True)
            .order_by("display_name")
            .values_list("pk", "display_name")
        ),
        (WHOLE_STUDIO, gettext_lazy("The whole studio (closed)")),
    ]


class TimeBlockForm(forms.ModelForm):
    starts_at = LocalMomentField(widget=forms.HiddenInput)
    ends_at = LocalMomentField(widget=forms.HiddenInput)
    photographer = forms.ChoiceField(
        choices=_whose_choices,
        label=gettext_lazy("Whose time"),
        error_messages={
            "required": gettext_lazy("Choose whose time it is: a photographer's, or the studio's.")
        },
    )

    class Meta:
        model = TimeOff
        fields = ["photographer", "reason"]
        labels = {"reason": gettext_lazy("Why (only the studio sees it)")}
        error_messages = {"reason": {"max_length": TOO_LONG}}

    def __init__(self, *args, tz: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].tz = self.fields["ends_at"].tz = tz
        self.order_fields(["starts_at", "ends_at", "photographer", "reason"])

    def clean_photographer(self) -> Photographer | None:
        whose = self.cleaned_data["photographer"]
        return None if whose == WHOLE_STUDIO else Photographer.objects.get(pk=whose)

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at:
            if ends_at <= starts_at:
                raise forms.ValidationError(_("The end must come after the start."))
            if (ends_at - starts_at).days >= LONGEST_DAYS:
                raise forms.ValidationError(
                    _("For more than a month, please use the time-off form.")
                )
            self.instance.starts_at, self.instance.ends_at = starts_at, ends_at
        return cleaned


class TimeBlockMixin:
    """For `availability.TimeOffAdmin`: the block page."""

    def get_urls(self):
        return [
            path(
                "block/",
                self.admin_site.admin_view(self.block_view),
                name="shoots_timeoff_block",
            ),
            *super().get_urls(),
        ]

    @admin_view_requires("add")
    def block_view(self, request):
        """GET (from the calendar's drag): the span and the choices; POST: block it."""
        tz = ZoneInfo(studio_get().time_zone)
        data = request.POST if request.method == "POST" else request.GET
        form = TimeBlockForm(data, tz=tz, initial={"photographer": data.get("photographer")})
        back = data.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("admin:shoots_booking_calendar")
        valid = form.is_valid()
        if request.method != "POST":  # asked, not yet answered: no error (nor aria-invalid)
            form.errors.pop("photographer", None)
        if valid and request.method == "POST":
            off = form.save()
            self.message_user(
                request,
                _("%(span)s blocked for %(whose)s.")
                % {"span": _span(off.starts_at, off.ends_at, tz), "whose": _whose(off)},
                messages.SUCCESS,
            )
            return redirect(back)
        inside, book_url, span = [], "", ""
        # A span that holds, even if the reason does not (it is typed again, not lost).
        span_holds = not (
            form.has_error("starts_at") or form.has_error("ends_at") or form.non_field_errors()
        )
        if span_holds:
            cleaned = form.cleaned_data
            span = _span(cleaned["starts_at"], cleaned["ends_at"], tz)
            inside = _sessions_inside(
                cleaned["starts_at"], cleaned["ends_at"], cleaned.get("photographer"), tz
            )
            if request.user.has_perm("shoots.add_booking"):
                local = cleaned["starts_at"].astimezone(tz)
                query = {"date": local.date().isoformat(), "time": local.strftime("%H:%M")}
                if cleaned.get("photographer"):
                    query["photographer"] = cleaned["photographer"].pk
                book_url = (
                    reverse("admin:shoots_booking_book_for_client")
                    + "?"
                    + urlencode(query, safe=":")
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Block time"),
            "opts": self.model._meta,
            "form": form,
            "span": span,
            "inside": inside,
            "book_url": book_url,
            "back": back,
            # Opened without a span (not from the calendar): where to go instead, no errors.
            "asked": "starts_at" in data or "ends_at" in data,
            "start_text": data.get("starts_at", ""),
            "end_text": data.get("ends_at", ""),
        }
        return TemplateResponse(request, "admin/shoots/timeoff/block.html", context)


def _span(starts_at, ends_at, tz: ZoneInfo) -> str:
    starts, ends = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if starts.date() == ends.date():
        return _("%(day)s, %(start)s–%(end)s") % {
            "day": date_format(starts, "l j F Y"),
            "start": time_format(starts, "H:i"),
            "end": time_format(ends, "H:i"),
        }
    return f"{date_format(starts, 'l j F Y, H:i')} – {date_format(ends, 'l j F Y, H:i')}"


def _whose(off: TimeOff) -> str:
    return off.photographer.display_name if off.photographer else _("the whole studio")


def _sessions_inside(starts_at, ends_at, photographer, tz: ZoneInfo) -> list[str]:
    """The active sessions in the span (the photographer's, or anyone's for a closure):
    blocking time does not move them, so the page names them."""
    bookings = Booking.objects.filter(
        status__in=Booking.ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).select_related("client", "session_type")
    if photographer:
        bookings = bookings.filter(photographer=photographer)
    return [
        _("%(client)s's %(session)s at %(time)s")
        % {
            "client": booking.client.name,
            "session": booking.session_type.name,
            "time": time_format(booking.starts_at.astimezone(tz), "H:i"),
        }
        for booking in bookings.order_by("starts_at")
    ]
