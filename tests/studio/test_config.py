import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from storages.backends.s3 import S3Storage

from studio import config

BASE_DIR = Path(settings.BASE_DIR)


def test_sqlite_is_the_default_with_serialised_write_transactions(tmp_path):
    db = config.database_config(url="", var_dir=tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "sitting.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("url", ["", "postgres://postgres@127.0.0.1:5432/sitting"])
def test_every_database_keeps_its_connection_between_requests(tmp_path, url):
    db = config.database_config(url=url, var_dir=tmp_path)
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True


def test_a_database_url_selects_postgresql(tmp_path):
    db = config.database_config(url="postgres://postgres@127.0.0.1:5432/sitting", var_dir=tmp_path)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["HOST"], db["PORT"]) == ("sitting", "127.0.0.1", 5432)
    assert "transaction_mode" not in db.get("OPTIONS", {})


def test_the_embedded_broker_keeps_all_its_folders_under_var(tmp_path):
    celery = config.celery_config(broker_url="", var_dir=tmp_path)
    assert celery["broker_url"] == "filesystem://"
    assert celery["broker_transport"] == "studio.folder_broker:Transport"
    options = celery["broker_transport_options"]
    folders = ("data_folder_in", "incoming_folder", "claims_folder", "processed_folder")
    for key in (*folders, "data_folder_out", "unreadable_folder", "control_folder"):
        folder = Path(options[key])
        assert folder.is_dir()
        assert folder.is_relative_to(tmp_path)
    # Claiming a message is a rename within var/, never a copy to /tmp.
    assert options["store_processed"] is True
    assert celery["result_backend"] == f"file://{tmp_path / 'celery' / 'results'}"


def test_redis_carries_both_the_queue_and_the_results(tmp_path):
    celery = config.celery_config(broker_url="redis://127.0.0.1:6379/1", var_dir=tmp_path)
    assert celery["broker_url"] == celery["result_backend"] == "redis://127.0.0.1:6379/1"


def test_media_is_local_unless_a_bucket_is_named():
    storages = config.storages_config(bucket="", static_manifest=True)
    assert storages["default"]["BACKEND"].endswith("FileSystemStorage")
    assert storages["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_s3_media_is_private_with_signed_expiring_urls(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret-key-not-real")
    storages = config.storages_config(
        bucket="studio-photos", static_manifest=False, options={"region_name": "eu-west-2"}
    )
    options = storages["default"]["OPTIONS"]
    assert options["default_acl"] == "private"
    assert options["file_overwrite"] is False

    # boto3 signs locally, so this makes no network call.
    url = urlparse(S3Storage(**options).url("galleries/abc/preview.jpg"))
    query = parse_qs(url.query)
    assert url.hostname.startswith("studio-photos.s3")
    assert query["X-Amz-Expires"] == ["3600"]
    assert "X-Amz-Signature" in query


REAL_KEY = "Q8v_2kLm3Nz7Rt5Yw1Xc4Hb6Jd9Fg0Ss-aP3eW6rT9yU2iO5pA8sD1fG4hJ7kL0zX"


@pytest.mark.parametrize(
    ("secret_key", "hosts", "expected"),
    [
        ("", ["photos.example.com"], "SECRET_KEY"),
        ("django-insecure-" + "x" * 60, ["photos.example.com"], "SECRET_KEY"),
        ("short", ["photos.example.com"], "SECRET_KEY"),
        ("x" * 60, ["photos.example.com"], "SECRET_KEY"),  # long, but one letter
        ("abcd" * 15, ["photos.example.com"], "SECRET_KEY"),  # four different characters
        ("Q8v_2kLm3Nz7Rt5Yw1Xc4Hb6Jd9Fg0Ss-aP3eW6rT9yU2iO5", ["photos.example.com"], "SECRET_KEY"),
        (REAL_KEY, [], "ALLOWED_HOSTS"),
    ],
)
def test_production_mode_names_the_missing_setting(secret_key, hosts, expected):
    problem = config.production_problem(debug=False, secret_key=secret_key, allowed_hosts=hosts)
    assert expected in problem


def test_production_mode_accepts_a_real_key_and_hosts():
    problem = config.production_problem(
        debug=False, secret_key=REAL_KEY, allowed_hosts=["photos.example.com"]
    )
    assert problem is None


def test_every_key_django_would_warn_about_is_refused_and_no_other():
    from django.core.checks.security.base import _check_secret_key

    candidates = [
        "",
        "x" * 60,
        "abcde" * 10,
        "abcd" * 15,
        "k" * 49 + "Q",
        REAL_KEY,
        REAL_KEY[:49],
        REAL_KEY[:50],
        "django-insecure-" + REAL_KEY,
    ]
    for key in candidates:
        assert config.secret_key_is_strong(key) is _check_secret_key(key), key


def test_the_tests_and_ci_keys_pass_the_check():
    from tomllib import loads

    pyproject = loads((BASE_DIR / "pyproject.toml").read_text())
    test_key = next(
        entry.split("=", 1)[1]
        for entry in pyproject["tool"]["pytest"]["ini_options"]["env"]
        if entry.startswith("D:SECRET_KEY=")
    )
    assert config.secret_key_is_strong(test_key)
    # .ci/run: "ci-" and 64 characters of base64 from 48 random bytes, less /+=.
    assert config.secret_key_is_strong("ci-" + "A1b2C3d4E5" * 5)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_app_refuses_to_start_without_a_secret_key_in_one_line():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="photos.example.com")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "SECRET_KEY" in result.stderr


def test_the_app_refuses_to_start_with_a_key_of_one_repeated_letter_in_one_line():
    result = _manage(
        "check", DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="photos.example.com"
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "SECRET_KEY" in result.stderr
    assert "x" * 60 not in result.stderr  # the key itself is never printed


def test_the_app_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DEBUG="false", SECRET_KEY=REAL_KEY)
    assert result.returncode == 1
    assert "ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="p" * 20 + "-Q8v_2kLm3Nz7Rt5Yw1Xc4Hb6Jd9Fg0Ss",
        ALLOWED_HOSTS="photos.example.com",
        SECURE_SSL_REDIRECT="true",
        STATIC_MANIFEST="true",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_a_naive_datetime_fails_the_test_run(db):
    from datetime import datetime

    from django.contrib.sessions.models import Session

    with pytest.raises(RuntimeWarning, match="naive datetime"):
        Session.objects.filter(expire_date__lt=datetime(2026, 1, 1)).count()


def test_s3_images_are_allowed_by_the_csp_from_the_right_origin():
    assert config.s3_origins(bucket="", endpoint_url="") == []
    assert config.s3_origins(bucket="b", endpoint_url="") == ["https://*.amazonaws.com"]
    assert config.s3_origins(bucket="b", endpoint_url="https://s3.eu-central-003.example.com") == [
        "https://s3.eu-central-003.example.com",
        "https://*.s3.eu-central-003.example.com",
    ]


def test_a_new_studio_needs_a_real_time_zone_and_currency():
    assert config.studio_defaults_problem(time_zone="Europe/Paris", currency="EUR") is None
    assert "TIME_ZONE" in config.studio_defaults_problem(time_zone="Paris", currency="EUR")
    assert "STUDIO_CURRENCY" in config.studio_defaults_problem(
        time_zone="Europe/Paris", currency="euro"
    )


def test_the_app_refuses_to_start_with_a_time_zone_that_does_not_exist():
    result = _manage("check", DEBUG="true", TIME_ZONE="Europe/Londn")
    assert result.returncode == 1
    assert "TIME_ZONE='Europe/Londn' is not a time zone" in result.stderr


def test_the_laptop_secret_key_is_private_to_its_owner_and_stable(tmp_path):
    key = config.dev_secret_key(tmp_path)
    assert key.startswith(config.DEV_SECRET_PREFIX)
    assert len(key) > 50
    assert (tmp_path / "dev-secret-key").stat().st_mode & 0o777 == 0o600
    assert config.dev_secret_key(tmp_path) == key
    assert [p.name for p in tmp_path.iterdir()] == ["dev-secret-key"]


def test_forms_may_send_people_to_stripe_checkout_and_to_a_local_stand_in_only_when_set():
    assert config.checkout_origins("https://api.stripe.com") == ["https://checkout.stripe.com"]
    assert config.checkout_origins("http://127.0.0.1:12111") == [
        "https://checkout.stripe.com",
        "http://127.0.0.1:12111",
    ]


def test_rate_limits_live_in_redis_when_configured_else_in_files_under_var(tmp_path):
    redis = config.cache_config(kind="", redis_url="redis://127.0.0.1:6379/2", var_dir=tmp_path)
    assert redis["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    files = config.cache_config(kind="", redis_url="", var_dir=tmp_path)["default"]
    assert files == {"BACKEND": "studio.cache.FileCache", "LOCATION": str(tmp_path / "cache")}
    database = config.cache_config(kind="database", redis_url="", var_dir=tmp_path)["default"]
    assert database["BACKEND"] == "studio.cache.DatabaseCache"
    memory = config.cache_config(kind="memory", redis_url="", var_dir=tmp_path)["default"]
    assert memory["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize(
    ("kind", "redis_url", "said"), [("memcached", "", "CACHE='memcached'"), ("redis", "", "REDIS")]
)
def test_a_cache_sitting_cannot_use_is_named(tmp_path, kind, redis_url, said):
    with pytest.raises(ValueError, match=said):
        config.cache_config(kind=kind, redis_url=redis_url, var_dir=tmp_path)


def test_the_app_refuses_to_start_with_an_unknown_cache_in_one_line():
    result = _manage("check", DEBUG="true", CACHE="memcache")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "CACHE='memcache'" in result.stderr
