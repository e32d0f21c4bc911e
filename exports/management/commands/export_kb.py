"""Write the exports to a folder for a release: ``python manage.py export_kb DIR``.

The files are byte-identical to what /export/ serves: both come from one builder
(``exports.writers.FILES``), with only public data: the five CSV tables,
datapackage.json and claims.json. Each file is written to a temporary name and
renamed into place, so a failure never leaves a half-written table.
"""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exports import writers as exports


class Command(BaseCommand):
    help = "Write claims/citations/sources/people/events CSV, datapackage.json and claims.json to DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, *args, directory, **options):
        folder = Path(directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"cannot create {folder}: {exc}") from exc
        for name in exports.FILES:
            self._write(folder / name, exports.file_chunks(name))
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(exports.FILES)} files to {folder}"))

    def _write(self, path: Path, chunks) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk.encode("utf-8"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stdout.write(f"  {path}")
