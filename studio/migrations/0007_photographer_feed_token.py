import secrets

from django.db import migrations, models

import studio.models


def give_each_a_token(apps, schema_editor):
    Photographer = apps.get_model("studio", "Photographer")
    for photographer in Photographer.objects.filter(calendar_feed_token__isnull=True):
        photographer.calendar_feed_token = secrets.token_urlsafe(32)
        photographer.save(update_fields=["calendar_feed_token"])


class Migration(migrations.Migration):
    """A secret per photographer for their calendar subscription address: added empty, filled
    one by one (a callable default would give every existing row the same value), then made
    unique."""

    dependencies = [
        ("studio", "0006_watermark_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="photographer",
            name="calendar_feed_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_each_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="photographer",
            name="calendar_feed_token",
            field=models.CharField(
                default=studio.models.feed_token, editable=False, max_length=64, unique=True
            ),
        ),
    ]
