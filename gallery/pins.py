"""Share-link PINs: how long an address waits after wrong PINs, and telling the studio when
someone is guessing.

Each address (an IPv6 /64 counts as one) gets PIN_FREE_TRIES wrong PINs per link, then
waits PIN_FIRST_WAIT, and each wrong PIN after a wait doubles it, up to PIN_LONGEST_WAIT.
Someone holding many addresses (an IPv6 /48 is 65,536 of them) is held back by the link
itself: once a guessing run is on (GUESSING_RUN_TRIES wrong PINs in a day), the link checks
at most one PIN per PIN_RUN_PACE from browsers that never opened it. Browsers that did keep
their way in without a check (gallery.access.share_link_let_in), so no guessing locks out
the family; someone typing the right PIN for the first time waits at most a moment.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils.crypto import salted_hmac

from gallery.models import ShareLink, SharePinAttempt

PIN_FREE_TRIES = 5
PIN_FIRST_WAIT = timedelta(minutes=1)
PIN_LONGEST_WAIT = timedelta(days=1)
PIN_FORGET_AFTER = timedelta(days=30)  # an address's wrong PINs, this long after the last
GUESSING_RUN_TRIES = 10  # wrong PINs for one link in a day that the studio is told about
GUESSING_RUN_WINDOW = timedelta(days=1)
PIN_RUN_PACE = timedelta(seconds=30)  # during a run: 2,880 PINs a day at most, however sent


class PinWait(Exception):
    """This address must wait before trying a PIN for this link again."""

    def __init__(self, until: datetime):
        super().__init__(until.isoformat())
        self.until = until


def pin_wait(failures: int) -> timedelta:
    """How long an address waits after this many wrong PINs for a link."""
    if failures < PIN_FREE_TRIES:
        return timedelta(0)
    return min(PIN_FIRST_WAIT * 2 ** min(failures - PIN_FREE_TRIES, 30), PIN_LONGEST_WAIT)


def address_hash(address: str) -> str:
    """The address as stored: a keyed hash, so the table holds no visitor's address."""
    return salted_hmac("gallery.pins.address", address, algorithm="sha256").hexdigest()


def pin_try_claim(*, share_link_id: int, address: str, now: datetime) -> datetime | None:
    """Count a PIN try from this address before it is checked, so tries sent all at once
    cannot slip past the wait; raises PinWait while the address must wait. Returns when it
    would have to wait if this try is wrong (None: not at all). Call pin_right if it was
    right. Row-locked, so concurrent tries from one address queue up."""
    key = address_hash(address)
    try:
        return _claim(share_link_id, key, now)
    except IntegrityError:  # this address's first try, twice at once: the row exists now
        return _claim(share_link_id, key, now)


def _claim(share_link_id: int, key: str, now: datetime) -> datetime | None:
    with transaction.atomic():
        attempt = (
            SharePinAttempt.objects.select_for_update()
            .filter(share_link_id=share_link_id, address_hash=key)
            .first()
        )
        if attempt is None:
            attempt = SharePinAttempt(share_link_id=share_link_id, address_hash=key)
        elif attempt.wait_until > now:
            raise PinWait(attempt.wait_until)
        elif attempt.last_failed_at < now - PIN_FORGET_AFTER:
            attempt.failures = 0
        attempt.failures += 1
        attempt.last_failed_at = now
        attempt.wait_until = now + pin_wait(attempt.failures)
        attempt.save()
    return attempt.wait_until if attempt.wait_until > now else None


def pin_check_paced(*, share_link_id: int, now: datetime) -> datetime | None:
    """During a guessing run on this link, take its one PIN check of the moment; returns
    when the next one may be tried if another request took it (None: go ahead). A
    conditional update, so of tries sent at once only one is checked."""
    if not guessing_runs(now=now).filter(pk=share_link_id).exists():
        return None
    taken = (
        ShareLink.objects.filter(pk=share_link_id)
        .filter(Q(pin_paced_until__isnull=True) | Q(pin_paced_until__lte=now))
        .update(pin_paced_until=now + PIN_RUN_PACE)
    )
    if taken:
        return None
    return ShareLink.objects.values_list("pin_paced_until", flat=True).get(pk=share_link_id)


def pin_right(*, share_link_id: int, address: str) -> None:
    """The right PIN: this address's wrong ones are forgotten."""
    SharePinAttempt.objects.filter(
        share_link_id=share_link_id, address_hash=address_hash(address)
    ).delete()


def guessing_runs(*, now: datetime):
    """Share links someone is guessing the PIN of (with their gallery), each annotated with
    `wrong` (wrong PINs from the addresses that tried in the last day, at least
    GUESSING_RUN_TRIES) and `addresses`. A queryset: one query."""
    return (
        # Joined to the recent wrong PINs first: only links tried lately are summed, not
        # every link ever shared.
        ShareLink.objects.select_related("gallery")
        .filter(pin_attempts__last_failed_at__gte=now - GUESSING_RUN_WINDOW)
        .annotate(wrong=Sum("pin_attempts__failures"), addresses=Count("pin_attempts"))
        .filter(wrong__gte=GUESSING_RUN_TRIES)
        .order_by("-wrong", "pk")
    )


def pin_attempts_forget(*, now: datetime) -> int:
    """Delete addresses' wrong PINs once PIN_FORGET_AFTER has passed since the last."""
    deleted, _by_model = SharePinAttempt.objects.filter(
        last_failed_at__lt=now - PIN_FORGET_AFTER
    ).delete()
    return deleted
