"""The people found in a gallery, on its admin page: each with their face, a name the studio
may give and a switch to leave them out of the client's filter. Seeing needs view on the
gallery, naming change on the gallery (a person is part of the gallery, not a model of its
own to grant). Also the studio's settings page, which deletes every face when face features
are turned off."""

from django.contrib import admin, messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from gallery.culling import faces_find_again, faces_off
from gallery.culling_models import Person
from gallery.people import face_crop_bytes
from studio.admin import StudioAdmin
from studio.admin_permissions import admin_view_requires
from studio.models import Studio


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ["face", "name", "hidden", "photo_count"]
    readonly_fields = ["face", "photo_count"]
    verbose_name = _("person")
    verbose_name_plural = _(
        "people (found by their faces; name them if you like, or hide someone from the "
        "client's filter; people in one photo are never offered to the client)"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("number")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("gallery.view_gallery") or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("gallery.change_gallery")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # people are found, not added

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # found again on the next analysis; hide them instead

    @admin.display(description=_("face"))
    def face(self, obj: Person) -> str:
        if not obj.cover_id:
            return "—"
        # The row is headed with the person's label already: the picture adds no words.
        return format_html(
            '<img src="{}" width="64" height="64" alt="" class="person-face">',
            reverse("admin:gallery_gallery_person_face", args=[obj.gallery_id, obj.pk]),
        )


class PeopleMixin:
    """For `galleries.GalleryAdmin`: the URL of a person's face for staff."""

    def _people_urls(self) -> list:
        return [
            path(
                "<int:gallery_id>/people/<int:person_id>/face/",
                self.admin_site.admin_view(require_safe(self.person_face_view)),
                name="gallery_gallery_person_face",
            )
        ]

    @admin_view_requires("view")
    def person_face_view(self, request, gallery_id, person_id):
        """The face shown for a person, cut from the analysis copy of its photo."""
        person = get_object_or_404(
            Person.objects.select_related("cover"), pk=person_id, gallery_id=gallery_id
        )
        data = face_crop_bytes(person.cover) if person.cover else None
        if data is None:
            raise Http404
        response = HttpResponse(data, content_type="image/jpeg")
        patch_cache_control(response, private=True, max_age=3600)
        return response


class StudioFacesAdmin(StudioAdmin):
    """The studio's settings; saving with face features off deletes every face found, and
    turning them back on finds the faces again in the galleries still in use."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.face_features:
            if "face_features" in form.changed_data:
                self._faces_again(request)
            return
        deleted = faces_off()
        if deleted:
            self.message_user(
                request,
                ngettext(
                    "Face features are off: %(count)s face found in galleries was deleted.",
                    "Face features are off: %(count)s faces found in galleries were deleted.",
                    deleted,
                )
                % {"count": deleted},
                messages.SUCCESS,
            )

    def _faces_again(self, request) -> None:
        photos, galleries = faces_find_again()
        if photos:
            self.message_user(
                request,
                ngettext(
                    "Face features are on: faces are being found again in %(photos)s photo "
                    "of galleries still in use (%(galleries)s). Their people show on each "
                    "gallery's page once it is done.",
                    "Face features are on: faces are being found again in %(photos)s photos "
                    "of galleries still in use (%(galleries)s). Their people show on each "
                    "gallery's page once it is done.",
                    photos,
                )
                % {
                    "photos": photos,
                    "galleries": ngettext("%(n)s gallery", "%(n)s galleries", galleries)
                    % {"n": galleries},
                },
                messages.SUCCESS,
            )


admin.site.unregister(Studio)
admin.site.register(Studio, StudioFacesAdmin)
