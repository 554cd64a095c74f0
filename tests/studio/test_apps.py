from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection

from sessions.models import SessionType


def test_both_sessions_apps_load_under_their_own_labels():
    assert apps.get_app_config("sessions").name == "django.contrib.sessions"
    assert apps.get_app_config("shoots").name == "sessions"
    assert SessionType._meta.app_label == "shoots"


def test_both_sessions_apps_migrate_their_own_tables(db):
    tables = set(connection.introspection.table_names())
    assert Session._meta.db_table == "django_session"
    assert {"django_session", "shoots_sessiontype", "shoots_availabilityrule"} <= tables


def test_sign_in_sessions_still_work_beside_the_booking_app(client, staff_user):
    client.force_login(staff_user)
    assert Session.objects.count() == 1
    assert client.get("/admin/").status_code == 200
