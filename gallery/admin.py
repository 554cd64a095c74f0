import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, re_path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from gallery import (
    admin_bookings,  # noqa: F401  (the bookings admin's gallery button)
    downloads,
    exports,
    selectors,
)
from gallery.access import gallery_link_url, share_link_url
from gallery.forms import GalleryAdminForm
from gallery.models import Download, Gallery, Photo, ShareLink, failure_text
from gallery.photos import MAX_UPLOAD_BYTES, UploadRefused, photo_add, photos_reprocess
from gallery.selection import selection_deadline_moved, selection_withdraw
from gallery.services import (
    gallery_deliver,
    gallery_deliver_warnings,
    gallery_publish,
    gallery_publish_warnings,
    gallery_unpublish,
    photo_move,
    photos_delete,
    photos_order,
    photos_set_assign,
)
from studio import image_files
from studio.admin_permissions import admin_view_requires
from studio.email_log import emails_table
from studio.http import int_or_none
from studio.selectors import studio_get
from studio.services import storage_signed_url
from studio.text import one_line


class ShareLinkForm(forms.ModelForm):
    new_pin = forms.CharField(
        required=False,
        label=_("PIN"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8, "autocomplete": "off"}),
    )
    remove_pin = forms.BooleanField(required=False, label=_("no PIN"))

    class Meta:
        model = ShareLink
        fields = ["label", "can_favorite", "new_pin", "remove_pin", "expires_on", "revoked"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # New PINs have the length the studio asks for now; a link's old PIN keeps working.
        self.pin_digits = studio_get().share_pin_digits
        self.fields["new_pin"].help_text = _(
            "%(digits)s digits; leave empty to keep the current one."
        ) % {"digits": self.pin_digits}

    def clean_new_pin(self) -> str:
        pin = "".join(self.cleaned_data["new_pin"].split())  # "258 014" is 258014
        if pin and not re.fullmatch(rf"[0-9]{{{self.pin_digits}}}", pin):
            facts = {
                "digits": self.pin_digits,
                "example": "258014736914"[: self.pin_digits],
                "count": len(pin),
            }
            if pin.isascii() and pin.isdigit():
                raise ValidationError(
                    _("A PIN is %(digits)s digits, like %(example)s; this one has %(count)s.")
                    % facts
                )
            raise ValidationError(
                _("A PIN is %(digits)s digits (0 to 9 only), like %(example)s.") % facts
            )
        return pin

    def save(self, commit=True):
        link = super().save(commit=False)
        if self.cleaned_data.get("new_pin"):
            link.pin_hash = make_password(self.cleaned_data["new_pin"])
            link.pin_length = len(self.cleaned_data["new_pin"])
        elif self.cleaned_data.get("remove_pin"):
            link.pin_hash = ""
            link.pin_length = 0
        if commit:
            link.save()
        return link


class ShareLinkInline(admin.TabularInline):
    model = ShareLink
    form = ShareLinkForm
    extra = 0
    fields = [
        "label",
        "can_favorite",
        "new_pin",
        "remove_pin",
        "has_pin",
        "expires_on",
        "revoked",
        "link",
    ]
    readonly_fields = ["has_pin", "link"]
    verbose_name = _("share link")
    verbose_name_plural = _("share links (for family and friends; they never send the selection)")

    def get_fields(self, request, obj=None):
        # The link lets whoever holds it into the gallery: for staff who manage share links.
        fields = super().get_fields(request, obj)
        if request.user.has_perm("gallery.change_sharelink"):
            return fields
        return [name for name in fields if name != "link"]

    @admin.display(description=_("has a PIN"), boolean=True)
    def has_pin(self, obj: ShareLink) -> bool:
        return bool(obj.pin_hash)

    @admin.display(description=_("link"))
    def link(self, obj: ShareLink) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<input type="text" readonly value="{}" id="share-link-{}" class="share-link-url"> '
            '<button type="button" class="button" data-copy="#share-link-{}" '
            'data-copied="{}">{}</button>',
            share_link_url(obj, absolute=True),
            obj.pk,
            obj.pk,
            gettext_now("Copied"),
            gettext_now("Copy"),
        )


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


def _photo_ids(request) -> list[int]:
    return [pk for pk in map(int_or_none, request.POST.getlist("photo")) if pk is not None][:2000]


@admin.register(Gallery)
class GalleryAdmin(admin.ModelAdmin):
    form = GalleryAdminForm
    list_display = ["title", "booking", "status", "ready", "failed", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "booking__reference", "booking__client__name"]
    list_select_related = ["booking__client"]
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
    inlines = [ShareLinkInline]
    actions = ["publish", "deliver", "unpublish", "reprocess_failed", "selection_reopen"]
    change_form_template = "admin/gallery/gallery/change_form.html"

    class Media:
        css = {"all": ["css/admin-upload.css", "css/admin-emails.css", "css/admin-gallery.css"]}
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
                {"photo": photo, "thumbnail": _thumbnail_url(photo)} for photo in photos
            ],
            "lightroom_filter": exports.lightroom_filter(photo.original_name for photo in photos),
            "comments": selectors.gallery_comments(gallery),
            "client_link": gallery_link_url(gallery, absolute=True),
            "gallery_url": reverse("gallery:gallery-detail", args=[gallery.slug]),
        }

    def _photos_context(self, request, gallery: Gallery) -> dict:
        """The photo grid (each photo's state, in the client's order) and the page's main
        buttons, with what the studio should know before pressing them."""
        chosen = (
            set(gallery.selection.photos.values_list("pk", flat=True))
            if gallery.selection
            else set()
        )
        # In the client's order: a query that counts drops the model's ordering otherwise.
        photos = list(
            gallery.photos.annotate(
                favorites_total=Count("favorites", distinct=True),
                comments_total=Count("comments", distinct=True),
            ).order_by(*Photo._meta.ordering)
        )
        for photo in photos:
            photo.thumbnail_url = (
                _thumbnail_url(photo) if photo.status == Photo.Status.READY else ""
            )
            photo.in_selection = photo.pk in chosen
            photo.is_cover = photo.pk == gallery.cover_id
        may_change = self.has_change_permission(request, gallery)
        studio = studio_get()
        return {
            "photo_groups": [
                (kind, label, [photo for photo in photos if photo.kind == kind])
                for kind, label in (
                    (Photo.Kind.PROOF, _("Proofs")),
                    (Photo.Kind.FINAL, _("Finished photos")),
                )
            ],
            "photo_count": len(photos),
            "photo_sets": sorted({photo.set_name for photo in photos if photo.set_name}),
            "may_arrange": may_change,
            "may_delete_photos": self.has_photo_delete_permission(request),
            "page_actions": [
                (name, label)
                for name, label, statuses in PAGE_ACTIONS
                if gallery.status in statuses and may_change
            ],
            "watermark_text": "" if studio.watermark else studio.name,
            "studio_url": reverse("admin:studio_studio_change", args=[studio.pk]),
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
        doing = request.POST.get("do", "")
        if doing not in {name for name, _label, _statuses in PAGE_ACTIONS}:
            raise Http404
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
            self._delivered(request, 0, 1)  # nothing to deliver: no need to ask first
            return HttpResponseRedirect(change_url)
        warnings = (
            gallery_publish_warnings(gallery=gallery)
            if doing == "publish"
            else gallery_deliver_warnings(gallery=gallery)
        )
        if warnings and request.POST.get("confirm") != "yes":
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
            self._delivered(request, int(gallery_deliver(gallery_id=gallery.pk)), 1)
        return HttpResponseRedirect(change_url)

    @admin_view_requires("change")
    def photos_view(self, request, gallery_id):
        """Arrange the photos: the whole order (from the grid's script, answered in JSON),
        one photo a place earlier or later, or the ticked photos into a set."""
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        back = reverse("admin:gallery_gallery_change", args=[gallery.pk]) + "#photos"
        if "order" in request.POST:
            ids = [int_or_none(value) for value in request.POST["order"].split(",")]
            placed = photos_order(
                gallery_id=gallery.pk, photo_ids=[pk for pk in ids if pk is not None][:2000]
            )
            return JsonResponse({"placed": placed})
        if move := request.POST.get("move", ""):
            direction, _sep, raw_id = move.partition(":")
            photo_id = int_or_none(raw_id)
            if direction not in ("earlier", "later") or photo_id is None:
                raise Http404
            place = photo_move(
                gallery_id=gallery.pk, photo_id=photo_id, steps=-1 if direction == "earlier" else 1
            )
            if place is None:
                raise Http404
            self.message_user(
                request, _("Moved to place %(place)d.") % {"place": place}, messages.SUCCESS
            )
            return HttpResponseRedirect(
                reverse("admin:gallery_gallery_change", args=[gallery.pk]) + f"#photo-{photo_id}"
            )
        ids = _photo_ids(request)
        doing = request.POST.get("do", "")
        if doing not in ("set", "unset", "reprocess"):
            raise Http404
        if not ids:
            self.message_user(request, _("Tick the photos first."), messages.WARNING)
            return HttpResponseRedirect(back)
        if doing == "reprocess":
            count = photos_reprocess(
                photo_ids=list(gallery.photos.filter(pk__in=ids).values_list("pk", flat=True))
            )
            message = ngettext(
                "%(count)d photo queued to be processed again.",
                "%(count)d photos queued to be processed again.",
                count,
            )
        elif doing == "set" and not request.POST.get("set_name", "").strip():
            self.message_user(request, _("Type the set's name first."), messages.WARNING)
            return HttpResponseRedirect(back)
        else:
            name = request.POST.get("set_name", "") if doing == "set" else ""
            count = photos_set_assign(gallery_id=gallery.pk, photo_ids=ids, set_name=name)
            message = (
                ngettext(
                    "%(count)d photo is now in the set “%(name)s”.",
                    "%(count)d photos are now in the set “%(name)s”.",
                    count,
                )
                if name
                else ngettext(
                    "%(count)d photo taken out of its set.",
                    "%(count)d photos taken out of their sets.",
                    count,
                )
            )
        shown = {"count": count, "name": one_line(request.POST.get("set_name", ""))[:80]}
        self.message_user(request, message % shown, messages.SUCCESS)
        return HttpResponseRedirect(back)

    @admin_view_requires("photo_delete")
    def photos_delete_view(self, request, gallery_id):
        """Delete the ticked photos, once the studio has seen which and said yes."""
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        back = reverse("admin:gallery_gallery_change", args=[gallery.pk]) + "#photos"
        photos = list(
            gallery.photos.filter(pk__in=_photo_ids(request))
            .annotate(favorites_total=Count("favorites", distinct=True))
            .order_by(*Photo._meta.ordering)
        )
        if not photos:
            self.message_user(request, _("Tick the photos first."), messages.WARNING)
            return HttpResponseRedirect(back)
        if request.POST.get("confirm") != "yes":
            favorited = sum(1 for photo in photos if photo.favorites_total)
            warnings = [photo.original_name for photo in photos]
            if favorited:
                warnings.append(
                    ngettext(
                        "%(count)d of them is among the client's favorites.",
                        "%(count)d of them are among the client's favorites.",
                        favorited,
                    )
                    % {"count": favorited}
                )
            return self._confirm(
                request,
                title=_("Delete these photos?"),
                question=_("They are deleted with their files; this cannot be undone."),
                items=[(gallery.title, warnings)],
                action_url=reverse("admin:gallery_gallery_photos_delete", args=[gallery.pk]),
                hidden=[("confirm", "yes"), *[("photo", photo.pk) for photo in photos]],
                confirm_label=_("Delete them"),
                back_url=back,
            )
        count = photos_delete(gallery_id=gallery.pk, photo_ids=[photo.pk for photo in photos])
        self.message_user(
            request,
            ngettext("%(count)d photo deleted.", "%(count)d photos deleted.", count)
            % {"count": count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(back)

    @admin_view_requires("view")
    def export_view(self, request, gallery_id, kind):
        """The selection (or ?list=<id>) as a Lightroom filter, smart collection, or CSV."""
        gallery = get_object_or_404(Gallery.objects.select_related("selection"), pk=gallery_id)
        list_id = int_or_none(request.GET.get("list"))
        if list_id is not None and not gallery.favorite_lists.filter(pk=list_id).exists():
            raise Http404
        photos = selectors.export_photos(gallery, favorite_list_id=list_id)
        names = [photo.original_name for photo in photos]
        stem = f"{gallery.booking.reference}-selection"
        if kind == "lrsmcol":
            body = exports.lightroom_smart_collection(f"{gallery.title} – selection", names)
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
            *super().get_urls(),
        ]

    @admin_view_requires("view")
    def photo_file_view(self, request, gallery_id, photo_id, kind):
        """A photo's files for staff, originals included (never served to clients)."""
        photo = get_object_or_404(Photo, pk=photo_id, gallery_id=gallery_id)
        stored = getattr(photo, kind)
        if not stored:
            raise Http404
        download_name = None
        if kind == "original":  # under its name, with its format's extension
            download_name = downloads.download_name(photo, Download.Size.ORIGINAL)
        if signed := storage_signed_url(stored.name, download_name=download_name):
            return HttpResponseRedirect(signed)  # the admin marks it never cached
        try:
            response = FileResponse(stored.open("rb"))
        except OSError:  # missing from storage
            raise Http404 from None
        if download_name:
            content_type, _suffix, _known = image_files.FORMATS.get(
                downloads.photo_format(photo), ("application/octet-stream", "", ())
            )
            response["Content-Type"] = content_type
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=download_name
            )
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @admin_view_requires("upload")
    def upload_view(self, request, gallery_id):
        """Drop hundreds of photos or a folder; watch each upload and then each photo's
        processing (static/js/admin-upload.js)."""
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add photos to %(gallery)s") % {"gallery": gallery.title},
            "gallery": gallery,
            "opts": self.model._meta,
            "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024,
            "max_bytes": MAX_UPLOAD_BYTES,
            "file_url": reverse("admin:gallery_gallery_upload_file", args=[gallery.pk]),
            "status_url": reverse("admin:gallery_gallery_upload_status", args=[gallery.pk]),
            "change_url": reverse("admin:gallery_gallery_change", args=[gallery.pk]),
        }
        return TemplateResponse(request, "admin/gallery/gallery/upload.html", context)

    @admin_view_requires("upload")
    def upload_file_view(self, request, gallery_id):
        """One file per request, so that one failure never stops the rest. JSON answers."""
        gallery = get_object_or_404(Gallery.objects.select_related("booking"), pk=gallery_id)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_UPLOAD_BYTES + 64 * 1024:  # refused before the body is read
            return JsonResponse(
                {
                    "status": "rejected",
                    "reason": gettext_now("it is over the %(limit)s MB limit")
                    % {"limit": MAX_UPLOAD_BYTES // 1024 // 1024},
                },
                status=413,
            )
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse(
                {"status": "rejected", "reason": gettext_now("no file arrived")}, status=400
            )
        try:
            added = photo_add(
                gallery=gallery,
                stream=upload,
                name=upload.name,
                size=upload.size,
                set_name=request.POST.get("set", ""),
                kind=Photo.Kind.FINAL
                if request.POST.get("kind") == Photo.Kind.FINAL
                else Photo.Kind.PROOF,
            )
        except UploadRefused as refused:
            return JsonResponse({"status": "rejected", "reason": refused.reason}, status=422)
        return JsonResponse(
            {"status": "added" if added.created else "duplicate", "photo": added.photo.pk}
        )

    @admin_view_requires("upload")
    def upload_status_view(self, request, gallery_id):
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        ids = [int(v) for v in request.GET.get("ids", "").split(",") if v.isdigit() and len(v) < 12]
        photos = gallery.photos.filter(pk__in=ids[:1000]).values(
            "pk", "status", "failure_code", "failure_params"
        )
        return JsonResponse(
            {
                "photos": {
                    str(p["pk"]): {
                        "status": p["status"],
                        "reason": failure_text(p["failure_code"], p["failure_params"]),
                    }
                    for p in photos
                }
            }
        )

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
        if request.POST.get("post") == "yes":
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
            question=_("Before these galleries go to their clients:"),
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

    def _delivered(self, request, delivered: int, asked: int) -> None:
        skipped = asked - delivered
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


def _thumbnail_url(photo: Photo) -> str:
    # Straight from the bucket when the storage signs URLs; else through the staff view.
    return storage_signed_url(photo.thumbnail.name) or reverse(
        "admin:gallery_gallery_photo", args=[photo.gallery_id, photo.pk, "thumbnail"]
    )
