"""Peak memory of ``manage.py export_kb``, per file, above an idle process: run by ``bench/run.py``.

    python bench/export_memory.py FILE|all OUT_DIR     # prints {"file": ..., "idle_mb": ..., "growth_mb": ...}
    python bench/export_memory.py --list               # the files export_kb writes

The process sets Django up and opens its database connection (an idle
``manage.py``), reads its resident memory, resets the kernel's peak-RSS counter
(``/proc/self/clear_refs``), then writes one export file (or, with ``all``,
every file as ``export_kb`` does) and reads the peak: the growth is what the
export itself cost.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khrushchev_kb.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from exports import writers  # noqa: E402
from exports.management.commands.export_kb import Command  # noqa: E402


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/self/status")


def main() -> None:
    if sys.argv[1] == "--list":
        print(json.dumps(list(writers.FILES)))
        return
    which, folder = sys.argv[1], Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:  # the connection open, as an idle manage.py has it
        cursor.execute("SELECT 1")
    idle = status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
    command = Command(stdout=open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    names = list(writers.FILES) if which == "all" else [which]
    for name in names:
        command._write(folder / name, writers.file_chunks(name))
    peak = status_kb("VmHWM")
    sizes = sum((folder / name).stat().st_size for name in names)
    print(json.dumps({"file": which, "idle_mb": idle / 1024, "growth_mb": (peak - idle) / 1024, "bytes": sizes}))


if __name__ == "__main__":
    main()
