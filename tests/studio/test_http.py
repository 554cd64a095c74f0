from django.test import RequestFactory

from studio.http import client_ip


def test_without_a_proxy_the_connection_address_counts(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "198.51.100.7"


def test_behind_the_proxy_the_address_it_appended_counts(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_ip(request) == "203.0.113.9"  # not the forged first entry


def test_limits_count_an_ipv6_household_as_one_address(settings):
    from studio.http import client_address

    settings.SECURE_PROXY_SSL_HEADER = None
    one = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    other = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::2")
    elsewhere = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert client_address(one) == client_address(other) == "2001:db8:1:2::"
    assert client_address(elsewhere) == "2001:db8:1:3::"
    mapped = RequestFactory().get("/", REMOTE_ADDR="::ffff:198.51.100.7")
    assert client_address(mapped) == "198.51.100.7"


def test_an_address_that_is_not_one_never_breaks_a_page(settings):
    from studio.http import UNKNOWN_ADDRESS, client_address

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(forged) == "10.0.0.2"
    nothing = RequestFactory().get("/", REMOTE_ADDR="")
    assert client_address(nothing) == UNKNOWN_ADDRESS


def test_a_wait_reads_in_whole_minutes_rounded_up():
    from datetime import UTC, datetime, timedelta

    from studio.http import wait_text

    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert wait_text(now + timedelta(seconds=5), now) == "1\xa0minute"
    assert wait_text(now + timedelta(seconds=61), now) == "2\xa0minutes"
    assert wait_text(now + timedelta(hours=17, seconds=3), now) == "17\xa0hours, 1\xa0minute"
