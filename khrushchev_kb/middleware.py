"""Response headers Django and django-csp do not set: ``Permissions-Policy``.

Sits with the other header-setting middleware above the page cache (see
``MIDDLEWARE``), so pages answered from the cache carry it too.
"""

from django.conf import settings


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
