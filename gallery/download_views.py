"""The finished photos: one at a time (full size or web size) or as a zip built by a worker."""

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from gallery import downloads
from gallery.access import Viewer, photo_get_for_viewer
from gallery.forms import ZipRequestForm
from gallery.models import Download, Photo
from gallery.views import may_download, page_viewer, private_response
from studio.services import storage_signed_url


def _downloader(request, slug: str) -> Viewer:
    """The client (or staff) of a gallery whose downloads are open; anyone else, 404."""
    viewer = page_viewer(request, slug)
    if not may_download(viewer):
        raise Http404
    return viewer


def _attachment(stored, filename: str) -> HttpResponse:
    """A stored file as a download under `filename` (RFC 6266, so any name survives)."""
    if signed := storage_signed_url(stored.name, download_name=filename):
        return private_response(HttpResponseRedirect(signed))
    try:
        response = FileResponse(stored.open("rb"), as_attachment=True, filename=filename)
    except (OSError, ValueError):
        raise Http404 from None
    return private_response(response)


@require_safe
def final_download(request, slug, photo_id, size):
    viewer = _downloader(request, slug)
    photo = photo_get_for_viewer(viewer, photo_id)
    if photo.kind != Photo.Kind.FINAL:
        raise Http404
    stored = downloads.download_file(photo, size)
    if not stored:
        raise Http404
    return _attachment(stored, downloads.download_name(photo, size))


def _zip_context(viewer: Viewer, download: Download | None) -> dict:
    return {
        "viewer": viewer,
        "gallery": viewer.gallery,
        "download": download,
        "percent": round(100 * download.done / download.total)
        if download and download.total
        else 0,
    }


@require_POST
def zip_request(request, slug):
    """Start (or find) the zip of every final at one size; answers its progress box."""
    viewer = _downloader(request, slug)
    form = ZipRequestForm(request.POST)
    if not form.is_valid():
        raise Http404
    download = downloads.download_request(gallery=viewer.gallery, size=form.cleaned_data["size"])
    return private_response(
        render(request, "gallery/_zip_status.html", _zip_context(viewer, download))
    )


@require_safe
def zip_status(request, slug, download_id):
    viewer = _downloader(request, slug)
    download = Download.objects.filter(pk=download_id, gallery=viewer.gallery).first()
    if download is None:
        raise Http404
    return private_response(
        render(request, "gallery/_zip_status.html", _zip_context(viewer, download))
    )


@require_safe
def zip_file(request, slug, download_id):
    viewer = _downloader(request, slug)
    download = Download.objects.filter(
        pk=download_id, gallery=viewer.gallery, status=Download.Status.READY
    ).first()
    if download is None or download.expires_at <= timezone.now():
        return private_response(
            render(request, "gallery/zip_expired.html", {"gallery": viewer.gallery}, status=410)
        )
    return _attachment(download.file, f"{viewer.gallery.title}.zip")
