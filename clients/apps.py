from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which need the app registry.
        from clients import private_links
        from studio.private_links import private_link_register

        for link in private_links.LINKS:
            private_link_register(link)
