import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from studio.branding import admin_palette, brand_palette
from studio.health import broker_problem, database_problem
from studio.selectors import studio_get

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """200 when the database and the broker both answer; 503 naming the one that doesn't.

    The reasons (hosts, paths) go to the log, not to whoever asks.
    """
    problems = {
        "database": database_problem(connection),
        "broker": broker_problem(
            settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS
        ),
    }
    for name, problem in problems.items():
        if problem:
            logger.error("Health check: the %s is not answering: %s", name, problem)
    body = {name: "unavailable" if problem else "ok" for name, problem in problems.items()}
    body["status"] = "unavailable" if any(problems.values()) else "ok"
    return JsonResponse(body, status=503 if any(problems.values()) else 200)


@require_safe
def branding_file(request, path: str):
    """The studio's logo and watermark from local storage; nothing else under media/ is public."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@require_safe
def studio_logo(request):
    """The studio's logo at a lasting address, for emails: a signed storage URL would
    expire in the client's inbox, so this one sends them to a fresh one each time."""
    studio = studio_get()
    if not studio.logo:
        raise Http404("No logo")
    return HttpResponseRedirect(studio.logo.url)


@require_safe
def brand_stylesheet(request):
    """The brand colour as CSS custom properties, a file of its own because the CSP allows
    no inline styles. Pages link it with the colour in its address, so it is cached for good."""
    palette = brand_palette(request.studio.brand_colour)
    body = (
        ":root {\n"
        f"  --sitting-brand: {palette['brand']};\n"
        f"  --sitting-accent: {palette['text']};\n"
        f"  --sitting-accent-hover: {palette['hover']};\n"
        "}\n"
    )
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_safe
def admin_brand_stylesheet(request):
    """The brand colour in the admin (studio.branding.admin_palette) as the admin's own
    custom properties: its bars in both themes (white text on them), links, buttons and
    selected rows in the light one (the dark theme keeps its own, made for it). Linked as
    ?v=<colour>-<n> (templates/admin/base_site.html): raise n when what it says changes."""
    palette = admin_palette(request.studio.brand_colour)
    bars = (
        f"  --header-bg: {palette['bar']};\n  --primary: {palette['bar']};\n"
        f"  --secondary: {palette['hover']};\n  --breadcrumbs-bg: {palette['hover']};\n"
        f"  --header-branding-color: #fff;\n  --header-link-color: #fff;\n"
        f"  --sitting-admin-brand: {palette['brand']};\n"
    )
    light = (
        f"  --link-fg: {palette['link']};\n  --link-hover-color: {palette['hover']};\n"
        f"  --link-selected-fg: {palette['hover']};\n  --button-bg: {palette['link']};\n"
        f"  --button-hover-bg: {palette['hover']};\n  --default-button-bg: {palette['hover']};\n"
        f"  --default-button-hover-bg: {palette['link']};\n"
        f"  --selected-row: {palette['tint']};\n  --sitting-admin-tint: {palette['tint']};\n"
    )
    body = (
        f"html:root, html[data-theme]:root {{\n{bars}}}\n"
        f'html[data-theme="light"] {{\n{light}}}\n'
        "@media (prefers-color-scheme: light) {\n"
        f'  html:not([data-theme="dark"]) {{\n{light}  }}\n}}\n'
    )
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_safe
def branding_image(request, name: str):
    """A public picture (portfolio, a cover) at a lasting address, for link previews:
    redirected to the storage's own (signed) address, fresh each time."""
    path = f"branding/{name}"
    if not default_storage.exists(path):
        raise Http404("No such picture")
    return HttpResponseRedirect(default_storage.url(path))
