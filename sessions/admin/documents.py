"""Document templates in the admin: contracts and model releases the studio writes in
Markdown with {merge fields}. Every save that changes the words makes a new version (the
versions are listed on the page); documents already signed keep the words they were signed
with. A template can be previewed on a real booking before saving, and taken out of use
where documents were made from it (they protect it from deletion)."""

from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from sessions.admin.document_forms import (
    DocumentPreviewForm,
    DocumentTemplateAdminForm,
    merge_fields_refusal,
)
from sessions.documents.merge import FIELDS, document_facts, document_html, rendered
from sessions.documents.selectors import booking_for_preview, document_template_use
from sessions.documents.services import document_template_retire, document_template_save
from sessions.models import Booking, Document, DocumentTemplate, Usage
from studio.admin_permissions import admin_view_requires
from studio.selectors import studio_get


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    form = DocumentTemplateAdminForm
    list_display = ["name", "kind", "signer", "version", "is_active", "updated_at"]
    list_filter = ["kind", "signer", "is_active"]
    search_fields = ["name", "body"]
    readonly_fields = ["merge_fields", "use_summary", "versions_table", "usages_display"]
    change_form_template = "admin/shoots/documenttemplate/change_form.html"
    delete_confirmation_template = "admin/shoots/documenttemplate/delete_confirmation.html"

    class Media:
        css = {"all": ["css/admin-documents.css"]}

    def get_fieldsets(self, request, obj=None):
        may_change = obj is None or self.has_change_permission(request, obj)
        fieldsets = [
            (None, {"fields": ["name", "kind", "signer", "body", "merge_fields"]}),
            (
                _("Model release"),
                {"fields": ["usages" if may_change else "usages_display"]},
            ),
            (_("Signing"), {"fields": ["studio_countersigns", "is_active"]}),
        ]
        if obj is not None:
            fieldsets.append(
                (
                    _("Versions"),
                    {
                        "fields": ["use_summary", "versions_table"],
                        "description": _(
                            "Changing the title, the text, who signs or the uses makes a new "
                            "version. A signed document keeps the words it was signed with; "
                            "documents still waiting show the newest version."
                        ),
                    },
                )
            )
        return fieldsets

    def save_model(self, request, obj, form, change):
        before = obj.version
        document_template_save(template=obj)
        if change and obj.version != before:
            self.message_user(
                request,
                gettext("Saved as version %(number)s.") % {"number": obj.version},
                messages.INFO,
            )

    # Shown on the page ----------------------------------------------------------------

    @admin.display(description=_("merge fields"))
    def merge_fields(self, obj):
        rows = format_html_join(
            "", "<li><code>{{{}}}</code>: {}</li>", ((n, d) for n, d in FIELDS.items())
        )
        return format_html('<ul class="merge-fields">{}</ul>', rows)

    @admin.display(description=_("uses the client is asked about"))
    def usages_display(self, obj: DocumentTemplate) -> str:
        labels = dict(Usage.choices)
        return ", ".join(str(labels.get(u, u)) for u in obj.usages or []) or "—"

    @admin.display(description=_("used by"))
    def use_summary(self, obj: DocumentTemplate):
        use = document_template_use(template_id=obj.pk)
        asked = format_html_join(
            ", ",
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:shoots_sessiontype_change", args=[link.session_type_id]),
                    link.session_type.name,
                    gettext("required") if link.required else gettext("offered"),
                )
                for link in use.links
            ),
        )
        statuses = dict(Document.Status.choices)
        made = ", ".join(
            f"{use.documents[status]} {str(statuses[status]).lower()}"
            for status in Document.Status.values
            if use.documents.get(status)
        )
        return format_html(
            "<p>{}</p><p>{}</p>",
            format_html("{} {}", gettext("Session types:"), asked or gettext("none yet")),
            ngettext(
                "%(count)d document made from it (%(made)s).",
                "%(count)d documents made from it (%(made)s).",
                use.document_count,
            )
            % {"count": use.document_count, "made": made}
            if use.document_count
            else gettext("No documents made from it yet."),
        )

    @admin.display(description=_("versions"))
    def versions_table(self, obj: DocumentTemplate):
        versions = obj.versions.select_related("actor_user").order_by("-number")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    v.number,
                    v.name,
                    date_format(timezone.localtime(v.created_at), "j M Y, H:i"),
                    v.actor_label or "—",
                )
                for v in versions
            ),
        )
        return format_html(
            '<table class="document-versions"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            gettext("Version"),
            gettext("Title"),
            gettext("Made"),
            gettext("By"),
            rows,
        )

    # Preview, take out of use, delete --------------------------------------------------

    def has_preview_permission(self, request) -> bool:
        """A preview shows a booking's details: templates and bookings both to be seen."""
        bookings = self.admin_site.get_model_admin(Booking)
        return self.has_view_or_change_permission(
            request
        ) and bookings.has_view_or_change_permission(request)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="shoots_documenttemplate_preview"),
            path("<int:template_id>/preview/", preview, name="shoots_documenttemplate_preview"),
            path(
                "<int:template_id>/take-out-of-use/",
                self.admin_site.admin_view(self.retire_view),
                name="shoots_documenttemplate_retire",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self.has_preview_permission(request):
            preview_form = DocumentPreviewForm(
                initial={"preview_booking": booking_for_preview(now=timezone.now())}
            )
            context["preview_form"] = preview_form
            context["media"] = context["media"] + preview_form.media
            context["preview_url"] = reverse(
                "admin:shoots_documenttemplate_preview", args=[obj.pk] if obj else None
            )
        context["can_retire"] = bool(
            obj and obj.is_active and self.has_change_permission(request, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_deleted_objects(self, objs, request):
        # Documents (never deletable by anyone) count as "permission lacking" as well as
        # protected; the protected explanation, with its way out, is the one to show.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return to_delete, model_count, set() if protected else perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        can_retire = bool(obj and obj.is_active and self.has_change_permission(request, obj))
        return super().delete_view(
            request, object_id, {"can_retire": can_retire, **(extra_context or {})}
        )

    @admin_view_requires("change")
    def retire_view(self, request, template_id: int):
        """Take a template out of use: session types stop asking for it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        template = get_object_or_404(DocumentTemplate, pk=template_id)
        if document_template_retire(template_id=template.pk):
            self.message_user(
                request,
                gettext(
                    "“%(name)s” is out of use: session types no longer ask for it. Documents "
                    "made from it stay as they are."
                )
                % {"name": template.name},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                gettext("“%(name)s” was out of use already.") % {"name": template.name},
                messages.INFO,
            )
        return redirect("admin:shoots_documenttemplate_change", template.pk)

    @admin_view_requires("preview")
    def preview_view(self, request, template_id: int | None = None):
        """The template's words filled in with a real booking's details, as the client
        would read them: the words as typed on its page (POSTed by staff who may change
        it), else as saved. Nothing is saved or sent."""
        template = DocumentTemplate(name="", body="")
        if template_id is not None:
            template = get_object_or_404(DocumentTemplate, pk=template_id)
        may_edit = (
            self.has_change_permission(request, template)
            if template.pk
            else self.has_add_permission(request)
        )
        data = (request.POST if request.method == "POST" else request.GET).copy()
        if not (may_edit and "body" in data):
            data["name"], data["body"] = template.name, template.body
            data.setlist("usages", template.usages or [])
        if not data.get("preview_booking"):
            chosen = booking_for_preview(now=timezone.now())
            data["preview_booking"] = chosen.pk if chosen else ""
        form = DocumentPreviewForm(data)
        text = None
        if form.is_valid():
            studio = studio_get()
            with timezone.override(ZoneInfo(studio.time_zone)):
                facts = document_facts(form.cleaned_data["preview_booking"], studio)
                html = document_html(form.cleaned_data["body"], facts)
            text = rendered(form.cleaned_data["name"], html)
        labels = dict(Usage.choices)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Preview of “%(name)s”")
            % {"name": data.get("name") or gettext("a new document")},
            "opts": self.model._meta,
            "original": template if template.pk else None,
            "form": form,
            "text": text,
            "usages": [labels[u] for u in form.cleaned_data.get("usages", [])] if text else [],
            "refusal": merge_fields_refusal(data.get("body", "")),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/shoots/documenttemplate/preview.html", context)
