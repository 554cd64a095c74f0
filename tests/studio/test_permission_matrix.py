"""Nobody does in the admin what their role doesn't allow.

The admin is enumerated, not listed by hand: every registered ModelAdmin's actions and
custom URLs must appear in the tables below with the permissions they need, so a new action
or page without a declared permission fails here. Each is then tried as five kinds of staff
(superuser, full staff, a view-only assistant, a bookkeeper who may also handle money, staff
with no permissions, and staff who may only read the email log): whoever lacks the
permission gets a 403 or no action at all, and nothing changes: not a row, not a call to
Stripe, not an email, not a queued task.
"""

import inspect
import io
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from clients.models import PrivacyRecord
from gallery.models import Gallery, Photo, PortfolioPhoto, ShareLink
from gallery.photos import photo_add, photo_process
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.selection import selection_submit
from gallery.services import gallery_create_for_booking
from sessions.documents.services import (
    SignatureGiven,
    document_issue,
    document_pending_text,
    document_sign,
)
from sessions.models import (
    AvailabilityRule,
    Booking,
    DateHours,
    Document,
    DocumentFile,
    DocumentTemplate,
    ExternalCalendar,
    GiftVoucher,
    Payment,
    Questionnaire,
    SessionGuide,
    SessionTypeDocument,
    StripeEvent,
    TimeOff,
    Usage,
    WaitlistEntry,
)
from sessions.payments.invoices import booking_invoice_issue
from sessions.payments.voucher_sales import (
    VoucherOrder,
    voucher_checkout_url,
    voucher_order_create,
    voucher_payment_refresh,
)
from studio.actors import CLIENT, acting_as
from studio.email_kinds import KINDS
from studio.models import EmailTemplate, SentEmail
from tests.document_fixtures import CONTRACT_BODY, RELEASE_BODY, template_make
from tests.factories import (
    BookingFactory,
    ClientFactory,
    PhotographerFactory,
    SessionTypeFactory,
    UserFactory,
)

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
VIEW = "|"  # marks "view or change", Django's own rule for seeing a model

# --- What each action and page needs -------------------------------------------------
# A list of requirements, each met by any one of its "|"-separated permissions.

ACTIONS = {
    ("shoots.booking", "approve"): ["shoots.change_booking"],
    ("shoots.booking", "decline"): ["shoots.change_booking"],
    ("shoots.booking", "cancel"): ["shoots.change_booking", "shoots.manage_payments"],
    ("shoots.booking", "cancel_keeping_payments"): ["shoots.change_booking"],
    ("shoots.booking", "request_balance"): ["shoots.manage_payments"],
    ("shoots.booking", "create_gallery"): ["gallery.add_gallery"],
    ("shoots.externalcalendar", "read_now"): ["shoots.change_externalcalendar"],
    ("studio.photographer", "calendar_feed_rotate"): ["studio.change_photographer"],
    ("studio.sentemail", "send_again"): ["studio.resend_sentemail"],
    ("gallery.gallery", "publish"): ["gallery.change_gallery"],
    ("gallery.gallery", "deliver"): ["gallery.change_gallery"],
    ("gallery.gallery", "unpublish"): ["gallery.change_gallery"],
    ("gallery.gallery", "reprocess_failed"): ["gallery.change_gallery"],
    ("gallery.gallery", "selection_reopen"): ["gallery.change_gallery"],
    # The portfolio's public sizes made again (after a new watermark): editing the portfolio.
    ("gallery.portfoliophoto", "render_again"): ["gallery.change_portfoliophoto"],
    ("shoots.giftvoucher", "void"): ["shoots.change_giftvoucher"],
    # Money back to a voucher's buyer: handling money, on vouchers the user may see.
    ("shoots.giftvoucher", "refund_remaining"): [
        "shoots.manage_payments",
        "shoots.view_giftvoucher|shoots.change_giftvoucher",
    ],
}
# Records nobody deletes in the admin: history, money, the log, the studio itself.
NEVER_DELETED = {
    "studio.studio",
    "studio.sentemail",
    "studio.emailtemplate",
    "clients.privacyrecord",
    "shoots.booking",
    "shoots.payment",
    "shoots.document",
    "shoots.package",  # removed on its session type's page; its own page edits its plan
    "shoots.giftvoucher",
}

BOOKING_VIEW = "shoots.view_booking|shoots.change_booking"
TEMPLATE_VIEW = "shoots.view_documenttemplate|shoots.change_documenttemplate"
# The buttons on a booking's page (POST do=<name> to its act/ URL).
BOOKING_BUTTONS = {
    "approve": [BOOKING_VIEW, "shoots.change_booking"],
    "decline": [BOOKING_VIEW, "shoots.change_booking"],
    "complete": [BOOKING_VIEW, "shoots.change_booking"],
    "no_show": [BOOKING_VIEW, "shoots.change_booking"],
    "balance": [BOOKING_VIEW, "shoots.manage_payments"],
    "gallery": [BOOKING_VIEW, "gallery.add_gallery"],
    "cancel": [BOOKING_VIEW, "shoots.change_booking", "shoots.manage_payments"],
    "cancel_keep": [BOOKING_VIEW, "shoots.change_booking"],
}
# Custom admin URLs by name: what they need and how to call them.
URLS = {
    "shoots_booking_calendar": [BOOKING_VIEW],
    "shoots_booking_calendar_colours": [BOOKING_VIEW],
    "shoots_booking_act": [BOOKING_VIEW],
    "shoots_booking_reschedule": ["shoots.change_booking"],
    "shoots_booking_move_to": ["shoots.change_booking"],
    "shoots_booking_agenda": [BOOKING_VIEW],
    "shoots_booking_day_sheet": [BOOKING_VIEW],
    "shoots_timeoff_block": ["shoots.add_timeoff"],
    "shoots_booking_book_for_client": ["shoots.add_booking"],
    "shoots_booking_brief": [BOOKING_VIEW],
    "shoots_booking_photo": [BOOKING_VIEW],
    "shoots_booking_documents_send": ["shoots.add_document"],
    "shoots_booking_document_countersign": ["shoots.change_document"],
    "shoots_booking_document_void": ["shoots.change_document"],
    "shoots_booking_document_pdf": ["shoots.view_document|shoots.change_document"],
    "shoots_booking_invoice_pdf": [BOOKING_VIEW],
    "shoots_booking_receipt_pdf": [BOOKING_VIEW],
    "shoots_payment_refund": ["shoots.manage_payments"],
    "shoots_payment_books": ["shoots.view_payment|shoots.change_payment"],
    "shoots_payment_books_csv": ["shoots.view_payment|shoots.change_payment"],
    # Money received outside Stripe, recorded on a booking's page.
    "shoots_booking_payment_record": [BOOKING_VIEW, "shoots.manage_payments"],
    # A booking's payment plan: changing what the client will be charged, and when.
    "shoots_booking_plan": ["shoots.change_booking", "shoots.manage_payments"],
    # A preview shows a booking's details: the booking must be visible too.
    "shoots_documenttemplate_preview": [TEMPLATE_VIEW, BOOKING_VIEW],
    "shoots_documenttemplate_retire": ["shoots.change_documenttemplate"],
    "clients_client_export": ["clients.manage_privacy"],
    "clients_client_erase": ["clients.manage_privacy"],
    "studio_sentemail_html": ["studio.view_sentemail|studio.change_sentemail"],
    "studio_sentemail_send_again": ["studio.resend_sentemail"],
    "studio_emailtemplate_preview_html": ["studio.view_emailtemplate|studio.change_emailtemplate"],
    "gallery_gallery_upload": ["gallery.add_photo"],
    "gallery_gallery_upload_file": ["gallery.add_photo"],
    "gallery_gallery_upload_status": ["gallery.add_photo"],
    "gallery_gallery_photo": ["gallery.view_gallery|gallery.change_gallery"],
    "gallery_gallery_export": ["gallery.view_gallery|gallery.change_gallery"],
    "gallery_gallery_act": ["gallery.change_gallery"],
    "gallery_gallery_photos": ["gallery.change_gallery"],
    "gallery_gallery_photos_delete": ["gallery.delete_photo"],
    # The culling view: looking is the gallery's; a pick, a reject or stars change a photo.
    "gallery_gallery_cull": ["gallery.view_gallery|gallery.change_gallery"],
    "gallery_gallery_cull_act": ["gallery.change_photo"],
    "gallery_gallery_export_xmp": ["gallery.view_gallery|gallery.change_gallery"],
    # A person's face, cut from the analysis copy of a photo: as the photo itself.
    "gallery_gallery_person_face": ["gallery.view_gallery|gallery.change_gallery"],
    "auth_user_password_change": ["auth.change_user"],  # Django's own
}
DJANGO_OWN_URLS = {"auth_user_password_change"}
# A booking's payment plan, one part (the rest) as the studio types it.
PLAN_FORM = {
    "parts-TOTAL_FORMS": "1",
    "parts-INITIAL_FORMS": "0",
    "parts-MIN_NUM_FORMS": "0",
    "parts-MAX_NUM_FORMS": "1000",
    "parts-0-label": "The rest",
    "parts-0-amount": "1.00",
    "parts-0-due_on": "2026-06-20",
}

PERSONAS = ["superuser", "full", "viewer", "bookkeeper", "bare", "email_log"]


def persona(kind: str):
    user = UserFactory(username=f"staff-{kind}", is_staff=True, is_superuser=kind == "superuser")
    chosen = {
        "superuser": Permission.objects.none(),
        "full": Permission.objects.all(),
        "viewer": Permission.objects.filter(codename__startswith="view_"),
        "bookkeeper": Permission.objects.filter(codename__startswith="view_")
        | Permission.objects.filter(codename="manage_payments"),
        "bare": Permission.objects.none(),
        "email_log": Permission.objects.filter(codename="view_sentemail"),
    }[kind]
    user.user_permissions.set(chosen)
    return type(user).objects.get(pk=user.pk)  # no cached permissions


def allowed(user, needs: list[str]) -> bool:
    return all(any(user.has_perm(p) for p in need.split(VIEW)) for need in needs)


def database_rows() -> dict:
    """Every row of every table the admin could touch, to compare before and after."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.label != "sessions.Session"
    }


def custom_urls(model_admin: ModelAdmin) -> list:
    own = {p.name for p in ModelAdmin(model_admin.model, admin.site).get_urls()}
    return [p for p in model_admin.get_urls() if p.name and p.name not in own]


def declared(pattern) -> tuple | None:
    view = inspect.unwrap(pattern.callback, stop=lambda f: hasattr(f, "admin_permission"))
    return getattr(view, "admin_permission", None)


# --- A studio with something of everything --------------------------------------------


@pytest.fixture
def world(studio, stripe_standin, settings):
    """Bookings in every state the actions act on, a paid deposit, galleries (a draft, a
    published one with a final and a failed photo, one with a selection), emails, and a
    row of every model the admin lists."""
    settings.OUTSIDE_CALENDARS_ALLOW_PRIVATE = True
    with time_machine.travel(NOW, tick=False):
        maya = PhotographerFactory(display_name="Maya Lind")
        AvailabilityRule.objects.create(
            photographer=maya, weekday=2, start_time=time(9), end_time=time(17)
        )
        DateHours.objects.create(
            photographer=maya, date=NOW.date(), start_time=time(9), end_time=time(12)
        )
        TimeOff.objects.create(
            photographer=maya, starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=4)
        )
        ExternalCalendar.objects.create(
            photographer=maya, name="Personal", url="http://127.0.0.1:9/none.ics"
        )
        family = SessionTypeFactory(
            name="Family", price=15000, deposit=5000, included_images=1, photographers=[maya]
        )
        anna = ClientFactory(name="Anna Kowalska", email="anna@example.com")
        ClientFactory(name="Ben Okafor", email="ben@example.com")
        soon = NOW + timedelta(days=9)

        def booking(status, days, **extra):
            return BookingFactory(
                client=anna,
                session_type=family,
                photographer=maya,
                status=status,
                starts_at=soon + timedelta(days=days),
                **extra,
            )

        booking(Booking.Status.REQUESTED, 0)
        confirmed = booking(Booking.Status.CONFIRMED, 1)
        Payment.objects.create(
            booking=confirmed,
            kind=Payment.Kind.DEPOSIT,
            amount=5000,
            currency="GBP",
            amount_received=5000,
            currency_received="GBP",
            status=Payment.Status.PAID,
            paid_at=NOW,
            stripe_payment_intent_id="pi_matrix_deposit",
        )
        booking_invoice_issue(booking_id=confirmed.pk)
        past = [booking(Booking.Status.COMPLETED, -30 - n) for n in range(3)]
        gallery_create_for_booking(booking=past[0])  # a draft, to publish
        published = gallery_create_for_booking(booking=past[1])
        chosen = gallery_create_for_booking(booking=past[2])
        for gallery, kinds in ((published, ["proof", "final"]), (chosen, ["proof"])):
            for n, kind in enumerate(kinds):
                data = jpeg_bytes(camera_like(320, 240, seed=n + gallery.pk))
                photo = photo_add(
                    gallery=gallery,
                    stream=io.BytesIO(data),
                    name=f"IMG_{n}.JPG",
                    size=len(data),
                    kind=kind,
                ).photo
                photo_process(photo_id=photo.pk)
        failed = published.photos.first()
        Photo.objects.create(
            gallery=published,
            original=failed.original.name,
            original_name="broken.jpg",
            sha256="0" * 64,
            size=10,
            status=Photo.Status.FAILED,
            failure_code="other",
            failure_params={"text": "not a photo"},
        )
        Gallery.objects.filter(pk__in=[published.pk, chosen.pk]).update(
            status=Gallery.Status.PUBLISHED
        )
        ShareLink.objects.create(gallery=published, label="Grandma")
        PortfolioPhoto.objects.create(original="portfolio/x/original", description="By a window")
        chosen.refresh_from_db()
        hearts = favorite_list_get_or_create(gallery=chosen, name="Anna")
        favorite_set(favorite_list=hearts, photo=chosen.photos.first(), on=True)
        selection_submit(gallery_id=chosen.pk, favorite_list_id=hearts.pk)
        SentEmail.objects.create(
            key=f"booking:{confirmed.pk}:confirmed:{confirmed.calendar_sequence}",
            kind="booking-confirmed",
            to="anna@example.com",
            subject="You're booked",
            text_body="See you soon.",
            html_body="<p>See you soon.</p>",
            booking=confirmed,
            sent_at=NOW,
        )
        # Listed kinds are made on the first visit to the list, as for any studio.
        EmailTemplate.objects.bulk_create([EmailTemplate(kind=kind) for kind in KINDS])
        PrivacyRecord.objects.create(client=anna, client_number=anna.pk, kind="export")
        StripeEvent.objects.create(event_id="evt_matrix", type="checkout.session.completed")
        Questionnaire.objects.create(name="Style")
        SessionGuide.objects.create(title="What to wear", body="Soft colours.")
        release = template_make(
            kind=DocumentTemplate.Kind.RELEASE,
            name="Model release",
            body=RELEASE_BODY,
            usages=[Usage.PORTFOLIO.value],
        )
        SessionTypeDocument.objects.create(session_type=family, template=release, required=False)
        Group.objects.create(name="Assistants")
        GiftVoucher.objects.create(
            value=5000, currency="GBP", buyer_name="Rosa", recipient_name="Amy"
        )
        signed_contract(confirmed)
        # Someone waiting for a full day (the waitlist: view and delete only).
        WaitlistEntry.objects.create(
            session_type=family, day=soon.date(), name="Cleo Waits", email="cleo@example.com"
        )
    mail.outbox.clear()
    stripe_standin.reset()
    with time_machine.travel(NOW, tick=False):
        voucher_sold_online(stripe_standin)
    return {
        "confirmed": confirmed,
        "gallery": published,
        "anna": anna,
        "maya": maya,
        "release": release,
    }


def voucher_sold_online(stripe_standin) -> None:
    """A £50 voucher Rosa bought and paid for through Checkout (the stand-in's), so its
    money can be refunded."""
    sale = voucher_order_create(
        order=VoucherOrder(
            value=5000,
            currency="GBP",
            buyer_name="Rosa Diaz",
            buyer_email="rosa@example.com",
            recipient_name="Amy Santiago",
        )
    )
    voucher_checkout_url(voucher_payment_id=sale.pk)
    sale.refresh_from_db()
    stripe_standin.complete_session(sale.stripe_checkout_session_id)
    voucher_payment_refresh(voucher_payment_id=sale.pk)


def signed_contract(booking: Booking) -> Document:
    """A contract Anna signed (sealed, for the studio to countersign), and a release she
    hasn't yet."""
    contract = template_make(
        kind="contract", name="Agreement", body=CONTRACT_BODY, studio_countersigns=True
    )
    release = template_make(kind="release", name="Release", body=RELEASE_BODY)
    document = document_issue(booking=booking, template=contract, required=True)
    document_issue(booking=booking, template=release, required=False)
    given = SignatureGiven(
        shown_sha256=document_pending_text(document).text.sha256,
        signed_name=booking.booked_as_name,
        agreed=True,
    )
    with acting_as(CLIENT):
        document_sign(document_id=document.pk, booking=booking, given=given, ip=None, user_agent="")
    DocumentFile.objects.create(
        document=document,
        stage=DocumentFile.Stage.SIGNED,
        file=ContentFile(b"%PDF-1.7 matrix", name="matrix.pdf"),
        sha256="1" * 64,
    )
    return document


def url_calls(world) -> list[tuple[str, str, str, dict]]:
    """(name, method, url, POST data) for every custom admin URL, with working input."""
    booking, gallery, anna = world["confirmed"], world["gallery"], world["anna"]
    release = world["release"]
    ben = type(anna).objects.get(email="ben@example.com")
    photo = gallery.photos.filter(status=Photo.Status.READY).first()
    failed = gallery.photos.get(status=Photo.Status.FAILED)
    proof = gallery.photos.filter(status=Photo.Status.READY, kind=Photo.Kind.PROOF).first()
    email = SentEmail.objects.first()
    payment = Payment.objects.get(stripe_payment_intent_id="pi_matrix_deposit")
    jpeg = jpeg_bytes(camera_like(300, 200, seed=99))
    document = Document.objects.get(booking=booking, kind="contract")

    def url(name, *args, **kwargs):
        return reverse(f"admin:{name}", args=args or None, kwargs=kwargs or None)

    when = {"date": "2026-06-17", "time": "11:00"}
    record, day = "shoots_booking_payment_record", "2026-06-01"  # a payment received that day
    plan = PLAN_FORM
    calls = [
        ("shoots_booking_plan", "get", url("shoots_booking_plan", booking.pk), {}),
        ("shoots_booking_plan", "post", url("shoots_booking_plan", booking.pk), plan),
        ("shoots_booking_calendar", "get", url("shoots_booking_calendar"), {}),
        ("shoots_booking_agenda", "get", url("shoots_booking_agenda"), {}),
        ("shoots_booking_day_sheet", "get", url("shoots_booking_day_sheet"), {}),
        ("shoots_booking_calendar_colours", "get", url("shoots_booking_calendar_colours"), {}),
        ("shoots_booking_reschedule", "get", url("shoots_booking_reschedule", booking.pk), {}),
        ("shoots_booking_reschedule", "post", url("shoots_booking_reschedule", booking.pk), when),
        (
            "shoots_booking_reschedule",
            "post",
            url("shoots_booking_reschedule", booking.pk),
            {**when, "move_anyway": "on"},
        ),
        (
            "shoots_booking_reschedule",
            "post",
            url("shoots_booking_reschedule", booking.pk),
            {"start": "2026-06-17T13:00:00+01:00"},  # one of the free times, pressed
        ),
        (
            "shoots_booking_move_to",
            "get",
            url("shoots_booking_move_to", booking.pk) + "?start=2026-06-17T13:00&minutes=60",
            {},
        ),
        (
            "shoots_booking_move_to",
            "post",
            url("shoots_booking_move_to", booking.pk),
            {
                "start": "2026-06-17T13:00",
                "photographer": booking.photographer_id,
                "minutes": "60",
                "sequence": str(booking.calendar_sequence),
                "notify": "1",
                "outside_rules": "1",
            },
        ),
        (
            "shoots_timeoff_block",
            "get",
            url("shoots_timeoff_block") + "?starts_at=2026-06-17T09:00&ends_at=2026-06-17T12:00",
            {},
        ),
        (
            "shoots_timeoff_block",
            "post",
            url("shoots_timeoff_block"),
            {"starts_at": "2026-06-17T09:00", "ends_at": "2026-06-17T12:00", "photographer": ""},
        ),
        ("shoots_booking_book_for_client", "get", url("shoots_booking_book_for_client"), {}),
        (
            "shoots_booking_book_for_client",
            "post",
            url("shoots_booking_book_for_client"),
            {
                "client": anna.pk,
                "session_type": booking.session_type_id,
                "photographer": booking.photographer_id,
                "book_anyway": "on",
                **when,
            },
        ),
        ("shoots_booking_brief", "get", url("shoots_booking_brief", booking.pk), {}),
        (
            "shoots_booking_photo",
            "get",
            url("shoots_booking_photo", booking_id=booking.pk, image_id=999, size="thumb"),
            {},
        ),
        *[
            (
                "shoots_booking_documents_send",
                "post",
                url("shoots_booking_documents_send", booking.pk),
                data,
            )
            for data in (
                {"template": document.template_id, "person_name": "Ola Kowalska"},
                {"again": "1", "seen": "1"},
            )
        ],
        *[
            (name, method, url(name, booking.pk, document.pk), data)
            for name, method, data in (
                ("shoots_booking_document_pdf", "get", {}),
                ("shoots_booking_document_countersign", "post", {}),
                ("shoots_booking_document_void", "post", {"reason": "Wrong date", "reissue": "on"}),
            )
        ],
        (
            "shoots_booking_invoice_pdf",
            "get",
            url("shoots_booking_invoice_pdf", booking.pk, booking.invoices.get().pk),
            {},
        ),
        (
            "shoots_booking_receipt_pdf",
            "get",
            url("shoots_booking_receipt_pdf", booking.pk, payment.pk),
            {},
        ),
        ("shoots_payment_refund", "get", url("shoots_payment_refund", payment.pk), {}),
        ("shoots_payment_books", "get", url("shoots_payment_books", "2026", "06"), {}),
        ("shoots_payment_books_csv", "get", url("shoots_payment_books_csv", "2026", "06"), {}),
        *[
            (record, method, url(record, booking.pk), data)
            for method, data in (
                ("get", {}),
                ("post", {"kind": "balance", "amount": "10", "method": "cash", "received_on": day}),
            )
        ],
        (
            "shoots_payment_refund",
            "post",
            url("shoots_payment_refund", payment.pk),
            {"amount": "10.00", "note": "goodwill"},
        ),
        (
            "shoots_documenttemplate_preview",
            "get",
            url("shoots_documenttemplate_preview", release.pk),
            {},
        ),
        (
            "shoots_documenttemplate_preview",
            "post",
            url("shoots_documenttemplate_preview", release.pk),
            {"name": "Draft", "body": "Dear {client_name}", "preview_booking": booking.pk},
        ),
        (
            "shoots_documenttemplate_preview",
            "post",
            url("shoots_documenttemplate_preview"),
            {"name": "New", "body": "Hello {client_name}", "preview_booking": booking.pk},
        ),
        (
            "shoots_documenttemplate_retire",
            "post",
            url("shoots_documenttemplate_retire", release.pk),
            {},
        ),
        ("clients_client_export", "get", url("clients_client_export", anna.pk), {}),
        ("clients_client_erase", "get", url("clients_client_erase", ben.pk), {}),
        ("clients_client_erase", "post", url("clients_client_erase", ben.pk), {"confirm": "ERASE"}),
        ("studio_sentemail_html", "get", url("studio_sentemail_html", email.pk), {}),
        ("studio_sentemail_send_again", "post", url("studio_sentemail_send_again", email.pk), {}),
        (
            "studio_emailtemplate_preview_html",
            "get",
            url("studio_emailtemplate_preview_html"),
            {},
        ),
        ("gallery_gallery_upload", "get", url("gallery_gallery_upload", gallery.pk), {}),
        (
            "gallery_gallery_upload_file",
            "post",
            url("gallery_gallery_upload_file", gallery.pk),
            {"file": SimpleUploadedFile("IMG_9.JPG", jpeg, "image/jpeg")},
        ),
        (
            "gallery_gallery_upload_status",
            "get",
            url("gallery_gallery_upload_status", gallery.pk) + f"?ids={photo.pk}",
            {},
        ),
        (
            "gallery_gallery_photo",
            "get",
            url("gallery_gallery_photo", gallery_id=gallery.pk, photo_id=photo.pk, kind="preview"),
            {},
        ),
        (
            "gallery_gallery_export",
            "get",
            url("gallery_gallery_export", gallery_id=gallery.pk, kind="txt"),
            {},
        ),
        (
            "gallery_gallery_person_face",
            "get",
            url("gallery_gallery_person_face", gallery_id=gallery.pk, person_id=999),
            {},
        ),
        *[
            ("gallery_gallery_act", "post", url("gallery_gallery_act", gallery.pk), data)
            for data in (
                {"do": "unpublish"},
                {"do": "publish", "confirm": "yes"},
                {"do": "deliver", "confirm": "yes"},
            )
        ],
        *[
            ("gallery_gallery_photos", "post", url("gallery_gallery_photos", gallery.pk), data)
            for data in (
                {"order": f"{failed.pk},{photo.pk}"},
                {"move": f"later:{photo.pk}"},
                {"do": "set", "set_name": "Outfit 1", "photo": [photo.pk]},
            )
        ],
        (
            "gallery_gallery_photos_delete",
            "post",
            url("gallery_gallery_photos_delete", gallery.pk),
            {"photo": [failed.pk], "confirm": "yes"},
        ),
        ("gallery_gallery_cull", "get", url("gallery_gallery_cull", gallery.pk), {}),
        *[
            ("gallery_gallery_cull_act", "post", url("gallery_gallery_cull_act", gallery.pk), data)
            for data in (
                {"do": "reject", "photo": proof.pk},
                {"do": "rate", "photo": proof.pk, "rating": 4},
                {"do": "restore", "photo": proof.pk},
            )
        ],
        ("gallery_gallery_export_xmp", "get", url("gallery_gallery_export_xmp", gallery.pk), {}),
        (
            "auth_user_password_change",
            "post",
            url("auth_user_password_change", world["maya"].user_id),
            {"password1": "a fresh long passphrase", "password2": "a fresh long passphrase"},
        ),
    ]
    act = url("shoots_booking_act", booking.pk)
    calls += [
        ("shoots_booking_act", "post", act, {"do": do, "confirmed": "yes"})
        for do in BOOKING_BUTTONS
    ]
    return calls


def needs_of(name: str, data: dict) -> list[str]:
    if name == "shoots_booking_act":
        return BOOKING_BUTTONS[data["do"]]
    return URLS[name]


class Effects:
    """What a request changed: rows, Stripe calls, emails, tasks queued."""

    def __init__(self, standin, capture):
        self.standin, self.capture = standin, capture

    def __call__(self, send, *args):
        before = database_rows()
        calls_before = len(self.standin.requests)
        with self.capture() as callbacks:
            response = send(*args)
        return response, {
            "rows": database_rows() != before,
            "stripe": len(self.standin.requests) != calls_before,
            "emails": bool(mail.outbox),
            "tasks": len(callbacks),
        }


@pytest.fixture
def effects(stripe_standin, django_capture_on_commit_callbacks):
    return Effects(stripe_standin, lambda: django_capture_on_commit_callbacks(execute=False))


NOTHING = {"rows": False, "stripe": False, "emails": False, "tasks": 0}


# --- Declared ---------------------------------------------------------------------------


def test_every_action_declares_its_permissions_and_is_in_the_table():
    found = set()
    for model, model_admin in admin.site._registry.items():
        for func, name, _description in model_admin._get_base_actions():
            # Exactly one: Django runs an action for any ONE of the permissions listed.
            assert len(getattr(func, "allowed_permissions", ())) == 1, (
                f"{model._meta.label}.{name} must declare one permission: "
                "@admin.action(permissions=[...])"
            )
            (permission,) = func.allowed_permissions
            assert hasattr(model_admin, f"has_{permission}_permission"), (model, name)
            if name != "delete_selected":
                found.add((model._meta.label_lower, name))
    assert found == set(ACTIONS), "add the new action with what it needs to ACTIONS"


def test_every_custom_admin_page_declares_its_permissions_and_is_in_the_table():
    found = set()
    for model, model_admin in admin.site._registry.items():
        for pattern in custom_urls(model_admin):
            found.add(pattern.name)
            if pattern.name not in DJANGO_OWN_URLS:
                assert declared(pattern), (
                    f"{pattern.name} ({model._meta.label}) declares no permission: "
                    "decorate it with @admin_view_requires(...)"
                )
    assert found == set(URLS), "add the new page with what it needs to URLS"


# --- Tried as each kind of staff ---------------------------------------------------------


@pytest.mark.parametrize("kind", PERSONAS)
def test_each_action_is_offered_only_to_staff_allowed_to_run_it(world, kind):
    user = persona(kind)
    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        offered = set(model_admin.get_actions(request))
        expected = {name for (of, name), needs in ACTIONS.items() if of == label}
        expected = {name for name in expected if allowed(user, ACTIONS[(label, name)])}
        deletes = f"{model._meta.app_label}.delete_{model._meta.model_name}"
        if label not in NEVER_DELETED and user.has_perm(deletes):
            expected.add("delete_selected")
        assert offered == expected, (kind, label)


@pytest.mark.parametrize("kind", PERSONAS)
def test_an_action_run_without_its_permission_changes_nothing(world, kind, client, effects):
    user = persona(kind)
    client.force_login(user)
    refused = 0
    for model in admin.site._registry:
        label = model._meta.label_lower
        names = [name for of, name in ACTIONS if of == label] + ["delete_selected"]
        for name in names:
            needs = ACTIONS.get(
                (label, name), [f"{model._meta.app_label}.delete_{model._meta.model_name}"]
            )
            if allowed(user, needs) and not (name == "delete_selected" and label in NEVER_DELETED):
                continue
            changelist = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
            )
            everything = list(model.objects.values_list("pk", flat=True))
            response, changed = effects(
                client.post,
                changelist,
                {"action": name, "_selected_action": everything, "post": "yes"},
            )
            assert response.status_code in (200, 302, 403), (kind, label, name)
            assert changed == NOTHING, (kind, label, name, changed)
            refused += 1
    assert refused or kind in ("superuser", "full")


@pytest.mark.parametrize("kind", PERSONAS)
def test_each_custom_page_answers_403_without_its_permission_and_changes_nothing(
    world, kind, client, effects
):
    user = persona(kind)
    client.force_login(user)
    problems = []
    for name, method, url, data in url_calls(world):
        response, changed = effects(getattr(client, method), url, data)
        if allowed(user, needs_of(name, data)):
            if response.status_code == 403 or response.status_code >= 500:
                problems.append(f"{name} {method} {data.get('do', '')}: {response.status_code}")
        elif response.status_code != 403 or changed != NOTHING:
            problems.append(f"{name} {method} {data.get('do', '')} let in: {changed}")
    assert not problems, (kind, problems)


@pytest.mark.parametrize("kind", ["viewer", "bookkeeper", "bare", "email_log"])
def test_djangos_own_pages_refuse_what_the_role_does_not_allow(world, kind, client, effects):
    user = persona(kind)
    client.force_login(user)
    problems = []
    for model, _model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        sees = user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        status = client.get(changelist).status_code
        if sees == (status == 403):
            problems.append(f"{opts.label} list: {status}")
        obj = model.objects.first()
        if obj is None:
            continue
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        if sees and (status := client.get(change).status_code) != 200:
            problems.append(f"{opts.label} page: {status}")  # looking must work
        if user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            continue
        response, changed = effects(client.post, change, {})
        if response.status_code != 403 or changed != NOTHING:
            problems.append(f"{opts.label} change: {response.status_code} {changed}")
    assert not problems, (kind, problems)


# --- And the same as staff who may: the checks above can see a change --------------------


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_does_something_for_staff_allowed_to(world, action, client, effects):
    label, name = action
    model = apps.get_model(label)
    client.force_login(persona("full"))
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    everything = list(model.objects.values_list("pk", flat=True))
    response, changed = effects(
        client.post, changelist, {"action": name, "_selected_action": everything, "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert changed["rows"] or changed["tasks"], (action, changed)


def test_view_only_staff_are_shown_no_link_that_opens_something_by_itself(world, client):
    """The client's gallery link acts as the client, a share link as a guest, a calendar
    subscription shows every session: none is shown to staff who only look."""
    pages = [
        reverse("admin:gallery_gallery_change", args=[world["gallery"].pk]),
        reverse("admin:studio_photographer_change", args=[world["maya"].pk]),
    ]
    secrets = ["/gallery/link/", "/gallery/share/", "/calendar/"]
    client.force_login(persona("viewer"))
    seen = "".join(client.get(page).content.decode() for page in pages)
    assert [s for s in secrets if s in seen] == []
    client.force_login(persona("full"))
    seen = "".join(client.get(page).content.decode() for page in pages)
    assert [s for s in secrets if s in seen] == secrets
