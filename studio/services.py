import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.utils import timezone

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
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("processed_folder")
    if not folder:
        return 0
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in Path(folder).glob("*.msg"):
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
        except OSError:
            log.warning("Could not delete %s from storage", name)
