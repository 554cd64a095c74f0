from django.urls import path, re_path

from gallery import download_views, people_views, proofing_views, selection_views, views

app_name = "gallery"

urlpatterns = [
    path("gallery/link/<str:token>/", views.gallery_open, name="gallery-open"),
    path("gallery/<slug:slug>/", views.gallery_detail, name="gallery-detail"),
    path("gallery/<slug:slug>/photos/", views.gallery_photos, name="photo-list"),
    path("gallery/<slug:slug>/lists/", proofing_views.favorite_list_choose, name="list-choose"),
    re_path(
        r"^gallery/(?P<slug>[-a-zA-Z0-9_]+)/photos/(?P<photo_id>[0-9]+)/(?P<kind>thumbnail|preview)/$",
        views.photo_file,
        name="photo-file",
    ),
    path(
        "gallery/<slug:slug>/photos/<int:photo_id>/favorite/",
        proofing_views.favorite_set_view,
        name="favorite-set",
    ),
    path(
        "gallery/<slug:slug>/photos/<int:photo_id>/comments/",
        proofing_views.photo_comments,
        name="photo-comments",
    ),
]
urlpatterns += [
    path("gallery/<slug:slug>/selection/", selection_views.selection_view, name="selection"),
    path(
        "gallery/<slug:slug>/selection/status/",
        selection_views.selection_status,
        name="selection-status",
    ),
]
urlpatterns += [
    path("gallery/<slug:slug>/compare/", views.gallery_compare, name="gallery-compare"),
]
urlpatterns += [
    path("gallery/share/<str:token>/", views.share_open, name="share-open"),
]
urlpatterns += [
    re_path(
        r"^gallery/(?P<slug>[-a-zA-Z0-9_]+)/finals/(?P<photo_id>[0-9]+)/(?P<size>original|web)/$",
        download_views.final_download,
        name="final-download",
    ),
    path("gallery/<slug:slug>/zip/", download_views.zip_request, name="zip-request"),
    path(
        "gallery/<slug:slug>/zip/<int:download_id>/", download_views.zip_status, name="zip-status"
    ),
    path(
        "gallery/<slug:slug>/zip/<int:download_id>/file/", download_views.zip_file, name="zip-file"
    ),
]
urlpatterns += [
    path(
        "gallery/<slug:slug>/people/<int:number>/face/",
        people_views.person_face,
        name="person-face",
    ),
]
