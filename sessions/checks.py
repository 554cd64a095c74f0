from django.conf import settings
from django.core import checks


@checks.register()
def stripe_webhook_secret_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.PAYMENTS_ENABLED and not settings.STRIPE_WEBHOOK_SECRET:
        return [
            checks.Warning(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: every Stripe "
                "webhook is refused, so no payment will ever confirm a booking.",
                hint="Register https://<your site>/stripe/webhook/ in Stripe's dashboard "
                "(Developers → Webhooks) and set STRIPE_WEBHOOK_SECRET to its signing secret.",
                id="shoots.W001",
            )
        ]
    return []
