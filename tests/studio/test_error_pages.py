from django.test import Client


def test_an_unknown_address_gets_a_friendly_page_in_the_studio_branding(client, studio):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn't find that page" in html
    assert "Lumen Portraits" in html


def test_a_server_error_gets_a_calm_page_not_a_traceback(studio, settings):
    settings.ROOT_URLCONF = "tests.studio.urls_failing"
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html
    assert "ZeroDivisionError" not in html


def test_staff_without_a_permission_get_a_page_that_says_so_and_where_to_go(client, studio):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_booking"))
    client.force_login(viewer)
    response = client.post("/admin/shoots/booking/book-for-client/", {})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This isn't open to you" in html or "This isn&#x27;t open to you" in html
    assert 'href="/admin/"' in html
    assert "Lumen Portraits" in html
