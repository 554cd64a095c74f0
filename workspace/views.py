from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gallery.public_images import portfolio_shown
from sessions.selectors import session_type_list_public
from studio.link_previews import link_preview

PORTFOLIO_SHOWN = 10  # the hero and nine in three columns: a handful, not an archive


@require_safe
def home(request):
    studio = request.studio
    portfolio = portfolio_shown(limit=PORTFOLIO_SHOWN)
    hero = portfolio[0] if portfolio else None
    preview = link_preview(
        request=request,
        title=studio.name,
        description=studio.intro or _("Portrait sessions: choose a time and book online."),
        image=hero.large.name if hero else "",
    )
    return render(
        request,
        "studio/home.html",
        {
            "session_types": session_type_list_public(studio),
            "hero": hero,
            "portfolio": portfolio[1:],
            "link_preview": preview,
        },
    )
