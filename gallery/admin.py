from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gallery.models import Gallery, Photo
from gallery.services import photos_reprocess


class PhotoInline(admin.TabularInline):
    model = Photo
    extra = 0
    can_delete = True
    fields = [
        "position",
        "set_name",
        "original_name",
        "status",
        "failure_reason",
        "width",
        "height",
        "captured_at",
        "camera",
    ]
    readonly_fields = [
        "original_name",
        "status",
        "failure_reason",
        "width",
        "height",
        "captured_at",
        "camera",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # photos arrive through the upload page or `manage.py import_photos`


@admin.register(Gallery)
class GalleryAdmin(admin.ModelAdmin):
    list_display = ["title", "booking", "status", "ready", "failed", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "booking__reference", "booking__client__name"]
    list_select_related = ["booking__client"]
    readonly_fields = ["booking", "slug", "currency"]
    inlines = [PhotoInline]
    actions = ["reprocess_failed"]

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

    @admin.action(description=_("Process the failed photos of the selected galleries again"))
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
