"""Site-wide request and response rules Django and django-csp do not provide.

Both sit above the page cache in ``MIDDLEWARE``: cached pages get the header,
and a refused request never reaches the cache or a view.
"""

from django.conf import settings
from django.http import HttpResponseBadRequest


class RejectNulMiddleware:
    """Answer 400 to a NUL character anywhere in the path or the query string.

    No text in the knowledge base contains one and PostgreSQL cannot even
    compare text with one (it raises, which would be a 500); forms already
    refuse it in posted fields (Django's ``ProhibitNullCharactersValidator``).
    """

    MESSAGE = "Bad request: the address contains a NUL character (%00), which no page or filter accepts.\n"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # In a URL a NUL can only be written %00, so the raw query string tells without parsing it.
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Turn off every powerful browser feature the site never uses (``settings.PERMISSIONS_POLICY``)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
