"""Give the culling assistant the proofs it has never seen: those processed before it
existed have no analysis (the culling view says "Not analysed yet"). They are queued to be
processed again, which keeps the unwatermarked copy the analysis reads and analyses them;
the workers do it, as for an upload."""

from django.core.management.base import BaseCommand

from gallery.models import Photo
from gallery.photos import photos_reprocess


class Command(BaseCommand):
    help = "Queue for the culling assistant every ready proof that has no analysis yet."

    def add_arguments(self, parser):
        parser.add_argument("--gallery", type=int, help="Only this gallery (its id).")

    def handle(self, *args, gallery=None, **options):
        proofs = Photo.objects.filter(
            kind=Photo.Kind.PROOF, status=Photo.Status.READY, analysis__isnull=True
        )
        if gallery is not None:
            proofs = proofs.filter(gallery_id=gallery)
        queued = photos_reprocess(photo_ids=list(proofs.values_list("pk", flat=True)))
        noun = "photo" if queued == 1 else "photos"
        self.stdout.write(f"{queued} {noun} queued for analysis.")
