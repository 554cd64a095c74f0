from django.db.models import Prefetch, QuerySet

from sessions.models import SessionType
from studio.models import Photographer


def session_type_list_public() -> QuerySet[SessionType]:
    """Bookable session types in display order, with their active photographers (2 queries)."""
    return SessionType.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "photographers",
            queryset=Photographer.objects.filter(is_active=True),
            to_attr="active_photographers",
        )
    )
