"""Recognising the database's refusal of an overlapping booking.

On PostgreSQL the exclusion constraint refuses a second active booking of one photographer
at an overlapping time, and psycopg names the constraint in the error's diagnostics. SQLite
has no such constraint (the overlap check runs inside its serialised write transactions), so
there only the message can say, and it names the constraints SQLite has.
"""

from django.db import IntegrityError

BOOKING_OVERLAP_CONSTRAINT = "booking_no_overlap_per_photographer"


def integrity_error_is_overlap(error: IntegrityError) -> bool:
    """Whether this IntegrityError is the booking overlap constraint and nothing else."""
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None:
        return diag.constraint_name == BOOKING_OVERLAP_CONSTRAINT
    return BOOKING_OVERLAP_CONSTRAINT in str(error)
