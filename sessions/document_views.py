"""The client's side of contracts and model releases, opened by the booking's private link:
read and sign, skip what is only offered, download the sealed PDF.

While booking online, signing comes after the details and before the deposit (`?step=book`
on the address): each waiting document in turn, required first, then off to pay.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from sessions.access import booking_get_by_token, booking_token, booking_url, private_response
from sessions.document_forms import SignForm, VerifyForm
from sessions.documents.services import (
    DocumentChanged,
    DocumentRefused,
    document_event_record,
    document_pending_text,
    document_sign,
    document_text,
    documents_in_signing_order,
)
from sessions.documents.verify import verify_pdf, verify_reference
from sessions.models import Booking, Document, DocumentEvent, DocumentFile, Payment
from sessions.payments.views import payment_start
from studio.http import client_ip

BOOKING_STEP = "book"
# Checks on the public verification page, per address (IP) and hour.
VERIFY_RATE = "60/h"
# An "opened" line in the audit trail at most this often per document and address.
OPENED_EVERY = timedelta(minutes=10)


def document_sign_url(booking: Booking, document: Document, *, booking_step=False) -> str:
    url = reverse("sessions:document-sign", args=[booking_token(booking), document.reference])
    return f"{url}?step={BOOKING_STEP}" if booking_step else url


def _document_for(booking: Booking, reference: str) -> Document:
    """A document of this booking, or 404: one booking's link opens its documents only."""
    return get_object_or_404(
        Document.objects.select_related("template", "version"),
        booking=booking,
        reference=reference,
    )


def _order_key(document: Document) -> tuple:
    return (not document.required, document.kind, document.pk)


def next_step(request, booking: Booking, after: Document, *, booking_step: bool):
    """Where the client goes once done with `after`: the next waiting document, else (while
    booking) the deposit's payment page, else their booking."""
    waiting = [
        document
        for document in documents_in_signing_order(booking)
        if _order_key(document) > _order_key(after)
    ]
    if waiting:
        return redirect(document_sign_url(booking, waiting[0], booking_step=booking_step))
    booking.refresh_from_db()
    deposit = booking.payments.filter(
        kind=Payment.Kind.DEPOSIT, status=Payment.Status.PENDING
    ).first()
    if booking_step and booking.status == Booking.Status.HELD and deposit:
        return payment_start(request, booking, deposit)
    return redirect(booking_url(booking))


def _opened_record(request, document: Document) -> None:
    ip = client_ip(request)
    recent = document.events.filter(
        kind=DocumentEvent.Kind.OPENED, ip=ip, at__gte=timezone.now() - OPENED_EVERY
    )
    if not recent.exists():
        document_event_record(
            document,
            DocumentEvent.Kind.OPENED,
            ip=ip,
            user_agent=request.headers.get("User-Agent", ""),
        )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def document_sign_view(request, token, reference):
    booking = booking_get_by_token(token)
    document = _document_for(booking, reference)
    booking_step = request.GET.get("step") == BOOKING_STEP
    if document.status != Document.Status.PENDING:
        if request.method == "POST":  # a second click, or an old page: nothing more to sign
            messages.info(
                request,
                _("This document is already signed. Thank you!")
                if document.status == Document.Status.SIGNED
                else _("The studio withdrew this document, so it can no longer be signed."),
            )
            return redirect(document_sign_url(booking, document))
        return _document_page(request, booking, document, token)
    pending = document_pending_text(document)
    form = SignForm(
        request.POST or None,
        document=document,
        version=pending.version,
        initial={"shown": pending.text.sha256},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            document_sign(
                document_id=document.pk,
                booking=booking,
                given=form.signature(),
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except DocumentChanged as changed:
            pending = document_pending_text(_document_for(booking, reference))
            data = request.POST.copy()
            data["shown"] = pending.text.sha256  # the new text, to be read before signing
            form = SignForm(data, document=document, version=pending.version)
            form.is_valid()
            form.add_error(None, changed.message)
            status = 409
        except DocumentRefused as refused:
            messages.error(request, refused.message)
            return redirect(document_sign_url(booking, document, booking_step=booking_step))
        else:
            messages.success(
                request, _("Thank you: you've signed “%(title)s”.") % {"title": pending.text.title}
            )
            return next_step(request, booking, document, booking_step=booking_step)
    elif request.method != "POST":
        _opened_record(request, document)
    waiting = documents_in_signing_order(booking)
    # Counted over the whole step: signing the first of three leads to "2 of 3", not "1 of 2".
    signed = booking.documents.filter(status=Document.Status.SIGNED).count()
    last = bool(waiting) and waiting[-1].pk == document.pk
    # Said only when signing leads there (next_step): the last document, a deposit to pay
    # online. With payments off the deposit is paid at the studio.
    to_payment = (
        booking_step
        and last
        and settings.PAYMENTS_ENABLED
        and booking.status == Booking.Status.HELD
        and booking.payments.filter(
            kind=Payment.Kind.DEPOSIT, status=Payment.Status.PENDING
        ).exists()
    )
    return private_response(
        render(
            request,
            "sessions/document_sign.html",
            {
                "booking": booking,
                "document": document,
                "text": pending.text,
                "form": form,
                "token": token,
                "booking_step": booking_step,
                "position": signed
                + next((i for i, d in enumerate(waiting, start=1) if d.pk == document.pk), 1),
                "waiting_count": signed + len(waiting),
                "to_payment": to_payment,
                "last": last,
                "skip_url": reverse("sessions:document-skip", args=[token, reference])
                + (f"?step={BOOKING_STEP}" if booking_step else ""),
            },
            status=status,
        )
    )


def _document_page(request, booking: Booking, document: Document, token: str):
    """A signed or void document: its text as signed, and the PDF once sealed."""
    return private_response(
        render(
            request,
            "sessions/document_signed.html",
            {
                "booking": booking,
                "document": document,
                "text": document_text(document),
                "token": token,
                "has_pdf": document.files.exists(),
                "choices": list(document.choices.all()),
            },
        )
    )


@never_cache
@require_POST
def document_skip_view(request, token, reference):
    """ "Not now" on a document that is only offered: on to the next step, nothing signed."""
    booking = booking_get_by_token(token)
    document = _document_for(booking, reference)
    if document.required and document.status == Document.Status.PENDING:
        messages.error(request, _("This document needs signing before your booking is complete."))
        return redirect(document_sign_url(booking, document))
    return next_step(request, booking, document, booking_step=request.GET.get("step") == "book")


@never_cache
@require_safe
def document_pdf_view(request, token, reference):
    """The latest sealed PDF of a signed document, as a download."""
    booking = booking_get_by_token(token)
    document = _document_for(booking, reference)
    # A PDF deleted on erasure keeps its row (and SHA-256) but has no file to send.
    sealed = document.files.exclude(file="").order_by("-created_at", "-pk").first()
    if sealed is None or document.status == Document.Status.PENDING:
        messages.info(
            request,
            _("The signed PDF is being prepared; we'll email it to you in a minute or two."),
        )
        return HttpResponseRedirect(booking_url(booking))
    document_event_record(
        document,
        DocumentEvent.Kind.DOWNLOADED,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return private_response(document_file_response(sealed))


def document_file_response(sealed: DocumentFile, *, as_attachment: bool = True) -> FileResponse:
    """The sealed PDF: a download, or shown in the browser."""
    return FileResponse(
        sealed.file.open("rb"),
        as_attachment=as_attachment,
        filename=f"{sealed.document.reference}.pdf",
        content_type="application/pdf",
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def document_verify_view(request):
    """Anyone may check a signed document: upload its PDF or type its reference."""
    posted = request.method == "POST"
    form = VerifyForm(request.POST if posted else None, request.FILES if posted else None)
    verdict = None
    status = 200
    if posted and form.is_valid():
        if is_ratelimited(
            request, group="document-verify", key="ip", rate=VERIFY_RATE, increment=True
        ):
            form.add_error(None, _("That's a lot of checks in a short time: please wait a while."))
            status = 429
        elif form.cleaned_data["pdf"]:
            verdict = verify_pdf(form.cleaned_data["pdf"].read())
        else:
            verdict = verify_reference(form.cleaned_data["reference"])
    response = render(
        request,
        "sessions/document_verify.html",
        {"form": form, "verdict": verdict},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response
