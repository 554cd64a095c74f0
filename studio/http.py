from django.conf import settings


def client_ip(request) -> str:
    """The visitor's address. Behind the TLS proxy (BEHIND_TLS_PROXY) that is the last
    address the proxy appended to X-Forwarded-For; anything before it the visitor can forge."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def int_or_none(raw: str | None) -> int | None:
    """A row id typed in a query string, or None for anything else (never an error)."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 12 else None
