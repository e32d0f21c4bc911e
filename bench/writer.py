"""The editor under load: for N seconds, keep adding, editing, publishing and unpublishing claims.

    python bench/writer.py SECONDS [INTERVAL]   # a change every INTERVAL seconds (default: as fast as ~30/s)

Run by bench/load.py beside the readers, on the same database, through the same
model code as the admin (saves with history, status refresh, cache version
changes), one transaction per change. Never retries: every failure counts, and
"database is locked" is counted on its own. Prints "ready" once set up, then a JSON summary.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khrushchev_kb.settings.base")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from sources import services  # noqa: E402
from sources.models import Citation, Claim, Source  # noqa: E402

MARK = "Load-test claim"


def add(rng: random.Random, sources: list[Source], n: int) -> None:
    source = rng.choice(sources)
    start = rng.randrange(0, max(1, len(source.text) - 80))
    quote = source.text[start : start + 60]
    with services.changing():
        claim = services.claim_save(
            claim=Claim(statement=f"{MARK} {n}: {quote.strip()[:40]}", date=f"19{rng.randint(53, 71)}")
        )
        services.citation_save(citation=Citation(claim=claim, source=source, quote=quote, start=start))
        claim.tags.add("load-test")


def edit(n: int) -> None:
    with transaction.atomic():
        claim = Claim.objects.filter(statement__startswith=MARK).order_by("?").first()
        if claim is not None:
            claim.statement = f"{claim.statement.split(' (rev')[0]} (rev {n})"
            claim.note = f"Edited by the load test, revision {n}."
            services.claim_save(claim=claim)


def toggle() -> None:
    with transaction.atomic():
        claim = Claim.objects.filter(statement__startswith=MARK).order_by("?").first()
        if claim is not None:
            services.claims_set_published(claims=Claim.objects.filter(pk=claim.pk), published=not claim.published)


def main() -> None:
    seconds = float(sys.argv[1])
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0  # seconds between the starts of two changes
    rng = random.Random(7)
    sources = list(Source.objects.filter(citations__isnull=False).distinct().only("id", "text")[:50])
    done = {"add": 0, "edit": 0, "toggle": 0}
    errors: list[str] = []
    n = 0
    print("ready", flush=True)  # bench/load.py starts its readers now: the interpreter's start is not the editor's
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        n += 1
        kind = rng.choices(["add", "edit", "toggle"], weights=[4, 4, 1])[0]
        try:
            if kind == "add":
                add(rng, sources, n)
            elif kind == "edit":
                edit(n)
            else:
                toggle()
            done[kind] += 1
        except Exception as exc:
            errors.append(f"{kind}: {type(exc).__name__}: {exc}")
        if interval:
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
        else:
            time.sleep(0.02)  # an editor's pace, a fast one: about 30 changes a second
    print(
        json.dumps(
            {
                "operations": done,
                "errors": errors[:20],
                "error_count": len(errors),
                "locked": sum("database is locked" in e for e in errors),
            }
        )
    )


if __name__ == "__main__":
    main()
