"""Why a payment, a refund or a webhook event cannot be acted on now."""


class PaymentRefused(Exception):
    """This payment or refund cannot be made; `message` says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PaymentServiceUnavailable(PaymentRefused):
    """Stripe could not be reached or refused the request; worth trying again later."""


class EventInFlight(Exception):
    """Another request is acting on this webhook event right now."""
