"""Faults: an import or an edit that dies half-way leaves the database exactly as it was.

Two ways to die: an exception at the n-th write statement (a full disk, a lost
connection, a bug), and the process killed outright (SIGKILL, no cleanup).
"""

import io
import signal
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from caching.models import CacheTag
from khrushchev_kb.backup import backed_up_models
from sources.models import Claim

from .processes import run_django

WRITE = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class InjectedFault(Exception):
    pass


@contextmanager
def fail_at_write(n: int):
    """Raise InjectedFault instead of running the n-th write statement on the default connection."""
    seen = {"writes": 0}

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITE):
            seen["writes"] += 1
            if seen["writes"] == n:
                raise InjectedFault(f"write {n}: {sql[:60]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def snapshot() -> dict:
    """Every row of every content, history, account and cache-version table, and the search index's size."""
    state = {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in backed_up_models()}
    state["version"] = list(sorted(CacheTag.objects.values_list("tag", "token")))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT kind, count(*) FROM kb_search GROUP BY kind ORDER BY kind")
            state["search"] = cursor.fetchall()
    return state


def writes_of(action) -> int:
    """How many write statements the action makes when nothing fails; everything it did is then rolled back."""
    with transaction.atomic():
        with fail_at_write(10**9) as seen:
            action()
        transaction.set_rollback(True)
    return seen["writes"]


def import_into(folder):
    return lambda: call_command("import_fixtures", str(folder), stdout=io.StringIO())


def changed_copy(root):
    """The small fixtures with one source's text extended and a claim's statement reworded: a re-import's work."""
    from .conftest import write_fixture_folder

    folder = write_fixture_folder(root)
    text = folder / "seeds" / "a.txt"
    text.write_text(text.read_text(encoding="utf-8") + "A new closing line.\n", encoding="utf-8")
    claims = folder / "claims" / "main.yaml"
    claims.write_text(
        claims.read_text(encoding="utf-8").replace("announced Stalin's death", "made known Stalin's death")
    )
    return folder


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", [True, False], ids=["first-import", "re-import"])
@pytest.mark.parametrize("where", [0.0, 0.5, 0.999])
def test_an_import_failing_at_any_write_changes_nothing(fixture_folder, tmp_path, first, where):
    if not first:
        call_command("import_fixtures", str(fixture_folder), stdout=io.StringIO())  # a knowledge base already there
    folder = fixture_folder if first else changed_copy(tmp_path / "v2")
    before = snapshot()
    total = writes_of(import_into(folder))
    assert total > (50 if first else 3) and snapshot() == before
    with pytest.raises(InjectedFault), fail_at_write(max(1, int(total * where))):
        import_into(folder)()
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_an_admin_edit_failing_at_any_write_changes_nothing(fixture_folder, where):
    from .test_concurrent_edits import form_data

    call_command("import_fixtures", str(fixture_folder), stdout=io.StringIO())
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_superuser("root", password="a long admin password"))
    claim = Claim.objects.get(key="stalin-death-announced")
    url = f"/admin/sources/claim/{claim.pk}/change/"
    data = form_data(client.get(url).content.decode("utf-8"))
    data.update({"statement": "Edited under a fault.", "tags": "succession, fault", "_save": "Save"})
    before = snapshot()
    total = writes_of(lambda: client.post(url, data))
    assert total > 3 and snapshot() == before
    with fail_at_write(max(1, int(total * where))):
        response = client.post(url, data)
    assert response.status_code == 500
    assert snapshot() == before


KILL_AT_WRITE = """
import io, os, signal
from django.db import connection
from django.core.management import call_command
seen = [0]
def wrapper(execute, sql, params, many, context):
    if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
        seen[0] += 1
        if seen[0] == {n}:
            os.kill(os.getpid(), signal.SIGKILL)
    return execute(sql, params, many, context)
with connection.execute_wrapper(wrapper):
    call_command("import_fixtures", {folder!r}, stdout=io.StringIO())
print("finished without being killed")
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", [0.05, 0.5, 0.95])
def test_an_import_killed_mid_way_changes_nothing(fixture_folder, where):
    before = snapshot()
    total = writes_of(import_into(fixture_folder))
    connection.close()  # the child gets the database to itself, as a second process would
    result = run_django(KILL_AT_WRITE.format(n=max(1, int(total * where)), folder=str(fixture_folder)))
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stdout, result.stderr)
    assert snapshot() == before
    call_command("import_fixtures", str(fixture_folder), stdout=io.StringIO())  # and the database is healthy
    assert Claim.objects.filter(key="stalin-death-announced").exists()
