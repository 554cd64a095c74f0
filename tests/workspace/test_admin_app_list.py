"""The admin's app list reverses its addresses once per process
(workspace.admin_site._address), yet follows the prefix the site is served under, and each
user sees only the models they may."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import get_script_prefix, set_script_prefix

from tests.factories import UserFactory
from workspace.admin_site import _address


def test_a_kept_address_follows_the_prefix_the_site_is_served_under():
    before = get_script_prefix()
    try:
        plain = _address("admin", "admin:shoots_booking_changelist")
        set_script_prefix("/studio/")
        prefixed = _address("admin", "admin:shoots_booking_changelist")
    finally:
        set_script_prefix(before)
    assert plain == "/admin/shoots/booking/"
    assert prefixed == "/studio/admin/shoots/booking/"
    assert _address("admin", "admin:no_such_page") is None


@pytest.mark.django_db
def test_the_app_list_shows_each_user_what_they_may(client, staff_user, studio):
    client.force_login(staff_user)
    mine = client.get("/admin/").content.decode()
    assistant = UserFactory(username="assistant", is_staff=True)
    assistant.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client.force_login(assistant)
    theirs = client.get("/admin/").content.decode()
    assert 'href="/admin/gallery/gallery/"' in mine
    assert 'href="/admin/shoots/booking/"' in theirs
    assert 'href="/admin/gallery/gallery/"' not in theirs
