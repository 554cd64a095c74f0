"""The /book/ page's cards, the same for every visitor: made once per change of what they
show (studio.page_cache, whose signals cover session types, packages, add-ons and
photographers), not once per request."""

from functools import partial

from django.conf import settings
from django.template.loader import render_to_string

from sessions.selectors import session_type_list_public
from studio.models import Studio
from studio.page_cache import public_page_key, public_page_memo


def session_type_cards(studio: Studio) -> str:
    """The bookable session types as cards (or the empty state), as HTML; 2 queries when
    made, none when this process made them already at the current version."""
    return public_page_memo(public_page_key("book", studio), partial(_cards_make, studio))


def _cards_make(studio: Studio) -> str:
    return render_to_string(
        "sessions/_session_type_cards.html",
        {
            "studio": studio,
            "payments_enabled": settings.PAYMENTS_ENABLED,
            "session_types": list(session_type_list_public(studio)),
        },
    )
