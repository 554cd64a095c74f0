from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from studio import views

admin.site.site_header = "Sitting"
admin.site.site_title = "Sitting"
admin.site.index_title = "Studio"

urlpatterns = [
    path("", include("workspace.urls")),  # the home page and the client's pages
    path("healthz", views.healthz, name="healthz"),
    path("branding/logo", views.studio_logo, name="studio-logo"),
    path("branding/brand.css", views.brand_stylesheet, name="studio-brand-css"),
    path("branding/admin.css", views.admin_brand_stylesheet, name="studio-admin-brand-css"),
    re_path(
        r"^branding/image/(?P<name>[A-Za-z0-9_-]+\.jpg)$",
        views.branding_image,
        name="studio-branding-image",
    ),
    path("admin/", admin.site.urls),
    path("", include("sessions.urls")),
    path("", include("gallery.urls")),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Only branding (logo, watermark) is public. Photos get permission-checked views.
    urlpatterns.append(re_path(r"^media/(?P<path>branding/[A-Za-z0-9._-]+)$", views.branding_file))
