# Who did it: a booking's history, the payments asked for and the refunds record their actor
# (studio.actors). Rows from before say nothing ("") unless it can be told from the row.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import studio.actors

ACTOR_CHOICES = [
    ("staff", "staff"),
    ("client", "client"),
    ("system", "Sitting"),
    ("stripe", "Stripe"),
]


def actor_field(default):
    return models.CharField(
        blank=True, choices=ACTOR_CHOICES, default=default, max_length=10, verbose_name="by"
    )


def actor_user_field(default):
    return models.ForeignKey(
        blank=True,
        default=default,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        verbose_name="staff member",
    )


def backfill(apps, schema_editor):
    Payment = apps.get_model("shoots", "Payment")
    Refund = apps.get_model("shoots", "Refund")
    # Deposits and extras are asked for by the client's own booking or selection.
    Payment.objects.filter(kind__in=["deposit", "extras"]).update(actor="client")
    Refund.objects.filter(actor_user__isnull=False).update(actor="staff")
    Refund.objects.filter(reason="stripe").update(actor="stripe")
    Refund.objects.filter(reason__in=["duplicate", "late_payment", "withdrawn"]).update(
        actor="system"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shoots", "0011_session_type_reminders"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="refund", old_name="created_by", new_name="actor_user"),
        migrations.AlterField(
            model_name="refund",
            name="actor_user",
            field=actor_user_field(studio.actors.actor_user_default),
        ),
        *(
            op
            for model in ("bookingevent", "payment", "refund")
            for op in (
                migrations.AddField(
                    model_name=model, name="actor", field=actor_field(""), preserve_default=False
                ),
                migrations.AlterField(
                    model_name=model,
                    name="actor",
                    field=actor_field(studio.actors.actor_kind_default),
                ),
            )
        ),
        *(
            op
            for model in ("bookingevent", "payment")
            for op in (
                migrations.AddField(
                    model_name=model,
                    name="actor_user",
                    field=actor_user_field(None),
                    preserve_default=False,
                ),
                migrations.AlterField(
                    model_name=model,
                    name="actor_user",
                    field=actor_user_field(studio.actors.actor_user_default),
                ),
            )
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
