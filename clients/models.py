from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Client(models.Model):
    """A person who books sessions. Identified by email, compared without regard to case."""

    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes for the studio"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="client_email_unique_ci",
                violation_error_message=_("A client with this email already exists."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip()
        super().save(*args, **kwargs)
