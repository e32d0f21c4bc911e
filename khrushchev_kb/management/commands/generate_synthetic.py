"""Add (or remove) synthetic claims of realistic shape to measure the site at scale.

    python manage.py generate_synthetic --claims 100000 [--seed 1]
    python manage.py generate_synthetic --remove [--seed 1]

See khrushchev_kb/synthetic.py for the shape of the data and how it is marked.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from khrushchev_kb import synthetic


class Command(BaseCommand):
    help = "Add N synthetic claims (deterministic for a seed, tagged 'synthetic'), or remove them with --remove."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, help="How many claims to add.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed (default 1; with --remove: all seeds).")
        parser.add_argument("--remove", action="store_true", help="Delete the synthetic data instead.")

    def handle(self, *args, claims=None, seed=None, remove=False, **options):
        started = time.perf_counter()
        try:
            if remove:
                if claims is not None:
                    raise CommandError("--remove takes no --claims.")
                counts = synthetic.remove(seed)
                verb = "Removed"
            else:
                if claims is None or claims < 1:
                    raise CommandError("Give --claims N with N ≥ 1 (or --remove).")
                if claims > 2_000_000:
                    raise CommandError("--claims is capped at 2,000,000.")
                plan = synthetic.build(claims, 1 if seed is None else seed)
                counts = synthetic.write(plan)
                verb = "Added"
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"{verb} {summary} in {elapsed:.1f} s."))
