"""The site's URLs plus /bench/bare/: Django's smallest answer through the same middleware,
the yardstick every page of bench/pages.py is measured against."""

from django.http import HttpResponse
from django.urls import path

from studio.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), *site_urlpatterns]
