from functools import partial

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gallery.public_images import portfolio_shown
from sessions.selectors import session_type_list_public
from studio.link_previews import link_preview
from studio.models import Studio
from studio.page_cache import public_page_key, public_page_memo

PORTFOLIO_SHOWN = 10  # the hero and nine in three columns: a handful, not an archive


@require_safe
def home(request):
    # The same for every visitor, so made once per change (studio.page_cache), not per
    # request; the studio's row is part of the key, so it needs no signal of its own.
    studio = request.studio
    key = public_page_key("home", studio)
    parts = partial(public_page_memo, key, partial(_home_parts, request, studio))
    if get_messages(request):  # a message is for this visitor alone: their own page
        return render(request, "studio/home.html", parts())
    page = public_page_memo(
        (*key, "page"), lambda: render_to_string("studio/home.html", parts(), request)
    )
    return HttpResponse(page)


def _home_parts(request, studio: Studio) -> dict:
    """The home page's content and link preview, from the database, the studio and the
    request's path alone (nothing of the visitor's)."""
    portfolio = portfolio_shown(limit=PORTFOLIO_SHOWN)
    hero = portfolio[0] if portfolio else None
    content = render_to_string(
        "studio/_home_content.html",
        {
            "studio": studio,
            "payments_enabled": settings.PAYMENTS_ENABLED,
            "session_types": list(session_type_list_public(studio)),
            "hero": hero,
            "portfolio": portfolio[1:],
        },
    )
    preview = link_preview(
        request=request,
        title=studio.name,
        description=studio.intro or _("Portrait sessions: choose a time and book online."),
        image=hero.large.name if hero else "",
    )
    return {"home_content": content, "link_preview": preview}
