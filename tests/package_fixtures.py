"""A family session sold three ways, with add-ons: what the package tests book."""

from sessions.models import AddOn, Package, SessionType
from tests.factories import SessionTypeFactory


def family_with_packages(photographers) -> SessionType:
    """Family: Essentials (the factory's package, 60 minutes, £325), Signature (90 minutes,
    £495) and Heirloom (120, £895), a make-up add-on (+45 minutes, £95) and rush editing
    (+5 images, £75), each kept on the session type by name for tests to use."""
    family = SessionTypeFactory(
        name="Family",
        slug="family",
        duration_minutes=60,
        price=32500,
        deposit=7500,
        included_images=15,
        extra_image_price=2000,
        photographers=photographers,
    )
    family.package.name = "Essentials"
    family.package.save()
    family.signature = Package.objects.create(
        session_type=family,
        name="Signature",
        price=49500,
        deposit=10000,
        included_images=30,
        extra_image_price=1800,
        duration_minutes=90,
        display_order=1,
        products="A 30 × 40 cm framed print",
    )
    family.heirloom = Package.objects.create(
        session_type=family,
        name="Heirloom",
        price=89500,
        deposit=20000,
        included_images=60,
        duration_minutes=120,
        display_order=2,
    )
    family.make_up = AddOn.objects.create(
        session_type=family, name="Hair and make-up", price=9500, extra_minutes=45
    )
    family.rush = AddOn.objects.create(
        session_type=family, name="Rush editing", price=7500, extra_images=5
    )
    return family
