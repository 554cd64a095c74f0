from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from studio.health import broker_problem, database_problem


def test_healthz_is_ok_when_database_and_broker_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_and_names_the_broker_when_it_is_down(client, db, settings, caplog):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable", "status": "unavailable"}
    # The reason is for the operator's log, not for whoever asks.
    assert "127.0.0.1:1" in caplog.text
    assert "127.0.0.1:1" not in response.content.decode()


def test_healthz_needs_no_studio_row_and_no_https_redirect(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert [q["sql"] for q in queries] == ["SELECT 1"]
    assert client.get("/").status_code == 301  # everything else still goes to HTTPS


def test_a_database_that_does_not_answer_is_reported(db):
    settings_dict = {**connection.settings_dict}
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-folder/sitting.sqlite3"
    else:
        settings_dict["PORT"] = 1
    broken = connections["default"].__class__(settings_dict)
    try:
        assert database_problem(broken) is not None
    finally:
        broken.close()
    assert database_problem(connection) is None


def test_a_missing_queue_folder_is_reported(tmp_path):
    ok = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    assert broker_problem("filesystem://", ok) is None
    missing = {"data_folder_in": str(tmp_path / "gone"), "data_folder_out": str(tmp_path)}
    assert "gone" in broker_problem("filesystem://", missing)
