"""The culling view of a gallery in the admin: its proofs in bursts with the analysis'
suggestions and flags, the photographer's picks, rejects and stars (by keyboard, in
static/js/admin-cull.js), and the cull as XMP sidecars for Lightroom.

Looking needs the gallery's view permission; changing the cull needs `gallery.change_photo`
(a pick or a star is a change to the photo, as adding and deleting photos are photo
permissions too)."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from gallery import xmp
from gallery.admin.photos import thumbnail_url
from gallery.admin_forms import CullActForm
from gallery.culling_board import CAPTURE_ORDER, FLAGS, cull_board
from gallery.culling_decisions import CullRefused, group_accept, photo_cull
from gallery.models import Gallery, Photo, PhotoAnalysis, PhotoGroup
from studio.admin_permissions import admin_view_requires
from studio.selectors import studio_get
from studio.services import storage_signed_url

FLAG_LABELS = {
    "soft_focus": _("Soft focus"),
    "eyes_closed": _("Eyes closed"),
    "highlights_clipped": _("Highlights clipped"),
    "shadows_clipped": _("Shadows clipped"),
}
FILTERS = [
    ("all", _("All")),
    ("pick", _("Picks")),
    ("reject", _("Rejects")),
    ("flagged", _("Flagged")),
    ("unreviewed", _("Unreviewed")),
]


def preview_url(photo: Photo) -> str:
    return storage_signed_url(photo.preview.name) or reverse(
        "admin:gallery_gallery_photo", args=[photo.gallery_id, photo.pk, "preview"]
    )


def _faces(item) -> str:
    """Each face as "left top width height closed" in fractions, ";" between faces."""
    return ";".join(
        f"{face.left:.4f} {face.top:.4f} {face.width:.4f} {face.height:.4f} {int(face.eyes_closed)}"
        for face in item.faces
    )


def _words() -> dict:
    """What the view's script says, in the reader's language."""
    return {
        "pick": gettext_now("Pick"),
        "reject": gettext_now("Reject"),
        "stars": _star_words(),
        "failed": gettext_now(
            "That change was not saved, so it is undone here. Check the connection and try again."
        ),
        "readonly": gettext_now(
            "You can look at the cull but not change it: that needs the permission to "
            "change photos."
        ),
        "showGroup": gettext_now("Show the group"),
        "hideGroup": gettext_now("Hide the group"),
        "eyesClosed": gettext_now("Eyes closed"),
    }


def _star_words() -> list[str]:
    return [gettext_now("No stars")] + [
        ngettext("%(count)d star", "%(count)d stars", n) % {"count": n} for n in range(1, 6)
    ]


class CullingMixin:
    """For `galleries.GalleryAdmin`: the culling view, its actions, the XMP export."""

    def has_cull_permission(self, request) -> bool:
        """Picking, rejecting and rating photos (studio.admin_permissions)."""
        return request.user.has_perm("gallery.change_photo")

    @admin_view_requires("view")
    def cull_view(self, request, gallery_id):
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        board = cull_board(gallery)
        for item in board.photos:
            ready = item.photo.status == Photo.Status.READY
            item.thumbnail_url = thumbnail_url(item.photo) if ready else ""
            item.preview_url = preview_url(item.photo) if ready else ""
            item.face_boxes = _faces(item)
            item.flag_labels = [FLAG_LABELS[name] for name in item.flags]
        counts = board.counts
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cull %(gallery)s") % {"gallery": gallery.title},
            "gallery": gallery,
            "opts": self.model._meta,
            "is_nav_sidebar_enabled": False,  # the room goes to the photos
            "photos": board.photos,
            "failed": board.failed,
            "counts": counts,
            "flag_counts": [(name, FLAG_LABELS[name], counts[name]) for name in FLAGS],
            "filters": FILTERS,
            "may_cull": self.has_cull_permission(request),
            "act_url": reverse("admin:gallery_gallery_cull_act", args=[gallery.pk]),
            "xmp_url": reverse("admin:gallery_gallery_export_xmp", args=[gallery.pk]),
            "picks_filter_url": _picks_url(gallery, "txt"),
            "picks_collection_url": _picks_url(gallery, "lrsmcol"),
            "change_url": reverse("admin:gallery_gallery_change", args=[gallery.pk]),
            "face_features": studio_get().face_features,
            "studio_url": reverse("admin:studio_studio_change", args=[1]),
            "analysis": PhotoAnalysis.Status,
            "cull_words": _words(),
            "star_words": _star_words(),
        }
        return TemplateResponse(request, "admin/gallery/gallery/cull.html", context)

    @admin_view_requires("cull")
    def cull_act_view(self, request, gallery_id):
        """One key or button of the view, answered in JSON: each photo it changed, with its
        flag and stars now."""
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        form = CullActForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"error": gettext_now("That was not understood.")}, status=400)
        data = form.cleaned_data
        try:
            if data["do"] == "accept":
                group = get_object_or_404(PhotoGroup, pk=data["group"], gallery=gallery)
                changed = group_accept(group=group, by=request.user)
                photos = Photo.objects.filter(pk__in=changed)
            else:
                photo = get_object_or_404(
                    Photo, pk=data["photo"], gallery=gallery, kind=Photo.Kind.PROOF
                )
                flag = {"pick": "pick", "reject": "reject", "restore": ""}.get(data["do"])
                photos = [
                    photo_cull(photo=photo, flag=flag, rating=data["rating"], by=request.user)
                ]
        except CullRefused:
            message = gettext_now("This group has no suggested best photo to accept.")
            return JsonResponse({"error": message}, status=400)
        answer = {"photos": {str(p.pk): {"flag": p.flag, "rating": p.rating} for p in photos}}
        if any(p.pk == gallery.cover_id and p.flag == Photo.Flag.REJECT for p in photos):
            answer["notice"] = gettext_now(
                "That photo is the gallery's cover: until you restore it or choose another, "
                "the client's gallery opens with its first photo."
            )
        return JsonResponse(answer)

    @admin_view_requires("view")
    def cull_xmp_view(self, request, gallery_id):
        """Every proof's cull as an XMP sidecar, in a zip (gallery.xmp)."""
        gallery = get_object_or_404(Gallery.objects.select_related("booking"), pk=gallery_id)
        rows = [
            xmp.CullRow(file_name=name, set_name=set_name, flag=flag, rating=rating)
            for name, set_name, flag, rating in Photo.objects.filter(
                gallery=gallery, kind=Photo.Kind.PROOF
            )
            .order_by(*CAPTURE_ORDER)
            .values_list("original_name", "set_name", "flag", "rating")
        ]
        if not rows:
            raise Http404
        response = HttpResponse(
            xmp.cull_sidecars_zip(gallery.title, rows), content_type="application/zip"
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{gallery.booking.reference}-cull-xmp.zip"
        )
        return response

    def _culling_urls(self) -> list:
        return [
            path(
                "<int:gallery_id>/cull/",
                self.admin_site.admin_view(require_safe(self.cull_view)),
                name="gallery_gallery_cull",
            ),
            path(
                "<int:gallery_id>/cull/act/",
                self.admin_site.admin_view(require_POST(self.cull_act_view)),
                name="gallery_gallery_cull_act",
            ),
            path(
                "<int:gallery_id>/export/xmp/",
                self.admin_site.admin_view(require_safe(self.cull_xmp_view)),
                name="gallery_gallery_export_xmp",
            ),
        ]


def _picks_url(gallery, kind: str) -> str:
    url = reverse("admin:gallery_gallery_export", kwargs={"gallery_id": gallery.pk, "kind": kind})
    return f"{url}?cull=picks"
