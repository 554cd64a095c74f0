"""The bookings app in the admin, one module per job; importing the package registers them
all (Django's autodiscover imports `sessions.admin`)."""

from sessions.admin import (  # noqa: F401  (registers)
    availability,
    booking_documents,
    bookings,
    documents,
    payment_plans,
    session_types,
    waitlist,
)
from sessions.payments import admin_codes, admin_vouchers  # noqa: F401  (registers)
