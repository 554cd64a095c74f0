"""The home page, and the client's pages: signing in (clients) and "My sessions"
(workspace.my_sessions, which reads from every floor), in one "clients" namespace."""

from django.urls import include, path

from clients import urls as clients_urls
from workspace import views
from workspace.my_sessions import my_sessions

client_pages = [path("my/", my_sessions, name="my-sessions"), *clients_urls.urlpatterns]

urlpatterns = [
    path("", views.home, name="home"),
    path("", include((client_pages, clients_urls.app_name))),
]
