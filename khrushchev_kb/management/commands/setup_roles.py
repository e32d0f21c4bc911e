"""Create or update the ``Editors`` group: ``python manage.py setup_roles`` (idempotent).

Editors add, change and view sources, claims, citations, conflicts, references,
figures, people, events and tags, and may delete them; the admin refuses to
delete anything a claim still cites (see ``has_delete_permission`` in the
admins). They get no permission on users or groups: superusers administer those.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from core.content import CONTENT_APPS

EDITORS = "Editors"
ACTIONS = ("add", "change", "delete", "view")


def content_models() -> list[tuple[str, str]]:
    """(app label, model name) of every model editors work on: the content apps' models, not their history."""
    return [
        (label, model._meta.model_name)
        for label in CONTENT_APPS
        for model in apps.get_app_config(label).get_models()
        if not hasattr(model, "instance_type")  # simple-history's historical models: written by saves only
    ]


def editor_permissions():
    content = content_models()
    wanted = {(app, f"{action}_{model}") for app, model in content for action in ACTIONS}
    perms = Permission.objects.filter(content_type__app_label__in={app for app, _ in content}).select_related(
        "content_type"
    )
    found = [p for p in perms if (p.content_type.app_label, p.codename) in wanted]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise RuntimeError(f"permissions missing (run migrate first): {sorted(missing)}")
    return found


class Command(BaseCommand):
    help = "Create or update the Editors group with the content permissions (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        group, created = Group.objects.get_or_create(name=EDITORS)
        wanted = set(editor_permissions())
        current = set(group.permissions.all())
        if wanted == current:
            self.stdout.write(f"Group {EDITORS!r} is up to date ({len(wanted)} permissions).")
            return
        group.permissions.set(wanted)
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} group {EDITORS!r}: {len(wanted)} permissions."))
