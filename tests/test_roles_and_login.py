"""Editors' role, what each kind of user can reach in the admin, and the login lock-out."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from events.models import Event
from people.models import Person
from sources.models import Claim, Source

pytestmark = pytest.mark.django_db


def test_setup_roles_is_idempotent():
    out = StringIO()
    call_command("setup_roles", stdout=out)
    assert "Created group 'Editors'" in out.getvalue()
    perms = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    call_command("setup_roles", stdout=out)
    assert "is up to date" in out.getvalue()
    assert {"add_claim", "change_source", "delete_citation", "add_person", "change_event", "add_tag"} <= perms
    assert not {p for p in perms if p.endswith(("_user", "_group", "_permission"))}


def test_who_reaches_what(admin_client, kb):
    call_command("setup_roles", stdout=StringIO())
    user = User.objects.create_user("ed", password="a long editor password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    from django.test import Client

    editor = Client()
    editor.force_login(user)
    anonymous = Client()
    claim = Claim.objects.get(key="stalin-death-announced")
    source = Source.objects.get(slug="source-a")
    matrix = {
        "/admin/": (302, 200, 200),
        "/admin/sources/claim/": (302, 200, 200),
        f"/admin/sources/claim/{claim.pk}/change/": (302, 200, 200),
        f"/admin/sources/claim/{claim.pk}/history/": (302, 200, 200),
        f"/admin/sources/claim/{claim.pk}/delete/": (302, 200, 200),  # a claim is never cited
        "/admin/sources/source/": (302, 200, 200),
        f"/admin/sources/source/{source.pk}/change/": (302, 200, 200),
        f"/admin/sources/source/{source.pk}/history/": (302, 200, 200),
        f"/admin/sources/source/{source.pk}/delete/": (302, 403, 403),  # cited: nobody may delete it
        "/admin/sources/conflict/": (302, 200, 200),
        "/admin/sources/reference/": (302, 200, 200),
        "/admin/sources/figure/": (302, 200, 200),
        "/admin/sources/claim/add/": (302, 200, 200),
        "/admin/sources/source/add/": (302, 200, 200),
        "/admin/sources/citation/": (302, 200, 200),
        "/admin/people/person/": (302, 200, 200),
        "/admin/events/event/": (302, 200, 200),
        "/admin/taggit/tag/": (302, 200, 200),
        "/admin/auth/user/": (302, 403, 200),
        "/admin/auth/group/": (302, 403, 200),
        "/admin/auth/user/add/": (302, 403, 200),
        f"/admin/auth/user/{user.pk}/change/": (302, 403, 200),
        "/admin/axes/accessattempt/": (302, 403, 200),
    }
    for url, expected in matrix.items():
        got = tuple(c.get(url).status_code for c in (anonymous, editor, admin_client))
        assert got == expected, url
    # Actions: an editor may publish and unpublish; an anonymous visitor is sent to the login page.
    for client, expected in ((anonymous, 302), (editor, 302)):
        response = client.post("/admin/sources/claim/", {"action": "unpublish", "_selected_action": [claim.pk]})
        assert response.status_code == expected
    claim.refresh_from_db()
    assert not claim.published  # the editor's unpublish went through, the anonymous one never reached it
    assert "/admin/login/" in anonymous.post("/admin/sources/claim/", {"action": "publish"})["Location"]


def test_nothing_cited_can_be_deleted_through_the_admin(admin_client, kb):
    source = Source.objects.get(slug="source-a")
    person = Person.objects.get(slug="nikita-khrushchev")
    event = Event.objects.get(slug="ouster-1964")
    for url in (
        f"/admin/sources/source/{source.pk}/delete/",
        f"/admin/people/person/{person.pk}/delete/",
        f"/admin/events/event/{event.pk}/delete/",
    ):
        assert admin_client.post(url, {"post": "yes"}).status_code == 403, url
    assert Source.objects.filter(pk=source.pk).exists()
    lonely = Person.objects.create(name="Nobody", slug="nobody")
    assert admin_client.post(f"/admin/people/person/{lonely.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Person.objects.filter(pk=lonely.pk).exists()
    claim = Claim.objects.first()
    assert admin_client.post(f"/admin/sources/claim/{claim.pk}/delete/", {"post": "yes"}).status_code == 302
    assert Claim.history.filter(id=claim.pk, history_type="-").exists()  # recoverable


def test_repeated_failed_logins_are_locked_out(client, settings):
    User.objects.create_superuser("boss", password="the right password 123")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/admin/login/", {"username": "boss", "password": "wrong"})
        assert response.status_code in (200, 429)
    locked = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": "the right password 123"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    call_command("axes_reset", stdout=StringIO())
    ok = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": "the right password 123"})
    assert ok.status_code == 302


def fail_logins(client, settings, **headers):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "boss", "password": "wrong"}, **headers)


def log_in(client, **headers):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "boss", "password": "the right password 123"}, **headers
    ).status_code


def test_without_proxies_a_forged_forwarded_header_changes_nothing(client, settings):
    """KB_PROXY_COUNT=0 (the default): X-Forwarded-For is the client's to write, so it is never trusted."""
    User.objects.create_superuser("boss", password="the right password 123")
    settings.KB_PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):  # a new forged address each time does not dodge the lock
        client.post("/admin/login/", {"username": "boss", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert log_in(client, HTTP_X_FORWARDED_FOR="10.9.9.9") == 429


def test_behind_one_proxy_an_attacker_cannot_lock_an_editor_out(settings):
    """Issue 14: behind the proxy every visitor shared one address; five bad passwords locked the editor out."""
    from django.test import Client

    User.objects.create_superuser("boss", password="the right password 123")
    settings.KB_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}  # everything arrives from the proxy
    attacker, editor = Client(), Client()
    # The attacker also forges an entry in front of the one the proxy appends: only the proxy's entry counts.
    fail_logins(attacker, settings, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.66", **proxy)
    assert log_in(attacker, HTTP_X_FORWARDED_FOR="203.0.113.66", **proxy) == 429  # the attacker is locked out
    assert log_in(editor, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy) == 302  # the editor is not


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_end(rf, settings):
    from khrushchev_kb.client_address import client_address

    settings.KB_PROXY_COUNT = 2
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.2", REMOTE_ADDR="10.0.0.3")
    assert client_address(request) == "198.51.100.7"
    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.3")  # did not pass both
    assert client_address(request) == "10.0.0.3"
    request = rf.get("/", HTTP_X_FORWARDED_FOR="junk, 10.0.0.2", REMOTE_ADDR="10.0.0.3")
    assert client_address(request) == "10.0.0.3"
