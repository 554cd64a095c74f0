"""For the migrations that moved the email log's links into the apps' own tables (shoots
0019, clients 0006, gallery 0012): each copies the log's old foreign key into its table."""

from django.db import migrations


def sent_email_links_copy(*, label: str, model: str, field: str) -> migrations.RunPython:
    """A RunPython copying `SentEmail.<field>_id` into `<label>.<model>.sent_emails`, and
    back when unapplied. Needs the state where both exist (studio 0019, before 0020)."""

    def link_table(apps):
        return apps.get_model(label, model)._meta.get_field("sent_emails").remote_field.through

    owner = f"{model.lower()}_id"

    def forwards(apps, schema_editor):
        SentEmail = apps.get_model("studio", "SentEmail")
        Link = link_table(apps)
        rows = SentEmail.objects.filter(**{f"{field}_id__isnull": False})
        pairs = rows.values_list("pk", f"{field}_id").iterator()
        Link.objects.bulk_create(
            [Link(**{owner: about, "sentemail_id": email}) for email, about in pairs],
            batch_size=1000,
        )

    def backwards(apps, schema_editor):
        SentEmail = apps.get_model("studio", "SentEmail")
        for link in link_table(apps).objects.iterator():
            SentEmail.objects.filter(pk=link.sentemail_id).update(
                **{f"{field}_id": getattr(link, owner)}
            )

    return migrations.RunPython(forwards, backwards)
