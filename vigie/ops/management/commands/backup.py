"""manage.py backup [--output DIR]: one consistent, checksummed archive (vigie/ops/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigie.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a timestamped archive of the database and the stored files, with checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.VAR_DIR) / "backups",
            help="directory for the archive (default: var/backups)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(
                directory=options["output"],
                say=self.stdout.write,
                progress=not options["no_progress"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.archive} ({result.bytes / 1e6:.1f} MB: {result.tables} tables, "
                f"{result.rows} rows, {result.files} files) in {result.seconds:.1f} s"
            )
        )
        self.stdout.write(f"Checksum: {result.archive}.sha256 (sha256sum -c)")
