from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from studio.dates import studio_time_text
from studio.models import sent_emails_field


class Client(models.Model):
    """A person who books sessions. Identified by email, compared without regard to case."""

    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes for the studio"), blank=True, max_length=10_000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_emails = sent_emails_field(about="client", about_plural="clients")

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        permissions = [("manage_privacy", _("Can export or erase a client's personal data"))]
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


class SignInLink(models.Model):
    """A single-use sign-in link emailed to a client. Only a hash of its token is kept."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="sign_in_links", verbose_name=_("client")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["client", "created_at"], name="sign_in_client_created")]

    def __str__(self) -> str:
        return f"{self.client} · {studio_time_text(self.created_at)}"


class PrivacyRecord(models.Model):
    """Each export or erasure of a client's data: who did it and when. Kept after an erasure
    (it names the client only by number), as the record that the request was met."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Data exported")
        ERASURE = "erasure", _("Personal data erased")

    client = models.ForeignKey(
        Client, on_delete=models.SET_NULL, null=True, related_name="privacy_records"
    )
    client_number = models.PositiveIntegerField(_("client number"))
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    summary = models.TextField(_("what it covered"), blank=True)

    class Meta:
        verbose_name = _("privacy record")
        verbose_name_plural = _("privacy records")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: client {self.client_number}"
