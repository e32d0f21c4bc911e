"""The benchmark: one command, every figure of bench/RESULTS.md from one run.

    .venv/bin/python bench/run.py                     # SQLite (bench/out/bench.sqlite3)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khrushchev_kb .venv/bin/python bench/run.py
                                                      # PostgreSQL (in a database <name>_bench)

In one run it: imports the fixtures into a fresh database; measures queries per
page and median latency (page cache missed, and warm) for every page type
(bench/pages.py); adds 100,000 synthetic claims; measures again; serves the site
with gunicorn (2 workers) and measures requests per second with wrk for `/`, a
claim page and `/healthz`; exports claims.csv and citations.csv over HTTP at
that size (rows per second, and the worker's peak memory growth), next to the
database's own command-line client dumping the stored table and running the
same query, and (SQLite) Datasette streaming the same table from the same file,
installed in a virtual environment of its own; and the peak memory of
`manage.py export_kb`, file by file. Each target is printed as a ratio measured
in this run, and the results replace this backend's section of bench/RESULTS.md.
The evidence assistant has its own benchmark, bench/assistant.py.

Never run by the test suite: it takes a few minutes and wants the machine to itself.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
RESULTS = BENCH / "RESULTS.md"
PYTHON = sys.executable
DATASETTE_VENV = OUT / "datasette-venv"

PAGE_LATENCY_GROWTH = 2.0
MAX_QUERIES = 12
RPS_SHARE = 0.5
EXPORT_MEMORY_MB = 50
SHARE_OF_CLI = 0.3
EXPORT_RUNS = 3  # streams per export and tool; the median one is reported


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args, env, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, cwd=ROOT, text=True, capture_output=True, **kwargs)
    if result.returncode:
        raise SystemExit(f"{' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


# --------------------------------------------------------------------------- the database


def prepare_database(env: dict, suffix: str = "bench") -> tuple[dict, str]:
    """A fresh database for the run; returns the environment pointing at it and the backend's name."""
    url = os.environ.get("DATABASE_URL", "")
    OUT.mkdir(exist_ok=True)
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = parts.path.lstrip("/") + "_" + suffix
        import psycopg

        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        return env, "postgresql"
    path = OUT / f"{suffix}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    env["DATABASE_URL"] = f"sqlite:///{path}"
    return env, "sqlite"


def measure_pages(env: dict, repeat: int) -> dict:
    result = run([PYTHON, "bench/pages.py"], {**env, "BENCH_REPEAT": str(repeat)})
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- serving


@contextmanager
def gunicorn(env: dict, workers: int = 2, stderr=None):
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "khrushchev_kb.wsgi",
            "--workers",
            str(workers),
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stderr=stderr,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def wrk(url: str, seconds: int, connections: int = 16) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url], check=True, text=True, capture_output=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error answers from {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def worker_pids(server) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def vm(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> bool:
    """Reset the process's peak RSS (VmHWM), so the next reading is the export's own peak."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def stream_rows(url: str) -> tuple[int, float]:
    """Fetch a CSV over HTTP, counting its lines as the CLI's output is counted; returns (data rows, seconds).

    Read in 64 kB blocks: iterating line by line made this client, not the
    server, the bottleneck (half the rows per second on PostgreSQL).
    """
    started = time.perf_counter()
    lines = 0
    with urllib.request.urlopen(url, timeout=600) as response:
        while block := response.read(1 << 16):
            lines += block.count(b"\n")
    return lines - 1, time.perf_counter() - started


def median_run(measure, runs: int = EXPORT_RUNS) -> dict:
    """The run of median duration among ``runs`` runs of ``measure()``: one stream is at the mercy of whatever
    else the two cores do at that moment. Its figures are that run's; memory growth is the largest seen."""
    results = sorted((measure() for _ in range(runs)), key=lambda r: r["seconds"])
    median = dict(results[len(results) // 2])
    median["runs_seconds"] = [round(r["seconds"], 3) for r in results]
    growths = [r["memory_growth_mb"] for r in results if r.get("memory_growth_mb") is not None]
    if "memory_growth_mb" in median:
        median["memory_growth_mb"] = max(growths) if growths else None
    return median


def export_over_http(port: int, server, table: str) -> dict:
    pids = worker_pids(server)
    before = {pid: vm(pid, "VmRSS") for pid in pids}
    peaks_reset = all(reset_peak(pid) for pid in pids)
    rows, seconds = stream_rows(f"http://127.0.0.1:{port}/export/{table}.csv")
    growth = max((vm(pid, "VmHWM") - before[pid]) / 1024 for pid in pids) if pids and peaks_reset else None
    return {"rows": rows, "seconds": seconds, "memory_growth_mb": growth}


def export_with_cli(env: dict, backend: str, table: str, whole_table: bool = False) -> dict:
    """The database's command-line client writing CSV: the export's own query, or (``whole_table``) the table
    as it is stored, ``select * from sources_citation``, the floor issue 18 measures against."""
    if whole_table:
        sql = f"SELECT * FROM sources_{table.removesuffix('s')}"  # noqa: S608 - one of two fixed names
    else:
        sql = run([PYTHON, "bench/export_sql.py", table], env).stdout.strip()
    url = env["DATABASE_URL"]
    if backend == "sqlite":
        command = ["sqlite3", "-csv", "-header", url.removeprefix("sqlite:///")]
        stdin = sql + ";\n"
        tool = "sqlite3"
    else:
        command = ["psql", url, "-q", "-c", f"\\copy ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"]
        stdin = None
        tool = "psql \\copy"
    started = time.perf_counter()
    result = subprocess.run(command, input=stdin, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return {"tool": tool, "rows": result.stdout.count("\n") - 1, "seconds": seconds}


def export_kb_memory(env: dict) -> dict:
    """Each file of ``export_kb`` written in a process of its own (and all of them in one), its peak memory above
    the idle process (bench/export_memory.py)."""
    names = json.loads(run([PYTHON, "bench/export_memory.py", "--list"], env).stdout.strip().splitlines()[-1])
    results = {}
    for name in [*names, "all"]:
        out = run([PYTHON, "bench/export_memory.py", name, str(OUT / "export_kb")], env).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    shutil.rmtree(OUT / "export_kb", ignore_errors=True)
    return results


def datasette_python() -> Path:
    python = DATASETTE_VENV / "bin" / "python"
    if not (DATASETTE_VENV / "bin" / "datasette").exists():
        log("installing Datasette in a virtual environment of its own")
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "datasette"], check=True)
    return DATASETTE_VENV / "bin" / "datasette"


def export_with_datasette(db_path: str, table: str) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [
            str(datasette_python()),
            "serve",
            "--immutable",
            db_path,
            "--port",
            str(port),
            "--setting",
            "sql_time_limit_ms",
            "600000",
            "--setting",
            "max_csv_mb",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        name = Path(db_path).stem
        wait_for(f"http://127.0.0.1:{port}/-/versions.json", 60)
        version = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json").read())
        rows, seconds = stream_rows(f"http://127.0.0.1:{port}/{name}/{table}.csv?_stream=on&_size=max")
        return {"rows": rows, "seconds": seconds, "version": version["datasette"]["version"]}
    finally:
        server.terminate()
        server.wait(timeout=30)


# --------------------------------------------------------------------------- report


def _kb(page: dict) -> str:
    return f"{page['bytes'] / 1000:.0f}" if "bytes" in page else "?"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(backend: str, data: dict) -> str:
    seed, big = data["pages_seed"], data["pages_big"]
    lines = [
        f"## {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}",
        "",
        f"Run {data['date']} on {data['machine']}; {data['claims']:,} synthetic claims added in "
        f"{data['generate_seconds']:.1f} s; cache: {data['cache']}.",
        "",
        "### Pages: queries and median latency, seed data vs. 100,000 more claims",
        "",
        f"Queries counted with every cache empty (target ≤ {MAX_QUERIES} and the same at both sizes). Latency in ms, "
        "median of the run's requests: *missed* = the page cache missed (a unique dummy parameter each time), "
        f"*warm* = the same URL again; growth target ≤ {PAGE_LATENCY_GROWTH:g}×. *kB*: the page's size, seed → "
        "100k (a list at seed size holds fewer rows than a page takes, so its page is smaller).",
        "",
        "| page | queries seed | queries 100k | kB | missed seed | missed 100k | growth "
        "| warm seed | warm 100k | growth | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    all_ok = True
    for name, s in seed.items():
        b = big[name]
        cold, warm = b["cold_ms"] / s["cold_ms"], b["warm_ms"] / s["warm_ms"]
        ok = b["queries"] <= MAX_QUERIES and b["queries"] == s["queries"]
        ok = ok and cold <= PAGE_LATENCY_GROWTH and warm <= PAGE_LATENCY_GROWTH
        all_ok &= ok
        lines.append(
            f"| {name} | {s['queries']} | {b['queries']} | {_kb(s)} → {_kb(b)} | {s['cold_ms']:.1f} "
            f"| {b['cold_ms']:.1f} | {cold:.2f}× "
            f"| {s['warm_ms']:.2f} | {b['warm_ms']:.2f} | {warm:.2f}× | {verdict(ok)} |"
        )
    rps = data["rps"]
    lines += [
        "",
        f"### Requests per second (gunicorn, 2 workers; wrk, 16 connections, {data['wrk_seconds']} s each)",
        "",
        "| URL | requests/s | share of /healthz | target | |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| /healthz | {rps['/healthz']:.0f} | 100 % | | |",
    ]
    for name in ("/", "a claim"):
        share = rps[name] / rps["/healthz"]
        all_ok &= share >= RPS_SHARE
        lines.append(f"| {name} | {rps[name]:.0f} | {share:.0%} | ≥ {RPS_SHARE:.0%} | {verdict(share >= RPS_SHARE)} |")
    lines += [
        "",
        f"### CSV export at {data['claims']:,} claims",
        "",
        "Over HTTP from the running site, against the database's command-line client dumping the stored table "
        "(`select * from sources_…`: the floor) and running the export's own query, and Datasette.",
        f"Each figure is the median of {EXPORT_RUNS} streams; memory, the largest growth of ours.",
        "",
        "| table | rows | ours rows/s | memory growth | CLI, whole table rows/s | ours / CLI whole table "
        "| CLI, same query rows/s | ours / CLI same query | Datasette rows/s | ours / Datasette | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for table, e in data["exports"].items():
        ours = e["ours"]["rows"] / e["ours"]["seconds"]
        cli = e["cli"]["rows"] / e["cli"]["seconds"]
        floor = e["cli_table"]["rows"] / e["cli_table"]["seconds"]
        memory = e["ours"]["memory_growth_mb"]
        ok = memory is None or memory < EXPORT_MEMORY_MB
        if table == "citations":  # the target of issue 18: the table a CLI dumps as stored
            ok = ok and ours >= SHARE_OF_CLI * floor
        if e.get("datasette"):
            ds = e["datasette"]["rows"] / e["datasette"]["seconds"]
            ok = ok and ours >= ds
            ds_cells = f"{ds:,.0f} | {ours / ds:.2f}×"
        else:
            ds_cells = "n/a (SQLite only) | n/a"
        all_ok &= ok
        memory_cell = "not measured" if memory is None else f"{memory:.1f} MB"
        lines.append(
            f"| {table} | {e['ours']['rows']:,} | {ours:,.0f} | {memory_cell} | {floor:,.0f} ({e['cli']['tool']}) "
            f"| {ours / floor:.2f}× | {cli:,.0f} | {ours / cli:.2f}× | {ds_cells} | {verdict(ok)} |"
        )
    lines += [
        "",
        f"### `manage.py export_kb` at {data['claims']:,} claims: peak memory above an idle process",
        "",
        "Each file written by a process of its own, and all of them by one, as `export_kb` does "
        "(`bench/export_memory.py`: peak resident memory after the export minus resident memory before it).",
        "",
        "| file | size | peak growth | target | |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, m in data["export_kb"].items():
        ok = m["growth_mb"] < EXPORT_MEMORY_MB
        all_ok &= ok
        lines.append(
            f"| {name} | {m['bytes'] / 1e6:,.1f} MB | {m['growth_mb']:.1f} MB | < {EXPORT_MEMORY_MB} MB "
            f"| {verdict(ok)} |"
        )
    lines += [
        "",
        f"Targets: memory growth < {EXPORT_MEMORY_MB} MB over the idle worker (peak RSS, reset before the export), "
        f"citations.csv ≥ {SHARE_OF_CLI:.0%} of the command-line client's rows/s dumping the stored table, "
        "≥ Datasette's streamed "
        f"CSV{' (Datasette ' + data['datasette_version'] + ')' if data.get('datasette_version') else ''}.",
        "",
        f"**All targets {'met' if all_ok else 'not met: see the rows marked missed'}.**",
        "",
    ]
    return "\n".join(lines)


def write_results(backend: str, section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start, end = f"<!-- {backend} -->", f"<!-- /{backend} -->"
    block = f"{start}\n{section}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        if not text:
            text = (
                "# Benchmark results\n\nWritten by `bench/run.py` (see the README). Each section is one run on one "
                "backend; ratios are measured within that run.\n\n"
            )
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- main


def machine() -> str:
    cores = os.cpu_count()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("\n")[0].split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    system = f"{platform.system()} {platform.machine()}, {cores} cores{memory}"
    return f"{platform.node()} ({system}, Python {platform.python_version()})"


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def production_environment() -> tuple[dict, str]:
    """Settings as deployed (debug off, plain HTTP on a local port), Redis as the cache when it answers."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "khrushchev_kb.settings.base",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "DJANGO_HTTPS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }
    cache = "per-process memory"
    if redis_answers() and "REDIS_URL" not in env:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    if env.get("REDIS_URL"):
        cache = f"Redis ({env['REDIS_URL']})"
        env["KB_CACHE_PREFIX"] = f"bench{os.getpid()}"
    return env, cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15, help="requests per page and mode for the medians")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    args = parser.parse_args()
    for tool in ("wrk",):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: apt-get install {tool} (Debian package)")

    env, cache = production_environment()
    env, backend = prepare_database(env)
    data = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="minutes"),
        "machine": machine(),
        "claims": args.claims,
        "cache": cache,
        "wrk_seconds": args.seconds,
    }

    log(f"{backend}: migrate and import the fixtures")
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)  # debug is off: hashed static files
    run([PYTHON, "manage.py", "import_fixtures"], env)
    log("pages at seed size")
    data["pages_seed"] = measure_pages(env, args.repeat)
    log(f"generate {args.claims:,} synthetic claims")
    started = time.perf_counter()
    run([PYTHON, "manage.py", "generate_synthetic", "--claims", str(args.claims), "--seed", "1"], env)
    data["generate_seconds"] = time.perf_counter() - started
    log("pages at scale")
    data["pages_big"] = measure_pages(env, args.repeat)

    log("gunicorn + wrk")
    claim_url = data["pages_big"]["a claim"]["url"]
    with gunicorn(env) as (port, server):
        base = f"http://127.0.0.1:{port}"
        for url in ("/healthz", "/", claim_url):
            urllib.request.urlopen(base + url).read()  # fill the caches first
        data["rps"] = {
            name: wrk(base + url, args.seconds)
            for name, url in (("/healthz", "/healthz"), ("/", "/"), ("a claim", claim_url))
        }
        log("exports")
        data["exports"] = {}
        for table in ("claims", "citations"):
            data["exports"][table] = {"ours": median_run(lambda t=table: export_over_http(port, server, t))}
    for table in ("claims", "citations"):
        data["exports"][table]["cli"] = median_run(lambda t=table: export_with_cli(env, backend, t))
        data["exports"][table]["cli_table"] = median_run(
            lambda t=table: export_with_cli(env, backend, t, whole_table=True)
        )
        if backend == "sqlite":
            db_path = env["DATABASE_URL"].removeprefix("sqlite:///")
            datasette = median_run(lambda t=table, d=db_path: export_with_datasette(d, f"sources_{t[:-1]}"))
            data["exports"][table]["datasette"] = datasette
            data["datasette_version"] = datasette["version"]

    log("export_kb memory, file by file")
    data["export_kb"] = export_kb_memory(env)
    section = report(backend, data)
    write_results(backend, section)
    (OUT / f"{backend}.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    print(section)
    log(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
