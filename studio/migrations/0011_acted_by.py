# Who sent an email: Sitting, or the staff member who pressed Send again (studio.actors).

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


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0010_email_log_and_wording"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Emails already logged were all sent by Sitting itself (resends included: by a task).
        migrations.AddField(
            model_name="sentemail",
            name="actor",
            field=models.CharField(
                blank=True,
                choices=ACTOR_CHOICES,
                default=studio.actors.actor_kind_default,
                max_length=10,
                verbose_name="by",
            ),
        ),
        migrations.AddField(
            model_name="sentemail",
            name="actor_user",
            field=models.ForeignKey(
                blank=True,
                default=studio.actors.actor_user_default,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="staff member",
            ),
        ),
    ]
