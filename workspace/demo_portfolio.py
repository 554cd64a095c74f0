"""The demo studio's portfolio and session type covers: generated photographs
(workspace.demo_images) made through the same pipeline as the studio's own uploads."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from gallery.models import PortfolioPhoto
from gallery.public_images import portfolio_photo_render, session_type_cover_render
from gallery.sample_images import jpeg_bytes
from sessions.models import SessionType
from sessions.models.booking import cover_upload_to
from workspace.demo_images import portrait_like

# (scene, landscape?, what it shows)
# In the order shown: the first is the home page's hero, then three columns of a tall
# picture over two wide ones.
PORTFOLIO = [
    ("golden-hour", True, "A woman laughing in low evening sun"),
    ("studio-warm", False, "A headshot against a warm grey backdrop"),
    ("meadow", True, "A portrait in a summer meadow"),
    ("dusk-sea", True, "A portrait by the sea at dusk"),
    ("window", False, "A quiet portrait by a tall window"),
    ("studio-slate", True, "A headshot against a slate backdrop"),
    ("studio-warm", True, "A relaxed portrait in the daylight studio"),
    ("golden-hour", False, "A portrait with the sun behind her hair"),
    ("window", True, "Soft window light on a man's profile"),
    ("meadow", True, "A father and daughter in the long grass"),
]
COVERS = {"headshot": "studio-slate", "family": "meadow", "personal-branding": "golden-hour"}


def _picture(scene: str, *, landscape: bool, seed: int) -> bytes:
    size = (1500, 1000) if landscape else (1000, 1500)
    return jpeg_bytes(portrait_like(*size, seed=seed, scene=scene), quality=88)


def portfolio_seed(count: int) -> int:
    """Up to `count` portfolio photographs, when the studio has none yet."""
    if PortfolioPhoto.objects.exists():
        return 0
    made = 0
    for position, (scene, landscape, description) in enumerate(PORTFOLIO[:count], start=1):
        photo = PortfolioPhoto(description=description, position=position)
        photo.original.save(
            "original.jpg",
            ContentFile(_picture(scene, landscape=landscape, seed=100 + position)),
            save=True,
        )
        portfolio_photo_render(photo_id=photo.pk)
        made += 1
    return made


def covers_seed() -> int:
    """A cover for each demo session type that has none."""
    made = 0
    for seed, (slug, scene) in enumerate(COVERS.items(), start=200):
        session_type = SessionType.objects.filter(slug=slug, cover="").first()
        if session_type is None:
            continue
        # Stored and made here and now, not sent to a worker by the save signal.
        name = default_storage.save(
            cover_upload_to(session_type, "cover.jpg"),
            ContentFile(_picture(scene, landscape=True, seed=seed)),
        )
        SessionType.objects.filter(pk=session_type.pk).update(cover=name)
        session_type_cover_render(session_type_id=session_type.pk)
        made += 1
    return made
