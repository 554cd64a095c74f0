"""Emails logged before the log redacted private links lose their live tokens."""

from django.db import migrations


def redact(apps, schema_editor):
    from studio.emailing import sent_emails_redact

    sent_emails_redact(model=apps.get_model("studio", "SentEmail"))


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0012_permissions"),
        ("gallery", "0006_gallery_published_at"),  # share links are looked up by token
    ]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
