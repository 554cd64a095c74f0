"""For `admin.PaymentAdmin`: a month's books, for anyone who may see payments: the tax
summary by rate on a page, and every invoice, credit note, payment and refund as CSV."""

from datetime import date
from zoneinfo import ZoneInfo

from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import re_path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.payments.exports import month_csv, month_rows, month_tax_summary
from studio.admin_permissions import admin_view_requires
from studio.money import money_format

MONTH = r"(?P<year>20[0-9]{2})-(?P<month>0[1-9]|1[0-2])"


def books_url(month: date) -> str:
    return reverse("admin:shoots_payment_books", args=[f"{month:%Y}", f"{month:%m}"])


def books_csv_url(month: date) -> str:
    return reverse("admin:shoots_payment_books_csv", args=[f"{month:%Y}", f"{month:%m}"])


class PaymentBooksMixin:
    def has_books_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def books_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            re_path(rf"^books/{MONTH}/$", view(self.books_view), name="shoots_payment_books"),
            re_path(
                rf"^books/{MONTH}\.csv$", view(self.books_csv_view), name="shoots_payment_books_csv"
            ),
        ]

    @staticmethod
    def _month(year: str, month: str) -> date:
        try:
            return date(int(year), int(month), 1)
        except ValueError:
            raise Http404 from None

    @admin_view_requires("books")
    def books_view(self, request, year, month):
        month = self._month(year, month)
        zone = ZoneInfo(request.studio.time_zone)
        summary = [
            {
                "currency": row.currency,
                "rate": row.rate_label,
                "net": money_format(row.net, row.currency),
                "tax": money_format(row.tax, row.currency),
                "gross": money_format(row.gross, row.currency),
            }
            for row in month_tax_summary(month, zone)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Books for %(month)s") % {"month": date_format(month, "F Y")},
            "summary": summary,
            "rows": month_rows(month, zone),
            "csv_url": books_csv_url(month),
            "tax_name": request.studio.tax_name,
        }
        return TemplateResponse(request, "admin/shoots/payment/books.html", context)

    @admin_view_requires("books")
    def books_csv_view(self, request, year, month):
        month = self._month(year, month)
        body = month_csv(month, ZoneInfo(request.studio.time_zone))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="books-{month:%Y-%m}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
