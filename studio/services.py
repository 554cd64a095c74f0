import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.http import content_disposition_header

from studio.models import Photographer, feed_token

log = logging.getLogger(__name__)


def sessions_clear_expired() -> int:
    """Delete expired sign-in sessions; returns how many were removed."""
    deleted, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def broker_processed_prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete messages the embedded broker has handed out, once they are `older_than`.

    Only the folder broker keeps them (see studio.config.celery_config); returns how many
    files were removed, 0 on Redis.
    """
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    # Also what a sender stopped halfway through writing (studio/folder_broker.py).
    folders = [options[key] for key in ("processed_folder", "incoming_folder") if options.get(key)]
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in (path for folder in folders for path in Path(folder).glob("*.msg")):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another pruner got there first
            continue
    return removed


def storage_files_delete(names: Iterable[str]) -> None:
    """Delete these files from the default storage; empty names are skipped, and a file
    that cannot be deleted is logged, never raised (the row it belonged to is gone)."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # a full disk or an unreachable bucket alike
            log.exception("Could not delete %s from storage", name)


def storage_signed_url(name: str, *, download_name: str | None = None) -> str | None:
    """A signed, expiring URL that fetches this file straight from the storage, when the
    storage makes them (S3: private bucket, `querystring_expire` seconds); else None, and the
    caller serves the file itself. `download_name` makes it a download under that name."""
    if not name or not getattr(default_storage, "querystring_auth", False):
        return None
    parameters = {}
    if download_name:
        parameters["ResponseContentDisposition"] = content_disposition_header(
            as_attachment=True, filename=download_name
        )
    return default_storage.url(name, parameters=parameters or None)


def photographer_feed_token_rotate(*, photographer_id: int) -> str:
    """A new secret for the photographer's calendar subscription: every calendar app that
    had the old address stops getting updates (for a lost phone, or a staff member leaving)."""
    token = feed_token()
    Photographer.objects.filter(pk=photographer_id).update(calendar_feed_token=token)
    return token
