"""``manage.py restore_kb FILE``: rebuild an empty database from a backup (see khrushchev_kb/backup.py)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from khrushchev_kb.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Load a backup_kb archive into an empty database (migrated first), checking every member's hash; "
        "all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="an archive written by backup_kb")

    def handle(self, *args, file, **options):
        call_command("migrate", interactive=False, verbosity=0)
        try:
            summary = restore(file)
        except (BackupError, OSError) as exc:
            raise CommandError(f"Restore failed, the database is unchanged: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.total_rows:,} rows of {len(summary.rows)} models "
                f"and {summary.media} media file(s) from {summary.path}."
            )
        )
