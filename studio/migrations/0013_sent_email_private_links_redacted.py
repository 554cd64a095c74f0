"""Emails logged before the log redacted private links lose their live tokens.

It runs today's redaction (studio.private_links, the current URLs, live share links), which
is what an upgrade from before this release needs; a new site has no emails and runs none of
it. If private links ever change shape, keep what this needs working or squash it away.
"""

from django.db import migrations


def redact(apps, schema_editor):
    SentEmail = apps.get_model("studio", "SentEmail")
    if not SentEmail.objects.exists():
        return
    from studio.emailing import sent_emails_redact

    sent_emails_redact(model=SentEmail)


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0012_permissions"),
        ("gallery", "0006_gallery_published_at"),  # share links are looked up by token
    ]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
