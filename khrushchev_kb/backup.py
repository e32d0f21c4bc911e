"""One-file backups of the whole knowledge base, and restoring one into an empty database.

The archive is a zip file:

* ``manifest.json``: the format version, when and from which schema it was
  made (the latest applied migration of every app), how many rows of each
  model it holds, and the SHA-256 of every other member;
* ``data.jsonl``: every row that people made, one per line, in Django's JSON Lines
  serialization (read back line by line, so memory stays flat):
  people, events, sources, claims, citations, conflicts, references, figures,
  tags, their whole history (simple-history's tables), drafts included, the
  editors' accounts and groups (history names them) and the admin's log;
* ``media/…``: every uploaded file (portraits, figures, their thumbnails).

Left out on purpose, because a new installation makes its own: content types
and permissions (referred to by natural key instead), sessions, login-lockout
records and the cache's version token.

A backup reads one consistent snapshot (a REPEATABLE READ transaction on
PostgreSQL; on SQLite one transaction, during which readers go on and writers
wait), and
is written to a temporary file renamed into place only when complete, so an
interrupted backup never leaves a truncated archive behind. A restore checks
every member's hash first, then loads everything in one transaction: it either
completes or leaves the database as it was.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from core.content import CONTENT_APPS

FORMAT = "khrushchev-kb-backup/1"
CHUNK = 2000
# The apps whose rows are backed up (every model in them, history included), in loading order.
APPS = ["auth", *CONTENT_APPS, "admin"]  # auth first: history and the log name users
SKIPPED_MODELS = {"auth.permission"}  # made by migrate; referred to by natural key


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder keeps times to the millisecond: a time 0.0005 s past a second came back as another value
    (and the round trip was not byte-identical once in a while). Backups keep every microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def backed_up_models() -> list:
    models = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label_lower not in SKIPPED_MODELS:
                models.append(model)
    return models


def schema(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The latest applied migration of every app."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


@dataclass
class Summary:
    rows: dict[str, int]
    media: int
    path: Path

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@contextmanager
def _snapshot(using: str):
    """A transaction whose reads all see one moment of the database."""
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _rows_of(model, using: str):
    """Every row of the model in pk order, with what the serializer reads per row fetched in bulk.

    Foreign keys to models with natural keys (users, content types) are written
    as those keys, so they are joined in; many-to-many values are prefetched.
    Without this the serializer made a query per row.
    """
    fields = model._meta.concrete_fields
    joined = [f.name for f in fields if f.many_to_one and hasattr(f.related_model, "natural_key")]
    many = [f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
    return model._default_manager.using(using).order_by("pk").select_related(*joined).prefetch_related(*many)


def backup(path: str | os.PathLike, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Write the whole knowledge base to ``path`` (a zip archive); returns what it holds."""
    target = Path(path)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a folder: give the archive's file name, such as {target / 'kb-backup.zip'}")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    try:
        summary = _write(Path(temporary), using)
        os.chmod(temporary, 0o600)  # it holds the editors' password hashes
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    summary.path = target
    return summary


def _write(path: Path, using: str) -> Summary:
    rows: dict[str, int] = {}
    hashes: dict[str, str] = {}
    media_root = Path(settings.MEDIA_ROOT)
    with _snapshot(using), zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        digest = hashlib.sha256()
        with archive.open("data.jsonl", "w", force_zip64=True) as raw:
            stream = _HashingWriter(raw, digest)

            def objects():
                for model in backed_up_models():
                    count = 0
                    for obj in _rows_of(model, using).iterator(chunk_size=CHUNK):
                        count += 1
                        yield obj
                    rows[model._meta.label] = count

            serializers.serialize(
                "jsonl",
                objects(),
                stream=stream,
                indent=None,
                use_natural_foreign_keys=True,
                use_natural_primary_keys=False,
                cls=FullPrecisionEncoder,
            )
        hashes["data.jsonl"] = digest.hexdigest()
        files = _media_files()
        for file in files:
            name = "media/" + file.relative_to(media_root).as_posix()
            archive.write(file, name)
            hashes[name] = hashlib.sha256(file.read_bytes()).hexdigest()
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "database": connections[using].vendor,
            "schema": schema(using),
            "rows": rows,
            "media_files": len(files),
            "sha256": hashes,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    return Summary(rows=rows, media=len(files), path=path)


class _HashingWriter:
    """A text stream for the serializer that writes UTF-8 to the archive member and hashes it on the way."""

    def __init__(self, raw, digest):
        self.raw, self.digest = raw, digest

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.raw.write(data)
        return len(text)

    def flush(self) -> None:
        pass


# --------------------------------------------------------------------------- restore

# What a restore accepts, checked on the archive's directory before a byte is written anywhere: an
# archive is untrusted input (it may come from elsewhere, or be damaged). Media members are uploaded
# images (at most 10 MB each, re-encoded) and their thumbnails; data.jsonl grows with the history.
MANIFEST = "manifest.json"
DATA = "data.jsonl"
MAX_MANIFEST_BYTES = 1 << 20
MAX_DATA_BYTES = 8 << 30
MAX_MEDIA_BYTES = 64 << 20
MAX_TOTAL_BYTES = 16 << 30
MAX_MEMBERS = 200_000
MAX_RATIO = 100  # uncompressed / compressed, per member over RATIO_FLOOR bytes and for the whole: more is a bomb
RATIO_FLOOR = 64 << 10
# A media member: "media/" then path components of word characters, dots and hyphens, none of them
# "." or "..": no absolute paths, drive letters, backslashes, empty components or control characters.
_MEDIA_MEMBER = re.compile(r"media/((?:[\w.-]+/)*[\w.-]+)")


def media_path(name: str) -> str | None:
    """The path below the media folder that member ``name`` stands for, or None if it is not a media member."""
    match = _MEDIA_MEMBER.fullmatch(name)
    if match is None or any(part in (".", "..") for part in match.group(1).split("/")):
        return None
    return match.group(1)


def inside(root: Path, relative: str) -> Path:
    """``root / relative``, refusing any path that would resolve outside ``root``."""
    target = root / relative
    if not target.resolve().is_relative_to(root.resolve()):
        raise BackupError(f"media/{relative} would be written outside the media folder")
    return target


def check_members(archive: zipfile.ZipFile) -> list[str]:
    """Refuse an archive whose directory is unsafe; returns the media member names.

    One member per name (a duplicate would let a second copy replace the first
    unseen); only manifest.json, data.jsonl and media files; each member and the
    whole within size limits, and no member compressed more than a real backup is.
    """
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise BackupError(f"the archive has {len(infos)} members; a backup has at most {MAX_MEMBERS}")
    seen: set[str] = set()
    media, total, packed = [], 0, 0
    for info in infos:
        name = info.filename
        if name in seen:
            raise BackupError(f"the archive holds two members named {name!r}: it was not made by backup_kb")
        seen.add(name)
        if name == MANIFEST:
            limit = MAX_MANIFEST_BYTES
        elif name == DATA:
            limit = MAX_DATA_BYTES
        elif media_path(name) is not None:
            limit = MAX_MEDIA_BYTES
            media.append(name)
        else:
            raise BackupError(f"the archive holds a member a backup never has: {name[:200]!r}")
        if info.file_size > limit:
            raise BackupError(f"{name} is {info.file_size} bytes unpacked; the limit is {limit}")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise BackupError(f"{name} unpacks to more than {MAX_RATIO} times its size: refused as a zip bomb")
        total += info.file_size
        packed += info.compress_size
    if total > MAX_TOTAL_BYTES:
        raise BackupError(f"the archive unpacks to {total} bytes; the limit is {MAX_TOTAL_BYTES}")
    if total > RATIO_FLOOR and total > MAX_RATIO * max(packed, 1):
        raise BackupError(f"the archive unpacks to more than {MAX_RATIO} times its size: refused as a zip bomb")
    return media


def _read_member(archive: zipfile.ZipFile, name: str, out=None) -> str:
    """Read one member in blocks (into ``out`` if given), never past its declared size; returns its SHA-256."""
    info = archive.getinfo(name)
    digest, size = hashlib.sha256(), 0
    with archive.open(info) as member:
        while block := member.read(1 << 20):
            size += len(block)
            if size > info.file_size:
                raise BackupError(f"{name} unpacks to more than its declared size")
            digest.update(block)
            if out is not None:
                out.write(block)
    return digest.hexdigest()


_SHA256 = re.compile(r"[0-9a-f]{64}")


def validate_manifest(manifest) -> dict:
    """The manifest's shape, checked field by field; a BackupError names the first field that is wrong."""

    def need(condition: bool, field: str, expected: str) -> None:
        if not condition:
            raise BackupError(f"manifest.json: {field} must be {expected}")

    need(isinstance(manifest, dict), "the manifest", "a JSON object")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {str(manifest.get('format'))[:80]!r}; this version reads {FORMAT!r}")
    need(isinstance(manifest.get("created"), str), "created", "a date-time string")
    need(isinstance(manifest.get("database"), str), "database", "a string")
    schema_ = manifest.get("schema")
    need(
        isinstance(schema_, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in schema_.items()),
        "schema",
        "an object of app label to migration name",
    )
    rows = manifest.get("rows")
    need(
        isinstance(rows, dict) and all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in rows.items()),
        "rows",
        "an object of model label to a row count",
    )
    need(type(manifest.get("media_files")) is int and manifest["media_files"] >= 0, "media_files", "a count")
    hashes = manifest.get("sha256")
    need(
        isinstance(hashes, dict)
        and all(isinstance(k, str) and isinstance(v, str) and _SHA256.fullmatch(v) for k, v in hashes.items()),
        "sha256",
        "an object of member name to a SHA-256 in hex",
    )
    return manifest


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise BackupError("not a knowledge-base backup: it has no manifest.json") from None
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise BackupError(f"manifest.json is not valid JSON ({exc})") from None
    return validate_manifest(manifest)


def verify(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Every member is present, listed and unchanged."""
    listed = manifest["sha256"]
    present = {name for name in archive.namelist() if name != MANIFEST}
    if missing := sorted(set(listed) - present):
        raise BackupError(f"the archive is incomplete: {len(missing)} listed member(s) missing, first {missing[0]}")
    if extra := sorted(present - set(listed)):
        raise BackupError(f"the archive holds {len(extra)} member(s) its manifest does not list, first {extra[0]}")
    for name, expected in listed.items():
        if _read_member(archive, name) != expected:
            raise BackupError(f"{name} is corrupt: its SHA-256 does not match the manifest")


def content_rows(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows already in the tables a restore fills (a restore needs them all empty)."""
    found = {}
    for model in backed_up_models():
        if count := model._default_manager.using(using).count():
            found[model._meta.label] = count
    return found


def restore(path: str | os.PathLike, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Load a backup into an empty, migrated database; all or nothing.

    Every check (member names and sizes, manifest, hashes, schema, an empty
    database, no clashing media) runs before anything is written; media files
    are unpacked into a staging folder and moved into place only after the
    data has committed.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BackupError(f"{path} is not a zip archive (is it a knowledge-base backup?)") from None
    with archive:
        media = check_members(archive)
        manifest = read_manifest(archive)
        verify(archive, manifest)
        here = schema(using)
        newer = {app: name for app, name in manifest["schema"].items() if app in here and name > here[app]}
        if newer:
            raise BackupError(
                "the backup was made by a newer version of the knowledge base (migrations "
                + ", ".join(f"{a}.{n}" for a, n in sorted(newer.items()))
                + " are not known here): upgrade this installation first"
            )
        if occupied := content_rows(using):
            listing = ", ".join(f"{label}: {n}" for label, n in sorted(occupied.items())[:5])
            raise BackupError(
                f"the database is not empty ({listing}…). Restore into a new database "
                "(DATABASE_URL), or empty this one first with `manage.py flush`."
            )
        media_root = Path(settings.MEDIA_ROOT)
        targets = {name: inside(media_root, media_path(name)) for name in media}
        clashes = [name for name, target in targets.items() if target.exists()]
        if clashes:
            raise BackupError(f"{len(clashes)} media file(s) already exist in {media_root}, first {clashes[0][6:]}")
        staging = Path(
            tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent if media_root.parent.exists() else None)
        )
        try:
            staged = {name: inside(staging, media_path(name)) for name in media}
            for name, target in staged.items():
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as out:
                    _read_member(archive, name, out)
            try:
                rows = _load(archive, using)
            except Exception as exc:  # rolled back with its transaction: report it as a failed restore
                raise BackupError(f"loading data.jsonl failed, nothing kept: {exc}") from exc
            for name, target in targets.items():  # after the commit: a failed load leaves no files behind either
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged[name], target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return Summary(rows=rows, media=len(media), path=path)


def _load(archive: zipfile.ZipFile, using: str) -> dict[str, int]:
    from caching.versioning import one_bump

    rows: dict[str, int] = {}
    models: set = set()
    connection = connections[using]
    with transaction.atomic(using=using), one_bump(using), archive.open("data.jsonl") as raw:
        with connection.constraint_checks_disabled():
            deferred = []
            allowed = set(backed_up_models())
            for obj in serializers.deserialize("jsonl", raw, using=using, handle_forward_references=True):
                if type(obj.object) not in allowed:  # sessions, permissions, …: never in a backup, never restored
                    raise BackupError(f"data.jsonl holds a {obj.object._meta.label} row, which backups never contain")
                obj.object.skip_history_when_saving = True  # history is restored as it was, not written anew
                obj.save(using=using)
                if obj.deferred_fields:
                    deferred.append(obj)
                label = obj.object._meta.label
                rows[label] = rows.get(label, 0) + 1
                models.add(type(obj.object))
            for obj in deferred:
                obj.save_deferred_fields(using=using)
        connection.check_constraints(table_names=[m._meta.db_table for m in models])
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)
        # Derived values are recomputed, not trusted: a backup from an older schema lacks the newer ones (where
        # the timeline places a claim, a source's counts), and a crafted one may hold wrong ones.
        from sources import services

        services.refresh_everything()
    return rows
