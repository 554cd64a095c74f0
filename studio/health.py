"""Is each service Sitting depends on answering? Used by /healthz."""

import os
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from kombu import Connection


def database_problem(connection: BaseDatabaseWrapper) -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not answering"; the reason is reported
        return f"{type(exc).__name__}: {exc}"
    return None


def broker_problem(url: str, transport_options: dict[str, Any] | None = None) -> str | None:
    transport_options = transport_options or {}
    if url.startswith("filesystem:"):
        # The folder transport "connects" to anything; what matters is that it can write.
        for key in ("data_folder_in", "data_folder_out"):
            folder = transport_options.get(key, "")
            if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
                return f"The queue folder {folder!r} is missing or not writable."
    try:
        with Connection(url, transport_options=transport_options, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
