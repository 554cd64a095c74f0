"""Contracts and model releases in the admin: a booking's documents on its page (with their
buttons: send for signing, send the link again, countersign, void, the sealed PDF), and a
read-only list of every document with an evidence page each.

Documents change only through the services (sessions.documents), never the admin's forms:
a signed document is a record. Every button records the staff member (studio.actors).
"""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from sessions.access import private_response
from sessions.document_forms import DocumentSendForm, DocumentVoidForm
from sessions.document_views import document_file_response
from sessions.documents.admin_services import (
    booking_documents_send_by_staff,
    documents_send_again,
)
from sessions.documents.selectors import booking_documents_for_studio
from sessions.documents.services import (
    SIGNABLE_STATUSES,
    DocumentRefused,
    document_countersign,
    document_event_record,
    document_void,
)
from sessions.models import Booking, Document, DocumentEvent
from studio.admin_permissions import RecordAdminMixin, admin_view_requires
from studio.http import client_ip, int_or_none

SECTION = "#documents"


def document_pdf_url(document: Document) -> str:
    return reverse("admin:shoots_booking_document_pdf", args=[document.booking_id, document.pk])


def _errors_said(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


class BookingDocumentsMixin:
    """For `bookings.BookingAdmin`: the Documents section of a booking's page and its
    buttons. Each view checks its permission with `admin_view_requires`, and finds the
    document within the booking of its address (another booking's: 404)."""

    def has_document_view_permission(self, request) -> bool:
        user = request.user
        return user.has_perm("shoots.view_document") or user.has_perm("shoots.change_document")

    def has_document_add_permission(self, request) -> bool:
        return request.user.has_perm("shoots.add_document")

    def has_document_change_permission(self, request) -> bool:
        return request.user.has_perm("shoots.change_document")

    def document_urls(self) -> list:
        view = self.admin_site.admin_view
        one = "<int:booking_id>/documents/<int:document_id>"
        return [
            path(
                "<int:booking_id>/documents/send/",
                view(self.documents_send_view),
                name="shoots_booking_documents_send",
            ),
            path(
                f"{one}/countersign/",
                view(self.document_countersign_view),
                name="shoots_booking_document_countersign",
            ),
            path(
                f"{one}/void/", view(self.document_void_view), name="shoots_booking_document_void"
            ),
            path(f"{one}/pdf/", view(self.document_pdf_view), name="shoots_booking_document_pdf"),
        ]

    def documents_story(self, request, booking: Booking) -> dict:
        """The Documents section's context; empty for staff who may not see documents."""
        if not self.has_document_view_permission(request):
            return {}
        documents = booking_documents_for_studio(booking)
        active = booking.status in SIGNABLE_STATUSES
        can_send = active and self.has_document_add_permission(request)
        events = [event.pk for document in documents for event in document.events.all()]
        for document in documents:
            document.void_form = DocumentVoidForm(
                html_form=f"doc-void-{document.pk}", auto_id=f"id_void{document.pk}_%s"
            )
        return {
            "story_documents_shown": True,
            "story_documents": documents,
            "story_documents_send_form": DocumentSendForm(
                initial={"required": True}, html_form="documents-send"
            )
            if can_send
            else None,
            "story_documents_can_resend": can_send
            and any(document.status == Document.Status.PENDING for document in documents),
            "story_documents_can_change": self.has_document_change_permission(request),
            # Names the page "send again" was pressed on: pressed twice there, one email.
            "story_documents_seen": max(events, default=0),
        }

    @staticmethod
    def _document_of(booking_id: int, document_id: int) -> Document:
        return get_object_or_404(
            Document.objects.select_related("template"), pk=document_id, booking_id=booking_id
        )

    @staticmethod
    def _back(booking_id: int):
        return redirect(reverse("admin:shoots_booking_change", args=[booking_id]) + SECTION)

    @admin_view_requires("document_add")
    def documents_send_view(self, request, booking_id):
        """Send the session's documents, or a chosen one, for signing; or the link again."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        booking = get_object_or_404(Booking, pk=booking_id)
        try:
            if "again" in request.POST:
                seen = int_or_none(request.POST.get("seen")) or 0
                documents_send_again(booking_id=booking.pk, seen=str(seen))
                self.message_user(
                    request, _("The signing link is sent to the client again."), messages.SUCCESS
                )
                return self._back(booking.pk)
            form = DocumentSendForm(request.POST)
            if not form.is_valid():
                _errors_said(request, form)
                return self._back(booking.pk)
            issued = booking_documents_send_by_staff(
                booking_id=booking.pk,
                template=form.cleaned_data["template"],
                required=form.cleaned_data["required"],
                person_name=form.cleaned_data["person_name"],
            )
        except DocumentRefused as refused:
            self.message_user(request, refused.message, messages.WARNING)
        else:
            names = ", ".join(str(document.template) for document in issued)
            self.message_user(
                request,
                _("Sent for signing: %(names)s. The client is emailed a link.") % {"names": names},
                messages.SUCCESS,
            )
        return self._back(booking.pk)

    @admin_view_requires("document_change")
    def document_countersign_view(self, request, booking_id, document_id):
        """The studio's signature, in the name of the staff member pressing the button."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        document = self._document_of(booking_id, document_id)
        user = request.user
        try:
            document_countersign(
                document_id=document.pk, user=user, name=user.get_full_name() or user.username
            )
        except DocumentRefused as refused:
            self.message_user(request, refused.message, messages.WARNING)
        else:
            self.message_user(
                request,
                _("Countersigned. Both sides are emailed the final PDF once it is sealed."),
                messages.SUCCESS,
            )
        return self._back(booking_id)

    @admin_view_requires("document_change")
    def document_void_view(self, request, booking_id, document_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        document = self._document_of(booking_id, document_id)
        form = DocumentVoidForm(request.POST)
        if not form.is_valid():
            _errors_said(request, form)
            return self._back(booking_id)
        try:
            new = document_void(
                document_id=document.pk,
                reason=form.cleaned_data["reason"],
                reissue=form.cleaned_data["reissue"],
            )
        except DocumentRefused as refused:
            self.message_user(request, refused.message, messages.WARNING)
        else:
            self.message_user(
                request,
                _("Voided. A new copy is sent to the client to sign.")
                if new
                else _("Voided. It stays in the record."),
                messages.SUCCESS,
            )
        return self._back(booking_id)

    @admin_view_requires("document_view")
    def document_pdf_view(self, request, booking_id, document_id):
        """The newest sealed PDF, shown in the browser; a "downloaded" line in the trail."""
        document = self._document_of(booking_id, document_id)
        sealed = document.files.exclude(file="").order_by("-created_at", "-pk").first()
        if sealed is None:
            raise Http404(_("This document has no sealed PDF yet."))
        document_event_record(
            document,
            DocumentEvent.Kind.DOWNLOADED,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return private_response(document_file_response(sealed, as_attachment=False))


@admin.register(Document)
class DocumentAdmin(RecordAdminMixin, admin.ModelAdmin):
    """Every document, to find one and see its evidence; nothing here changes one."""

    list_display = ["reference", "booking_link", "client", "title_shown", "status", "signed_at"]
    list_filter = ["status", "kind"]
    search_fields = [
        "reference",
        "booking__client__name",
        "booking__client__email",
        "booking__booked_as",
    ]
    list_select_related = ["booking__client", "template"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "booking_link",
                    "client",
                    "title_shown",
                    "kind",
                    "version",
                    "status",
                    "required",
                    "person_name",
                    "replaces",
                    "pdf",
                ]
            },
        ),
        (
            _("Signature"),
            {
                "fields": [
                    "signed_name",
                    "signed_email",
                    "on_behalf_of",
                    "signed_at",
                    "signed_ip",
                    "signed_user_agent",
                    "text_sha256",
                    "consent_version",
                    "consent_text",
                    "release_choices",
                    ("countersigned_name", "countersigned_at"),
                    ("voided_at", "void_reason"),
                    "erased_at",
                ]
            },
        ),
        (_("Audit trail"), {"fields": ["trail"]}),
        (_("Text signed"), {"classes": ["collapse"], "fields": ["text_signed"]}),
    ]

    class Media:
        css = {"all": ["css/admin-documents.css"]}

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [field for _name, options in self.fieldsets for field in _flat(options["fields"])]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("booking__client", "template", "version", "replaces")
            .prefetch_related("choices")
        )

    @admin.display(description=_("booking"), ordering="booking__starts_at")
    def booking_link(self, obj: Document) -> str:
        url = reverse("admin:shoots_booking_change", args=[obj.booking_id])
        return format_html('<a href="{}">{}</a>', url, obj.booking.reference)

    @admin.display(description=_("client"), ordering="booking__client__name")
    def client(self, obj: Document) -> str:
        return obj.booking.name_for_studio

    @admin.display(description=_("title"))
    def title_shown(self, obj: Document) -> str:
        title = obj.title or obj.template.name
        return f"{title} ({obj.person_name})" if obj.person_name else title

    @admin.display(description=_("sealed PDF"))
    def pdf(self, obj: Document) -> str:
        if not obj.files.exclude(file="").exists():
            return "—"
        return format_html('<a href="{}">{}</a>', document_pdf_url(obj), _("Open the PDF"))

    @admin.display(description=_("model release choices"))
    def release_choices(self, obj: Document) -> str:
        choices = list(obj.choices.all())
        if not choices:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            ((choice.label, _("yes") if choice.granted else _("no")) for choice in choices),
        )

    @admin.display(description=_("events"))
    def trail(self, obj: Document) -> str:
        events = obj.events.select_related("actor_user")
        return render_to_string("admin/shoots/booking/_document_trail.html", {"events": events})

    @admin.display(description=_("text signed"))
    def text_signed(self, obj: Document) -> str:
        # Stored as rendered from the template's sanitised Markdown, at signing.
        return mark_safe(obj.text_html) if obj.text_html else "—"  # noqa: S308


def _flat(fields) -> list[str]:
    return [name for item in fields for name in (item if isinstance(item, tuple) else (item,))]
