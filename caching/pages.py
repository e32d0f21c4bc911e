"""Whole public pages, cached for visitors without a session, a few seconds stale rather than rebuilt by all.

The promise, to visitors without a session: **a change is shown within
``KB_STALE_SECONDS`` (10 s)**; editors, who have sessions, see it at once; an
unpublishing or a deletion is shown at once to everyone.

How: each page is stored with its tags' versions (``caching/versioning.py``)
and the time it was built. A request finds it

* *fresh* (its versions are the current ones): served;
* *stale* (a write has touched one of its tags since), see ``when_stale``: if
  the page was built less than ``KB_STALE_SECONDS`` ago and nothing was
  unpublished or deleted since, it is served as it is (as a CDN's
  stale-while-revalidate or Varnish's grace do) while one request, the one
  that takes the rebuild lock (``cache.add``), renders the new page, and not
  before the page is ``KB_STALE_REFRESH_SECONDS`` old, so that a stream of
  changes rebuilds a page at most that often. An older page is never served
  stale: one request rebuilds it and the others wait for its result.

Everything a page showed was true when it was built, and a stale page is
served only while it is less than ``KB_STALE_SECONDS`` old: so a visitor
never sees a state older than that. A popular page invalidated under load is
rebuilt by one request, not by every worker at once. Answers carry ``X-KB-Cache: hit``, ``stale`` or ``miss``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from . import tags as T
from .versioning import request_versions, stamp

UNCACHED_PREFIXES = ("/admin/", "/export/", "/static/", "/media/", "/healthz")
SERVE_STALE, REBUILD, WAIT = "serve stale", "rebuild", "wait"


@dataclass(frozen=True)
class Page:
    content: bytes
    content_type: str
    tags: tuple[str, ...]
    stamp: str  # the versions of its tags when it was built
    removals: str  # the version of REMOVALS when it was built
    built_at: float  # time.time()


class PageCacheMiddleware:
    """Serve public pages from the cache to visitors without a session (see the module's docstring).

    Sits below the header-setting middleware in ``MIDDLEWARE``, so cached answers
    get every header, and above sessions, CSRF and authentication, which a
    cached public page needs none of. Only complete 200 answers to GET
    without cookies are stored; anyone with a session always gets a fresh page.

    Pages name the site by its canonical origin (``KB_BASE_URL``), never by the
    request's Host, so one cached page is right for every visitor; the Host is
    still checked against ``ALLOWED_HOSTS`` before anything is answered.

    In front of the shared cache, each process keeps its most recent pages in
    memory (at most ``KB_PAGE_MEMORY_BYTES``), checked the same way, so a
    popular page is served without a round trip to Redis.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.recent = LocalPages(settings.KB_PAGE_MEMORY_BYTES)

    def cacheable(self, request) -> bool:
        return (
            settings.KB_PAGE_CACHE_SECONDS > 0
            and request.method == "GET"
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(UNCACHED_PREFIXES)
            # Only the parameters pages read: a flood of made-up ones (?x=1, ?x=2, ...) cannot fill the cache and
            # push real pages out. Never a search (q): a cache hit would tell a visitor what others searched for.
            and set(request.GET) <= settings.KB_PAGE_CACHE_PARAMS
        )

    def __call__(self, request):
        request.get_host()  # ALLOWED_HOSTS first: a disallowed Host is a 400, never a cached page
        if not self.cacheable(request):
            return self.get_response(request)
        key = "kb:page:" + hashlib.sha1(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
        page = self.recent.get(key)  # this process's copy first, then the shared one (another may be newer)
        if page is not None:
            if self.fresh(request, page):
                return self.answer(page, "hit")
            if self.too_soon_to_rebuild(request, page):
                return self.answer(page, "stale")  # within the refresh interval: no need to ask the shared cache
        shared = cache.get(key)
        if shared is not None and (page is None or shared.built_at > page.built_at):
            page = shared
            self.recent.put(key, page)
            if self.fresh(request, page):
                return self.answer(page, "hit")
        decision = None
        if page is not None:
            decision = self.when_stale(request, page, key)
            if decision == SERVE_STALE:
                return self.answer(page, "stale")
            if decision == WAIT and (newer := self.wait_for_rebuild(key, page)) is not None:
                return self.answer(newer, "hit")
        request.kb_started = time.time()  # before the view reads its versions and its data
        try:
            response = self.get_response(request)
        finally:
            if decision == REBUILD:
                cache.delete(key + ":rebuilding")
        storable = (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "no-store" not in response.get("Cache-Control", "")
        )
        if not storable and page is not None:  # gone (unpublished, deleted) or failing: the old page must go too
            cache.delete(key)
            self.recent.drop(key)
        if storable:
            tags = tuple(sorted(getattr(request, "kb_page_tags", None) or {T.ANY}))
            versions = request_versions(request, [*tags, T.REMOVALS])
            built = Page(
                response.content,
                response["Content-Type"],
                tags,
                stamp(versions, tags),
                versions[T.REMOVALS],
                getattr(request, "kb_started", time.time()),
            )
            cache.set(key, built, settings.KB_PAGE_CACHE_SECONDS)
            self.recent.put(key, built)
        response["X-KB-Cache"] = "miss"
        return response

    @staticmethod
    def fresh(request, page: Page) -> bool:
        return stamp(request_versions(request, [*page.tags, T.REMOVALS]), page.tags) == page.stamp

    @staticmethod
    def when_stale(request, page: Page, key: str) -> str:
        """What to do with a stale page: serve it, rebuild it (this request holds the lock), or wait for the
        request that is rebuilding it.

        A young page (built less than ``KB_STALE_SECONDS`` ago, nothing removed since) is served while one
        request rebuilds it, and not rebuilt at all until it is ``KB_STALE_REFRESH_SECONDS`` old: under a
        stream of changes each page is rebuilt at most that often. An older page may show a change older than
        the promise: it is never served; one request rebuilds it while the others wait for that page (no
        stampede of every worker rendering the same page).
        """
        if PageCacheMiddleware.too_soon_to_rebuild(request, page):
            return SERVE_STALE
        if cache.add(key + ":rebuilding", 1, settings.KB_REBUILD_LOCK_SECONDS):
            return REBUILD
        return SERVE_STALE if PageCacheMiddleware.young(request, page) else WAIT

    @staticmethod
    def young(request, page: Page) -> bool:
        """Young enough to serve stale: built less than KB_STALE_SECONDS ago, and nothing removed since."""
        return (
            time.time() - page.built_at < settings.KB_STALE_SECONDS
            and request_versions(request, [T.REMOVALS])[T.REMOVALS] == page.removals
        )

    @staticmethod
    def too_soon_to_rebuild(request, page: Page) -> bool:
        return (
            PageCacheMiddleware.young(request, page) and time.time() - page.built_at < settings.KB_STALE_REFRESH_SECONDS
        )

    def wait_for_rebuild(self, key: str, stale: Page) -> Page | None:
        """The page another request is rebuilding, once it is stored (None if it is not within the wait)."""
        deadline = time.monotonic() + settings.KB_REBUILD_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.02)
            page = cache.get(key)
            if page is not None and page.built_at > stale.built_at:
                self.recent.put(key, page)
                return page
        return None

    @staticmethod
    def answer(page: Page, how: str) -> HttpResponse:
        response = HttpResponse(page.content, content_type=page.content_type)
        response["X-KB-Cache"] = how
        return response


class LocalPages:
    """A small least-recently-used store of pages in this process, bounded in bytes (thread-safe)."""

    def __init__(self, budget: int):
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[str, Page] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Page | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def drop(self, key: str) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.content)

    def put(self, key: str, page: Page) -> None:
        cost = len(page.content)
        if cost > self.budget // 4:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.content)
            self.entries[key] = page
            self.size += cost
            while self.size > self.budget:
                _, evicted = self.entries.popitem(last=False)
                self.size -= len(evicted.content)
