"""Money the studio received outside Stripe, recorded from a booking's page: the "Record a
payment received" button and its form. The payments service decides what may be recorded
(sessions.payments.manual); the staff member is recorded as who did it (studio.actors)."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from sessions.admin.payment_forms import PaymentRecordForm
from sessions.models import Booking
from sessions.payments.errors import PaymentRefused
from sessions.payments.manual import booking_owed_recordable, payment_record
from studio.admin_permissions import admin_view_requires
from studio.money import money_format
from studio.selectors import studio_get


class BookingPaymentsMixin:
    """For `bookings.BookingAdmin`: recording a payment received. Needs the payments
    permission (`shoots.manage_payments`) and sight of the booking."""

    def has_payment_record_permission(self, request) -> bool:
        return request.user.has_perm("shoots.manage_payments") and (
            self.has_view_or_change_permission(request)
        )

    def payment_urls(self) -> list:
        return [
            path(
                "<int:booking_id>/payments/record/",
                self.admin_site.admin_view(self.payment_record_view),
                name="shoots_booking_payment_record",
            )
        ]

    def payments_story(self, request, booking: Booking) -> dict:
        """Whether the page shows "Record a payment received": something is owed, and the
        staff member may record it. Reads the booking's payments (prefetch them)."""
        if not self.has_payment_record_permission(request):
            return {}
        return {"story_can_record_payment": any(booking_owed_recordable(booking).values())}

    @admin_view_requires("payment_record")
    def payment_record_view(self, request, booking_id):
        booking = get_object_or_404(
            Booking.objects.select_related("client", "session_type"), pk=booking_id
        )
        tz = ZoneInfo(studio_get().time_zone)
        form = PaymentRecordForm(request.POST or None, booking=booking, tz=tz)
        if request.method == "POST" and form.is_valid():
            try:
                payment = payment_record(booking_id=booking.pk, received=form.received())
            except PaymentRefused as refused:
                form.add_error(None, refused.message)
            else:
                self.message_user(
                    request,
                    _(
                        "Recorded: %(amount)s by %(method)s, for the %(kind)s. The client is "
                        "emailed a receipt."
                    )
                    % {
                        "amount": money_format(payment.amount, payment.currency),
                        "method": payment.get_method_display().lower(),
                        "kind": payment.get_kind_display().lower(),
                    },
                    messages.SUCCESS,
                )
                return redirect("admin:shoots_booking_change", booking.pk)
        owed = [
            (kind, money_format(amount, booking.currency))
            for kind, amount in booking_owed_recordable(booking).items()
            if amount
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a payment received · %(ref)s") % {"ref": booking.reference},
            "booking": booking,
            "form": form,
            "owed": owed,
            "media": self.media + form.media,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/shoots/booking/payment_record.html", context)
