"""Prices entered before tax, a rate of its own per package or add-on, and invoices that sum
each line's tax per rate: worked examples with the sums done by hand (studio.tax's rule).

The family session here, prices entered before 20% VAT: Signature £412.49 (VAT 82.498 →
£82.50, the client pays £494.99) and hair and make-up £95.00 at 5% (VAT £4.75, pays £99.75):
£594.74 in all."""

import csv
import io
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sessions.access import booking_url
from sessions.models import AddOn, AvailabilityRule, Booking, Package
from sessions.payments.exports import month_csv, month_tax_summary
from sessions.payments.invoice_pdf import invoice_pdf
from sessions.payments.invoices import booking_invoice_issue
from sessions.payments.offers import Offer
from sessions.selectors import session_type_list_public
from sessions.services import booking_create, booking_create_by_staff
from studio.forms import SoldItemAdminForm
from tests.factories import ClientFactory, PhotographerFactory
from tests.package_fixtures import family_with_packages

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in London


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya(db):
    photographer = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=2, start_time=time(9), end_time=time(13)
    )
    return photographer


@pytest.fixture
def before_tax(studio):
    studio.tax_name, studio.tax_rate, studio.tax_number = "VAT", 2000, "GB 123 4567 89"
    studio.prices_include_tax = False
    studio.save()
    return studio


@pytest.fixture
def family(before_tax, maya):
    family = family_with_packages([maya])
    Package.objects.filter(pk=family.signature.pk).update(price=41249)
    AddOn.objects.filter(pk=family.make_up.pk).update(tax_rate=500)
    family.signature.refresh_from_db()
    family.make_up.refresh_from_db()
    return family


def signature_with_make_up(family) -> Offer:
    return Offer(session_type=family, package=family.signature, add_ons=(family.make_up,))


def sold(family, maya) -> Booking:
    return booking_create_by_staff(
        client=ClientFactory(name="Rosa Diaz"),
        session_type=family,
        photographer=maya,
        starts_at=TEN,
        offer=signature_with_make_up(family),
    )


def pdf_text(data: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def test_the_client_is_shown_what_they_pay_with_the_tax_added(client, family):
    url = reverse("sessions:slot-pick", args=[family.slug])
    html = client.get(url).content.decode()
    assert "£494.99" in html
    assert "£412.49" not in html
    assert "+£99.75" in html  # make-up at its own 5%
    assert 'data-price="49499"' in html
    assert 'data-price="9975"' in html
    assert "Prices include VAT." in html
    query = urlencode({"package": family.signature.pk, "add_on": family.make_up.pk}, doseq=True)
    calendar = client.get(f"{url}?{query}").content.decode()
    assert "£594.74" in calendar  # the offer's total, as the client will pay it


def test_a_booking_keeps_the_gross_it_was_sold_at_and_each_lines_tax(family, maya):
    booking = booking_create(
        client=ClientFactory(),
        session_type=family,
        starts_at=TEN,
        tz=LONDON,
        offer=signature_with_make_up(family),
    )
    assert booking.price == 49499 + 9975
    page = Client().get(booking_url(booking)).content.decode()
    assert "£594.74" in page
    assert "(includes VAT)" in page
    # The deposit is money to pay, not a price: as entered.
    assert booking.deposit == 10000
    # £18.00 an extra image before VAT: £21.60 to pay, at the studio's rate.
    assert booking.extra_image_price == 2160
    items = [(i.name, i.unit_price, i.tax_rate, i.net, i.tax) for i in booking.items.all()]
    assert items == [
        ("Signature", 49499, 2000, 41249, 8250),
        ("Hair and make-up", 9975, 500, 9500, 475),
    ]
    # A later change of rates or of the way prices are entered rewrites nothing sold.
    family.signature.tax_rate = 0
    family.signature.save()
    booking.refresh_from_db()
    assert booking.items.get(name="Signature").tax == 8250


def test_an_invoice_sums_its_lines_tax_per_rate_and_shares_the_discount(family, maya):
    booking = sold(family, maya)
    # £10 off £594.74: 10 × 494.99 ÷ 594.74 = £8.3227…, 10 × 99.75 ÷ 594.74 = £1.6772…;
    # 832p + 167p leaves a penny, to the larger remainder (.72): £8.32 and £1.68.
    Booking.objects.filter(pk=booking.pk).update(discount=1000)
    invoice = booking_invoice_issue(booking_id=booking.pk)
    lines = [(li.description, li.amount, li.tax_rate, li.net, li.tax) for li in invoice.lines.all()]
    assert lines == [
        ("Signature", 49499, 2000, 41249, 8250),
        ("Hair and make-up", 9975, 500, 9500, 475),
        # -8.32 ÷ 1.2 = -6.9333 → net -£6.93, VAT -£1.39; -1.68 ÷ 1.05 = -1.60, VAT -£0.08.
        ("Discount (20%)", -832, 2000, -693, -139),
        ("Discount (5%)", -168, 500, -160, -8),
    ]
    # 20%: net 412.49 - 6.93 = £405.56, VAT 82.50 - 1.39 = £81.11; 5%: £93.40 and £4.67.
    by_rate = [(t.rate, t.net, t.tax, t.gross) for t in invoice.tax_by_rate().by_rate]
    assert by_rate == [(2000, 40556, 8111, 48667), (500, 9340, 467, 9807)]
    assert (invoice.net, invoice.tax, invoice.gross) == (49896, 8578, 58474)
    assert invoice.gross == booking.price - 1000  # what the client is asked to pay

    text = pdf_text(invoice_pdf(invoice))
    assert "VAT invoice INV-0001" in text
    assert "VAT number GB 123 4567 89" in text
    assert "Signature 1 £494.99 20% £494.99" in text
    assert "Hair and make-up 1 £99.75 5% £99.75" in text
    assert "Total before VAT £498.96" in text
    assert "VAT at 20% on £405.56 £81.11" in text
    assert "VAT at 5% on £93.40 £4.67" in text
    assert "Total £584.74" in text
    assert "Tax is worked out on each line" in text


def test_a_credit_note_is_its_invoice_negated_line_by_line(family, maya):
    booking = sold(family, maya)
    first = booking_invoice_issue(booking_id=booking.pk)
    Booking.objects.filter(pk=booking.pk).update(discount=1000)
    second = booking_invoice_issue(booking_id=booking.pk)
    [credit] = first.credit_notes.all()
    assert second.replaces == first
    assert (credit.net, credit.tax, credit.gross) == (-first.net, -first.tax, -first.gross)
    assert [(li.tax_rate, li.net, li.tax) for li in credit.lines.all()] == [
        (li.tax_rate, -li.net, -li.tax) for li in first.lines.all()
    ]


def test_the_months_books_split_each_invoice_by_rate(family, maya):
    booking = sold(family, maya)
    Booking.objects.filter(pk=booking.pk).update(discount=1000)
    booking_invoice_issue(booking_id=booking.pk)
    june = date(2026, 6, 1)
    summary = [(r.rate, r.net, r.tax, r.gross) for r in month_tax_summary(june, LONDON)]
    assert summary == [(2000, 40556, 8111, 48667), (500, 9340, 467, 9807)]
    rows = list(csv.DictReader(io.StringIO(month_csv(june, LONDON))))
    invoice_rows = [
        (r["Number"], r["Tax rate"], r["Net"], r["Tax"], r["Gross"])
        for r in rows
        if r["Type"] == "Invoice"
    ]
    assert invoice_rows == [
        ("INV-0001", "20%", "405.56", "81.11", "486.67"),
        ("INV-0001", "5%", "93.40", "4.67", "98.07"),
    ]


def test_a_studio_that_charges_no_tax_prints_no_tax_at_all(client, studio, maya):
    studio.tax_name, studio.tax_rate, studio.tax_number = "", 0, ""
    studio.prices_include_tax = False  # nothing to add: the prices are what clients pay
    studio.save()
    family = family_with_packages([maya])
    AddOn.objects.filter(pk=family.make_up.pk).update(tax_rate=500)  # no tax: ignored
    family.make_up.refresh_from_db()
    html = client.get(reverse("sessions:slot-pick", args=[family.slug])).content.decode()
    assert "£495.00" in html
    assert "+£95.00" in html
    assert "Prices include" not in html
    booking = sold(family, maya)
    assert booking.price == 49500 + 9500
    invoice = booking_invoice_issue(booking_id=booking.pk)
    assert (invoice.net, invoice.tax, invoice.gross) == (59000, 0, 59000)
    assert {li.tax_rate for li in invoice.lines.all()} == {0}
    text = pdf_text(invoice_pdf(invoice))
    assert "Invoice INV-0001" in text
    assert "Total £590.00" in text
    assert "tax" not in text.lower()
    assert "VAT" not in text
    assert month_tax_summary(date(2026, 6, 1), LONDON)[0].tax == 0
    [row] = [
        r
        for r in csv.DictReader(io.StringIO(month_csv(date(2026, 6, 1), LONDON)))
        if r["Type"] == "Invoice"
    ]
    assert (row["Net"], row["Tax"], row["Gross"], row["Tax rate"]) == (
        "590.00",
        "0.00",
        "590.00",
        "",
    )


def test_the_studio_says_its_prices_are_entered_before_tax(admin_client, studio):
    url = reverse("admin:studio_studio_change", args=[studio.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert "Prices I enter are" in html
    assert "before tax" in html
    assert "half a penny up" in html  # the rounding rule, stated
    form = {
        name: value
        for name, value in page.context["adminform"].form.initial.items()
        if name not in ("logo", "watermark") and value is not None
    }
    sent = {**form, "tax_name": "VAT", "tax_rate": "20", "prices_include_tax": "False"}
    response = admin_client.post(url, sent)
    assert response.status_code == 302, response.content.decode()[:2000]
    studio.refresh_from_db()
    assert (studio.tax_rate, studio.prices_include_tax) == (2000, False)
    admin_client.post(url, {**sent, "prices_include_tax": "True"})
    studio.refresh_from_db()
    assert studio.prices_include_tax is True


def test_a_package_types_its_own_rate_as_a_percentage_or_leaves_it_empty(family):
    class PackageForm(SoldItemAdminForm):
        class Meta:
            model = Package
            fields = ["name", "price", "deposit", "extra_image_price", "tax_rate"]

    data = {"name": "Voucher", "price": "50.00", "deposit": "0", "extra_image_price": "0"}
    own = PackageForm(data={**data, "tax_rate": "5.5"}, instance=family.heirloom)
    assert own.is_valid(), own.errors
    assert own.cleaned_data["tax_rate"] == 550
    studios = PackageForm(data={**data, "tax_rate": ""}, instance=family.heirloom)
    assert studios.is_valid(), studios.errors
    assert studios.cleaned_data["tax_rate"] is None
    assert not PackageForm(data={**data, "tax_rate": "120"}, instance=family.heirloom).is_valid()
    shown = PackageForm(instance=Package(tax_rate=500))
    assert shown.initial["tax_rate"] == 5


@pytest.mark.django_db(transaction=True)
def test_issued_invoices_keep_their_figures_when_lines_get_their_own_tax(studio):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from sessions.models import Invoice

    before = [("shoots", "0024_payment_method")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        session_type = old.get_model("shoots", "SessionType").objects.create(
            name="Portrait", slug="portrait", duration_minutes=60, currency="GBP"
        )
        package = old.get_model("shoots", "Package").objects.create(
            session_type=session_type, name="Portrait", price=35020
        )
        user = old.get_model("auth", "User").objects.create(username="maya")
        photographer = old.get_model("studio", "Photographer").objects.create(
            user=user, display_name="Maya"
        )
        client = old.get_model("clients", "Client").objects.create(name="Ann", email="a@b.c")
        booking = old.get_model("shoots", "Booking").objects.create(
            reference="MIGR02",
            package=package,
            client=client,
            session_type=session_type,
            photographer=photographer,
            starts_at=TEN,
            ends_at=TEN + timedelta(hours=1),
            blocked_from=TEN,
            blocked_until=TEN + timedelta(hours=1),
            status="confirmed",
            currency="GBP",
            price=35020,
            deposit=0,
        )
        # Issued under the old rule, tax on the rate's total: £300.20 at 20% holds 5003.33p
        # → £50.03. Each line's tax rounded on its own would say 5833 + 2 + 2 - 833 = 5004.
        invoice = old.get_model("shoots", "Invoice").objects.create(
            booking=booking,
            kind="invoice",
            prefix="INV-",
            number=1,
            issued_at=NOW,
            currency="GBP",
            bill_to="Ann",
            about="MIGR02",
            studio_name="Lumen",
            tax_name="VAT",
            prices_include_tax=True,
            net=25017,
            tax=5003,
            gross=30020,
        )
        for position, amount in enumerate([35000, 10, 10, -5000]):
            invoice.lines.create(
                position=position, description="x", unit_amount=amount, amount=amount, tax_rate=2000
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    invoice = Invoice.objects.get(number=1)
    assert (invoice.net, invoice.tax, invoice.gross, invoice.tax_rate) == (25017, 5003, 30020, 2000)
    # The odd penny comes off the largest line: £350.00 holds £58.32 on this invoice.
    assert [(li.amount, li.net, li.tax) for li in invoice.lines.all()] == [
        (35000, 29168, 5832),
        (10, 8, 2),
        (10, 8, 2),
        (-5000, -4167, -833),
    ]
    [rate] = invoice.tax_by_rate().by_rate
    assert (rate.rate, rate.net, rate.tax, rate.gross) == (2000, 25017, 5003, 30020)


def test_the_session_list_says_from_what_a_client_pays_each_package_at_its_rate(client, family):
    # Heirloom £895 at its own 0% stays £895; Signature £412.49 + VAT is £494.99, the least.
    Package.objects.filter(pk=family.heirloom.pk).update(tax_rate=0)
    Package.objects.filter(pk=family.package.pk).update(price=80000)  # £960 with VAT
    html = client.get(reverse("sessions:session-type-list")).content.decode()
    assert "from £494.99" in html
    [family_row] = session_type_list_public()
    assert (family_row.price_low, family_row.price_high) == (49499, 96000)
