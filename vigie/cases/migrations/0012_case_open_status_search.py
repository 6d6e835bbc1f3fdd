from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY: cases stay writable while it is built.
    atomic = False

    dependencies = [
        ("cases", "0011_case_reference_trgm"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["status"],
                include=("structure_id", "is_military", "shared_with_cell", "id"),
                name="case_open_status_search",
            ),
        ),
    ]
