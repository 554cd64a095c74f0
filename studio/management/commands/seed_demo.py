from django.core.management.base import BaseCommand

from studio.demo import demo_seed


class Command(BaseCommand):
    help = "Add the demo studio, photographers, session types, hours and clients (idempotent)."

    def handle(self, *args, **options):
        created = demo_seed()
        if any(created.values()):
            summary = ", ".join(
                f"{count} {kind.replace('_', ' ')}" for kind, count in created.items() if count
            )
            self.stdout.write(self.style.SUCCESS(f"Demo data added: {summary}."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
