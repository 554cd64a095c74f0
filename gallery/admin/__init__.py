"""The gallery in the admin, one module per job; importing the package registers them all
(Django's autodiscover imports `gallery.admin`), and "Create a gallery" on the bookings admin
(`gallery.admin_bookings`)."""

from gallery import admin_bookings  # noqa: F401  (the bookings admin's gallery button)
from gallery.admin import galleries, portfolio  # noqa: F401  (register)
