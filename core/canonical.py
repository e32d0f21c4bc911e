"""Absolute URLs from one configured origin (``KB_BASE_URL``), never from a request's ``Host`` header.

Pages, exports and citations ("cite this claim", JSON-LD, BibTeX, CSL) name the
site by its canonical origin, so a page rendered for one visitor's Host can be
served from the cache to everyone, and an export says the same wherever it was
made (``manage.py export_kb`` or ``/export/``).
"""

from django.conf import settings


def absolute(path: str) -> str:
    """The absolute URL of a site path (``/claims/1/`` -> ``https://kb.example.org/claims/1/``)."""
    if not path.startswith("/"):
        path = "/" + path
    return settings.KB_BASE_URL + path
