from pathlib import Path

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


@checks.register()
def document_seal_files_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The studio's own sealing certificate needs both files; one alone is ignored."""
    key, cert = settings.DOCUMENT_SEAL_KEY_FILE, settings.DOCUMENT_SEAL_CERT_FILE
    if bool(key) != bool(cert):
        return [
            checks.Warning(
                "Only one of DOCUMENT_SEAL_KEY_FILE and DOCUMENT_SEAL_CERT_FILE is set, so "
                "signed documents are sealed with the certificate Sitting made itself.",
                hint="Set both (a PEM private key without a password, and its certificate), "
                "or neither.",
                id="shoots.W002",
            )
        ]

    missing = [name for name in (key, cert) if name and not Path(name).is_file()]
    if missing:
        return [
            checks.Error(
                f"The document seal file {missing[0]} can't be read.",
                hint="Check DOCUMENT_SEAL_KEY_FILE and DOCUMENT_SEAL_CERT_FILE.",
                id="shoots.E001",
            )
        ]
    return []
