from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShootsConfig(AppConfig):
    """The booking lifecycle. Labelled "shoots" because django.contrib.sessions is "sessions"."""

    name = "sessions"
    label = "shoots"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which need the app registry.
        from sessions import (
            checks,  # noqa: F401  (registers the checks)
            history,
            private_links,
            slot_cache,
        )
        from sessions.answer_images import MAX_BYTES, PHOTOS_PER_POST
        from studio.middleware import request_body_allowance_register
        from studio.private_links import private_link_register

        history.connect()
        slot_cache.connect()
        for link in private_links.LINKS:
            private_link_register(link)
        request_body_allowance_register(
            "sessions:questionnaire-fill",
            files_bytes=PHOTOS_PER_POST * MAX_BYTES,
            as_json=False,
        )
