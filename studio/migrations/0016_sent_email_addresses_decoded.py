"""Names with accents in the email log read as people write them: "Zoë Newcomer", not the
"=?utf-8?q?Zo=C3=AB_Newcomer?=" the log kept before it decoded addresses."""

from django.db import migrations


def decode(apps, schema_editor):
    from studio.emailing import sent_emails_addresses_decode

    sent_emails_addresses_decode(model=apps.get_model("studio", "SentEmail"))


class Migration(migrations.Migration):
    dependencies = [("studio", "0015_studio_payment_instructions")]

    operations = [migrations.RunPython(decode, migrations.RunPython.noop)]
