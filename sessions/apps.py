from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShootsConfig(AppConfig):
    """The booking lifecycle. Labelled "shoots" because django.contrib.sessions is "sessions"."""

    name = "sessions"
    label = "shoots"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from sessions import (
            checks,  # noqa: F401  (registers the checks)
            history,
        )

        history.connect()
