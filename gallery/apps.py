from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GalleryConfig(AppConfig):
    """Proofing galleries and the image pipeline (models arrive with the photo pipeline)."""

    name = "gallery"
    verbose_name = _("Galleries")
