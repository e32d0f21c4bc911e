"""Two editors, one claim: the second, stale save is refused with a clear message, and the history keeps both."""

import io
import threading

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from sources.models import Claim

pytestmark = pytest.mark.django_db


def form_data(html: str) -> dict:
    """What a browser would post from the admin change form on this page."""
    form = BeautifulSoup(html, "html.parser").find("form", id=lambda i: i and i.endswith("_form"))
    data: dict = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "file", "button"):
            continue
        if field.name == "textarea":
            data[name] = field.text.removeprefix("\n")  # the line feed after <textarea> is not part of the value
        elif field.name == "select":
            chosen = [o.get("value", o.text) for o in field.find_all("option") if o.has_attr("selected")]
            data[name] = chosen if field.has_attr("multiple") else (chosen[0] if chosen else "")
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        else:
            data[name] = field.get("value", "")
    return data


@pytest.fixture
def kb(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=io.StringIO())
    return Claim.objects.get(key="stalin-death-announced")


def editor(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(name, password=f"{name} has a long password"))
    return client


def open_form(client, claim) -> dict:
    response = client.get(f"/admin/sources/claim/{claim.pk}/change/")
    assert response.status_code == 200
    return form_data(response.content.decode("utf-8"))


def save(client, claim, data, **changes):
    return client.post(f"/admin/sources/claim/{claim.pk}/change/", {**data, **changes, "_save": "Save"})


def test_the_second_stale_save_is_refused_and_nothing_is_lost(kb):
    anna, boris = editor("anna"), editor("boris")
    anna_form, boris_form = open_form(anna, kb), open_form(boris, kb)
    assert anna_form["_edit_token"] and anna_form["_edit_token"] == boris_form["_edit_token"]

    assert save(anna, kb, anna_form, statement="Anna's wording.").status_code == 302
    refused = save(boris, kb, boris_form, statement="Boris's wording.")
    assert refused.status_code == 200
    page = refused.content.decode("utf-8")
    assert "anna saved this claim at" in page and "not saved" in page
    assert "Boris&#x27;s wording." in page  # his changes are still in the form, for him to keep
    kb.refresh_from_db()
    assert kb.statement == "Anna's wording."

    # Saving again is now a deliberate choice, and the history keeps both versions.
    again = form_data(page)
    assert again["_edit_token"] != boris_form["_edit_token"]
    assert save(boris, kb, again).status_code == 302
    kb.refresh_from_db()
    assert kb.statement == "Boris's wording."
    kept = list(kb.history.values_list("statement", "history_user__username")[:2])
    assert kept == [("Boris's wording.", "boris"), ("Anna's wording.", "anna")]


def test_a_form_shown_again_for_another_error_still_detects_the_other_save(kb):
    anna, boris = editor("anna"), editor("boris")
    boris_form = open_form(boris, kb)
    bad = save(boris, kb, boris_form, date="the sixties")
    assert bad.status_code == 200 and "EDTF" in bad.content.decode("utf-8")
    assert save(anna, kb, open_form(anna, kb), statement="Anna's wording.").status_code == 302
    retry = form_data(bad.content.decode("utf-8"))
    assert retry["_edit_token"] == boris_form["_edit_token"]  # still the version Boris started from
    refused = save(boris, kb, retry, date="1953")
    assert refused.status_code == 200 and "anna saved this claim" in refused.content.decode("utf-8")


def test_a_post_without_the_token_is_refused(kb):
    data = open_form(editor("anna"), kb)
    del data["_edit_token"]
    response = save(editor("boris"), kb, data, statement="Unseen overwrite.")
    assert response.status_code == 200
    assert "without its edit token" in response.content.decode("utf-8")
    kb.refresh_from_db()
    assert kb.statement != "Unseen overwrite."


@pytest.mark.parametrize("path", ["/admin/sources/source/{}/change/", "/admin/people/person/{}/change/"])
def test_every_content_admin_is_guarded(kb, path):
    from people.models import Person
    from sources.models import Source

    obj = Source.objects.first() if "source" in path else Person.objects.first()
    client = editor("anna")
    data = form_data(client.get(path.format(obj.pk)).content.decode("utf-8"))
    obj.save()  # someone else's save
    response = client.post(path.format(obj.pk), {**data, "_save": "Save"})
    assert response.status_code == 200
    assert "saved this" in response.content.decode("utf-8")


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_one_wins_one_is_told(fixture_folder):
    """Both posts carry the same token and race: the row lock (or SQLite's write lock) lets exactly one through."""
    call_command("import_fixtures", str(fixture_folder), stdout=io.StringIO())
    claim = Claim.objects.get(key="stalin-death-announced")
    clients = [editor("anna"), editor("boris")]
    data = open_form(clients[0], claim)
    barrier, results = threading.Barrier(2), {}

    def post(i):
        barrier.wait()
        response = save(clients[i], claim, data, statement=f"Version {i}.")
        results[i] = response.status_code
        from django.db import connection

        connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values()) == [200, 302]
    claim.refresh_from_db()
    winner = next(i for i, status in results.items() if status == 302)
    assert claim.statement == f"Version {winner}."
