"""WSGI entry point: ``gunicorn khrushchev_kb.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khrushchev_kb.settings.base")

application = get_wsgi_application()
