"""Site-wide request and response rules Django and django-csp do not provide.

Both sit above the page cache in ``MIDDLEWARE``: cached pages get the header,
and a refused request never reaches the cache or a view.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed


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


class ReadOnlySiteMiddleware:
    """Outside the admin the site is read-only: GET and HEAD only.

    Other methods get 405 with ``Allow: GET, HEAD`` (OPTIONS: 204 with the same
    header) before any view runs, instead of views rendering pages for TRACE or
    POST and scanners filling the logs with CSRF failures.
    """

    SAFE = ("GET", "HEAD")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.SAFE or request.path.startswith(settings.KB_WRITABLE_PATHS):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ", ".join(self.SAFE)
            return response
        return HttpResponseNotAllowed(self.SAFE)


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


class RequestBodyLimitMiddleware:
    """Refuse a request body larger than its sender may send, before a byte of it is read.

    Visitors who are not signed in only ever post the login form (a few hundred
    bytes): their bodies may hold ``KB_ANONYMOUS_BODY_BYTES`` (64 KiB). Signed-in
    editors upload images (10 MB) and source texts (5 MB): ``KB_EDITOR_BODY_BYTES``
    (32 MiB). Without this, Django's CSRF check read and spooled a 64 MB anonymous
    body to disk before answering 403. Sits below authentication in
    ``MIDDLEWARE``; every view, and the CSRF check, runs after it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponseBadRequest("Bad request: Content-Length is not a number.\n", content_type="text/plain")
        if length > settings.KB_ANONYMOUS_BODY_BYTES:
            signed_in = request.user.is_authenticated
            limit = settings.KB_EDITOR_BODY_BYTES if signed_in else settings.KB_ANONYMOUS_BODY_BYTES
            if length > limit:
                who = "an editor's request" if signed_in else "a request from a visitor who is not signed in"
                return HttpResponse(
                    f"Request body too large: {length:,} bytes; {who} may send at most {limit:,}.\n",
                    status=413,
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
