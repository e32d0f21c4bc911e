"""Secure by default: the deploy checklist passes with production settings, and every response carries the headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(DJANGO_SETTINGS_MODULE="khrushchev_kb.settings.base", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def production():
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "kb.example.org",
    }


def test_check_deploy_finds_nothing_with_the_production_defaults():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_plain_http_is_a_choice_the_checklist_still_reports():
    """DJANGO_HTTPS=0 (a local port with no TLS in front) turns the HTTPS settings off, and check --deploy says so."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production(), DJANGO_HTTPS="0")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="kb.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_secure_headers(response, url):
    for name, value in HEADERS.items():
        assert response.get(name) == value, (url, name, response.get(name))
    policy = response.get("Content-Security-Policy", "")
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip())
    assert directives.get("default-src") == "'self'", (url, policy)
    assert directives.get("script-src") == "'self'", (url, policy)
    assert directives.get("style-src") == "'self'", (url, policy)
    assert directives.get("object-src") == "'none'" and directives.get("frame-ancestors") == "'none'", (url, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (url, policy)
    permissions = response.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions, (url, permissions)


def test_every_kind_of_response_carries_the_security_headers(client, kb):
    from sources.models import Claim

    claim = Claim.objects.public().first()
    urls = [
        "/",
        "/",
        "/claims/",
        claim.get_absolute_url(),
        "/sources/source-a/",
        "/people/nikita-khrushchev/",
        "/events/ouster-1964/",
        "/disputes/",
        "/search/?q=ousted",
        "/healthz",
        "/export/claims.csv",
        "/export/claims.json",
        "/export/datapackage.json",
        "/admin/login/",
        "/claims/999999/",
        "/claims/?date_from=x",
    ]
    seen_cache_hit = False
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 400, 404), url
        assert_secure_headers(response, url)
        seen_cache_hit |= response.get("X-KB-Cache") == "hit"
    assert seen_cache_hit  # "/" twice: the second answer came from the page cache, headers and all


def test_the_admin_answers_with_the_same_policy(admin_client):
    response = admin_client.get("/admin/sources/claim/add/")
    assert response.status_code == 200
    assert_secure_headers(response, "/admin/sources/claim/add/")


@pytest.mark.django_db
def test_an_anonymous_body_over_its_limit_is_refused_before_it_is_read(client, monkeypatch):
    """Issue 14: 64 MB sent to /admin/login/ were read and spooled to disk before the 403."""
    from django.core.handlers.wsgi import WSGIRequest

    read = []
    original = WSGIRequest.read
    monkeypatch.setattr(WSGIRequest, "read", lambda self, *a, **k: read.append(1) or original(self, *a, **k))
    body = "x=" + "y" * (1024 * 1024)
    response = client.post("/admin/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "at most 65,536" in response.content.decode()
    assert read == []  # not a byte of the body was read
    assert client.post("/admin/login/", {"username": "a", "password": "b"}).status_code in (200, 403)


@pytest.mark.django_db
def test_an_editor_may_send_a_large_text_but_not_an_unbounded_one(admin_client, settings):
    settings.KB_EDITOR_BODY_BYTES = 3 * 1024 * 1024
    ok = admin_client.post("/admin/sources/source/add/", {"title": "x", "text": "y" * (2 * 1024 * 1024)})
    assert ok.status_code == 200  # the form answers (a slug is missing), it was read
    too_big = admin_client.post("/admin/sources/source/add/", {"title": "x", "text": "y" * (4 * 1024 * 1024)})
    assert too_big.status_code == 413


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE"])
def test_public_pages_answer_only_get_and_head(client, kb, method):
    """Found by review: TRACE and OPTIONS rendered whole pages; POST reached views only to fail the CSRF check."""
    for url in ("/", "/claims/", "/search/?q=ousted", "/export/claims.csv", "/sources/source-a/"):
        response = client.generic(method, url)
        assert response.status_code == 405, (method, url)
        assert response["Allow"] == "GET, HEAD"


def test_options_names_the_methods_and_the_admin_still_takes_posts(client, kb):
    response = client.options("/claims/")
    assert (response.status_code, response["Allow"], response.content) == (204, "GET, HEAD", b"")
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 200  # the form again


def test_made_up_host_headers_are_refused_without_an_error_in_the_log():
    """Scanners' made-up Host headers are answered 400 without an ERROR and a traceback each in the log.

    In another process: pytest attaches its own capture handlers to every logger, so only the site's own
    logging configuration, as a server runs it, can show what reaches the console."""
    from tests.processes import run_django

    result = run_django(
        """
        from django.test import Client
        print("STATUS", Client().get("/", HTTP_HOST="evil.example").status_code)
        """,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    assert "STATUS 400" in result.stdout, result.stderr
    assert "Invalid HTTP_HOST" not in result.stderr and "Traceback" not in result.stderr
