"""``python manage.py suggest_citations SLUG [--json]``: the evidence assistant on one source.

For every substantive sentence of the source (published or draft), the public claims it may support or
contradict, best first, with a score (and, for a contradiction, the reason). Claims that already cite the
sentence are left out; a sentence with nothing above the assistant's confidence threshold has no candidates.
"""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from assistant import encoder
from assistant.suggest import suggest
from sources.models import Claim, Source


class Command(BaseCommand):
    help = "For each sentence of a source, the existing public claims it may support or contradict."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The source's slug.")
        parser.add_argument("--json", action="store_true", help="Print one JSON array, in text order.")
        parser.add_argument("--reasons", action="store_true", help="With --json: add each candidate's reason.")

    def handle(self, *args, slug, json: bool = False, reasons: bool = False, **options):
        source = Source.objects.filter(slug=slug).first()
        if source is None:
            raise CommandError(f"No source with the slug {slug!r}.")
        started = time.perf_counter()
        results = suggest(source)
        elapsed = time.perf_counter() - started
        if json:
            self.stdout.write(_dumps([r.as_json(reasons=reasons) for r in results]))
            return
        statements = dict(
            Claim.objects.filter(pk__in={c.claim_id for r in results for c in r.candidates}).values_list(
                "pk", "statement"
            )
        )
        method = "meaning and words" if encoder.available() else "words only (the embedding model is not installed)"
        with_any = sum(1 for r in results if r.candidates)
        self.stdout.write(
            f"{source.title}: {len(results)} sentences, {with_any} with suggestions ({method}; {elapsed:.1f} s)\n"
        )
        for r in results:
            self.stdout.write(f"[{r.start}–{r.end}] {r.text}")
            if not r.candidates:
                self.stdout.write("    nothing above the threshold")
            for c in r.candidates:
                line = f"    {c.relation:<11} {c.score:.2f}  claim {c.claim_id}: {statements.get(c.claim_id, '')}"
                self.stdout.write(line)
                if c.reason:
                    self.stdout.write(f"                       because {c.reason}")
            self.stdout.write("")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
