from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = _("Studio")

    def ready(self) -> None:
        from studio.models import Studio  # the app registry is not ready at import
        from studio.selectors import studio_forget  # imports the models

        post_save.connect(studio_forget, sender=Studio, dispatch_uid="studio-forget")
