"""The load test: readers on every page type while an editor keeps writing; zero errors is the target.

    .venv/bin/python bench/load.py                    # SQLite (WAL), bench/out/load.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khrushchev_kb .venv/bin/python bench/load.py

In one run it: imports the fixtures into a fresh database and adds 5,000
synthetic claims; serves the site with gunicorn (4 workers, settings as
deployed); then for 30 seconds runs wrk with 32 connections cycling through
every page type (the timeline, a year, the lists, a claim, a source, a person,
an event, disputes, search, a tag, the filtered claims, the exports and data
package, the health check), every other request with a unique parameter so
that it misses the page cache and reaches the database, while bench/writer.py
keeps adding, editing, publishing and unpublishing claims in another process.
Counted as errors: any answer that is not 2xx, wrk's socket errors and
timeouts, every failed write, any traceback or "database is locked" in the
server's log. Then, with 2 workers, it measures reads per second over 25 public
pages alone, and while an editor saves one change every 5 s and two changes a
second: the shares of read-only throughput are issue 18's targets (≥ 0.9, ≥ 0.7).
The figures replace this backend's load section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import select
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    OUT,
    PYTHON,
    RESULTS,
    ROOT,
    gunicorn,
    log,
    machine,
    prepare_database,
    production_environment,
    run,
    write_results,
)

LUA = """
local paths = {%s}
local counter = 0
function setup(thread)
  thread:set("offset", math.random(1, 1000000))
end
function request()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  if counter %% 2 == 0 then
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "_load=" .. offset .. "-" .. counter
  end
  return wrk.format("GET", path)
end
"""


def page_paths(env: dict) -> list[str]:
    """One URL of every page type, taken from the database (fixture rows, which the writer never touches)."""
    code = """
import json
from django.urls import reverse
from events.models import Event
from people.models import Person
from sources.models import Claim, Source
from taggit.models import Tag
claim = Claim.objects.public().filter(key__isnull=False).first()
print(json.dumps([
    "/", "/?year=1962", "/?year=undated", "/claims/", "/claims/?status=contested", "/claims/?q=Khrushchev&page=2",
    claim.get_absolute_url(), Source.objects.filter(file_name__gt="").first().get_absolute_url(),
    Person.objects.get(slug="nikita-khrushchev").get_absolute_url(), Event.objects.exclude(slug__startswith="synthetic")
    .first().get_absolute_url(), "/people/", "/events/", "/sources/", "/disputes/", "/search/?q=virgin+lands",
    "/search/?q=Brezhnev", f"/tags/{Tag.objects.exclude(slug='synthetic').first().slug}/",
    "/export/claims.csv?person=nikita-khrushchev", "/export/citations.csv?status=contested", "/export/datapackage.json",
    "/export/claims.json?tag=ouster", "/healthz",
]))
"""
    out = run([PYTHON, "-c", "import django; django.setup()\n" + code], env).stdout
    return json.loads(out.strip().splitlines()[-1])


THROUGHPUT_LUA = """
local paths = {%s}
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def public_pages(env: dict) -> list[str]:
    """25 public pages a reader browses (every list, and details of each kind), all served by the page cache."""
    code = """
import json
from events.models import Event
from people.models import Person
from sources.models import Claim, Source
from taggit.models import Tag
real = lambda qs, n: [o.get_absolute_url() for o in qs.exclude(slug__startswith="synthetic")[:n]]
claims = [c.get_absolute_url() for c in Claim.objects.public().filter(key__isnull=False).exclude(
    key__startswith="synthetic").order_by("pk")[:4]]
tags = [f"/tags/{t.slug}/" for t in Tag.objects.exclude(slug__in=["synthetic", "load-test"]).order_by("pk")[:2]]
print(json.dumps([
    "/", "/?year=1956", "/?year=1964", "/claims/", "/claims/?year=1962", "/people/", "/events/", "/sources/",
    "/tags/", "/about/", "/disputes/", *claims, *real(Person.objects.order_by("pk"), 3),
    *real(Event.objects.order_by("pk"), 2), *real(Source.objects.order_by("pk"), 2), *tags,
][:25]))
"""
    out = run([PYTHON, "-c", "import django; django.setup()\n" + code], env).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_writer(env: dict, seconds: float, interval: float | None = None) -> subprocess.Popen:
    """bench/writer.py, returned once it is set up: the readers are then timed against the editor's changes, not
    against a Python interpreter starting (a second of one core, which on two cores is a few percent of a run)."""
    command = [PYTHON, "bench/writer.py", str(seconds), *([str(interval)] if interval is not None else [])]
    writer = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([writer.stdout], [], [], 120)  # a writer stuck before its first change
    if not ready or writer.stdout.readline().strip() != "ready":
        writer.kill()
        raise SystemExit(f"bench/writer.py did not start (exit status {writer.wait()})")
    return writer


def throughput(env: dict, seconds: int, connections: int) -> dict:
    """Reads per second over 25 public pages (gunicorn, 2 workers): alone, then while an editor saves one change
    every 5 s, then two changes a second. The ratios are the targets of issue 18 (≥ 0.9 and ≥ 0.7)."""
    paths = public_pages(env)
    script = Path(tempfile.mkstemp(suffix=".lua", dir=OUT)[1])
    script.write_text(THROUGHPUT_LUA % ", ".join(json.dumps(p) for p in paths), encoding="utf-8")
    phases = {}
    try:
        with gunicorn(env, workers=2) as (port, _server):
            base = f"http://127.0.0.1:{port}"
            for path in paths:
                with urllib.request.urlopen(base + path, timeout=60) as response:
                    response.read()
            for name, interval in (("read-only", None), ("1 change / 5 s", 5.0), ("2 changes / s", 0.5)):
                log(f"throughput, {name}: {seconds} s")
                writer = None
                if interval is not None:
                    writer = start_writer(env, seconds, interval)
                out = subprocess.run(
                    ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base],
                    check=True,
                    text=True,
                    capture_output=True,
                ).stdout
                phases[name] = parse_wrk(out)
                if writer is not None:
                    phases[name]["writes"] = json.loads(writer.communicate(timeout=120)[0].strip().splitlines()[-1])
    finally:
        script.unlink()
    return {"paths": paths, "phases": phases, "seconds": seconds, "connections": connections}


def parse_wrk(out: str) -> dict:
    def number(pattern: str, default: float = 0.0) -> float:
        found = re.search(pattern, out)
        return float(found.group(1)) if found else default

    def ms(pattern: str) -> float | None:
        found = re.search(pattern + r"\s+([\d.]+)(us|ms|s)\b", out)
        if not found:
            return None
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(number(r"(\d+) requests in")),
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "non_2xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(int(g) for g in socket.groups()) if socket else 0,
        "socket_detail": socket.group(0) if socket else "none",
        "p50_ms": ms(r"50%"),
        "p99_ms": ms(r"99%"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--claims", type=int, default=5_000, help="synthetic claims added before the run")
    parser.add_argument("--throughput-seconds", type=int, default=40, help="each phase of the reads-under-editing run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: make bench-tools (Debian's wrk)")

    env, cache = production_environment()
    env, backend = prepare_database(env, suffix="load")
    log(f"{backend}: migrate, import the fixtures, add {args.claims:,} synthetic claims")
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "import_fixtures"], env)
    if args.claims:
        run([PYTHON, "manage.py", "generate_synthetic", "--claims", str(args.claims), "--seed", "3"], env)
    paths = page_paths(env)
    script = Path(tempfile.mkstemp(suffix=".lua", dir=OUT)[1])
    script.write_text(LUA % ", ".join(json.dumps(p) for p in paths), encoding="utf-8")
    server_log = OUT / f"load-{backend}-server.log"

    with open(server_log, "w") as log_file, gunicorn(env, workers=4, stderr=log_file) as (port, _server):
        base = f"http://127.0.0.1:{port}"
        for path in paths:  # every page answers before the clock starts
            with urllib.request.urlopen(base + path, timeout=60) as response:
                response.read()
        log(f"{args.seconds} s: wrk, {args.connections} connections over {len(paths)} page types, and the writer")
        writer = start_writer(env, args.seconds)
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                str(script),
                base,
            ],
            check=True,
            text=True,
            capture_output=True,
        ).stdout
        written = json.loads(writer.communicate(timeout=120)[0].strip().splitlines()[-1])
    script.unlink()
    reading = throughput(env, args.throughput_seconds, 16)
    logged = server_log.read_text(encoding="utf-8", errors="replace")
    reads = parse_wrk(out)
    data = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="minutes"),
        "machine": machine(),
        "cache": cache,
        "seconds": args.seconds,
        "connections": args.connections,
        "paths": paths,
        "reads": reads,
        "writes": written,
        "server_tracebacks": logged.count("Traceback"),
        "server_locked": logged.count("database is locked"),
        "wrk": out,
        "throughput": reading,
    }
    section = report(backend, data)
    write_results(f"load-{backend}", section)
    (OUT / f"load-{backend}.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(section)
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    if failures(data):
        raise SystemExit(1)


TARGETS = {"1 change / 5 s": 0.9, "2 changes / s": 0.7}  # reads while an editor works, share of read-only


def ratios(data: dict) -> dict[str, float]:
    phases = data["throughput"]["phases"]
    alone = phases["read-only"]["rps"]
    return {name: phases[name]["rps"] / alone for name in TARGETS}


def failures(data: dict) -> int:
    reads, writes = data["reads"], data["writes"]
    phases = data["throughput"]["phases"].values()
    return (
        sum(ratio < TARGETS[name] for name, ratio in ratios(data).items())
        + sum(p["non_2xx"] + p["socket_errors"] + p.get("writes", {}).get("error_count", 0) for p in phases)
        + reads["non_2xx"]
        + reads["socket_errors"]
        + writes["error_count"]
        + data["server_tracebacks"]
        + data["server_locked"]
    )


def report(backend: str, data: dict) -> str:
    reads, writes = data["reads"], data["writes"]
    name = {"sqlite": "SQLite (WAL)", "postgresql": "PostgreSQL"}[backend]
    ops = writes["operations"]
    lines = [
        f"## Load: {name}",
        "",
        f"Run {data['date']} on {data['machine']} by `bench/load.py`; cache: {data['cache']}. "
        f"{data['seconds']} s, wrk with {data['connections']} connections cycling through {len(data['paths'])} page "
        "types (every other request misses the page cache), gunicorn with 4 workers, while `bench/writer.py` adds, "
        "edits, publishes and unpublishes claims in another process.",
        "",
        "| | figure | target | |",
        "| --- | ---: | ---: | --- |",
        f"| requests served | {reads['requests']:,} ({reads['rps']:,.0f}/s) | | |",
        f"| latency p50 / p99 | {reads['p50_ms'] or 0:.1f} ms / {reads['p99_ms'] or 0:.1f} ms | | |",
        f"| answers not 2xx | {reads['non_2xx']} | 0 | {'met' if reads['non_2xx'] == 0 else '**missed**'} |",
        f"| socket errors and timeouts | {reads['socket_errors']} | 0 | "
        f"{'met' if reads['socket_errors'] == 0 else '**missed**'} |",
        f"| writes: added / edited / (un)published | {ops['add']} / {ops['edit']} / {ops['toggle']} | | |",
        f"| failed writes | {writes['error_count']} | 0 | {'met' if writes['error_count'] == 0 else '**missed**'} |",
        f'| "database is locked" (writer + server log) | {writes["locked"] + data["server_locked"]} | 0 | '
        f"{'met' if writes['locked'] + data['server_locked'] == 0 else '**missed**'} |",
        f"| tracebacks in the server log | {data['server_tracebacks']} | 0 | "
        f"{'met' if data['server_tracebacks'] == 0 else '**missed**'} |",
        "",
        "Page types: " + ", ".join(f"`{p}`" for p in data["paths"]) + ".",
    ]
    if writes["errors"]:
        lines += ["", "First write errors:", ""] + [f"- `{e}`" for e in writes["errors"][:5]]
    t = data["throughput"]
    alone = t["phases"]["read-only"]["rps"]
    lines += [
        "",
        "### Reads while an editor works",
        "",
        f"gunicorn with 2 workers; wrk with {t['connections']} connections over {len(t['paths'])} public pages "
        f"(every list, and claims, people, events, sources and themes), {t['seconds']} s per phase, the same run; "
        "`bench/writer.py` saves changes (adding, editing, unpublishing claims) at the given pace. Target: reads "
        "per second as a share of read-only throughput.",
        "",
        "| phase | requests/s | share of read-only | p50 / p99 | changes saved | target | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, phase in t["phases"].items():
        share = phase["rps"] / alone
        target = TARGETS.get(name)
        saved = sum(phase["writes"]["operations"].values()) if "writes" in phase else 0
        verdict = "" if target is None else ("met" if share >= target else "**missed**")
        latency = f"{phase['p50_ms'] or 0:.1f} / {phase['p99_ms'] or 0:.1f} ms"
        lines.append(
            f"| {name} | {phase['rps']:,.0f} | {share:.2f} | {latency} "
            f"| {saved} | {'' if target is None else f'≥ {target}'} | {verdict} |"
        )
    lines += ["", "Pages: " + ", ".join(f"`{p}`" for p in t["paths"]) + "."]
    lines += ["", "**All targets met.**" if not failures(data) else "**Targets missed: see the rows marked missed.**"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
