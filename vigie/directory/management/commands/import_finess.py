from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from vigie.directory.finess_import import FinessFileError, count_lines, finess_import

# Rejected lines listed at the default verbosity; -v 2 lists them all.
SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = (
        "Import the public FINESS extract of establishments (etalab stock file): create "
        "or update structures and legal entities. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="etalab-cs1100507-stock-….csv")

    def handle(self, *args: Any, file: Path, verbosity: int = 1, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        with tqdm(
            total=count_lines(file),
            unit=" lines",
            file=sys.stderr,
            disable=verbosity < 1 or None,  # None: only on a terminal
        ) as bar:
            try:
                result = finess_import(path=file, progress=bar.update)
            except FinessFileError as exc:
                raise CommandError(str(exc)) from exc

        shown = result.rejections if verbosity > 1 else result.rejections[:SHOWN_REJECTIONS]
        for line, reason in shown:
            self.stderr.write(_("line %(line)d: %(reason)s") % {"line": line, "reason": reason})
        if len(shown) < len(result.rejections):
            self.stderr.write(
                _("… and %(count)d more rejected lines (-v 2 lists them all).")
                % {"count": len(result.rejections) - len(shown)}
            )
        if verbosity > 1:
            for line, note in result.warnings:
                self.stderr.write(_("line %(line)d: %(reason)s") % {"line": line, "reason": note})
        self.stdout.write(
            _(
                "FINESS import: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged, %(skipped)d skipped; "
                "%(entities)d new legal entities."
            )
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped": result.skipped,
                "entities": result.legal_entities_created,
            }
        )
