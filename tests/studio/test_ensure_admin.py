import re
from io import StringIO

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory


def test_ensure_admin_creates_an_account_whose_printed_password_works(db):
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    password = re.search(r"password: (\S+)", out.getvalue()).group(1)
    # A sign-in comes with a request: the admin's sign-in counts wrong passwords by address.
    user = authenticate(RequestFactory().post("/admin/login/"), username="admin", password=password)
    assert user is not None
    assert user.is_superuser
    assert user.is_staff


def test_ensure_admin_never_prints_or_replaces_a_second_password(db):
    call_command("ensure_admin", stdout=StringIO())
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    assert "password:" not in out.getvalue()
    assert "already exists" in out.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
