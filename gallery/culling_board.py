"""What the culling view shows of a gallery: its proofs in the order they were taken, each
with its analysis, its faces and its burst, and the counts the view starts with. Three
queries, whatever the number of photos."""

from collections import Counter
from dataclasses import dataclass, field

from gallery.models import Face, Gallery, Photo, PhotoAnalysis, PhotoGroup, TakenSecond

# The analysis' flags, in the order the view shows them.
FLAGS = ("soft_focus", "eyes_closed", "highlights_clipped", "shadows_clipped")
CAPTURE_ORDER = [TakenSecond("captured_at").asc(nulls_last=True), "original_name", "pk"]


@dataclass
class CullPhoto:
    photo: Photo
    analysis: PhotoAnalysis | None
    group: PhotoGroup | None
    faces: list[Face] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        done = self.analysis is not None and self.analysis.status == PhotoAnalysis.Status.DONE
        return [name for name in FLAGS if done and getattr(self.analysis, name)]

    @property
    def suggested(self) -> bool:
        return self.group is not None and self.group.best_id == self.photo.pk

    @property
    def reviewed(self) -> bool:
        return bool(self.photo.flag or self.photo.rating)

    @property
    def stack_cover(self) -> bool:
        """The photo a closed group shows for all of it: its suggested best (else its first;
        either only if not rejected, while one is not: set by `cull_board`)."""
        return self.group is None or self.photo.pk == self.group.cover_id


@dataclass
class CullBoard:
    photos: list[CullPhoto]
    counts: dict[str, int]
    # Proofs that could not be processed: nothing to look at or analyse, so not culled here
    # (the gallery's page and the upload page say why each failed).
    failed: int = 0


def cull_board(gallery: Gallery) -> CullBoard:
    proofs = list(
        Photo.objects.filter(gallery=gallery, kind=Photo.Kind.PROOF)
        .select_related("analysis")
        .order_by(*CAPTURE_ORDER)
    )
    photos = [photo for photo in proofs if photo.status != Photo.Status.FAILED]
    groups = {group.pk: group for group in PhotoGroup.objects.filter(gallery=gallery)}
    faces: dict[int, list[Face]] = {}
    for face in Face.objects.filter(photo__gallery=gallery, photo__kind=Photo.Kind.PROOF).defer(
        "descriptor"
    ):
        faces.setdefault(face.photo_id, []).append(face)
    items = []
    for photo in photos:
        analysis = getattr(photo, "analysis", None)  # none: made before the analysis existed
        group = groups.get(analysis.group_id) if analysis else None
        items.append(CullPhoto(photo, analysis, group, faces.get(photo.pk, [])))
    members: dict[int, list[int]] = {}
    for item in items:
        if item.group is not None:
            members.setdefault(item.group.pk, []).append(item.photo.pk)
    rejected = {item.photo.pk for item in items if item.photo.flag == Photo.Flag.REJECT}
    for group_id, ids in members.items():
        group = groups[group_id]
        # A closed group shows a photo still in the running: its best, unless rejected.
        kept = [pk for pk in ids if pk not in rejected] or ids
        group.cover_id = group.best_id if group.best_id in kept else kept[0]
        group.count = len(ids)
    return CullBoard(photos=items, counts=cull_counts(items), failed=len(proofs) - len(photos))


def cull_counts(items: list[CullPhoto]) -> dict[str, int]:
    counts = Counter()
    for item in items:
        counts[item.photo.flag or "unflagged"] += 1
        counts["unrated"] += item.photo.rating == 0
        counts["unreviewed"] += not item.reviewed
        counts["flagged"] += bool(item.flags)
        counts.update(item.flags)
    return {
        name: counts[name]
        for name in ("pick", "reject", "unrated", "unreviewed", "flagged", *FLAGS)
    }
