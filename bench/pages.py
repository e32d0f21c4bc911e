"""Queries per page and median latency, measured in-process with Django's test client.

Run by ``bench/run.py`` (in a process of its own, with DATABASE_URL set); prints
one JSON object. Each page is measured three ways:

* ``queries``: the query count of a request with every cache empty (the worst case);
* ``cold_ms``: median latency with the page cache missed (a unique dummy query
  parameter on every request) while the data caches may hit;
* ``warm_ms``: median latency of the same URL again (the page cache hits).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khrushchev_kb.settings.base")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))


def pages() -> dict[str, str]:
    """Every page type a reader reaches: each list (and its sortings that read other indexes), each detail page."""
    from sources.models import Claim

    claim = Claim.objects.get(key=os.environ.get("BENCH_CLAIM", "a-beria-led-kgb-in-1953"))
    return {
        "/": "/",
        "/?year=1956": "/?year=1956",
        "/claims/": "/claims/",
        "/claims/?year=1956": "/claims/?year=1956",
        "/claims/?sort=status": "/claims/?sort=status",
        "/claims/?person=…": "/claims/?person=nikita-khrushchev",
        "a claim": claim.get_absolute_url(),
        "/people/": "/people/",
        "/people/?sort=born": "/people/?sort=born",
        "a person": "/people/nikita-khrushchev/",
        "/events/": "/events/",
        "/events/?sort=title": "/events/?sort=title",
        "an event": "/events/ouster-1964/",
        "/sources/": "/sources/",
        "/sources/?sort=coverage": "/sources/?sort=coverage",
        "a source": "/sources/dailyhistory-rise-and-fall/",
        "/tags/": "/tags/",
        "a tag": "/tags/succession/",
        "/disputes/": "/disputes/",
        "/about/": "/about/",
        "/search/": "/search/?q=secret+speech",
    }


def fetch(client: Client, url: str) -> float:
    return fetch_sized(client, url)[0]


def fetch_sized(client: Client, url: str) -> tuple[float, int]:
    """(milliseconds, bytes of the page)."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, len(response.content)


def measure() -> dict:
    client = Client()
    results = {}
    for n, (name, url) in enumerate(pages().items()):
        cache.clear()
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            size = fetch_sized(client, url)[1]
        sep = "&" if "?" in url else "?"
        cold = [fetch(client, f"{url}{sep}_bench={n}-{i}") for i in range(REPEAT)]
        fetch(client, url)
        warm = [fetch(client, url) for _ in range(REPEAT)]
        results[name] = {
            "url": url,
            "queries": len(queries),
            "bytes": size,  # a list page at seed size may hold fewer rows than a page takes: it is smaller
            "cold_ms": round(statistics.median(cold), 2),
            "warm_ms": round(statistics.median(warm), 2),
        }
    return results


if __name__ == "__main__":
    print(json.dumps(measure()))
