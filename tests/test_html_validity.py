"""Every page type is valid HTML, checked by the Nu HTML Checker (npm vnu-jar, system Java).

Skipped with a reason when Java or node_modules/vnu-jar is absent; `.ci/run`
runs `npm install` so CI always checks.
"""

import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from sources.models import Claim

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java to run the Nu HTML Checker"),
    pytest.mark.skipif(not VNU.exists(), reason="vnu-jar not installed: run `npm install`"),
]


def test_every_page_type_is_valid_html(client, fixture_folder, tmp_path):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    claim = Claim.objects.get(key="ousted-october-1964")
    urls = [
        "/",
        "/?year=1964",
        "/about/",
        "/tags/",
        "/claims/?sort=status",
        "/?person=nobody",
        "/claims/",
        "/claims/?status=contested",
        f"/claims/{claim.pk}/",
        "/sources/",
        "/sources/source-a/",
        "/sources/source-b/",
        "/people/",
        "/people/nikita-khrushchev/",
        "/events/",
        "/events/ouster-1964/",
        "/disputes/",
        "/tags/ouster/",
        "/search/?q=Khrushchev",
        "/search/",
        "/claims/0/",
    ]
    files = []
    for i, url in enumerate(urls):
        path = tmp_path / f"page{i}.html"
        path.write_bytes(client.get(url).content)
        files.append(str(path))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", *files],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=300,
    )
    names = dict(zip(files, urls, strict=True))
    report = result.stderr + result.stdout
    for path, url in names.items():
        report = report.replace(f"file:{path}", url)
    assert result.returncode == 0, report
