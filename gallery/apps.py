from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GalleryConfig(AppConfig):
    """Proofing galleries: photos and their pipeline, favorites, selections, delivery."""

    name = "gallery"
    verbose_name = _("Galleries")

    def ready(self) -> None:
        from gallery.selection import selection_extras_paid
        from sessions.signals import extras_paid

        extras_paid.connect(selection_extras_paid, dispatch_uid="gallery.selection_extras_paid")
