"""Caching that stays correct across processes: every cached value carries the versions of what it shows.

Each cache tag (``caching/tags.py``: a claim, a person, a year, "the catalog",
...) has a version in the database (``caching.models.CacheTag``), replaced in
the same transaction as every write that changes what the tag names. A cached
page or fragment stores the versions of its tags; it is fresh while they are
unchanged. So:

* a change made anywhere (another gunicorn worker, the admin, a management
  command) is seen by the next request of every process, whatever the cache
  backend: no invalidation message is ever sent, old entries just stop matching;
* a change invalidates only what depends on it: a typo fixed in one claim
  rebuilds the pages that show that claim, not the site (the writes' side,
  which tags a write touches, is ``sources/invalidation.py``).

Reading the versions costs one query per request (the tags a page names are
known from its address, before any row is read). Writes that bypass the model
signals (bulk loads, restores) call ``bump()``, which replaces ``ALL``, part of
every stamp.

Whole public pages are cached by ``caching/pages.py``, which also serves a page
a few seconds stale while one request rebuilds it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from core.content import CONTENT_APPS

from . import tags as T

# --------------------------------------------------------------------------- reading versions

ABSENT = "0"  # a tag no write has replaced yet


def read_versions(tags: Iterable[str], database: str | None = None) -> dict[str, str]:
    """The current version of each tag, in one query (``ABSENT`` for a tag never replaced).

    Read where the data is read (the replica, if one is routed): a replica
    applies the versions and the content of a transaction together, so a
    lagging replica gives old versions with old data, never new versions with
    old data, and replica lag never pins a stale page.
    """
    from .models import CacheTag

    wanted = sorted(set(tags))
    database = database or router.db_for_read(CacheTag)
    found: dict[str, str] = {}
    with connections[database].cursor() as cursor:  # a plain cursor: this runs on every page request
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT tag, token FROM caching_cachetag WHERE tag IN ({marks})", chunk)  # noqa: S608
            found.update(cursor.fetchall())
    return {tag: found.get(tag, ABSENT) for tag in wanted}


def request_versions(request, tags: Iterable[str]) -> dict[str, str]:
    """The versions of ``tags`` as this request first read them (read once per request, the missing in one query)."""
    known = getattr(request, "kb_versions", None)
    if known is None:
        known = request.kb_versions = {}
    missing = [tag for tag in {*tags, T.ALL} if tag not in known]
    if missing:
        known.update(read_versions(missing))
    return known


def stamp(versions: dict[str, str], tags: Iterable[str]) -> str:
    """One short string for the versions of ``tags`` (and ``ALL``): equal stamps, same content."""
    text = "|".join(f"{tag}={versions[tag]}" for tag in sorted({*tags, T.ALL}))
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def depends_on(request, *tags: str) -> None:
    """Declare what the page being rendered shows; call it before reading any of that data.

    The page cache stores the page with these tags' versions as read here, so
    a write that commits while the page renders makes it stale at once rather
    than pinning its old data under the new versions.
    """
    declared = getattr(request, "kb_page_tags", None)
    if declared is None:
        declared = request.kb_page_tags = set()
    declared.update(tags)
    request_versions(request, [*tags, T.REMOVALS])


def current_version(tag: str = T.ANY) -> str:
    """One tag's version, read now (for caches outside a request, such as the search's name list)."""
    return stamp(read_versions([tag, T.ALL]), [tag])


def _key(name: str, params: str, version: str) -> str:
    digest = hashlib.sha1(params.encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"kb:{name}:{digest}:{version}"


def cached(
    request,
    name: str,
    params: str,
    compute: Callable,
    timeout: int | None = None,
    store: bool = True,
    tags: Iterable[str] = (T.ANY,),
):
    """``compute()``'s value while the versions of ``tags`` stay as they are, per ``params``.

    ``store=False`` computes without reading or writing the cache: for a request with errors, whose (empty)
    result must never stand in for the valid page's under the same ``params``.
    """
    if not store:
        return compute()
    tags = tuple(tags)
    key = _key(name, params, stamp(request_versions(request, tags), tags))
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout if timeout is not None else settings.KB_CACHE_SECONDS)
    return value


def cached_many(request, name: str, items: dict[str, Iterable[str]], compute_missing: Callable) -> dict:
    """``cached`` for many values at once: ``items`` maps each value's params to its tags; the values not in
    the cache are computed together by ``compute_missing(list of params)`` (a dict by params)."""
    versions = request_versions(request, [tag for item_tags in items.values() for tag in item_tags])
    keys = {params: _key(name, params, stamp(versions, item_tags)) for params, item_tags in items.items()}
    found = cache.get_many(list(keys.values()))
    values = {params: found[key] for params, key in keys.items() if key in found}
    missing = [params for params in items if params not in values]
    if missing:
        computed = compute_missing(missing)
        cache.set_many({keys[params]: computed[params] for params in missing}, settings.KB_CACHE_SECONDS)
        values.update(computed)
    return values


# --------------------------------------------------------------------------- replacing versions


class _Pending(threading.local):
    def __init__(self):
        self.depth = 0
        self.tags: set[str] = set()
        self.objects: dict[str, set] = {}  # kind: ids, turned into tags by the resolvers at the end


_pending = _Pending()

# kind -> function(ids) -> tags, registered by the apps that know what their objects are shown on
# (``sources/invalidation.py``); run once at the end of a batch, with the data as the batch left it.
resolvers: dict[str, Callable[[set], set[str]]] = {}


def invalidate(*tags: str, **objects: Iterable) -> None:
    """Mark ``tags`` (and the tags of ``objects``: kind=ids) changed by the current write.

    Inside ``one_bump`` the versions are replaced once, at the end of the
    block; otherwise at once. Either way in the writer's transaction.
    """
    _pending.tags.update(tags)
    for kind, ids in objects.items():
        if ids:
            _pending.objects.setdefault(kind, set()).update(ids)
    if not _pending.depth:
        _flush()


def bump(using: str = "default") -> None:
    """Invalidate everything: after writes that send no model signals (bulk_create, raw SQL, a restore)."""
    _replace({T.ALL, T.ANY, T.REMOVALS}, using)


@contextmanager
def one_bump(using: str = "default"):
    """Inside this block (a batch of writes in one transaction), the versions its writes touch are replaced
    once, at the end, each tag once: an import of thousands of rows otherwise wrote them thousands of times."""
    _pending.depth += 1
    try:
        yield
        if _pending.depth == 1:
            _flush(using)
    finally:
        _pending.depth -= 1
        if not _pending.depth:  # a block that raised: its transaction is rolled back anyway
            _pending.tags, _pending.objects = set(), {}


def _flush(using: str = "default") -> None:
    tags, objects = _pending.tags, _pending.objects
    _pending.tags, _pending.objects = set(), {}
    if T.ALL not in tags:  # everything is invalidated anyway: no need to find what shows each object
        for kind, ids in objects.items():
            tags |= resolvers[kind](ids)
    if tags:
        _replace(tags | {T.ANY}, using)


def _replace(tags: set[str], using: str) -> None:
    from .models import CacheTag, new_token

    token, now = new_token(), timezone.now()
    rows = [CacheTag(tag=tag[: CacheTag.MAX_LENGTH], token=token, changed_at=now) for tag in sorted(tags)]
    CacheTag.objects.using(using).bulk_create(
        rows, update_conflicts=True, unique_fields=["tag"], update_fields=["token", "changed_at"], batch_size=500
    )


# --------------------------------------------------------------------------- writes the apps do not describe


def _is_content(sender) -> bool:
    meta = getattr(sender, "_meta", None)
    return (
        meta is not None
        and meta.app_label in CONTENT_APPS
        and not hasattr(sender, "instance_type")  # simple-history's historical models: the change itself counts
    )


# Models whose writes an app describes precisely (``register``); a write to any other content model
# invalidates everything, so a model added later is never cached wrongly before someone describes it.
described: set[type] = set()


def register(*models: type) -> None:
    described.update(models)


def _changed(sender, **kwargs):
    if _is_content(sender) and sender not in described:
        invalidate(T.ALL)


def _m2m_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and _is_content(type(instance)) and type(instance) not in described:
        invalidate(T.ALL)


def connect_signals() -> None:
    post_save.connect(_changed, dispatch_uid="kb_content_saved")
    post_delete.connect(_changed, dispatch_uid="kb_content_deleted")
    m2m_changed.connect(_m2m_changed, dispatch_uid="kb_content_m2m")
