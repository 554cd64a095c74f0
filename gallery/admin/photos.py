"""A gallery's photos in the admin: the grid, its buttons, the upload, the files."""

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gallery import downloads
from gallery.admin_forms import PhotosArrangeForm, PhotosDeleteForm, PhotoUploadForm
from gallery.models import Download, Gallery, Photo, failure_text
from gallery.photos import MAX_UPLOAD_BYTES, UploadRefused, photo_add, photos_reprocess
from gallery.services import photo_move, photos_delete, photos_order, photos_set_assign
from studio import image_files
from studio.admin_permissions import admin_view_requires
from studio.selectors import studio_get
from studio.services import storage_signed_url
from studio.text import one_line


def thumbnail_url(photo: Photo) -> str:
    # Straight from the bucket when the storage signs URLs; else through the staff view.
    return storage_signed_url(photo.thumbnail.name) or reverse(
        "admin:gallery_gallery_photo", args=[photo.gallery_id, photo.pk, "thumbnail"]
    )


class PhotosMixin:
    """A gallery's photos in the admin, for `galleries.GalleryAdmin` (which asks first with its
    `_confirm`): the grid, arranging, sets, processing again, deleting, the upload page and
    its JSON, staff's view of the files."""

    def _photos_context(self, request, gallery: Gallery) -> dict:
        """The photo grid: each photo's state, in the client's order, and what the studio may
        do with them."""
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
            photo.thumbnail_url = thumbnail_url(photo) if photo.status == Photo.Status.READY else ""
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
            # The proofs the client's grid shows (ready, not rejected in the cull): said
            # beside the count when some are not, so both sides count the same photos.
            "shown_count": sum(
                1 for photo in photos if photo.kind == Photo.Kind.PROOF and photo.shown_to_client
            ),
            "photo_sets": sorted({photo.set_name for photo in photos if photo.set_name}),
            "may_arrange": may_change,
            "may_delete_photos": self.has_photo_delete_permission(request),
            "watermark_text": "" if studio.watermark else studio.name,
            "studio_url": reverse("admin:studio_studio_change", args=[studio.pk]),
        }

    @admin_view_requires("change")
    def photos_view(self, request, gallery_id):
        """Arrange the photos: the whole order (from the grid's script, answered in JSON),
        one photo a place earlier or later, or the ticked photos into a set."""
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        form = PhotosArrangeForm(request.POST)
        form.is_valid()  # each kind of post reads its own fields below
        data = form.cleaned_data
        if data.get("order") is not None:
            return JsonResponse(
                {"placed": photos_order(gallery_id=gallery.pk, photo_ids=data["order"])}
            )
        if "move" in form.errors:
            raise Http404
        if data["move"]:
            return self._photo_move(request, gallery, *data["move"])
        if not data.get("do"):
            raise Http404
        return self._photos_do(request, gallery, form)

    def _photo_move(self, request, gallery: Gallery, steps: int, photo_id: int):
        place = photo_move(gallery_id=gallery.pk, photo_id=photo_id, steps=steps)
        if place is None:
            raise Http404
        self.message_user(
            request, _("Moved to place %(place)d.") % {"place": place}, messages.SUCCESS
        )
        return HttpResponseRedirect(
            reverse("admin:gallery_gallery_change", args=[gallery.pk]) + f"#photo-{photo_id}"
        )

    def _photos_do(self, request, gallery: Gallery, form: PhotosArrangeForm):
        """A button for the ticked photos: into the set named, out of their sets, or
        processed again."""
        back = reverse("admin:gallery_gallery_change", args=[gallery.pk]) + "#photos"
        ids, doing = form.cleaned_data["photo"], form.cleaned_data["do"]
        if not ids:
            self.message_user(request, _("Tick the photos first."), messages.WARNING)
            return HttpResponseRedirect(back)
        if doing == "set" and "set_name" in form.errors:
            for problem in form.errors["set_name"]:
                self.message_user(request, problem, messages.WARNING)
            return HttpResponseRedirect(back)
        set_name = form.cleaned_data.get("set_name", "")
        if doing == "reprocess":
            count = photos_reprocess(
                photo_ids=list(gallery.photos.filter(pk__in=ids).values_list("pk", flat=True))
            )
            message = ngettext(
                "%(count)d photo queued to be processed again.",
                "%(count)d photos queued to be processed again.",
                count,
            )
        elif doing == "set" and not set_name:
            self.message_user(request, _("Type the set's name first."), messages.WARNING)
            return HttpResponseRedirect(back)
        else:
            name = set_name if doing == "set" else ""
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
        shown = {"count": count, "name": one_line(set_name)[:80]}
        self.message_user(request, message % shown, messages.SUCCESS)
        return HttpResponseRedirect(back)

    @admin_view_requires("photo_delete")
    def photos_delete_view(self, request, gallery_id):
        """Delete the ticked photos, once the studio has seen which and said yes."""
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        back = reverse("admin:gallery_gallery_change", args=[gallery.pk]) + "#photos"
        form = PhotosDeleteForm(request.POST)
        form.is_valid()  # neither field refuses anything
        photos = list(
            gallery.photos.filter(pk__in=form.cleaned_data["photo"])
            .annotate(favorites_total=Count("favorites", distinct=True))
            .order_by(*Photo._meta.ordering)
        )
        if not photos:
            self.message_user(request, _("Tick the photos first."), messages.WARNING)
            return HttpResponseRedirect(back)
        if not form.cleaned_data["confirm"]:
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
        patch_cache_control(response, private=True, max_age=3600)
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
            "cull_url": reverse("admin:gallery_gallery_cull", args=[gallery.pk]),
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
        form = PhotoUploadForm(request.POST)
        if not form.is_valid():  # a set's name too long (the page's box holds no more)
            reason = " ".join(problem for problems in form.errors.values() for problem in problems)
            return JsonResponse({"status": "rejected", "reason": reason}, status=422)
        try:
            added = photo_add(
                gallery=gallery,
                stream=upload,
                name=upload.name,
                size=upload.size,
                set_name=form.cleaned_data["set"],
                kind=form.cleaned_data["kind"],
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
