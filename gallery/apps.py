from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GalleryConfig(AppConfig):
    """Proofing galleries: photos and their pipeline, favorites, selections, delivery."""

    name = "gallery"
    verbose_name = _("Galleries")

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which need the app registry.
        from django.db.models.signals import post_delete, post_save

        from gallery import private_links
        from gallery.page_changes import shown_models
        from gallery.photos import MAX_UPLOAD_BYTES
        from gallery.public_images import session_type_cover_changed
        from gallery.selection import selection_extras_paid
        from sessions.models import SessionType
        from sessions.signals import extras_paid
        from studio.middleware import request_body_allowance_register
        from studio.page_cache import gallery_pages_changed
        from studio.private_links import private_link_register

        extras_paid.connect(selection_extras_paid, dispatch_uid="gallery.selection_extras_paid")
        post_save.connect(
            session_type_cover_changed, sender=SessionType, dispatch_uid="gallery.cover_changed"
        )
        for model in shown_models():  # what a client's gallery page shows
            post_save.connect(gallery_pages_changed, sender=model, dispatch_uid="gallery-pages")
            post_delete.connect(gallery_pages_changed, sender=model, dispatch_uid="gallery-pages")
        for link in private_links.LINKS:
            private_link_register(link)
        request_body_allowance_register(
            "admin:gallery_gallery_upload_file", files_bytes=MAX_UPLOAD_BYTES, as_json=True
        )
