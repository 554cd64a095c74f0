"""The demo studio's packages, their payment plans and add-ons, per session type (prices
in pence)."""

from sessions.models import AddOn, Package, PlanStep, SessionType

# Payment plans by package name: (label, share in basis points or None for the rest,
# counted from, days).
PLANS = {
    "Signature": [
        ("Second payment", 5000, "session", -14),
        ("Balance", None, "session", 7),
    ],
    "Heirloom": [
        ("Second payment", 3000, "booking", 30),
        ("Third payment", 3000, "session", -14),
        ("Balance", None, "session", 7),
    ],
}

PACKAGES = {
    "headshot": [
        {
            "name": "Headshot",
            "price": 15000,
            "deposit": 5000,
            "included_images": 3,
            "extra_image_price": 2500,
        },
    ],
    "family": [
        {
            "name": "Essentials",
            "description": "An hour together and fifteen finished portraits to keep.",
            "price": 32500,
            "deposit": 7500,
            "included_images": 15,
            "extra_image_price": 2000,
        },
        {
            "name": "Signature",
            "description": "Ninety unhurried minutes, thirty portraits and a framed print.",
            "products": "A 30 × 40 cm framed print of your favourite",
            "price": 49500,
            "deposit": 10000,
            "included_images": 30,
            "extra_image_price": 1800,
            "duration_minutes": 90,
        },
        {
            "name": "Heirloom",
            "description": "Two hours, every portrait you love, and an album for the shelf.",
            "products": "A 20-page linen album\nTwo 40 × 50 cm framed prints",
            "price": 89500,
            "deposit": 20000,
            "included_images": 60,
            "extra_image_price": 1500,
            "duration_minutes": 120,
        },
    ],
    "personal-branding": [
        {"name": "Personal branding", "price": 45000, "deposit": 10000},
    ],
}

ADD_ONS = {
    "family": [
        {
            "name": "Hair and make-up artist",
            "description": "Our artist gets one grown-up ready before the session.",
            "price": 9500,
            "extra_minutes": 45,
        },
        {
            "name": "Extra outfit",
            "description": "A second look, with time to change.",
            "price": 4000,
            "extra_minutes": 15,
        },
        {"name": "Extra person", "description": "Grandparents welcome.", "price": 3000},
        {
            "name": "Rush editing",
            "description": "Your finished portraits within three working days.",
            "price": 7500,
        },
    ],
    "personal-branding": [
        {
            "name": "Hair and make-up artist",
            "description": "Camera-ready hair and make-up before we start.",
            "price": 9500,
            "extra_minutes": 45,
        },
        {
            "name": "Five more images",
            "description": "Five more finished images for your website.",
            "price": 10000,
            "extra_images": 5,
        },
    ],
}


def packages_seed(session_type: SessionType) -> None:
    """Give a newly made demo session type its packages and add-ons."""
    for order, spec in enumerate(PACKAGES.get(session_type.slug, []), start=1):
        package = Package.objects.create(session_type=session_type, display_order=order, **spec)
        PlanStep.objects.bulk_create(
            PlanStep(package=package, position=n, label=label, percent=share, anchor=at, days=days)
            for n, (label, share, at, days) in enumerate(PLANS.get(package.name, []))
        )
    for order, spec in enumerate(ADD_ONS.get(session_type.slug, []), start=1):
        AddOn.objects.create(session_type=session_type, display_order=order, **spec)
