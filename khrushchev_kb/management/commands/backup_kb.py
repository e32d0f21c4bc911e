"""``manage.py backup_kb FILE``: the whole knowledge base in one archive (see khrushchev_kb/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from khrushchev_kb.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write everything (people, events, sources, claims, drafts, history, accounts, uploaded images) "
        "to one zip archive, from one consistent snapshot."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive to write, such as kb-2026-11-21.zip (replaced if it exists)")

    def handle(self, *args, file, **options):
        try:
            summary = backup(file)
        except (BackupError, OSError) as exc:
            raise CommandError(f"Backup failed, nothing written: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {summary.path}: {summary.total_rows:,} rows of {len(summary.rows)} models "
                f"and {summary.media} media file(s)."
            )
        )
