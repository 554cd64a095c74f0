"""The studio's emails in the admin: the log of every email (with failures and their error,
and a button to send one again), and the switch and wording of each kind of email, with a
preview on one of the studio's own bookings before saving. On the top floor because the
preview renders bookings' and galleries' emails."""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from gallery.emails import gallery_message
from gallery.models import Gallery
from sessions.emails import booking_email_context
from sessions.models import Booking, Payment
from sessions.payments.emails import balance_message
from sessions.payments.ledger import booking_balance_due
from sessions.reminders import reminder_message
from sessions.selectors import with_questionnaire_progress
from studio import private_links
from studio.admin_permissions import RecordAdminMixin, admin_view_requires
from studio.email_kinds import KINDS, braces_stray, placeholders_unknown
from studio.email_log import (
    ERASED_MESSAGE,
    email_html_response,
    resend_queue,
    status_css,
    status_label,
)
from studio.emailing import email_kind_render
from studio.models import EmailTemplate, SentEmail
from studio.selectors import studio_get
from workspace.email_resend import resend_refusal


class KindFilter(admin.SimpleListFilter):
    title = _("email")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, spec.label) for kind, spec in KINDS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(SentEmail)
class SentEmailAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["tried", "what", "to", "subject", "status_shown", "attempts", "about"]
    list_filter = ["status", KindFilter]
    search_fields = ["to", "subject", "booking__reference", "client__name", "gallery__title"]
    list_per_page = 50
    actions = ["send_again"]

    class Media:
        css = {"all": ["css/admin-emails.css"]}

    fields = [
        "what",
        "to",
        "subject",
        "status_shown",
        "attempts",
        "created_at",
        "sent_at",
        "actor_label",
        "about",
        "resend_of",
        "text",
        "html",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bookings", "galleries")

    @admin.display(description=_("tried"), ordering="created_at")
    def tried(self, obj: SentEmail):
        return date_format(timezone.localtime(obj.created_at), "j M Y, H:i")

    @admin.display(description=_("email"), ordering="kind")
    def what(self, obj: SentEmail) -> str:
        spec = KINDS.get(obj.kind)
        label = str(spec.label) if spec else obj.kind or "—"
        return gettext("%(label)s (sent again)") % {"label": label} if obj.resend_of_id else label

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: SentEmail):
        return format_html('<span class="{}">{}</span>', status_css(obj), status_label(obj))

    @admin.display(description=_("about"))
    def about(self, obj: SentEmail):
        # From the prefetched links (get_queryset), so the list costs no query per row.
        for gallery in obj.galleries.all():
            url = reverse("admin:gallery_gallery_change", args=[gallery.pk])
            return format_html('<a href="{}">{}</a>', url, gallery.title)
        for booking in obj.bookings.all():
            url = reverse("admin:shoots_booking_change", args=[booking.pk])
            return format_html('<a href="{}">{}</a>', url, booking.reference)
        return "—"

    @admin.display(description=_("text"))
    def text(self, obj: SentEmail):
        text = private_links.shown(obj.text_body)
        return format_html('<pre class="email-text">{}</pre>', text or "—")

    @admin.display(description=_("as the client sees it"))
    def html(self, obj: SentEmail):
        if not obj.html_body:
            return "—"
        url = reverse("admin:studio_sentemail_html", args=[obj.pk])
        return format_html(
            '<iframe class="email-preview" src="{}" title="{}"></iframe>', url, obj.subject
        )

    def has_resend_permission(self, request) -> bool:
        """Sending an email again (studio.admin_permissions)."""
        return request.user.has_perm("studio.resend_sentemail")

    @admin.action(description=_("Send the selected emails again"), permissions=["resend"])
    def send_again(self, request, queryset):
        sendable = []
        for email in queryset:
            if why := resend_refusal(email):
                self.message_user(request, why, messages.WARNING)
            else:
                sendable.append(email)
        if not sendable:
            return
        queryset = sendable
        queued = sum(resend_queue(email, by=request.user) for email in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d email will be sent again in a moment.",
                "%(count)d emails will be sent again in a moment.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS,
        )
        if queued < len(queryset):
            self.message_user(request, ERASED_MESSAGE, messages.WARNING)

    def get_urls(self):
        urls = [
            path(
                "<int:email_id>/html/",
                self.admin_site.admin_view(self.html_view),
                name="studio_sentemail_html",
            ),
            path(
                "<int:email_id>/send-again/",
                self.admin_site.admin_view(self.send_again_view),
                name="studio_sentemail_send_again",
            ),
        ]
        return urls + super().get_urls()

    @admin_view_requires("view")
    def html_view(self, request, email_id: int):
        email = get_object_or_404(SentEmail, pk=email_id)
        return email_html_response(request, private_links.shown(email.html_body, as_html=True))

    @admin_view_requires("resend")
    def send_again_view(self, request, email_id: int):
        if request.method != "POST":
            raise PermissionDenied
        email = get_object_or_404(SentEmail, pk=email_id)
        if why := resend_refusal(email):
            self.message_user(request, why, messages.WARNING)
        elif resend_queue(email, by=request.user):
            self.message_user(
                request,
                gettext("“%(subject)s” will be sent again to %(to)s in a moment.")
                % {"subject": email.subject, "to": email.to},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, ERASED_MESSAGE, messages.WARNING)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("admin:studio_sentemail_changelist")
        return redirect(back)


# --- The studio's choices: which emails go, and in what words ----------------------------


class EmailTemplateForm(forms.ModelForm):
    preview_with = forms.ChoiceField(label=_("Preview with"), required=False)

    class Meta:
        model = EmailTemplate
        fields = ["enabled", "subject", "heading", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spec = KINDS.get(self.instance.kind)
        self.fields["preview_with"].choices = preview_choices(spec) if spec else []
        for name in ("subject", "heading"):
            if name in self.fields:
                self.fields[name].widget.attrs["size"] = 80

    def clean(self):
        data = super().clean()
        spec = KINDS[self.instance.kind]
        if not spec.can_turn_off and not data.get("enabled", True):
            self.add_error("enabled", gettext("Clients need this email to sign in: it stays on."))
        for name in ("subject", "heading", "body"):
            if stray := braces_stray(data.get(name) or ""):
                self.add_error(
                    name,
                    gettext(
                        "A placeholder is a name between braces, like {name}; this brace isn't "
                        "one: “%(where)s”. Close it, or take the brace out."
                    )
                    % {"where": stray[0]},
                )
                continue
            unknown = placeholders_unknown(spec.kind, data.get(name) or "")
            if unknown:
                self.add_error(
                    name,
                    gettext(
                        "This email can't fill in %(unknown)s. The placeholders it knows are: "
                        "%(known)s."
                    )
                    % {
                        "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                        "known": ", ".join(f"{{{name}}}" for name in spec.placeholders),
                    },
                )
        return data


def preview_choices(spec) -> list[tuple[str, str]]:
    """Recent bookings (or galleries, for gallery emails) to preview an email with."""
    if not spec.editable:
        return []
    if spec.kind.startswith("gallery-"):
        galleries = Gallery.objects.select_related("booking__client").order_by("-created_at")[:40]
        return [(f"gallery:{g.pk}", f"{g.title} ({g.booking.client.name})") for g in galleries]
    tz = zoneinfo.ZoneInfo(studio_get().time_zone)
    bookings = (
        Booking.objects.filter(status__in=[*Booking.ACTIVE_STATUSES, Booking.Status.COMPLETED])
        .select_related("client", "session_type")
        .annotate(
            upcoming=Case(
                When(starts_at__gte=timezone.now(), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("upcoming", "starts_at")[:40]
    )
    return [
        (
            f"booking:{b.pk}",
            f"{b.reference}: {b.client.name}, {b.session_type.name}, "
            f"{date_format(b.starts_at.astimezone(tz), 'j M Y H:i')}",
        )
        for b in bookings
    ]


def email_preview(kind: str, about: str, template: EmailTemplate) -> dict | None:
    """Subject, text and HTML of an email in `template`'s words, about a real booking or
    gallery ("booking:12", "gallery:3"); None if there is no such thing."""
    head, _sep, number = about.partition(":")
    if not number.isdigit():
        return None
    studio = studio_get()
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        if head == "gallery" and kind.startswith("gallery-"):
            gallery = Gallery.objects.select_related("booking__client").filter(pk=number).first()
            if gallery is None:
                return None
            context = gallery_message(
                kind.removeprefix("gallery-"), gallery, studio, template=template
            )
        elif head == "booking" and not kind.startswith("gallery-"):
            booking = (
                with_questionnaire_progress(
                    Booking.objects.select_related("client", "session_type", "photographer")
                )
                .filter(pk=number)
                .first()
            )
            if booking is None:
                return None
            if kind.startswith("booking-"):
                context = booking_email_context(
                    kind.removeprefix("booking-"), booking, studio, template=template
                )
            elif kind.startswith("reminder-"):
                context = reminder_message(
                    kind.removeprefix("reminder-"),
                    booking,
                    studio,
                    now=timezone.now(),
                    template=template,
                )
            else:  # balance-due
                due = booking_balance_due(booking) or booking.price
                payment = Payment(booking=booking, amount=due, currency=booking.currency)
                context = {**balance_message(payment, studio, template=template), "studio": studio}
        else:
            return None
        subject, text, html = email_kind_render(kind, {**context, "studio": studio})
    # A preview shows the studio's words, not a real client's working links.
    return {
        "subject": subject,
        "text": private_links.shown(private_links.redact(text)),
        "html": private_links.shown(private_links.redact(html), as_html=True),
    }


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    form = EmailTemplateForm
    list_display = ["label", "audience", "enabled", "words"]
    list_editable = ["enabled"]
    list_display_links = ["label"]
    change_form_template = "admin/studio/emailtemplate/change_form.html"

    class Media:
        css = {"all": ["css/admin-emails.css"]}

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        order = Case(
            *(When(kind=kind, then=Value(n)) for n, kind in enumerate(KINDS)),
            default=Value(len(KINDS)),
            output_field=IntegerField(),
        )
        return super().get_queryset(request).filter(kind__in=KINDS).order_by(order)

    def changelist_view(self, request, extra_context=None):
        # Every kind of email is listed, switched on until the studio says otherwise; only
        # for staff who may see the list (Django checks that only later).
        if self.has_view_or_change_permission(request):
            EmailTemplate.objects.bulk_create(
                [EmailTemplate(kind=kind) for kind in KINDS], ignore_conflicts=True
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("email"), ordering="kind")
    def label(self, obj: EmailTemplate) -> str:
        return str(KINDS[obj.kind].label)

    @admin.display(description=_("to"))
    def audience(self, obj: EmailTemplate) -> str:
        return gettext("You") if KINDS[obj.kind].to_studio else gettext("The client")

    @admin.display(description=_("wording"))
    def words(self, obj: EmailTemplate) -> str:
        if not KINDS[obj.kind].editable:
            return "—"
        if obj.subject or obj.heading or obj.body:
            return gettext("Your own")
        return gettext("Sitting's")

    def get_fields(self, request, obj=None):
        if obj is not None and KINDS[obj.kind].editable:
            return ["enabled", "subject", "heading", "body", "placeholders", "preview_with"]
        return ["enabled"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["placeholders"]
        if obj is not None and not KINDS[obj.kind].can_turn_off:
            readonly.append("enabled")
        return readonly

    @admin.display(description=_("placeholders"))
    def placeholders(self, obj: EmailTemplate):
        spec = KINDS[obj.kind]
        rows = format_html_join(
            "", "<li><code>{{{}}}</code>: {}</li>", ((n, d) for n, d in spec.placeholders.items())
        )
        return format_html(
            '<ul class="email-placeholders">{}</ul><p class="help">{}</p>',
            rows,
            gettext("Sitting adds below your message: %(added)s") % {"added": spec.added},
        )

    def get_object(self, request, object_id, from_field=None):
        """Blank wording is shown as Sitting's own, to edit from."""
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and obj.kind in KINDS and KINDS[obj.kind].editable:
            spec = KINDS[obj.kind]
            for name in ("subject", "heading", "body"):
                if not getattr(obj, name):
                    setattr(obj, name, str(getattr(spec, name)))
        return obj

    def save_model(self, request, obj, form, change):
        """Words left as Sitting's are saved blank, so they follow Sitting's improvements."""
        spec = KINDS[obj.kind]
        obj.enabled = obj.enabled or not spec.can_turn_off  # from the list, too
        for name in ("subject", "heading", "body"):
            value = getattr(obj, name).replace("\r\n", "\n").strip()
            setattr(obj, name, "" if value == str(getattr(spec, name)).strip() else value)
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST and object_id:
            return self.preview_view(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def preview_view(self, request, object_id):
        """The change page again, as typed, with the email it makes below; nothing saved."""
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        form_class = self.get_form(request, obj, change=True)
        form = form_class(request.POST, instance=obj)
        preview = None
        if form.is_valid():
            draft = form.save(commit=False)
            preview = email_preview(obj.kind, form.cleaned_data.get("preview_with", ""), draft)
            if preview is None:
                form.add_error("preview_with", gettext("Choose a booking to preview with."))
            else:
                request.session["email-preview"] = preview["html"]
        admin_form = admin.helpers.AdminForm(
            form,
            list(self.get_fieldsets(request, obj)),
            {},
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Change %(what)s") % {"what": KINDS[obj.kind].label},
            "subtitle": None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": admin.helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "preview": preview,
        }
        return self.render_change_form(request, context, add=False, change=True, obj=obj)

    def get_urls(self):
        return [
            path(
                "preview-html/",
                self.admin_site.admin_view(self.preview_html_view),
                name="studio_emailtemplate_preview_html",
            ),
            *super().get_urls(),
        ]

    @admin_view_requires("view")
    def preview_html_view(self, request):
        return email_html_response(request, request.session.get("email-preview", ""))
