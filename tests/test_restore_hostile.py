"""restore_kb against hostile archives: nothing is written outside the media folder, nothing at all before every
check has passed, and every malformed archive is refused with a message (never a traceback)."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from khrushchev_kb import backup

pytestmark = pytest.mark.django_db


def manifest_for(members: dict[str, bytes], **changes) -> bytes:
    manifest = {
        "format": backup.FORMAT,
        "created": "2026-11-30T00:00:00+00:00",
        "database": "sqlite",
        "schema": {},
        "rows": {},
        "media_files": sum(1 for name in members if name.startswith("media/")),
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    manifest.update(changes)
    return json.dumps(manifest).encode()


def archive(path: Path, members: list[tuple[str, bytes]], manifest: bytes | None = None) -> Path:
    """A zip holding ``members`` in order (duplicates allowed) and a manifest vouching for them."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
        zf.writestr("manifest.json", manifest if manifest is not None else manifest_for(dict(members)))
    return path


def refused(path: Path, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("restore_kb", str(path), stdout=io.StringIO())


@pytest.mark.parametrize(
    "relative",
    ["/ABSOLUTE", "../escaped.txt", "figures/../../escaped.txt", "./x", "a\\..\\b", "C:x", "figures//x", "x/"],
)
def test_zip_slip_names_are_refused_and_nothing_is_written(tmp_path, settings, relative):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    outside = tmp_path / "outside" / "pwned.txt"
    name = "media/" + ("/" + str(outside).lstrip("/") if relative == "/ABSOLUTE" else relative)
    refused(archive(tmp_path / "evil.zip", [("data.jsonl", b""), (name, b"owned")]), "a member a backup never has")
    assert not outside.exists()
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*"))


def test_a_safe_name_is_still_checked_against_its_folder(tmp_path):
    with pytest.raises(backup.BackupError, match="outside the media folder"):
        backup.inside(tmp_path, "../x")
    assert backup.inside(tmp_path, "figures/a.png") == tmp_path / "figures" / "a.png"
    name = "figures/thumbnails/Khrushchev-1959.webp"
    assert backup.media_path(f"media/{name}") == name
    assert backup.media_path("media/figures/..") is None


def test_two_members_with_one_name_are_refused(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    members = [("data.jsonl", b""), ("media/a.png", b"first"), ("media/a.png", b"second")]
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = archive(tmp_path / "dup.zip", members)
    refused(path, "two members named 'media/a.png'")
    assert not (tmp_path / "media").exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    bomb = b"\0" * (64 << 20)  # 64 MiB of zeros deflate to about 64 kB
    path = archive(tmp_path / "bomb.zip", [("data.jsonl", b""), ("media/bomb.png", bomb)])
    assert path.stat().st_size < 1 << 20
    refused(path, "zip bomb")
    assert not (tmp_path / "media").exists()


def test_a_member_larger_than_its_limit_is_refused(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(backup, "MAX_MEDIA_BYTES", 1000)
    refused(archive(tmp_path / "big.zip", [("data.jsonl", b""), ("media/a.png", b"x" * 1001)]), "the limit is 1000")


def test_a_whole_archive_larger_than_its_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "MAX_TOTAL_BYTES", 1000)
    members = [("data.jsonl", b""), ("media/a.png", b"x" * 600), ("media/b.png", b"y" * 600)]
    refused(archive(tmp_path / "big.zip", members), "the limit is 1000")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (b"[]", "must be a JSON object"),
        (b"{not json", "not valid JSON"),
        (json.dumps({"format": "other/9"}).encode(), "unknown backup format"),
        (manifest_for({"data.jsonl": b""}, schema=["sources"]), "schema must be"),
        (manifest_for({"data.jsonl": b""}, rows={"sources.Claim": "many"}), "rows must be"),
        (manifest_for({"data.jsonl": b""}, rows={"sources.Claim": True}), "rows must be"),
        (manifest_for({"data.jsonl": b""}, media_files=-1), "media_files must be"),
        (manifest_for({"data.jsonl": b""}, sha256={"data.jsonl": 5}), "sha256 must be"),
        (manifest_for({"data.jsonl": b""}, sha256="abc"), "sha256 must be"),
        (manifest_for({"data.jsonl": b""}, created=None), "created must be"),
    ],
)
def test_a_malformed_manifest_is_refused_with_its_field(tmp_path, manifest, message):
    refused(archive(tmp_path / "m.zip", [("data.jsonl", b"")], manifest=manifest), message)


def test_a_member_the_manifest_does_not_vouch_for_is_refused(tmp_path):
    manifest = manifest_for({"data.jsonl": b""})
    refused(archive(tmp_path / "x.zip", [("data.jsonl", b""), ("media/a.png", b"x")], manifest), "does not list")


def test_the_whole_archive_is_held_to_the_ratio_too(tmp_path, settings):
    """Found by review: 300 members of 1 MiB of zeros each escaped the per-member check (900:1 in all)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    members = [("data.jsonl", b"")] + [(f"media/z{i}.png", b"\0" * (60 << 10)) for i in range(40)]
    refused(archive(tmp_path / "bombs.zip", members), "zip bomb")
    assert not (tmp_path / "media").exists()


def test_rows_of_models_a_backup_never_holds_are_refused(tmp_path):
    """Found by review: a crafted archive could restore a session (a chosen key: a login) or any other model."""
    row = (
        b'{"model": "sessions.session", "pk": "chosenkey", '
        b'"fields": {"session_data": "x", "expire_date": "2099-01-01T00:00:00Z"}}\n'
    )
    refused(archive(tmp_path / "s.zip", [("data.jsonl", row)]), "backups never contain")
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists()
