"""The vocabulary of cache tags: what a page or fragment depends on, and what a write changes.

A cached page stores the version of every tag it depends on; a write replaces
the versions of the tags it touches (``caching/versioning.py``). So a change
invalidates exactly the pages that show it: a claim's edit reaches its own
page, its people's, event's, sources' and tags' pages, its year and the lists
that show claims, and nothing else. The writes' side is ``sources/invalidation.py``.

Objects are named by what their address holds (a claim's id, a person's slug),
so a page can name its tags before it reads a row: versions must be read before
the data they vouch for (see ``versioning.depends_on``).
"""

from core import period

ALL = "all"  # in every stamp: replaced by writes that bypass the signals (bulk loads, restores)
ANY = "any"  # replaced by every write: what undeclared pages and fragments depend on
REMOVALS = "removals"  # replaced by every unpublishing and deletion: ends the stale window everywhere at once
CLAIMS = "claims"  # any claim shown anywhere changed (its text, status, placement, links)
COUNTS = "counts"  # which claims count where changed: created, deleted, published, moved, linked, cited, statuses
CATALOG = "catalog"  # a person's, event's, source's or theme's own record changed (names, titles, dates, bios)
CONFLICTS = "conflicts"  # a conflict, or a claim in one, changed
POSITIONS = "positions"  # who held which office: the chart's lanes
UNDATED = "undated"


def claim(pk) -> str:
    return f"claim:{pk}"


def person(slug) -> str:
    return f"person:{slug}"


def event(slug) -> str:
    return f"event:{slug}"


def source(slug) -> str:
    return f"source:{slug}"


def theme(slug) -> str:
    return f"tag:{slug}"


def year(value) -> str:
    """The claims the timeline places in ``value`` (a year, or None for those it cannot place)."""
    return f"year:{UNDATED if value is None else value}"


OUTSIDE = "year:outside"  # any year outside the period: the overview shows them, and does not name each


def years_of(value) -> list[str]:
    """The tags a change in year ``value`` replaces: its own, and ``OUTSIDE`` for a year outside the period."""
    if value is not None and not period.FIRST_YEAR <= value <= period.LAST_YEAR:
        return [year(value), OUTSIDE]
    return [year(value)]


def every_year() -> list[str]:
    """What the timeline's overview depends on: each year of the period, the years outside it, the undated."""
    return [year(y) for y in range(period.FIRST_YEAR, period.LAST_YEAR + 1)] + [OUTSIDE, year(None)]
