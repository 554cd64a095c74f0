"""A client's data: exported as JSON with everything Sitting holds, and erased (personal data
gone, financial records kept), each recorded; for staff only."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse

from clients.models import Client, PrivacyRecord
from gallery.models import Comment, Gallery, Photo
from gallery.photos import photo_add, photo_process
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.selection import selection_submit
from gallery.services import gallery_create_for_booking
from sessions.models import (
    Answer,
    AnswerImage,
    Booking,
    GiftVoucher,
    Payment,
    QuestionnaireResponse,
    SavedCard,
    VoucherPayment,
    WaitlistEntry,
)
from studio.models import SentEmail
from tests.factories import BookingFactory
from workspace.privacy import ErasureRefused, client_erase

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def annas_history(studio, anna, django_capture_on_commit_callbacks):
    """A past session with notes, answers and an uploaded photo, a payment, a gallery with a
    favorite and a comment, and an email sent to her."""
    booking = BookingFactory(
        client=anna,
        starts_at=NOW - timedelta(days=20),
        status=Booking.Status.COMPLETED,
        client_notes="Please no photos of my left side",
        photographed_name="Mia Kowalska",
        photographed_note="my daughter",
    )
    WaitlistEntry.objects.create(  # a full day she waits for, under her address
        session_type=booking.session_type,
        day=(NOW + timedelta(days=9)).date(),
        name="Anna K",
        email="ANNA@example.com",
    )
    Payment.objects.create(
        booking=booking,
        kind="deposit",
        amount=5000,
        currency="GBP",
        status="paid",
        paid_at=NOW,
        amount_received=5000,
        currency_received="GBP",
    )
    response = QuestionnaireResponse.objects.create(
        booking=booking, questionnaire_name="Wardrobe", status="submitted"
    )
    Answer.objects.create(response=response, label="Favourite colour", kind="text", value="Teal")
    image = AnswerImage.objects.create(
        response=response,
        label="Outfit",
        file=default_storage.save("answers/outfit.jpg", io.BytesIO(b"jpeg")),
        thumbnail=default_storage.save("answers/outfit-thumb.jpg", io.BytesIO(b"jpeg")),
        original_name="my dress.jpg",
        content_type="image/jpeg",
        width=10,
        height=10,
        size=4,
    )
    gallery = gallery_create_for_booking(booking=booking)
    data = jpeg_bytes(camera_like(400, 300, seed=1))
    photo = photo_add(
        gallery=gallery, stream=io.BytesIO(data), name="IMG_1.JPG", size=len(data)
    ).photo
    photo_process(photo_id=photo.pk)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
    gallery.refresh_from_db()
    favorite_set(
        favorite_list=favorite_list_get_or_create(gallery=gallery, name="Anna"),
        photo=photo,
        on=True,
    )
    Comment.objects.create(photo=photo, author_name="Anna Kowalska", body="Love it")
    selection_submit(gallery_id=gallery.pk, favorite_list_id=gallery.favorite_lists.get().pk)
    SentEmail.objects.create(
        key="booking:x:confirmed",
        to="Anna Kowalska <anna@example.com>",
        subject="Your Portrait",
    )
    SentEmail.objects.create(  # someone else, whose address merely contains Anna's
        key="booking:y:confirmed", to="Joanna <joanna@example.com>", subject="Someone else's"
    )
    return {"booking": booking, "image": image, "photo": Photo.objects.get(pk=photo.pk)}


def test_the_export_holds_everything_about_the_client(admin_client, anna, annas_history):
    response = admin_client.get(reverse("admin:clients_client_export", args=[anna.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="client-{anna.pk}-data.json"'
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))  # never cached
    data = json.loads(response.content)
    assert data["client"]["email"] == "anna@example.com"
    [booking] = data["bookings"]
    assert booking["your_notes"] == "Please no photos of my left side"
    assert (booking["photographed"], booking["about_them"]) == ("Mia Kowalska", "my daughter")
    assert [entry["name"] for entry in data["waitlists"]] == ["Anna K"]
    assert booking["payments"][0]["amount"] == 5000
    assert booking["payments"][0]["received"] == 5000
    [answers] = data["questionnaires"]
    assert answers["answers"] == [{"question": "Favourite colour", "answer": "Teal"}]
    assert answers["photos"] == [{"question": "Outfit", "file_name": "my dress.jpg"}]
    [gallery] = data["galleries"]
    assert gallery["favorites"] == {"Anna": ["IMG_1.JPG"]}
    assert gallery["comments"][0]["text"] == "Love it"
    assert [email["subject"] for email in data["emails_sent"]] == ["Your Portrait"]
    record = PrivacyRecord.objects.get()
    assert (record.kind, record.client_number) == ("export", anna.pk)


def test_erasure_removes_personal_data_and_keeps_the_money(
    admin_client, anna, annas_history, django_capture_on_commit_callbacks
):
    page = admin_client.get(reverse("admin:clients_client_erase", args=[anna.pk]))
    assert "It keeps, without their name" in page.content.decode()
    url = reverse("admin:clients_client_erase", args=[anna.pk])
    unconfirmed = admin_client.post(url, {"confirm": "yes"})
    assert "Type ERASE to confirm." in unconfirmed.content.decode()
    photo_files = [annas_history["photo"].original.name, annas_history["photo"].preview.name]
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(url, {"confirm": "ERASE"})
    assert done.status_code == 302
    anna.refresh_from_db()
    assert anna.name == f"Erased client {anna.pk}"
    assert anna.email == f"erased-{anna.pk}@erased.invalid"
    assert (anna.phone, anna.notes) == ("", "")
    booking = Booking.objects.get(pk=annas_history["booking"].pk)
    assert (booking.client_notes, booking.photographed_name, booking.photographed_note) == (
        "",
        "",
        "",
    )
    assert not WaitlistEntry.objects.exists()
    assert booking.price > 0  # the financial record stays
    assert Payment.objects.get().amount == 5000
    assert not QuestionnaireResponse.objects.exists()
    assert not Gallery.objects.exists()
    assert not Comment.objects.exists()
    for name in [*photo_files, annas_history["image"].file.name]:
        assert not default_storage.exists(name), name
    assert SentEmail.objects.get(key="booking:x:confirmed").to == "(erased)"
    assert SentEmail.objects.get(key="booking:y:confirmed").to == "Joanna <joanna@example.com>"
    record = PrivacyRecord.objects.get(kind="erasure")
    assert "Questionnaires deleted: 1. Galleries deleted: 1." in record.summary
    exported = json.dumps(
        json.loads(admin_client.get(reverse("admin:clients_client_export", args=[anna.pk])).content)
    )
    assert "Kowalska" not in exported
    assert "anna@example.com" not in exported
    assert record.by.username == "owner"  # who erased is recorded
    erased = SentEmail.objects.get(key="booking:x:confirmed")
    with django_capture_on_commit_callbacks() as queued:
        again = admin_client.post(
            reverse("admin:studio_sentemail_send_again", args=[erased.pk]), follow=True
        )
    assert not queued
    assert "nothing left to send" in again.content.decode()


def test_erasure_waits_while_a_session_is_to_come(anna, studio, staff_user):
    BookingFactory(client=anna, starts_at=NOW + timedelta(days=5))
    with pytest.raises(ErasureRefused, match="has a session to come"):
        client_erase(client_id=anna.pk, by=staff_user)
    assert Client.objects.get(pk=anna.pk).email == "anna@example.com"


def test_privacy_actions_are_for_staff_only(client, anna):
    for name in ("admin:clients_client_export", "admin:clients_client_erase"):
        assert client.get(reverse(name, args=[anna.pk]))["Location"].startswith("/admin/login/")
    assert not PrivacyRecord.objects.exists()


def test_vouchers_and_saved_cards_are_in_the_export_and_go_with_the_erasure(
    admin_client,
    anna,
    annas_history,
    stripe_standin,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    bought = GiftVoucher.objects.create(
        value=10000,
        currency="GBP",
        buyer_name="Anna Kowalska",
        buyer_email="ANNA@example.com",
        recipient_name="Ben Okafor",
        recipient_email="ben@example.com",
        message="Happy birthday, Ben! Love, Anna",
        status=GiftVoucher.Status.PAID,
        paid_at=NOW,
        expires_on=NOW.date() + timedelta(days=730),
    )
    given = GiftVoucher.objects.create(
        value=5000,
        currency="GBP",
        buyer_name="Joanna",
        buyer_email="joanna@example.com",
        recipient_name="Anna Kowalska",
        recipient_email="anna@example.com",
        status=GiftVoucher.Status.PAID,
        paid_at=NOW,
        expires_on=NOW.date() + timedelta(days=730),
    )
    VoucherPayment.objects.create(  # Anna's, £25 of it refunded
        voucher=bought,
        amount=10000,
        currency="GBP",
        status=VoucherPayment.Status.PAID,
        amount_received=10000,
        currency_received="GBP",
        paid_at=NOW,
        amount_refunded=2500,
        refunded_at=NOW,
    )
    customer = stripe_standin.create_customer(email="anna@example.com")
    card = stripe_standin.save_card(customer["id"])
    SavedCard.objects.create(
        booking=annas_history["booking"],
        stripe_customer_id=customer["id"],
        stripe_payment_method_id=card["id"],
        brand="visa",
        last4="4242",
        consented_at=NOW,
    )
    exported = json.loads(
        admin_client.get(reverse("admin:clients_client_export", args=[anna.pk])).content
    )
    assert [(v["code"], v["bought_by"], v["for"]) for v in exported["gift_vouchers"]] == [
        (bought.code, "Anna Kowalska", "Ben Okafor"),
        (given.code, "Joanna", "Anna Kowalska"),
    ]
    assert [(v["left"], v["refunded"]) for v in exported["gift_vouchers"]] == [
        (7500, 2500),
        (5000, 0),
    ]
    assert exported["saved_cards"][0]["card"] == "Visa •••• 4242"

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:clients_client_erase", args=[anna.pk]), {"confirm": "ERASE"}
        )
    bought.refresh_from_db()
    given.refresh_from_db()
    assert (bought.buyer_name, bought.buyer_email, bought.message) == ("", "", "")
    assert (bought.recipient_name, bought.value) == ("Ben Okafor", 10000)  # Ben can use it
    assert (given.recipient_name, given.recipient_email, given.buyer_name) == ("", "", "Joanna")
    assert SavedCard.objects.get().removed_at is not None
    assert stripe_standin.payment_methods[card["id"]]["customer"] is None


def test_the_export_holds_the_invoices_and_the_erase_page_says_they_stay(
    admin_client, anna, annas_history
):
    from sessions.payments.invoices import booking_invoice_issue

    booking_invoice_issue(booking_id=annas_history["booking"].pk)
    data = json.loads(
        admin_client.get(reverse("admin:clients_client_export", args=[anna.pk])).content
    )
    [invoice] = data["invoices"]
    assert invoice["booking"] == annas_history["booking"].reference
    assert "Anna Kowalska" in invoice["billed_to"]
    assert invoice["total"] == annas_history["booking"].total
    page = admin_client.get(reverse("admin:clients_client_erase", args=[anna.pk])).content
    assert "Invoices and credit notes are kept exactly as issued" in page.decode()
