"""The studio's portfolio in the admin: photographs uploaded, described, ordered and shown
or hidden; their public sizes are made by the photo pipeline (gallery.public_images)."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gallery.models import PortfolioPhoto
from gallery.photos import MAX_UPLOAD_BYTES
from gallery.public_images import (
    PictureRefused,
    picture_check,
    portfolio_photo_saved,
    portfolio_photos_render_again,
)
from studio.services import storage_files_delete


class PortfolioPhotoForm(forms.ModelForm):
    class Meta:
        model = PortfolioPhoto
        fields = ["original", "description", "watermark", "shown", "position"]
        # Not Django's "Currently: <link>": the original is private, even to a link here.
        widgets = {"original": forms.FileInput(attrs={"accept": "image/*"})}

    def clean_original(self):
        upload = self.cleaned_data.get("original")
        if upload is None or not hasattr(upload, "content_type"):  # unchanged
            return upload
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("That file is too big for a photograph."))
        try:
            picture_check(upload)
        except PictureRefused as refused:
            raise forms.ValidationError(str(refused.why)) from None
        return upload


@admin.register(PortfolioPhoto)
class PortfolioPhotoAdmin(admin.ModelAdmin):
    form = PortfolioPhotoForm
    list_display = ["picture", "__str__", "shown", "watermark", "status", "position"]
    list_display_links = ["picture", "__str__"]
    list_editable = ["shown", "position"]
    actions = ["render_again"]

    class Media:
        css = {"all": ["css/admin-portfolio.css"]}

    readonly_fields = ["picture", "status", "problem"]
    fields = [
        "original",
        "picture",
        "status",
        "problem",
        "description",
        "watermark",
        "shown",
        "position",
    ]

    @admin.display(description=_("as shown"))
    def picture(self, obj: PortfolioPhoto) -> str:
        if not obj.medium:
            return "—"
        return format_html('<img src="{}" alt="" class="portfolio-admin-picture">', obj.medium.url)

    @admin.display(description=_("problem"))
    def problem(self, obj: PortfolioPhoto) -> str:
        return obj.failure_reason or "—"

    def save_model(self, request, obj, form, change):
        # A replaced original goes with its camera's metadata, once the new one is saved.
        replaced = form.initial.get("original") if "original" in form.changed_data else None
        super().save_model(request, obj, form, change)
        if change and replaced:
            transaction.on_commit(partial(storage_files_delete, [str(replaced)]))
        portfolio_photo_saved(photo=obj)

    @admin.action(
        description=_("Prepare again (after changing the watermark)"), permissions=["change"]
    )
    def render_again(self, request, queryset):
        count = portfolio_photos_render_again(photo_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d photograph is being prepared again.",
                "%(count)d photographs are being prepared again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
