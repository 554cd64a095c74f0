"""/my/, the client's home: what needs them first (soonest first, each with the page to do it
on), then sessions to come, past sessions with their galleries and downloads, documents and
payments; only their own; in a number of queries that doesn't grow with what they have. And
every client page an email leads to links to it."""

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from clients.views import CLIENT_SESSION_KEY
from gallery.access import gallery_link_url
from gallery.models import Gallery, Photo, ShareLink
from sessions.access import booking_token
from sessions.models import Booking, Installment, Payment, Questionnaire, SessionGuide
from sessions.payments.invoices import booking_invoice_issue
from tests.factories import BookingFactory, SessionTypeFactory
from tests.payment_fixtures import payment_received

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 1 June, 09:00 in London
MY = reverse("clients:my-sessions")


@pytest.fixture(autouse=True)
def _clock(studio):
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(client, person):
    session = client.session
    session[CLIENT_SESSION_KEY] = person.pk
    session.save()
    return client


def booking_for(person, *, days: float, status=Booking.Status.CONFIRMED, **fields) -> Booking:
    return BookingFactory(
        client=person, starts_at=NOW + timedelta(days=days), status=status, **fields
    )


def gallery_for(booking, *, status=Gallery.Status.PUBLISHED, finals=0, **fields) -> Gallery:
    gallery = Gallery.objects.create(
        booking=booking,
        title=fields.pop("title", f"{booking.session_type.name} photos"),
        slug=secrets.token_hex(6),
        status=status,
        currency="GBP",
        **fields,
    )
    Photo.objects.bulk_create(
        Photo(
            gallery=gallery,
            kind=Photo.Kind.FINAL,
            status=Photo.Status.READY,
            original=f"galleries/{gallery.pk}/{n}/original.jpg",
            original_name=f"final-{n}.jpg",
            sha256=f"{n:064x}",
            size=1,
        )
        for n in range(finals)
    )
    return gallery


def with_cover(gallery) -> Photo:
    gallery.cover = Photo.objects.create(
        gallery=gallery,
        status=Photo.Status.READY,
        original=f"galleries/{gallery.pk}/cover/original.jpg",
        original_name="cover.jpg",
        sha256="c" * 64,
        size=1,
    )
    gallery.save(update_fields=["cover"])
    return gallery.cover


def paid(booking, amount=5000) -> Payment:
    return payment_received(booking, amount=amount, paid_at=NOW - timedelta(days=10))


def due(booking, amount, kind=Payment.Kind.BALANCE) -> Payment:
    return Payment.objects.create(booking=booking, kind=kind, amount=amount, currency="GBP")


def part(booking, amount, due_on, payment=None, status=Installment.Status.SCHEDULED):
    return Installment.objects.create(
        booking=booking,
        label="Second payment",
        amount=amount,
        currency="GBP",
        due_on=due_on,
        payment=payment,
        status=status,
    )


def questionnaire_for(session_type, name="Getting to know you") -> Questionnaire:
    questionnaire = Questionnaire.objects.create(name=name)
    questionnaire.session_types.add(session_type)
    return questionnaire


def section(html: str, heading_id: str) -> str:
    """The page from a heading to the next h2."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<h2", start)
    return html[start : end if end > 0 else len(html)]


def test_what_needs_you_comes_first_soonest_first_each_with_its_page(client, anna, settings):
    settings.PAYMENTS_ENABLED = True
    soon = booking_for(anna, days=6)
    questionnaire = questionnaire_for(soon.session_type)
    on_plan = booking_for(anna, days=30)
    installment_payment = due(on_plan, 7500, kind=Payment.Kind.INSTALLMENT)
    part(on_plan, 7500, date(2026, 6, 3), payment=installment_payment)
    part(on_plan, 2500, date(2026, 6, 20))  # not asked for yet: only under Payments
    past = booking_for(anna, days=-20, status=Booking.Status.COMPLETED)
    choose = gallery_for(past, selection_deadline=date(2026, 6, 12), title="Summer portraits")
    balance = due(past, 10000)

    page = signed_in(client, anna).get(MY)

    html = page.content.decode()
    needs = section(html, "needs-heading")
    assert html.index('id="needs-heading"') < html.index('id="upcoming-heading"')
    # The installment (3 June), the questionnaire (by 5 June, a day before), favourites (by
    # 12 June), then the balance, which has no day.
    assert [need.split('"')[0] for need in needs.split('data-need="')[1:]] == [
        "pay",
        "answer",
        "choose",
        "pay",
    ]
    assert f"#pay-{installment_payment.pk}" in needs
    assert "Installment due: £75.00" in needs
    assert "by Wednesday 3 June" in needs
    fill = reverse("sessions:questionnaire-fill", args=[booking_token(soon), questionnaire.pk])
    assert f'href="{fill}"' in needs
    assert "Choose your favorites: Summer portraits" in needs
    assert "by Friday 12 June" in needs
    assert reverse("gallery:gallery-detail", args=[choose.slug]) in needs
    assert f"#pay-{balance.pk}" in needs
    assert "Balance due: £100.00" in needs
    payments = section(html, "payments-heading")
    assert "Second payment · £25.00" in payments
    assert "due 20 June 2026" in payments
    assert ">Balance</a> · £100.00" in payments
    assert payments.count("Second payment") == 1  # the part asked for is listed as its payment


def test_a_held_booking_asks_to_sign_then_pay_the_deposit_before_the_hold_ends(
    client, anna, signing_portrait, settings
):
    from sessions.documents.services import booking_documents_issue

    settings.PAYMENTS_ENABLED = True
    later = booking_for(anna, days=3, session_type=signing_portrait)
    booking_documents_issue(booking=later)
    held = booking_for(
        anna,
        days=20,
        session_type=signing_portrait,
        status=Booking.Status.HELD,
        hold_expires_at=NOW + timedelta(minutes=20),
    )
    booking_documents_issue(booking=held)
    deposit = due(held, 5000, kind=Payment.Kind.DEPOSIT)

    needs = section(signed_in(client, anna).get(MY).content.decode(), "needs-heading")

    contract = held.documents.get(kind="contract").reference
    assert needs.index(contract) < needs.index(f"#pay-{deposit.pk}")
    assert needs.index(f"#pay-{deposit.pk}") < needs.index(
        later.documents.get(kind="contract").reference
    )
    assert "Deposit due: £50.00" in needs
    assert "by Monday 1 June, 09:20" in needs


def test_without_online_payments_a_deposit_owed_to_the_studio_is_still_to_pay(
    client, anna, settings
):
    settings.PAYMENTS_ENABLED = False
    booking = booking_for(anna, days=30)
    deposit = due(booking, 10000, kind=Payment.Kind.DEPOSIT)
    balance = due(booking, 25425)
    html = signed_in(client, anna).get(MY).content.decode()
    payments = section(html, "payments-heading")
    assert ">Deposit</a> · £100.00" in payments
    assert ">Balance</a> · £254.25" in payments
    assert "How to pay" in section(html, "needs-heading")
    Payment.objects.filter(pk=deposit.pk).update(  # recorded by the studio: no longer owed
        status=Payment.Status.PAID, amount_received=10000, currency_received="GBP", paid_at=NOW
    )
    payments = section(signed_in(client, anna).get(MY).content.decode(), "payments-heading")
    assert ">Deposit</a> · £100.00" not in payments
    assert ">Balance</a> · £254.25" in payments
    assert f"#pay-{balance.pk}" not in payments  # paid at the studio, not on a page


def test_a_part_being_taken_from_the_card_is_not_asked_for(client, anna, settings):
    settings.PAYMENTS_ENABLED = True
    booking = booking_for(anna, days=30)
    charging = due(booking, 7500, kind=Payment.Kind.INSTALLMENT)
    part(booking, 7500, date(2026, 6, 1), payment=charging, status=Installment.Status.CHARGING)
    balance = due(booking, 10000)  # would be asked for twice meanwhile
    closed = due(booking_for(anna, days=40), 2000, kind=Payment.Kind.INSTALLMENT)  # no part

    html = signed_in(client, anna).get(MY).content.decode()

    assert "data-need=" not in html
    for payment in (charging, balance, closed):
        assert f"#pay-{payment.pk}" not in html
    assert "being taken from your card" in section(html, "payments-heading")


def test_nothing_is_asked_once_it_is_done_or_too_late(client, anna):
    answered = booking_for(anna, days=10)
    questionnaire = questionnaire_for(answered.session_type)
    answered.responses.create(questionnaire=questionnaire, status="submitted")
    too_near = booking_for(anna, days=0.5)  # inside the studio's questionnaire cut-off
    questionnaire_for(too_near.session_type)
    finished = booking_for(anna, days=-3, status=Booking.Status.COMPLETED)
    questionnaire_for(finished.session_type)
    sent = gallery_for(finished, status=Gallery.Status.SELECTION_SUBMITTED)
    late = gallery_for(finished, selection_deadline=date(2026, 5, 31))
    cancelled = booking_for(anna, days=8, status=Booking.Status.CANCELLED)
    due(cancelled, 10000)

    html = signed_in(client, anna).get(MY).content.decode()

    assert "data-need=" not in html
    assert "Nothing needs you right now" in html
    assert reverse("gallery:gallery-detail", args=[sent.slug]) in html  # still listed
    assert reverse("gallery:gallery-detail", args=[late.slug]) in html


def test_past_sessions_show_their_galleries_and_downloads(client, anna, studio):
    past = booking_for(anna, days=-30, status=Booking.Status.COMPLETED)
    delivered = gallery_for(
        past, status=Gallery.Status.DELIVERED, finals=3, downloads_allowed=True, title="Finals"
    )
    proofing = gallery_for(past, title="Proofs")
    cover = with_cover(proofing)
    locked = gallery_for(past, finals=2, title="No downloads yet")  # downloads off
    draft = gallery_for(past, status=Gallery.Status.DRAFT, title="Not ready")
    old = gallery_for(past, expires_on=date(2026, 5, 31), title="Gone")

    html = signed_in(client, anna).get(MY).content.decode()

    earlier = section(html, "past-heading")
    for gallery in (delivered, proofing, locked):
        assert reverse("gallery:gallery-detail", args=[gallery.slug]) in earlier
    for gallery in (draft, old):
        assert gallery.slug not in html
    assert "3 finished photos to download" in earlier
    assert reverse("gallery:photo-file", args=[proofing.slug, cover.pk, "thumbnail"]) in earlier
    zip_url = reverse("gallery:zip-request", args=[delivered.slug])
    assert earlier.count(f'hx-post="{zip_url}"') == 2  # full size and web size
    assert reverse("gallery:zip-request", args=[locked.slug]) not in html
    assert reverse("gallery:gallery-detail", args=[delivered.slug]) + "#finals-heading" in earlier
    # The button works for her, through the gallery's own view.
    started = client.post(zip_url, {"size": "web"}, HTTP_X_CSRFTOKEN="x")
    assert started.status_code == 200
    assert "zip-status" in started.content.decode()


def test_documents_and_payments_are_listed(client, anna):
    booking = booking_for(anna, days=-5, status=Booking.Status.COMPLETED)
    booking_invoice_issue(booking_id=booking.pk)
    deposit = paid(booking, 5000)
    Payment.objects.filter(pk=deposit.pk).update(amount_refunded=1000)

    html = signed_in(client, anna).get(MY).content.decode()

    documents = section(html, "documents-heading")
    assert ">Invoice INV-" in documents
    assert reverse("sessions:receipt-pdf", args=[booking_token(booking), deposit.pk]) in documents
    payments = section(html, "payments-heading")
    assert "22 May 2026 · £50.00 · Deposit" in payments
    assert "£10.00 refunded" in payments


def test_another_clients_things_never_appear(client, anna, ben):
    bens = booking_for(ben, days=5)
    questionnaire_for(bens.session_type, name="Ben's questions")
    bens_past = booking_for(ben, days=-5, status=Booking.Status.COMPLETED)
    bens_gallery = gallery_for(bens_past, status=Gallery.Status.DELIVERED, finals=1)
    bens_gallery.downloads_allowed = True
    bens_gallery.save()
    booking_invoice_issue(booking_id=bens_past.pk)
    paid(bens_past)
    due(bens_past, 10000)
    booking_for(anna, days=9)

    html = signed_in(client, anna).get(MY).content.decode()

    for booking in (bens, bens_past):
        assert booking.reference not in html
        assert booking_token(booking) not in html
    assert bens_gallery.slug not in html
    assert "Ben's questions" not in html
    assert "INV-" not in html
    assert "Receipt" not in html
    assert "data-need=" not in html
    # Nor can Anna's browser open Ben's gallery or its downloads.
    bens_page = reverse("gallery:gallery-detail", args=[bens_gallery.slug])
    assert client.get(bens_page).status_code == 404
    zip_url = reverse("gallery:zip-request", args=[bens_gallery.slug])
    assert client.post(zip_url, {"size": "web"}).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client):
    assert client.get(MY)["Location"] == reverse("clients:sign-in")


def test_the_queries_stay_the_same_however_much_a_client_has(
    client, anna, django_assert_max_num_queries
):
    def one_of_everything(days):
        session_type = SessionTypeFactory()
        questionnaire_for(session_type)
        coming = booking_for(anna, days=days, session_type=session_type)
        installment = due(coming, 2000, kind=Payment.Kind.INSTALLMENT)
        part(coming, 2000, date(2026, 7, 1), payment=installment)
        part(coming, 3000, date(2026, 8, 1))
        past = booking_for(anna, days=-days, status=Booking.Status.COMPLETED)
        gallery_for(past, status=Gallery.Status.DELIVERED, finals=2, downloads_allowed=True)
        with_cover(gallery_for(past, selection_deadline=date(2026, 7, 1)))
        booking_invoice_issue(booking_id=past.pk)
        paid(past)
        due(past, 10000)

    one_of_everything(10)
    signed_in(client, anna)
    # Session, client, studio; bookings with their payments due, plan parts, questionnaires
    # and answers; documents; galleries; invoices; payments received.
    with django_assert_max_num_queries(12):
        client.get(MY)
    for n in range(12):
        one_of_everything(11 + n)
    with django_assert_max_num_queries(12):
        html = client.get(MY).content.decode()
    assert html.count("Details and changes") == 13
    assert html.count('data-need="answer"') == 13
    assert html.count('data-need="choose"') == 13
    assert html.count('data-need="pay"') == 26
    assert html.count(">Invoice INV-") == 13
    assert html.count(">Receipt R-") == 13
    assert html.count("/thumbnail/") == 13  # the covers


def test_a_past_session_shows_no_guide_and_asks_no_questions(client, anna):
    session_type = SessionTypeFactory()
    questionnaire_for(session_type)
    guide = SessionGuide.objects.create(title="What to wear", body="Soft colours.")
    guide.session_types.add(session_type)
    coming = booking_for(anna, days=10, session_type=session_type)
    past = booking_for(anna, days=-10, session_type=session_type)  # never marked completed
    done = booking_for(anna, days=-20, session_type=session_type, status="completed")

    def detail(booking):
        return client.get(reverse("sessions:booking-detail", args=[booking_token(booking)]))

    coming_page = detail(coming).content.decode()
    assert "What to wear" in coming_page
    assert "Fill it in" in coming_page
    for booking in (past, done):
        page = detail(booking).content.decode()
        assert "What to wear" not in page
        assert "Fill it in" not in page
        assert "Before your session" not in page
    html = signed_in(client, anna).get(MY).content.decode()
    assert html.count('data-need="answer"') == 1
    assert booking_token(coming) in section(html, "needs-heading")


def test_each_client_page_from_an_email_links_to_my_sessions(client, anna, signing_portrait):
    from sessions.documents.services import booking_documents_issue

    booking = booking_for(anna, days=10, session_type=signing_portrait)
    booking_documents_issue(booking=booking)
    questionnaire = questionnaire_for(signing_portrait)
    token = booking_token(booking)
    gallery = gallery_for(booking_for(anna, days=-10, status="completed"))
    link = f'href="{MY}">See everything in My sessions</a>'
    pages = [
        reverse("sessions:booking-detail", args=[token]),
        reverse("sessions:questionnaire-fill", args=[token, questionnaire.pk]),
        reverse(
            "sessions:document-sign",
            args=[token, booking.documents.get(kind="contract").reference],
        ),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert link in html, url
        assert "sign in with your email address" in html
    # The gallery's emailed link lets this browser into that gallery only.
    client.get(gallery_link_url(gallery))
    html = client.get(reverse("gallery:gallery-detail", args=[gallery.slug])).content.decode()
    assert link in html
    assert client.get(MY).status_code == 302
    signed_in(client, anna)
    html = client.get(pages[0]).content.decode()
    assert link in html
    assert "sign in with your email address" not in html


def test_a_guest_with_a_share_link_is_not_pointed_to_my_sessions(client, anna):
    gallery = gallery_for(booking_for(anna, days=-10, status="completed"))
    link = ShareLink.objects.create(gallery=gallery, label="Grandma")
    client.get(reverse("gallery:share-open", args=[link.token]))
    html = client.get(reverse("gallery:gallery-detail", args=[gallery.slug])).content.decode()
    assert gallery.title in html
    assert "See everything in My sessions" not in html


def test_a_cancelled_session_is_not_coming_up_and_each_paper_says_its_session(
    client, anna, settings
):
    on = booking_for(anna, days=10)
    off = booking_for(anna, days=12, status=Booking.Status.CANCELLED)
    html = signed_in(client, anna).get(MY).content.decode()
    coming = section(html, "upcoming-heading")
    assert on.reference in coming
    assert off.reference not in coming
    assert coming.count("Details and changes") == 1
    earlier = section(html, "past-heading")
    assert booking_token(off) in earlier
    assert "Cancelled" in earlier
    # A session that took place comes before one cancelled, even one cancelled for later.
    took_place = booking_for(anna, days=-20, status=Booking.Status.COMPLETED)
    earlier = section(signed_in(client, anna).get(MY).content.decode(), "past-heading")
    assert earlier.index(booking_token(took_place)) < earlier.index(booking_token(off))
    booking_invoice_issue(booking_id=on.pk)
    papers = section(signed_in(client, anna).get(MY).content.decode(), "documents-heading")
    assert f"{on.reference} · {on.session_type.name}" in papers
