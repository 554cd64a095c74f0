from django.conf import settings


def studio(request) -> dict:
    return {
        "studio": getattr(request, "studio", None),
        "payments_enabled": settings.PAYMENTS_ENABLED,
    }
