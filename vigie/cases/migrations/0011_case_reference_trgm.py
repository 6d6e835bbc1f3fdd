import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_role_scope_indexes"),
        # pg_trgm, created there.
        ("directory", "0005_structure_name_trgm"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("reference"), name="gin_trgm_ops"
                ),
                name="case_reference_trgm",
            ),
        ),
    ]
