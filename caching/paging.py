"""A paginator whose total is given (usually from the cache) instead of counted on every request.

Counting the rows a filter matches costs in proportion to the data; the total
changes only with what the page depends on, so pages cache it under their tags.
"""

from collections.abc import Iterable

from django.core.paginator import Paginator

from . import tags as T
from .versioning import cached


class CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._given_count = count

    @property
    def count(self) -> int:
        return self._given_count


def cached_page(
    request,
    name: str,
    queryset,
    per_page: int,
    params: str = "",
    store: bool = True,
    tags: Iterable[str] = (T.ANY,),
):
    """The requested page of ``queryset``, its total counted once while ``tags`` stay unchanged, per ``params``."""
    total = cached(request, f"count:{name}", params, queryset.count, store=store, tags=tags)
    return CountedPaginator(queryset, per_page, total).get_page(request.GET.get("page"))
