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
