"""``Source.published`` (the publication date) becomes ``publication_date``: the draft flag is ``is_published``.

The export column stays ``published``, a contract other tools read.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sources", "0007_claim_source_error")]

    operations = [
        migrations.RenameField(model_name="source", old_name="published", new_name="publication_date"),
        migrations.RenameField(model_name="historicalsource", old_name="published", new_name="publication_date"),
    ]
