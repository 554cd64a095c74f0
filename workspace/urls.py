"""The home page, and the client's pages: signing in (clients) and "My sessions" (sessions),
in one "clients" namespace."""

from django.urls import include, path

from clients import urls as clients_urls
from sessions.portal import my_sessions
from workspace import views

client_pages = [path("my/", my_sessions, name="my-sessions"), *clients_urls.urlpatterns]

urlpatterns = [
    path("", views.home, name="home"),
    path("", include((client_pages, clients_urls.app_name))),
]
