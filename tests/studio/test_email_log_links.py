"""The email log's links moved into the apps' own tables (studio 0019-0020, shoots 0019,
clients 0006, gallery 0013): emails logged before keep what they were about."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("studio", "0018_text_limits"),
    ("shoots", "0018_text_limits"),
    ("clients", "0005_text_limits"),
    ("gallery", "0012_photo_failure_codes"),
]
AFTER = [
    ("studio", "0020_sentemail_links_moved"),
    ("shoots", "0019_booking_emails"),
    ("clients", "0006_client_emails"),
    ("gallery", "0013_gallery_emails"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_emails_logged_before_stay_filed_under_their_client_both_ways():
    old = migrate(BEFORE)
    Client = old.get_model("clients", "Client")
    SentEmail = old.get_model("studio", "SentEmail")
    anna = Client.objects.create(email="anna@example.com", name="Anna")
    SentEmail.objects.create(key="sign-in:1", to="anna@example.com", subject="Sign in", client=anna)
    SentEmail.objects.create(key="notice:1", to="studio@example.com", subject="Notice")
    try:
        new = migrate(AFTER)
        SentEmail = new.get_model("studio", "SentEmail")
        filed = {
            email.key: list(email.clients.values_list("pk", flat=True))
            for email in SentEmail.objects.all()
        }
        assert filed == {"sign-in:1": [anna.pk], "notice:1": []}
        old = migrate(BEFORE)
        SentEmail = old.get_model("studio", "SentEmail")
        assert dict(SentEmail.objects.values_list("key", "client_id")) == {
            "sign-in:1": anna.pk,
            "notice:1": None,
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
