"""Load the reference data files shipped in vigie/directory/data (idempotent)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from vigie.directory.models import Departement, Region

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@transaction.atomic
def reference_load() -> dict[str, int]:
    """Create or update the 18 regions (with their ARS) and the départements."""
    regions: dict[str, Region] = {}
    for row in _rows("regions.csv"):
        region, _ = Region.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "slug": row["slug"],
                "ars_name": row["ars_name"],
                "timezone": row["timezone"],
                "is_overseas": row["is_overseas"] == "1",
                "ssi_mailbox": settings.VIGIE_ARS_MAILBOX_PATTERN.format(slug=row["slug"]),
            },
        )
        # Names and time zones follow the file; a mailbox changed by an operator is kept.
        Region.objects.filter(pk=region.pk).update(
            name=row["name"],
            slug=row["slug"],
            ars_name=row["ars_name"],
            timezone=row["timezone"],
            is_overseas=row["is_overseas"] == "1",
        )
        regions[row["code"]] = region
    count = 0
    for row in _rows("departements.csv"):
        Departement.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "region": regions[row["region"]],
                "is_collectivity": row["is_collectivity"] == "1",
            },
        )
        count += 1
    return {"regions": len(regions), "departements": count}
