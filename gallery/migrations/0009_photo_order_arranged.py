"""Photos the photographer has not placed have no position (they follow the placed ones),
and photos taken within one second sort by file name."""

from django.db import migrations, models

import gallery.models


def unplaced_to_null(apps, schema_editor):
    # 0 was the default every upload got: none of those photos was placed by anyone.
    apps.get_model("gallery", "Photo").objects.filter(position=0).update(position=None)


def null_to_unplaced(apps, schema_editor):
    apps.get_model("gallery", "Photo").objects.filter(position=None).update(position=0)


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0008_share_link_pin_paced"),
    ]

    operations = [
        migrations.AlterField(
            model_name="photo",
            name="position",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="order"),
        ),
        migrations.RunPython(unplaced_to_null, null_to_unplaced, elidable=True),
        migrations.AlterModelOptions(
            name="photo",
            options={
                "ordering": [
                    models.OrderBy(models.F("position"), nulls_last=True),
                    models.OrderBy(gallery.models.TakenSecond("captured_at"), nulls_last=True),
                    "original_name",
                    "pk",
                ],
                "verbose_name": "photo",
                "verbose_name_plural": "photos",
            },
        ),
    ]
