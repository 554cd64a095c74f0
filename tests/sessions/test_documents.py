"""Contracts and model releases: merge fields, versions, and signing with its rules."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from sessions.access import booking_token
from sessions.documents.merge import (
    document_facts,
    document_html,
    merge_fields_unknown,
    text_digest,
)
from sessions.documents.services import (
    SIGNING_MINUTES,
    DocumentChanged,
    DocumentRefused,
    SignatureGiven,
    document_pending_text,
    document_sign,
    document_template_save,
    document_text,
    document_void,
)
from sessions.models import Booking, Document, DocumentEvent, ReleaseChoice
from sessions.payments.checkout import payment_check_payable
from sessions.payments.errors import PaymentRefused
from sessions.services import HOLD_MINUTES, booking_create
from studio.models import QueuedTask
from tests.payment_fixtures import LONDON, PAY_NOW, PAY_TEN

pytestmark = pytest.mark.django_db


def given_for(document: Document, **overrides) -> SignatureGiven:
    fields = {
        "shown_sha256": document_pending_text(document).text.sha256,
        "signed_name": document.booking.booked_as_name,
        "agreed": True,
    }
    return SignatureGiven(**(fields | overrides))


def sign(document: Document, **overrides) -> Document:
    return document_sign(
        document_id=document.pk,
        booking=document.booking,
        given=given_for(document, **overrides),
        ip="203.0.113.9",
        user_agent="Test browser",
    )


@pytest.fixture
def booked(stripe_standin, pay_clock, signing_portrait, anna, studio) -> Booking:
    return booking_create(client=anna, session_type=signing_portrait, starts_at=PAY_TEN, tz=LONDON)


def contract_of(booking: Booking) -> Document:
    return booking.documents.get(kind="contract")


# Merge fields ----------------------------------------------------------------------------


def test_unknown_merge_fields_are_named():
    assert merge_fields_unknown("Hi {client_name}, {clent_name} and {deposit_due}") == [
        "clent_name",
        "deposit_due",
    ]
    assert merge_fields_unknown("{client_name} {date} {cancellation_policy}") == []


def test_facts_are_printed_as_typed_never_as_markup():
    html = document_html(
        "Hello **{client_name}**, see [us]({client_name}).",
        {"client_name": '*Bo* <script>alert(1)</script> & "x"'},
    )
    assert "<strong>*Bo* &lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "<script>" not in html
    assert "<em>" not in html


@pytest.mark.parametrize(
    ("session", "said"),
    [
        ("Mini session", "your Mini session on Friday"),
        ("Cake smash SESSION", "your Cake smash SESSION on Friday"),
        ("Headshot", "your Headshot session on Friday"),
        ("Sessions in the park", "your Sessions in the park session on Friday"),
    ],
)
def test_a_session_type_named_a_session_is_not_a_session_session(session, said):
    html = document_html(
        "For your {session} session on {date}.", {"session": session, "date": "Friday"}
    )
    assert f"For {said}." in html


def test_facts_fill_a_real_booking(booked, studio):
    facts = document_facts(booked, studio)
    assert facts["client_name"] == "Anna Kowalska"
    assert facts["date"] == "Wednesday 10 June 2026"
    assert facts["time"] == "10:00"
    assert facts["price"] == "£150.00"
    assert facts["deposit"] == "£50.00"
    assert "refunded" in facts["cancellation_policy"]
    assert set(facts) >= {"studio_name", "studio_address", "session", "photographer"}
    assert facts["payment_schedule"] == "The balance of £100.00 is due by the day of your session."
    booked.deposit = booked.price
    assert document_facts(booked, studio)["payment_schedule"] == (
        "Nothing more is due after the deposit."
    )


def test_a_discounted_booking_is_signed_for_what_it_costs(booked, studio):
    booked.discount = 1500
    facts = document_facts(booked, studio)
    assert facts["price"] == "£135.00 (£150.00 less a discount of £15.00)"
    assert facts["balance"] == "£85.00"
    assert facts["payment_schedule"] == "The balance of £85.00 is due by the day of your session."


def test_a_booking_paid_in_part_by_gift_voucher_is_signed_saying_so(booked, studio):
    booked.gift_voucher_amount = 5000
    facts = document_facts(booked, studio)
    assert facts["price"] == "£150.00, £50.00 of it paid by gift voucher"
    assert facts["balance"] == "£50.00"  # £150 less the voucher's £50 and the £50 deposit
    booked.discount = 1500
    assert document_facts(booked, studio)["price"] == (
        "£135.00 (£150.00 less a discount of £15.00), £50.00 of it paid by gift voucher"
    )


def test_the_payment_schedule_says_the_plan_the_booking_page_will_ask(booked, studio):
    """A package paid in parts: the agreement names each part and its day, as scheduled."""
    from datetime import date

    from sessions.models import Installment

    for position, (label, amount, day) in enumerate(
        [("Second payment", 5000, date(2026, 5, 27)), ("Balance", 5000, date(2026, 6, 17))]
    ):
        Installment.objects.create(
            booking=booked,
            position=position,
            label=label,
            amount=amount,
            currency="GBP",
            due_on=day,
        )
    Installment.objects.create(
        booking=booked,
        position=9,
        label="Dropped",
        amount=1,
        currency="GBP",
        due_on=date(2026, 7, 1),
        status=Installment.Status.CANCELLED,
    )
    assert document_facts(booked, studio)["payment_schedule"] == (
        "The rest is paid in parts: £50.00 on 27 May 2026 (Second payment); "
        "£50.00 on 17 June 2026 (Balance)."
    )


# Versions --------------------------------------------------------------------------------


def test_editing_a_template_makes_a_new_version_and_signed_text_never_changes(booked, contract):
    document = contract_of(booked)
    signed = sign(document)
    assert contract.version == 1
    document_template_save(template=contract)  # nothing changed: no new version
    assert contract.versions.count() == 1
    contract.body = "Entirely new terms for {client_name}."
    document_template_save(template=contract)
    assert contract.version == 2
    assert contract.versions.count() == 2
    signed.refresh_from_db()
    assert signed.version.number == 1
    assert "What we agree" in signed.text_html
    assert "Entirely new terms" not in signed.text_html


# Signing ---------------------------------------------------------------------------------


def test_an_online_booking_needing_a_signature_is_held_for_signing_and_paying(booked):
    assert booked.status == Booking.Status.HELD
    assert booked.hold_expires_at == PAY_NOW + timedelta(minutes=HOLD_MINUTES + SIGNING_MINUTES)
    kinds = sorted(booked.documents.values_list("kind", "required"))
    assert kinds == [("contract", True), ("release", False)]
    deposit = booked.payments.get(kind="deposit")
    with pytest.raises(PaymentRefused, match="sign"):
        payment_check_payable(deposit)
    sign(contract_of(booked))
    payment_check_payable(deposit)  # now it can be paid


def test_a_booking_without_deposit_is_confirmed_by_its_last_signature(
    pay_clock, signing_portrait, anna, studio
):
    signing_portrait.deposit = 0
    signing_portrait.save()
    booking = booking_create(
        client=anna, session_type=signing_portrait, starts_at=PAY_TEN, tz=LONDON
    )
    assert booking.status == Booking.Status.HELD
    assert not QueuedTask.objects.filter(name__endswith="booking_email_send_task").exists()
    sign(contract_of(booking))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.hold_expires_at is None
    assert QueuedTask.objects.filter(
        name="sessions.tasks.booking_email_send_task", kwargs__kind="confirmed"
    ).exists()


def test_the_evidence_is_kept_with_the_signature(booked):
    document = sign(contract_of(booked), drawn_png=b"\x89PNG fake")
    document.refresh_from_db()
    assert document.status == Document.Status.SIGNED
    assert document.signed_name == "Anna Kowalska"
    assert document.signed_email == "anna@example.com"
    assert document.signed_ip == "203.0.113.9"
    assert document.signed_user_agent == "Test browser"
    assert document.consent_version
    assert "electronically" in document.consent_text
    assert document.signed_at == PAY_NOW
    assert len(document.text_sha256) == 64
    assert bytes(document.drawn_signature) == b"\x89PNG fake"
    assert document.events.filter(kind=DocumentEvent.Kind.SIGNED, actor="system").exists()
    assert QueuedTask.objects.filter(
        name="sessions.tasks.document_seal_task", kwargs__document_id=document.pk
    ).exists()


def test_signing_twice_or_a_void_document_is_refused(booked):
    document = contract_of(booked)
    sign(document)
    with pytest.raises(DocumentRefused, match="already signed"):
        sign(document)
    release = booked.documents.get(kind="release")
    document_void(document_id=release.pk, reason="Sent by mistake")
    with pytest.raises(DocumentRefused, match="withdrew"):
        sign(release)
    assert Document.objects.filter(status="signed").count() == 1


def test_a_different_name_needs_on_behalf_of(booked):
    document = contract_of(booked)
    with pytest.raises(DocumentRefused, match="isn't the name"):
        sign(document, signed_name="Piotr Kowalski")
    signed = sign(document, signed_name="Piotr Kowalski", on_behalf_of="husband")
    assert signed.on_behalf_of == "husband"
    # Case, accents and spaces don't make a different name.
    other = booked.documents.get(kind="release")
    assert sign(other, signed_name="  anna   KOWALSKA ").on_behalf_of == ""


@pytest.mark.parametrize(
    ("booked_as", "typed"),
    [
        ("Siobhan O'Neill", "Siobhan O’Neill"),  # a phone's curly apostrophe
        ("Siobhán O’Neill", "siobhan oneill"),
        ("Łukasz Żółw", "Lukasz Zolw"),  # a letter with no accent to strip
        ("Jean-Luc Søndergaard", "Jean Luc Sondergaard"),
        ("Mary J. Blige", "Mary J Blige"),
    ],
)
def test_the_same_name_typed_another_way_signs_without_on_behalf_of(booked, booked_as, typed):
    Booking.objects.filter(pk=booked.pk).update(booked_as=booked_as)
    booked.refresh_from_db()
    document = contract_of(booked)
    assert sign(document, signed_name=typed).on_behalf_of == ""


def test_names_that_only_look_alike_still_need_on_behalf_of(booked):
    Booking.objects.filter(pk=booked.pk).update(booked_as="Jean-Luc Martin")
    booked.refresh_from_db()
    with pytest.raises(DocumentRefused, match="isn't the name"):
        sign(contract_of(booked), signed_name="Jean Martin")


def test_text_that_changed_since_it_was_shown_is_not_signed(booked, contract):
    document = contract_of(booked)
    shown = document_pending_text(document).text.sha256
    contract.body += "\n\nA new clause."
    document_template_save(template=contract)
    with pytest.raises(DocumentChanged):
        sign(document, shown_sha256=shown)
    signed = sign(document)  # after reading the new version
    assert "A new clause" in signed.text_html
    assert signed.version.number == 2


def test_release_choices_are_recorded_one_by_one(booked):
    release = booked.documents.get(kind="release")
    sign(release, usages={"portfolio": True, "social": False, "competitions": True})
    assert dict(ReleaseChoice.objects.values_list("usage", "granted")) == {
        "portfolio": True,
        "social": False,
        "advertising": False,
        "competitions": True,
    }


def test_a_childs_release_is_signed_by_a_guardian_who_says_so(booked, minor_release):
    from sessions.documents.services import document_issue

    document = document_issue(booking=booked, template=minor_release, required=False)
    with pytest.raises(DocumentRefused, match="related"):
        sign(document, person_name="Zosia Kowalska")
    with pytest.raises(DocumentRefused, match="child's full name"):
        sign(document, on_behalf_of="mother")
    # Until the child's name is typed, the text is about "the child named below", never
    # about the parent who booked.
    shown = document_text(document).html
    assert "guardian of the child named below and allow" in shown
    assert "Anna Kowalska" not in shown
    signed = sign(document, on_behalf_of="mother", person_name="Zosia Kowalska")
    assert signed.person_name == "Zosia Kowalska"
    assert "guardian of Zosia Kowalska and allow" in signed.text_html  # what is sealed
    assert "Anna Kowalska" not in signed.text_html
    assert signed.text_sha256 == text_digest(signed.title, signed.text_html)  # sealed as it reads


def test_a_childs_release_page_asks_the_childs_name_offering_whom_the_booking_is_for(
    client, booked, minor_release
):
    from sessions.documents.services import document_issue

    Booking.objects.filter(pk=booked.pk).update(photographed_name="Lily Kowalska")
    booked.refresh_from_db()
    document = document_issue(booking=booked, template=minor_release, required=False)
    page = client.get(sign_url(booked, document)).content.decode()
    assert "guardian of the child named below" in page
    assert re.search(r'name="person_name"[^>]*value="Lily Kowalska"', page)


def test_an_adults_release_about_someone_else_is_theirs_to_sign_or_signed_on_their_behalf(
    booked,
):
    Booking.objects.filter(pk=booked.pk).update(photographed_name="Piotr Kowalski")
    booked.refresh_from_db()
    release = booked.documents.get(kind="release")
    assert "Piotr Kowalski" in document_pending_text(release).text.html  # "I, Piotr …"
    with pytest.raises(DocumentRefused, match="This release is Piotr Kowalski's"):
        sign(release, signed_name="Anna Kowalska")  # the one who booked, for him
    assert sign(contract_of(booked), signed_name="Anna Kowalska").on_behalf_of == ""  # hers
    signed = sign(release, signed_name="Anna Kowalska", on_behalf_of="wife")
    assert signed.on_behalf_of == "wife"


def test_an_expired_hold_cannot_be_signed(booked, pay_clock):
    pay_clock.shift(timedelta(minutes=HOLD_MINUTES + SIGNING_MINUTES + 1))
    with pytest.raises(DocumentRefused, match="no longer active"):
        sign(contract_of(booked))


# Pages -----------------------------------------------------------------------------------


def sign_url(booking, document, step=False):
    url = reverse("sessions:document-sign", args=[booking_token(booking), document.reference])
    return url + ("?step=book" if step else "")


def test_the_details_form_leads_to_signing_then_to_paying(client, booked):
    document = contract_of(booked)
    page = client.get(sign_url(booked, document, step=True))
    assert page.status_code == 200
    assert b"Portrait session agreement" in page.content
    assert b"Anna Kowalska" in page.content
    assert document.events.filter(kind="opened").count() == 1
    client.get(sign_url(booked, document, step=True))
    assert document.events.filter(kind="opened").count() == 1  # not one per reload
    shown = page.context["text"].sha256
    response = client.post(
        sign_url(booked, document, step=True),
        {"shown": shown, "signed_name": "Anna Kowalska", "agree": "on"},
    )
    release = booked.documents.get(kind="release")
    assert response.status_code == 302
    assert response["Location"] == sign_url(booked, release, step=True)
    skip = client.post(
        reverse("sessions:document-skip", args=[booking_token(booked), release.reference])
        + "?step=book"
    )
    assert skip.status_code == 303  # off to Stripe Checkout for the deposit
    assert skip["Location"].startswith("http")


def test_a_failed_signature_keeps_what_was_typed(client, booked):
    document = contract_of(booked)
    shown = client.get(sign_url(booked, document)).context["text"].sha256
    response = client.post(
        sign_url(booked, document),
        {"shown": shown, "signed_name": "Piotr Kowalski", "on_behalf": "on"},
    )
    assert response.status_code == 200
    assert b'value="Piotr Kowalski"' in response.content
    assert b"how you are related" in response.content
    assert Document.objects.get(pk=document.pk).status == "pending"


def test_a_template_edited_while_the_page_is_open_asks_to_read_again(client, booked, contract):
    document = contract_of(booked)
    shown = client.get(sign_url(booked, document)).context["text"].sha256
    contract.body = "### New terms\n\nRead me, {client_name}."
    document_template_save(template=contract)
    response = client.post(
        sign_url(booked, document),
        {"shown": shown, "signed_name": "Anna Kowalska", "agree": "on"},
    )
    assert response.status_code == 409
    assert b"changed since you opened it" in response.content
    assert b"New terms" in response.content
    resent = client.post(
        sign_url(booked, document),
        {
            "shown": response.context["text"].sha256,
            "signed_name": "Anna Kowalska",
            "agree": "on",
        },
    )
    assert resent.status_code == 302
    assert "New terms" in Document.objects.get(pk=document.pk).text_html


def test_double_clicking_sign_makes_one_signature(client, booked):
    document = contract_of(booked)
    shown = client.get(sign_url(booked, document)).context["text"].sha256
    data = {"shown": shown, "signed_name": "Anna Kowalska", "agree": "on"}
    first = client.post(sign_url(booked, document), data)
    second = client.post(sign_url(booked, document), data)
    assert first.status_code == second.status_code == 302
    assert document.events.filter(kind="signed").count() == 1
    page = client.get(sign_url(booked, document))
    assert b"Signed by Anna Kowalska" in page.content


def test_another_clients_link_cannot_open_or_sign_a_document(client, booked, ben, portrait):
    other = booking_create(
        client=ben, session_type=portrait, starts_at=PAY_TEN + timedelta(hours=2), tz=LONDON
    )
    document = contract_of(booked)
    foreign = reverse("sessions:document-sign", args=[booking_token(other), document.reference])
    assert client.get(foreign).status_code == 404
    assert client.post(foreign, {"signed_name": "Ben Okafor", "agree": "on"}).status_code == 404
    for name in ("sessions:document-pdf", "sessions:document-skip"):
        url = reverse(name, args=[booking_token(other), document.reference])
        assert client.post(url).status_code in (404, 405)
        assert client.get(url).status_code in (404, 405)
    assert Document.objects.get(pk=document.pk).status == "pending"


def test_the_booking_page_asks_for_the_signature_before_the_deposit(client, booked):
    page = client.get(reverse("sessions:booking-detail", args=[booking_token(booked)]))
    assert b"Sign to confirm your booking" in page.content
    assert b"Read and sign" in page.content
    assert b"Pay \xc2\xa350.00 securely" not in page.content


def test_a_half_configured_seal_certificate_warns_and_a_missing_file_is_an_error(
    settings, tmp_path
):
    from django.core.checks import run_checks

    settings.DOCUMENT_SEAL_KEY_FILE = str(tmp_path / "key.pem")
    settings.DOCUMENT_SEAL_CERT_FILE = ""
    assert "shoots.W002" in [message.id for message in run_checks()]
    settings.DOCUMENT_SEAL_CERT_FILE = str(tmp_path / "cert.pem")
    assert "shoots.E001" in [message.id for message in run_checks()]
    (tmp_path / "key.pem").write_text("key")
    (tmp_path / "cert.pem").write_text("cert")
    ids = [message.id for message in run_checks()]
    assert "shoots.W002" not in ids
    assert "shoots.E001" not in ids
