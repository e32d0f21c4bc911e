"""The evidence assistant's benchmark: its recall on the curated data, and its speed at 100,000 claims.

    .venv/bin/python bench/assistant.py        # SQLite; DATABASE_URL=postgres://… for PostgreSQL

In one run: a fresh database with the fixtures, where ``evaluate_assistant`` measures recall
(leave-one-source-out, and the hand-labelled sixth source in tests/data/assistant/); then 100,000 synthetic
claims, ``embed_claims`` (every claim's embedding, once), and ``suggest_citations`` on the longest seed source
(12,799 characters), timed in a fresh process (model loading included) and again in a process that has the
model loaded, as the admin's workers have. Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import time

from run import PYTHON, log, machine, prepare_database, production_environment, run, write_results

SOURCE = "mondo-khrushchev-ousted"
SPEED_TARGET_S = 5.0
TARGETS = [  # (figure, label, target or None for a bound shown only, at least?)
    ("supports_recall_at_3", "supports recall@3", 0.95, True),
    ("supports_recall_at_1", "supports recall@1", 0.85, True),
    ("supports_recall_at_1_ceiling", "supports recall@1: the most any ranking can reach on these labels", None, True),
    ("supports_recall_at_1_shared", "supports recall@1, shared sentences counted as first", 0.85, True),
    ("contradicts_recall_at_3", "contradictions recall@3", 0.66, True),
    ("uncovered_with_candidates", "uncovered sentences given any candidate", 0.20, False),
]

INNER = """
import json, sys, time
import django
django.setup()
from assistant import encoder, suggest
from sources.models import Source
source = Source.objects.get(slug=sys.argv[1])
started = time.perf_counter(); encoder.model(); loaded = time.perf_counter() - started
times = []
for _ in range(3):
    started = time.perf_counter(); results = suggest.suggest(source); times.append(time.perf_counter() - started)
print(json.dumps({"load": loaded, "runs": times, "sentences": len(results), "chars": len(source.text),
                  "with_candidates": sum(1 for r in results if r.candidates)}))
"""


def timed(args, env) -> float:
    started = time.perf_counter()
    run(args, env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    args = parser.parse_args()
    env, _ = production_environment()
    env, backend = prepare_database(env, suffix="assistant")
    data = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="minutes"),
        "machine": machine(),
        "claims": args.claims,
    }
    log(f"{backend}: migrate and import the fixtures")
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "import_fixtures"], env)
    log("evaluate_assistant")
    out = run([PYTHON, "manage.py", "evaluate_assistant", "--json"], env)
    data["recall"] = json.loads(out.stdout)
    log(f"generate {args.claims:,} synthetic claims")
    run([PYTHON, "manage.py", "generate_synthetic", "--claims", str(args.claims), "--seed", "1"], env)
    log("embed_claims")
    data["embed_seconds"] = timed([PYTHON, "manage.py", "embed_claims"], env)
    log("suggest_citations in a fresh process")
    data["cold_seconds"] = timed([PYTHON, "manage.py", "suggest_citations", SOURCE, "--json"], env)
    log("suggest_citations with the model loaded")
    out = run([PYTHON, "-c", INNER, SOURCE], env)
    data["warm"] = json.loads(out.stdout.strip().splitlines()[-1])
    section = report(backend, data)
    write_results(f"assistant-{backend}", section)
    print(section)


def report(backend: str, data: dict) -> str:
    recall = data["recall"]
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    lines = [
        f"## Evidence assistant: {name}",
        "",
        f"Run {data['date']} on {data['machine']} by `bench/assistant.py`.",
        "",
        "### Recall (`manage.py evaluate_assistant`, the curated fixtures)",
        "",
        "| run | supports | recall@3 | recall@1 | recall@1 (shared) | contradictions | recall@3 | uncovered "
        "| with any candidate |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run_name, f in recall.items():
        lines.append(
            f"| {run_name} | {f['supports']} | {pct(f['supports_recall_at_3'])} | {pct(f['supports_recall_at_1'])} | "
            f"{pct(f['supports_recall_at_1_shared'])} | {f['contradictions']} | {pct(f['contradicts_recall_at_3'])} "
            f"| {f['uncovered_sentences']} | {pct(f['uncovered_with_candidates'])} |"
        )
    lines += ["", "| figure | leave-one-source-out | labelled sixth source | target |", "| --- | ---: | ---: | --- |"]
    labelled = next((f for k, f in recall.items() if "labelled" in k), {})
    for key, label, target, at_least in TARGETS:
        cells = []
        for f in (recall["all sources"], labelled):
            value = f.get(key)
            if target is None:  # a bound, not a target
                cells.append(pct(value))
                continue
            met = value is None or (value >= target if at_least else value <= target)
            cells.append(f"{pct(value)} {'met' if met else '**missed**'}")
        aim = "(a bound on the row above)" if target is None else f"{'≥' if at_least else '≤'} {target:.0%}"
        lines.append(f"| {label} | {cells[0]} | {cells[1]} | {aim} |")
    warm = data["warm"]
    middle = statistics.median(warm["runs"])
    lines += [
        "",
        f"### Speed at {data.get('claims', 100_000):,} more claims",
        "",
        "| step | seconds | target | |",
        "| --- | ---: | ---: | --- |",
        f"| `embed_claims`: every public claim's embedding, once | {data['embed_seconds']:.1f} | | |",
        f"| loading the model (once per process) | {warm['load']:.1f} | | |",
        f"| suggestions for `{SOURCE}` ({warm['chars']:,} characters, {warm['sentences']} sentences), model loaded: "
        f"median of {len(warm['runs'])} runs ({', '.join(f'{t:.2f}' for t in warm['runs'])}; the first reads the "
        f"stored vectors) | {middle:.2f} | < {SPEED_TARGET_S:g} "
        f"| {'met' if middle < SPEED_TARGET_S else '**missed**'} |",
        f"| `suggest_citations {SOURCE} --json` in a fresh process (Python and the model loading included) "
        f"| {data['cold_seconds']:.1f} | | |",
    ]
    return "\n".join(lines)


def pct(value) -> str:
    return "–" if value is None else f"{value:.0%}"


if __name__ == "__main__":
    main()
