"""What other apps can hook into without sessions knowing about them."""

from django.dispatch import Signal

# An extras payment (Payment.Kind.EXTRAS) was just recorded as paid. Sent inside the
# transaction holding the photographer, booking and payment row locks; arguments: payment, now.
extras_paid = Signal()
