"""The incident typology shipped in data/incident_types.csv (idempotent load).

Types added or relabelled in the admin are kept: a reload only creates missing codes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "incident_types.csv"


def typology_rows() -> list[dict[str, Any]]:
    with open(DATA_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return [
        {
            "code": row["code"],
            "label": row["label"],
            "is_malicious": {"yes": True, "no": False}.get(row["is_malicious"]),
            "position": index * 10,
        }
        for index, row in enumerate(rows, start=1)
    ]


def typology_load(model: Any = None) -> int:
    """Create the missing incident types; ``model`` lets a migration pass its own."""
    if model is None:
        from vigie.declarations.models import IncidentType

        model = IncidentType
    created = 0
    for row in typology_rows():
        code = row.pop("code")
        _, was_created = model.objects.get_or_create(code=code, defaults=row)
        created += was_created
    return created
