"""The address of the client behind the site's reverse proxies, for the login lock-out (django-axes).

Behind a reverse proxy every request comes from the proxy's address, so keying
the lock-out on ``REMOTE_ADDR`` would let anyone lock any editor out with five
bad passwords. ``KB_PROXY_COUNT`` says how many proxies stand in front:

* 0 (the default): no proxy; ``REMOTE_ADDR`` is the client, and no
  ``X-Forwarded-For`` header is trusted (a client can write anything there);
* N: each proxy appends the address it received the request from, so the last N
  entries of ``X-Forwarded-For`` were written by our proxies and the N-th from
  the end is the client as the outermost proxy saw it. Entries before it were
  written by the client and are ignored. A request with fewer entries did not
  come through the proxies; it is keyed on ``REMOTE_ADDR``.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.KB_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # a proxy we trust wrote something that is not an address: trust nothing of it
        return remote
