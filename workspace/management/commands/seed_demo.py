from django.core.management.base import BaseCommand

from studio.models import Studio
from workspace.demo import demo_seed


class Command(BaseCommand):
    help = "Add the demo studio, photographers, session types, hours and clients (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-site-only",
            action="store_true",
            help="Do nothing once the studio exists, so demo rows someone deleted stay deleted.",
        )
        parser.add_argument(
            "--photos",
            type=int,
            default=30,
            help="How many generated photos to put in the demo gallery (default 30).",
        )

    def handle(self, *args, new_site_only, photos, **options):
        if new_site_only and Studio.objects.exists():
            self.stdout.write("The studio is already set up; demo data left as it is.")
            return
        created = demo_seed(photos=photos)
        if any(created.values()):
            summary = ", ".join(
                f"{count} {kind.replace('_', ' ')}" for kind, count in created.items() if count
            )
            self.stdout.write(self.style.SUCCESS(f"Demo data added: {summary}."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
