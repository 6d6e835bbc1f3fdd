from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vigie.actionplan.catalogue import shipped_plans_load
from vigie.declarations.reference import typology_load
from vigie.directory.reference import reference_load


class Command(BaseCommand):
    help = "Load or refresh the regions, ARS, départements and incident types (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = reference_load()
        created = typology_load()
        self.stdout.write(
            f"Reference data: {counts['regions']} regions, {counts['departements']} départements, "
            f"{created} new incident types."
        )
        measures = shipped_plans_load()
        self.stdout.write(f"SSI action plan: {measures} new measures.")
