from django.urls import path

from clients import views

app_name = "clients"
# With "My sessions" (workspace.my_sessions), these are included by workspace.urls.

urlpatterns = [
    path("my/sign-in/", views.sign_in, name="sign-in"),
    path("my/sign-in/<str:token>/", views.sign_in_confirm, name="sign-in-confirm"),
    path("my/sign-out/", views.sign_out, name="sign-out"),
]
