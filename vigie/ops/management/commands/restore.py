"""manage.py restore ARCHIVE [--force]: rebuild an instance from a backup (vigie/ops/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from vigie.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the database and the stored files of a backup archive into an empty "
        "instance, after checking every checksum."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that is not empty and overwrite stored files",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(
                archive=options["archive"],
                force=options["force"],
                say=self.stdout.write,
                progress=not options["no_progress"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {result.tables} tables ({result.rows} rows) and {result.files} "
                f"files, checked, in {result.seconds:.1f} s"
            )
        )
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("This code has newer migrations: run `manage.py migrate` next.")
