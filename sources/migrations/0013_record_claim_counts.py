"""Fill the people's and events' stored claim counts (kept by the write layer from now on)."""

from django.db import migrations
from django.db.models import Count, Q


def fill(apps, schema_editor):
    for label in ("people.Person", "events.Event"):
        model = apps.get_model(label)
        counted = model.objects.annotate(n=Count("claims", filter=Q(claims__is_public=True), distinct=True))
        for pk, n in counted.values_list("pk", "n"):
            if n:
                model.objects.filter(pk=pk).update(claim_count=n)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0012_source_figures"),
        ("people", "0003_claim_count"),
        ("events", "0003_claim_count"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
