from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigie.actionplan.catalogue import SHIPPED_PLANS, plan_load


class Command(BaseCommand):
    help = (
        "Load an action plan catalogue (JSON) beside the plans already loaded (idempotent). "
        "Without FILE, load the plans shipped with Vigie."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"] or SHIPPED_PLANS:
            try:
                plan, created = plan_load(path, progress=self.stdout.write)
            except (OSError, ValueError, KeyError, ValidationError) as error:
                raise CommandError(f"{path}: {error}") from error
            self.stdout.write(
                f"{plan.code}: {created['measures']} new measures, {created['themes']} new themes."
            )
