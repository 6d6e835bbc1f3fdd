from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY: cases stay writable while it is built. The new index has
    # the former's key (a region's cases over a period) and carries what the action plan's
    # incidents of the year read, so that they are read from it alone.
    atomic = False

    dependencies = [
        ("cases", "0013_case_detected_at"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                fields=["region", "opened_at"],
                include=("structure", "is_military", "care_affected", "detected_at"),
                name="case_region_opened_cover",
            ),
        ),
        RemoveIndexConcurrently(model_name="case", name="case_region_opened"),
    ]
