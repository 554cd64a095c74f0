from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

from studio.models import Studio

# Inside studio_read_once(): a one-item list holding the row as read (None until read, or
# after a save); outside it (commands, tasks, tests calling services) None, and every
# studio_get() reads the database.
_request_studio: ContextVar[list[Studio | None] | None] = ContextVar("request_studio", default=None)


def studio_get() -> Studio:
    """The studio row, created with the deployment's defaults the first time it is asked for.
    Inside studio_read_once() (each request) it is read once, and again after a save of it;
    callers must not change the row they get without saving it."""
    held = _request_studio.get()
    if held is not None and held[0] is not None:
        return held[0]
    studio, _created = Studio.objects.get_or_create(
        pk=1,
        defaults={
            "name": "Sitting",
            "time_zone": settings.TIME_ZONE,
            "currency": settings.STUDIO_CURRENCY,
        },
    )
    if held is not None:
        held[0] = studio
    return studio


@contextmanager
def studio_read_once() -> Iterator[None]:
    """Within the block (a request: StudioMiddleware), studio_get() reads the row once. Never
    across requests, so a change made in the admin shows on the next page."""
    token = _request_studio.set([None])
    try:
        yield
    finally:
        _request_studio.reset(token)


def studio_forget(**kwargs) -> None:
    """post_save of Studio: the next studio_get() in this block reads the row again."""
    held = _request_studio.get()
    if held is not None:
        held[0] = None
