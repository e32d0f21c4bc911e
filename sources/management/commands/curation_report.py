"""Coverage of the sources by claims, and the curation figures: ``python manage.py curation_report``.

For each source: how many substantive sentences it has (the rule is in
``sources/sentences.py``), how many at least one citation covers, the
percentage, and the uncited sentences themselves, so editors see every gap.
Then the figures the README quotes, over the public claims: how many claims,
corroborated (by two or more independent origins), contested (and in how many
pairs), flagged as source errors, dated, dated by their event, and undated.
"""

from django.core.management.base import BaseCommand, CommandError

from sources.models import Claim, Conflict, Source
from sources.sentences import coverage


def curation_figures() -> dict[str, int]:
    claims = Claim.objects.public()
    undated = claims.filter(date_lower__isnull=True)
    return {
        "claims": claims.count(),
        "corroborated": claims.filter(status=Claim.Status.CORROBORATED).count(),
        "contested": claims.filter(status=Claim.Status.CONTESTED).count(),
        "contested pairs": Conflict.objects.public().pairs().count(),
        "source errors": claims.exclude(source_error="").count(),
        "dated": claims.filter(date_lower__isnull=False).count(),
        "dated by event": undated.filter(event__date_lower__isnull=False).count(),
        "undated": undated.exclude(event__date_lower__isnull=False).count(),
    }


class Command(BaseCommand):
    help = "Per source: substantive sentences, how many are cited, coverage %, and the uncited sentences."

    def add_arguments(self, parser):
        parser.add_argument("--source", action="append", help="Only this source slug (repeatable).")
        parser.add_argument(
            "--min-coverage",
            type=float,
            default=None,
            help="Exit non-zero if any source's coverage is below this percentage.",
        )
        parser.add_argument("--summary", action="store_true", help="Figures only, without the uncited sentences.")

    def handle(self, *args, source=None, min_coverage=None, summary=False, **options):
        sources = Source.objects.prefetch_related("citations").order_by("file_name", "slug")
        if source:
            sources = sources.filter(slug__in=source)
            missing = set(source) - set(sources.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"unknown source slug(s): {', '.join(sorted(missing))}")
        total = cited = 0
        below = []
        for src in sources:
            result = coverage(src.text, [(c.start, c.end) for c in src.citations.all()])
            total += len(result.sentences)
            cited += len(result.cited)
            self.stdout.write(
                f"{src.slug} ({src.file_name}): {len(result.sentences)} substantive sentences, "
                f"{len(result.cited)} cited, {result.percent:.1f}% coverage"
            )
            if not summary:
                for sentence in result.uncited:
                    self.stdout.write(f"    uncited [{sentence.start}:{sentence.end}] {sentence.text}")
            if min_coverage is not None and result.percent < min_coverage:
                below.append(f"{src.slug} {result.percent:.1f}%")
        percent = 100.0 * cited / total if total else 100.0
        self.stdout.write(f"TOTAL: {total} substantive sentences, {cited} cited, {percent:.1f}% coverage")
        if not source:
            self.stdout.write("FIGURES: " + ", ".join(f"{name} {n}" for name, n in curation_figures().items()))
        if below:
            raise CommandError(f"coverage below {min_coverage:g}%: {', '.join(below)}")
