"""Caching that stays correct across processes: every key carries the content version.

The content version (``caching.models.ContentVersion``) is a token in the
database, replaced in the same transaction as every content change (the
receivers below, plus an explicit ``bump()`` after bulk writes that send no
signals). Each request reads it once (one primary-key query), and every cached
page or fragment is keyed on it, so:

* a change made anywhere (another gunicorn worker, the admin, a management
  command) is seen by the next request of every process: its old keys are
  simply never asked for again;
* the cache backend needs no invalidation protocol: Django's Redis backend when
  ``REDIS_URL`` is set (shared by all workers), the per-process memory cache
  otherwise; both are correct, Redis only saves recomputation.

What is cached: whole public pages for visitors without a session
(``PageCacheMiddleware``), and the aggregates that cost in proportion to the
data (per-year counts, list totals, filter choices) through ``cached()``, which
keeps pages fast even when the page cache misses (a new query string).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone

from core.content import CONTENT_APPS

UNCACHED_PREFIXES = ("/admin/", "/export/", "/static/", "/media/", "/healthz")
NO_VERSION = "none"
VERSION_SQL = "SELECT token FROM caching_contentversion WHERE id = 1"


def current_version() -> str:
    """Read where the page's data is read (the replica, if one is routed): a replica applies the token and
    the content of a transaction together, so a lagging replica gives an old token with old data, never a
    new token with old data."""
    from .models import ContentVersion

    # A plain cursor: this runs on every page request, cached or not, and the ORM would double its cost.
    database = router.db_for_read(ContentVersion)
    with connections[database].cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else NO_VERSION


def bump(using: str = "default") -> None:
    """Replace the content version: call after writes that send no model signals (bulk_create, raw SQL)."""
    from .models import ContentVersion, new_token

    rows = ContentVersion.objects.using(using).filter(pk=1).update(token=new_token(), changed_at=timezone.now())
    if not rows:
        ContentVersion.objects.using(using).get_or_create(pk=1)


def request_version(request) -> str:
    """The content version for this request, read once."""
    version = getattr(request, "kb_version", None)
    if version is None:
        version = request.kb_version = current_version()
    return version


def _key(version: str, name: str, params: str) -> str:
    digest = hashlib.sha1(params.encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"kb:{version}:{name}:{digest}"


def cached(request, name: str, params: str, compute, timeout: int | None = None, store: bool = True):
    """``compute()``'s value for this content version, computed once per version and ``params``.

    ``store=False`` computes without reading or writing the cache: for a request with errors, whose (empty)
    result must never stand in for the valid page's under the same ``params``.
    """
    if not store:
        return compute()
    key = _key(request_version(request), name, params)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout if timeout is not None else settings.KB_CACHE_SECONDS)
    return value


# --------------------------------------------------------------------------- invalidation


def _is_content(sender) -> bool:
    meta = getattr(sender, "_meta", None)
    return (
        meta is not None
        and meta.app_label in CONTENT_APPS
        and not hasattr(sender, "instance_type")  # simple-history's historical models: the change itself bumps
    )


_batch = threading.local()


@contextmanager
def one_bump(using: str = "default"):
    """Inside this block (a bulk write in one transaction), content changes replace the version once, at the
    end, and only if there was a change: an import of thousands of rows otherwise wrote it thousands of times."""
    if getattr(_batch, "active", False):
        yield  # nested: the outermost block replaces the version
        return
    _batch.active, _batch.changed = True, False
    try:
        yield
    finally:
        _batch.active = False
    if _batch.changed:  # not reached when the block raised: its transaction is rolled back anyway
        bump(using)


def _content_changed(using: str) -> None:
    if getattr(_batch, "active", False):
        _batch.changed = True
    else:
        bump(using)


def _changed(sender, using="default", **kwargs):
    if _is_content(sender):
        _content_changed(using)


def _m2m_changed(sender, action, using="default", **kwargs):
    if action.startswith("post_") and _is_content(sender):
        _content_changed(using)


def connect_signals() -> None:
    post_save.connect(_changed, dispatch_uid="kb_content_saved")
    post_delete.connect(_changed, dispatch_uid="kb_content_deleted")
    m2m_changed.connect(_m2m_changed, dispatch_uid="kb_content_m2m")


# --------------------------------------------------------------------------- whole pages


class PageCacheMiddleware:
    """Serve public pages from the cache to visitors without a session.

    Sits below the header-setting middleware in ``MIDDLEWARE``, so cached answers
    get every header, and above sessions, CSRF and authentication, which a
    cached public page needs none of. Only complete 200 answers to GET
    without cookies are stored; anyone with a session (editors) always gets a
    fresh page. Answers carry ``X-KB-Cache: hit`` or ``miss``.

    Pages name the site by its canonical origin (``KB_BASE_URL``), never by the
    request's Host, so one cached page is right for every visitor; the Host is
    still checked against ``ALLOWED_HOSTS`` before anything is answered.

    In front of the shared cache, each process keeps its most recent pages in
    memory (at most ``KB_PAGE_MEMORY_BYTES``): its keys carry the content version
    too, so it is exactly as correct, and a popular page is then served without
    a round trip to Redis.
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
        key = _key(request_version(request), "page", request.get_full_path())
        hit = self.recent.get(key)
        if hit is None:
            hit = cache.get(key)
            if hit is not None:
                self.recent.put(key, hit)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-KB-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "no-store" not in response.get("Cache-Control", "")
        ):
            entry = (response.content, response["Content-Type"])
            cache.set(key, entry, settings.KB_PAGE_CACHE_SECONDS)
            self.recent.put(key, entry)
        response["X-KB-Cache"] = "miss"
        return response


class LocalPages:
    """A small least-recently-used store of pages in this process, bounded in bytes (thread-safe)."""

    def __init__(self, budget: int):
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: tuple[bytes, str]) -> None:
        cost = len(entry[0])
        if cost > self.budget // 4:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = entry
            self.size += cost
            while self.size > self.budget:
                _, (content, _) = self.entries.popitem(last=False)
                self.size -= len(content)
