"""Import the curated fixtures: ``python manage.py import_fixtures [PATH] [--dry-run]``.

Validates everything first and writes everything in one transaction; on any
error the database is left exactly as it was and the command exits non-zero.
Idempotent: a second run reports every record unchanged.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sources.importer import FixtureError, import_fixtures


class Command(BaseCommand):
    help = "Import sources, people, events and claims from a fixtures folder (default: fixtures/)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None, help="The fixtures folder (default: fixtures/).")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report, write nothing.")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Delete claims whose fixture key is no longer in the fixtures (their history keeps them).",
        )

    def handle(self, *args, path=None, dry_run=False, prune=False, verbosity=1, **options):
        folder = Path(path) if path else Path(settings.KB_FIXTURES_DIR)

        def progress(message: str, step: bool = False) -> None:
            if verbosity >= 2 or (step and verbosity >= 1):
                self.stdout.write(f"  {message}")

        try:
            report = import_fixtures(folder, dry_run=dry_run, prune=prune, progress=progress)
        except FixtureError as exc:
            for error in exc.errors:
                self.stderr.write(self.style.ERROR(error))
            raise CommandError(
                f"{len(exc.errors)} problem(s) in {folder}; nothing was written to the database."
            ) from exc

        if verbosity == 0:
            return
        heading = f"Dry run of {folder}: nothing written. Would be:" if dry_run else f"Imported {folder}:"
        self.stdout.write(heading)
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("Nothing changed: the database already matches the fixtures."))
        elif not dry_run:
            self.stdout.write(self.style.SUCCESS("Done."))
