"""Share links inline on a gallery's page, with a PIN field and a link to copy."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from gallery.access import share_link_url
from gallery.admin_forms import ShareLinkForm
from gallery.models import ShareLink


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
