import ipaddress
import math
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.timesince import timeuntil

UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 (a label for "no address", never bound to)
URL_ID_PLACEHOLDER = "9876543210"


def client_ip(request) -> str:
    """The visitor's address. Behind the TLS proxy (BEHIND_TLS_PROXY) that is the last
    address the proxy appended to X-Forwarded-For; anything before it the visitor can forge.
    Always a valid address (UNKNOWN_ADDRESS when there is none)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidates = [request.META.get("REMOTE_ADDR", "")]
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded:
        candidates.insert(0, forwarded.split(",")[-1].strip())
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return UNKNOWN_ADDRESS


def client_address(request) -> str:
    """What limits count by: the visitor's IPv4 address, or their IPv6 /64 network, since
    one household or server is given a whole /64 and may use any address in it."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)


def int_or_none(raw: str | None) -> int | None:
    """A row id typed in a query string, or None for anything else (never an error)."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 12 else None


def wait_text(until: datetime, now: datetime) -> str:
    """How long until `until`, in whole minutes rounded up, for a person ("1 minute", "2
    hours, 8 minutes"): a wait never reads as "0 minutes"."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return timeuntil(now + timedelta(minutes=minutes), now)


def url_for_each(view_name: str) -> Callable[[int], str]:
    """`view_name`'s URL for one row id after another from a single reverse(), for pages
    that link many rows (reverse() costs as much as drawing the row). The URL takes the
    id as its only argument."""
    head, _placeholder, tail = reverse(view_name, args=[URL_ID_PLACEHOLDER]).rpartition(
        URL_ID_PLACEHOLDER
    )
    return lambda pk: f"{head}{pk}{tail}"
