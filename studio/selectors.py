from django.conf import settings

from studio.models import Studio


def studio_get() -> Studio:
    """The studio row, created with the deployment's defaults the first time it is asked for."""
    studio, _created = Studio.objects.get_or_create(
        pk=1,
        defaults={
            "name": "Sitting",
            "time_zone": settings.TIME_ZONE,
            "currency": settings.STUDIO_CURRENCY,
        },
    )
    return studio
