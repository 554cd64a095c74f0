from django.shortcuts import render
from django.views.decorators.http import require_safe

from sessions.selectors import session_type_list_public


@require_safe
def home(request):
    return render(
        request,
        "studio/home.html",
        {"session_types": session_type_list_public(request.studio)},
    )
