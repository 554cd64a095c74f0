"""Galleries in the admin: the list and its actions, a gallery's page with its proofing
panel and main buttons, the selection's exports (photos in `photos`)."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, re_path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from gallery import exports, selectors
from gallery.access import gallery_link_url
from gallery.admin.culling import CullingMixin
from gallery.admin.people import PeopleMixin, PersonInline
from gallery.admin.photos import PhotosMixin, thumbnail_url
from gallery.admin.releases import ReleaseBadgeMixin
from gallery.admin.share_links import ShareLinkInline
from gallery.admin_forms import GalleryActForm, ListConfirmForm
from gallery.forms import GalleryAdminForm
from gallery.models import Gallery, Photo
from gallery.photos import photos_reprocess
from gallery.selection import selection_deadline_moved, selection_withdraw
from gallery.services import (
    gallery_deliver,
    gallery_deliver_warnings,
    gallery_publish,
    gallery_publish_warnings,
    gallery_unpublish,
)
from studio.admin_permissions import admin_view_requires
from studio.email_log import emails_table
from studio.http import int_or_none
from studio.selectors import studio_get

# The buttons at the top of a gallery's page: what each does and which statuses show it.
# Each needs the change permission, as the list action doing the same does.
PAGE_ACTIONS = [
    ("publish", _("Publish and email the client"), {Gallery.Status.DRAFT}),
    (
        "deliver",
        _("Deliver the finished photos"),
        {Gallery.Status.DRAFT, Gallery.Status.PUBLISHED, Gallery.Status.SELECTION_SUBMITTED},
    ),
    ("unpublish", _("Back to draft"), {Gallery.Status.PUBLISHED}),
]


@admin.register(Gallery)
class GalleryAdmin(ReleaseBadgeMixin, CullingMixin, PhotosMixin, PeopleMixin, admin.ModelAdmin):
    form = GalleryAdminForm
    list_display = ["title", "release", "booking", "status", "ready", "failed", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "booking__reference", "booking__client__name"]
    list_select_related = ["booking__client", "booking__session_type"]
    readonly_fields = ["booking", "status", "slug", "currency", "selection", "emails"]
    fieldsets = [
        (None, {"fields": ["title", "cover", "expires_on"]}),
        (
            _("What the client may do"),
            {
                "fields": [
                    "favorites_limit",
                    "extra_image_price",
                    "selection_deadline",
                    "downloads_allowed",
                ]
            },
        ),
        (_("Previews"), {"fields": ["watermark"]}),
        (
            _("Details"),
            {
                "fields": ["status", "booking", "slug", "currency", "selection", "emails"],
                "classes": ["collapse"],
            },
        ),
    ]
    inlines = [ShareLinkInline, PersonInline]

    def get_inlines(self, request, obj):
        # No people while finding faces is off (none are kept): no empty table for them.
        if not studio_get().face_features:
            return [inline for inline in self.inlines if inline is not PersonInline]
        return self.inlines

    actions = ["publish", "deliver", "unpublish", "reprocess_failed", "selection_reopen"]
    change_form_template = "admin/gallery/gallery/change_form.html"

    class Media:
        css = {
            "all": [
                "css/admin-upload.css",
                "css/admin-emails.css",
                "css/admin-gallery.css",
                "css/admin-releases.css",
            ]
        }
        js = ["js/admin-copy.js", "js/admin-gallery.js"]

    @admin.display(description=_("emails"))
    def emails(self, obj):
        if obj is None or not obj.pk:
            return "—"
        return emails_table(obj.sent_emails.order_by("-created_at")[:20])

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                ready_count=Count("photos", filter=Q(photos__status=Photo.Status.READY)),
                failed_count=Count("photos", filter=Q(photos__status=Photo.Status.FAILED)),
            )
        )

    @admin.display(description=_("ready"), ordering="ready_count")
    def ready(self, obj) -> int:
        return obj.ready_count

    @admin.display(description=_("failed"), ordering="failed_count")
    def failed(self, obj) -> int:
        return obj.failed_count

    def has_add_permission(self, request) -> bool:
        return False  # created from a booking (Bookings → "Create a gallery")

    def has_upload_permission(self, request) -> bool:
        """Adding photos (studio.admin_permissions)."""
        return request.user.has_perm("gallery.add_photo")

    def has_photo_delete_permission(self, request) -> bool:
        """Deleting photos from a gallery (studio.admin_permissions)."""
        return request.user.has_perm("gallery.delete_photo")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A choose-by day moved on from one that was over opens the favorites again.
        moved = change and "selection_deadline" in form.changed_data
        previous = form.initial.get("selection_deadline")
        if moved and selection_deadline_moved(gallery_id=obj.pk, previous=previous):
            self.message_user(
                request,
                gettext_now("The client's favorites are open again; they're being emailed."),
                messages.SUCCESS,
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        gallery = self.get_object(request, object_id)
        if gallery is not None:
            extra_context = {
                **(extra_context or {}),
                **self._proofing_context(gallery),
                **self._photos_context(request, gallery),
                **self._release_context(gallery),
                "page_actions": [
                    (name, label)
                    for name, label, statuses in PAGE_ACTIONS
                    if gallery.status in statuses and self.has_change_permission(request, gallery)
                ],
            }
            # The link lets whoever holds it act as the client: for staff who run galleries.
            if not self.has_change_permission(request, gallery):
                extra_context["client_link"] = ""
        return super().change_view(request, object_id, form_url, extra_context)

    def _proofing_context(self, gallery: Gallery) -> dict:
        """The proofing panel above the photos: lists, the selection, exports, comments."""
        photos = selectors.export_photos(gallery, favorite_list_id=None)
        return {
            "favorite_lists": selectors.favorite_lists_with_counts(gallery),
            "selection": gallery.selection,
            "selection_photos": [
                {"photo": photo, "thumbnail": thumbnail_url(photo)} for photo in photos
            ],
            "lightroom_filter": exports.lightroom_filter(photo.original_name for photo in photos),
            "comments": selectors.gallery_comments(gallery),
            "client_link": gallery_link_url(gallery, absolute=True),
            "gallery_url": reverse("gallery:gallery-detail", args=[gallery.slug]),
        }

    def _confirm(
        self, request, *, title, question, items, action_url, hidden, confirm_label, back_url
    ):
        """A page asking before something goes to the client (one POST back says yes)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "question": question,
            "items": items,
            "action_url": action_url,
            "hidden": hidden,
            "confirm_label": confirm_label,
            "back_url": back_url,
        }
        return TemplateResponse(request, "admin/gallery/gallery/confirm.html", context)

    @admin_view_requires("change")
    def act_view(self, request, gallery_id):
        """The main buttons of a gallery's page: the same services, permission and warnings
        as the list's actions."""
        form = GalleryActForm(
            request.POST, names=[name for name, _label, _statuses in PAGE_ACTIONS]
        )
        if not form.is_valid():
            raise Http404
        doing = form.cleaned_data["do"]
        gallery = get_object_or_404(Gallery.objects.select_related("selection"), pk=gallery_id)
        change_url = reverse("admin:gallery_gallery_change", args=[gallery.pk])
        if doing == "unpublish":
            if gallery_unpublish(gallery_id=gallery.pk):
                self.message_user(request, _("It is a draft again."), messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        if (
            doing == "deliver"
            and not gallery.photos.filter(kind=Photo.Kind.FINAL, status=Photo.Status.READY).exists()
        ):
            self._delivered(request, 0, 1, one=True)  # nothing to deliver: no need to ask first
            return HttpResponseRedirect(change_url)
        warnings = (
            gallery_publish_warnings(gallery=gallery)
            if doing == "publish"
            else gallery_deliver_warnings(gallery=gallery)
        )
        if warnings and not form.cleaned_data["confirm"]:
            return self._confirm(
                request,
                title=_("Publish anyway?") if doing == "publish" else _("Deliver anyway?"),
                question=_("Before %(gallery)s goes to the client:") % {"gallery": gallery.title},
                items=[(gallery.title, warnings)],
                action_url=reverse("admin:gallery_gallery_act", args=[gallery.pk]),
                hidden=[("do", doing), ("confirm", "yes")],
                confirm_label=_("Publish anyway") if doing == "publish" else _("Deliver anyway"),
                back_url=change_url,
            )
        if doing == "publish":
            self._published(request, int(gallery_publish(gallery_id=gallery.pk)))
        else:
            self._delivered(request, int(gallery_deliver(gallery_id=gallery.pk)), 1, one=True)
        return HttpResponseRedirect(change_url)

    @admin_view_requires("view")
    def export_view(self, request, gallery_id, kind):
        """The selection (or ?list=<id>, or the photographer's picks: ?cull=picks) as a
        Lightroom filter, smart collection, or CSV."""
        gallery = get_object_or_404(Gallery.objects.select_related("selection"), pk=gallery_id)
        list_id = int_or_none(request.GET.get("list"))
        if list_id is not None and not gallery.favorite_lists.filter(pk=list_id).exists():
            raise Http404
        if request.GET.get("cull") == "picks":
            photos, what = selectors.cull_picks(gallery), "picks"
        else:
            photos = selectors.export_photos(gallery, favorite_list_id=list_id)
            what = "selection"
        names = [photo.original_name for photo in photos]
        stem = f"{gallery.booking.reference}-{what}"
        if kind == "lrsmcol":
            body = exports.lightroom_smart_collection(f"{gallery.title} – {what}", names)
            response = HttpResponse(body, content_type="text/plain; charset=utf-8")
            filename = f"{stem}.lrsmcol"
        elif kind == "csv":
            rows = selectors.export_rows(gallery, photos)
            response = HttpResponse(
                exports.selection_csv(rows), content_type="text/csv; charset=utf-8"
            )
            filename = f"{stem}.csv"
        else:
            response = HttpResponse(
                exports.lightroom_filter(names), content_type="text/plain; charset=utf-8"
            )
            filename = f"{stem}.txt"
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=filename
        )
        return response

    def get_urls(self):
        return [
            path(
                "<int:gallery_id>/upload/",
                self.admin_site.admin_view(self.upload_view),
                name="gallery_gallery_upload",
            ),
            path(
                "<int:gallery_id>/upload/file/",
                self.admin_site.admin_view(require_POST(self.upload_file_view)),
                name="gallery_gallery_upload_file",
            ),
            re_path(
                r"^(?P<gallery_id>[0-9]+)/photos/(?P<photo_id>[0-9]+)/"
                r"(?P<kind>thumbnail|preview|original)/$",
                self.admin_site.admin_view(require_safe(self.photo_file_view)),
                name="gallery_gallery_photo",
            ),
            re_path(
                r"^(?P<gallery_id>[0-9]+)/export/(?P<kind>lrsmcol|csv|txt)/$",
                self.admin_site.admin_view(require_safe(self.export_view)),
                name="gallery_gallery_export",
            ),
            path(
                "<int:gallery_id>/upload/status/",
                self.admin_site.admin_view(require_safe(self.upload_status_view)),
                name="gallery_gallery_upload_status",
            ),
            path(
                "<int:gallery_id>/act/",
                self.admin_site.admin_view(require_POST(self.act_view)),
                name="gallery_gallery_act",
            ),
            path(
                "<int:gallery_id>/photos/",
                self.admin_site.admin_view(require_POST(self.photos_view)),
                name="gallery_gallery_photos",
            ),
            path(
                "<int:gallery_id>/photos/delete/",
                self.admin_site.admin_view(require_POST(self.photos_delete_view)),
                name="gallery_gallery_photos_delete",
            ),
            *self._culling_urls(),
            *self._people_urls(),
            *super().get_urls(),
        ]

    @admin.action(
        description=_("Process the failed photos of the selected galleries again"),
        permissions=["change"],
    )
    def reprocess_failed(self, request, queryset):
        ids = list(
            Photo.objects.filter(gallery__in=queryset, status=Photo.Status.FAILED).values_list(
                "pk", flat=True
            )
        )
        count = photos_reprocess(photo_ids=ids)
        self.message_user(
            request,
            ngettext("%d photo queued again.", "%d photos queued again.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Reopen the selection so the client can change it"), permissions=["change"]
    )
    def selection_reopen(self, request, queryset):
        reopened = sum(
            1 for gallery in queryset if selection_withdraw(gallery_id=gallery.pk) is not None
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d selection reopened: the client can change their favorites again.",
                "%(count)d selections reopened: the clients can change their favorites again.",
                reopened,
            )
            % {"count": reopened},
            messages.SUCCESS if reopened else messages.WARNING,
        )

    def _ask_first(self, request, queryset, action: str, warned):
        """The list's publish and deliver ask first, as the page's buttons do, when any of
        the chosen galleries has something the studio should know."""
        answer = ListConfirmForm(request.POST)
        if answer.is_valid() and answer.cleaned_data["post"]:
            return None
        items = [
            (gallery.title, found)
            for gallery in queryset.select_related("selection")
            if (found := warned(gallery=gallery))
        ]
        if not items:
            return None
        return self._confirm(
            request,
            title=_("Publish anyway?") if action == "publish" else _("Deliver anyway?"),
            question=_("Before these galleries go to their clients:")
            if len(items) > 1
            else _("Before this gallery goes to its client:"),
            items=items,
            action_url=request.get_full_path(),
            hidden=[
                ("action", action),
                ("post", "yes"),
                *[
                    (admin.helpers.ACTION_CHECKBOX_NAME, pk)
                    for pk in queryset.values_list("pk", flat=True)
                ],
            ],
            confirm_label=_("Publish anyway") if action == "publish" else _("Deliver anyway"),
            back_url=request.get_full_path(),
        )

    @admin.action(description=_("Publish and email the client their link"), permissions=["change"])
    def publish(self, request, queryset):
        if asked := self._ask_first(request, queryset, "publish", gallery_publish_warnings):
            return asked
        self._published(
            request, sum(gallery_publish(gallery_id=gallery.pk) for gallery in queryset)
        )
        return None

    def _published(self, request, published: int) -> None:
        self.message_user(
            request,
            ngettext(
                "%(count)d gallery published; its client is being emailed the link.",
                "%(count)d galleries published; their clients are being emailed the link.",
                published,
            )
            % {"count": published},
            messages.SUCCESS if published else messages.WARNING,
        )

    @admin.action(description=_("Unpublish (back to draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = sum(gallery_unpublish(gallery_id=gallery.pk) for gallery in queryset)
        self.message_user(
            request,
            ngettext("%d gallery is a draft again.", "%d galleries are drafts again.", count)
            % count,
        )

    @admin.action(
        description=_("Deliver the finals: open downloads and email the client"),
        permissions=["change"],
    )
    def deliver(self, request, queryset):
        if asked := self._ask_first(request, queryset, "deliver", gallery_deliver_warnings):
            return asked
        delivered = sum(gallery_deliver(gallery_id=gallery.pk) for gallery in queryset)
        self._delivered(request, delivered, queryset.count())
        return None

    def _delivered(self, request, delivered: int, asked: int, *, one: bool = False) -> None:
        """Said after delivering from the list, or (`one`) from a gallery's own page."""
        skipped = asked - delivered
        if one and delivered:
            self.message_user(
                request, _("Delivered; the client is being emailed."), messages.SUCCESS
            )
            return
        if one and skipped:
            self.message_user(
                request,
                _(
                    "This gallery has no finished photos ready yet: upload them first (tick "
                    "“finished photos” on the upload page)."
                ),
                messages.WARNING,
            )
            return
        if delivered:
            self.message_user(
                request,
                ngettext(
                    "%(count)d gallery delivered; its client is being emailed.",
                    "%(count)d galleries delivered; their clients are being emailed.",
                    delivered,
                )
                % {"count": delivered},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d gallery has no finished photos ready yet: upload them first "
                    "(tick “finished photos” on the upload page).",
                    "%(count)d galleries have no finished photos ready yet: upload them first "
                    "(tick “finished photos” on the upload page).",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
