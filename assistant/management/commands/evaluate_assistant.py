"""``python manage.py evaluate_assistant``: the assistant's recall, leave-one-source-out and on a labelled text.

Runs on the current database, which must hold the curated fixtures (nothing is changed: each source's run is
rolled back). See ``assistant/evaluation.py`` for what is counted.
"""

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assistant import encoder, evaluation, vectors
from sources.models import Source

LABELLED = Path(settings.BASE_DIR) / "tests" / "data" / "assistant" / "sixth_source.txt"
TARGETS = {
    "supports_recall_at_3": (0.95, "≥"),
    "supports_recall_at_1": (0.85, "≥"),
    "contradicts_recall_at_3": (0.66, "≥"),
    "uncovered_with_candidates": (0.20, "≤"),
}


class Command(BaseCommand):
    help = "Recall of the evidence assistant: leave-one-source-out over the sources, and a hand-labelled text."

    def add_arguments(self, parser):
        parser.add_argument("--source", action="append", help="Only this source slug (repeatable).")
        parser.add_argument(
            "--labelled",
            default=str(LABELLED),
            help="A text to add as a new source; its labels are in the .labels.json file beside it ('' for none).",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, source=None, labelled="", json=False, **options):
        sources = Source.objects.filter(is_published=True).order_by("file_name", "slug")
        if source:
            sources = sources.filter(slug__in=source)
        if not sources.exists():
            raise CommandError("No such published source.")
        started = time.perf_counter()
        if encoder.available():
            vectors.refresh()  # once, outside the rolled-back runs (inside, each would compute them again)
        rows = [evaluation.leave_one_out(s) for s in sources]
        overall = evaluation.Tally("all sources")
        for row in rows:
            overall.add(row)
        rows.append(overall)
        if labelled:
            text_path = Path(labelled)
            labels_path = text_path.with_suffix(".labels.json")
            if not text_path.exists() or not labels_path.exists():
                raise CommandError(f"{text_path} and {labels_path} must both exist.")
            try:
                rows.append(
                    evaluation.labelled(
                        text_path.read_text(encoding="utf-8"),
                        evaluation.load_labels(labels_path),
                        name=f"{text_path.name} (labelled by hand)",
                    )
                )
            except ValueError as error:
                raise CommandError(f"{labels_path}: {error}") from error
        elapsed = time.perf_counter() - started
        if json:
            self.stdout.write(_dumps({row.name: row.figures() for row in rows}))
            return
        method = "meaning and words" if encoder.available() else "words only (the embedding model is not installed)"
        self.stdout.write(f"Evidence assistant ({method}), {elapsed:.1f} s\n")
        self.stdout.write(
            "| run | supports | recall@3 | recall@1 | contradictions | recall@3 | uncovered | with any candidate |"
        )
        self.stdout.write("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in rows:
            f = row.figures()
            self.stdout.write(
                f"| {row.name} | {f['supports']} | {_pct(f['supports_recall_at_3'])} | "
                f"{_pct(f['supports_recall_at_1'])} | {f['contradictions']} | {_pct(f['contradicts_recall_at_3'])} | "
                f"{f['uncovered_sentences']} | {_pct(f['uncovered_with_candidates'])} |"
            )
        self.stdout.write("")
        for row in (overall, *rows[len(rows) - (1 if labelled else 0) :]):
            figures = row.figures()
            for name, (target, sense) in TARGETS.items():
                value = figures[name]
                met = value is None or (value >= target if sense == "≥" else value <= target)
                self.stdout.write(
                    f"{row.name}: {name} {_pct(value)} (target {sense} {target:.0%}): {'met' if met else 'MISSED'}"
                )
            self.stdout.write(
                f"{row.name}: supports_recall_at_1 can reach at most {_pct(figures['supports_recall_at_1_ceiling'])} "
                "on these labels (some sentences are cited for several claims, and only one can be first); "
                f"counting n claims that share a sentence as first when among its first n: "
                f"{_pct(figures['supports_recall_at_1_shared'])}"
            )


def _pct(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def _dumps(value) -> str:
    return json.dumps(value, indent=1)
