"""Backups a fresh instance can be rebuilt from: ``manage.py backup`` and ``restore``.

One uncompressed tar archive, ``vigie-backup-<UTC time>.tar`` (mode 600: it holds every
incident), and beside it ``<archive>.sha256`` for checking a copy with ``sha256sum -c``:

- ``database.dump``: pg_dump's custom format (compressed, restorable table by table);
- ``media/<name>``: every stored upload (attachments, evidence, reports), by its
  storage name;
- ``manifest.json``, last: format, time, versions of Vigie, Django and PostgreSQL, the
  applied migrations, every table's row count and the SHA-256 and size of every member.

Consistency: the row counts and migrations are read in the very snapshot pg_dump dumps
(``pg_export_snapshot`` shared with ``pg_dump --snapshot``). Uploads are copied after the
dump: a file is written before the row that names it commits, so every file the dump
refers to is there (a few newer files may come along unreferenced). Uploads go through
Django's default storage: the directory MEDIA_ROOT, or the S3-compatible bucket when
VIGIE_S3_BUCKET is set (listed in one paginated pass, written back into the bucket).

Restore checks every checksum before it touches anything, refuses a database or a storage
that is not empty unless ``force``, refuses an archive made by a newer Vigie (migrations
this code does not know), restores the database in one transaction, writes the files back
through the storage, then checks every table's row count and every file's SHA-256 again.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from storages.backends.s3 import S3Storage
from tqdm import tqdm

from vigie.ops.postgres import ToolMissing, connection_for_tools, pg_tool, tool_major

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.dump"
MEDIA = "media/"
CHUNK = 1024 * 1024

Say = Callable[[str], None]


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Result:
    archive: Path
    tables: int
    rows: int
    files: int
    bytes: int
    seconds: float


# --- reading what is there ------------------------------------------------------------------


def storage_files(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in the storage: depth first and sorted on a file system, in key
    order from a bucket (one paginated listing, not one request per directory)."""
    if isinstance(storage, S3Storage):
        prefix = f"{storage.location}/" if storage.location else ""
        for entry in storage.bucket.objects.filter(Prefix=prefix):
            name = entry.key[len(prefix) :]
            if name and not name.endswith("/"):
                yield name
        return
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(directories):
        yield from storage_files(storage, f"{directory}/{sub}" if directory else sub)


def table_rows() -> dict[str, int]:
    """Every table of the public schema and its exact row count (in the caller's
    transaction: the dump's snapshot when called from backup_create)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts: dict[str, int] = {}
        for table in tables:
            # The name comes from the catalogue and is quoted: not user input.
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def applied_migrations() -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [[app, name] for app, name in cursor.fetchall()]


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        )
        return int(cursor.fetchone()[0]) == 0


def _server_major() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int, version()")
        number, text = cursor.fetchone()
    return int(number) // 10000, str(text)


def _tool(name: str) -> tuple[str, str]:
    """The tool's path and version line, checked against the server's major version."""
    try:
        path = pg_tool(name)
    except ToolMissing as exc:
        raise BackupError(str(exc)) from exc
    # The path comes from PG_BINDIR or the system's PostgreSQL directories.
    line = subprocess.run(  # noqa: S603
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    server, _ = _server_major()
    if tool_major(path, line) < server:
        raise BackupError(f"{path} ({line}) is older than the PostgreSQL {server} server")
    return path, line


# --- running pg_dump / pg_restore with a progress bar ---------------------------------------


def _run_with_progress(
    command: list[str], env: dict[str, str], marker: str, total: int, label: str, show: bool
) -> None:
    """Run a pg_* tool in verbose mode; each table it reports moves the bar."""
    with tqdm(total=total, desc=label, unit=" tables", disable=not show, leave=True) as bar:
        process = subprocess.Popen(  # noqa: S603 (a pg_* tool from pg_tool, our arguments)
            command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        assert process.stderr is not None
        errors: list[str] = []
        for line in process.stderr:
            if marker in line:
                bar.update(1)
            elif "error" in line.lower() or "fatal" in line.lower():
                errors.append(line.strip())
        if process.wait() != 0:
            raise BackupError(f"{Path(command[0]).name} failed: " + " | ".join(errors[-5:]))


# --- backup ---------------------------------------------------------------------------------


def _bytes_bar(total: int, label: str, show: bool) -> Any:
    return tqdm(total=total, desc=label, unit="B", unit_scale=True, disable=not show)


class _Hashing:
    """A read-only file wrapper that hashes what goes through it."""

    def __init__(self, raw: IO[bytes], bar: Any) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.bar = bar

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.bar.update(len(data))
        return data


def _add(tar: tarfile.TarFile, name: str, raw: IO[bytes], size: int, bar: Any) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(time.time())
    info.mode = 0o600
    reader = _Hashing(raw, bar)
    tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": size}


def backup_create(*, directory: Path, say: Say, progress: bool = True) -> Result:
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = directory / f"vigie-backup-{stamp}.tar"
    partial = directory / f".{archive.name}.partial"
    pg_dump, pg_dump_version = _tool("pg_dump")
    conninfo, env = connection_for_tools()
    server_major, server_version = _server_major()
    storage = default_storage

    with tempfile.TemporaryDirectory(dir=directory, prefix=".vigie-backup-") as work:
        dump = Path(work) / DATABASE
        with transaction.atomic():
            with connection.cursor() as cursor:
                # One snapshot for the dump, the counts and the migrations.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            migrations = applied_migrations()
            say("Counting rows…")
            rows = table_rows()
            _run_with_progress(
                [pg_dump, "--format=custom", "--verbose", f"--snapshot={snapshot}",
                 f"--file={dump}", f"--dbname={conninfo}"],
                env, "dumping contents of table", len(rows), "Database", progress,
            )  # fmt: skip
        names = list(storage_files(storage))
        sizes = {name: storage.size(name) for name in names}
        total = dump.stat().st_size + sum(sizes.values())
        say(f"Writing {archive.name}: the database and {len(names)} stored files…")
        members: dict[str, dict[str, Any]] = {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
            tqdm(
                total=total, desc="Archive", unit="B", unit_scale=True, disable=not progress
            ) as bar,
        ):
            with dump.open("rb") as source:
                members[DATABASE] = _add(tar, DATABASE, source, dump.stat().st_size, bar)
            for name in names:
                with storage.open(name, "rb") as source:
                    members[MEDIA + name] = _add(tar, MEDIA + name, source, sizes[name], bar)
            manifest = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "vigie_version": version("vigie"),
                "django_version": django.get_version(),
                "postgresql": {"server_major": server_major, "server": server_version,
                               "pg_dump": pg_dump_version},
                "migrations": migrations,
                "tables": rows,
                "members": members,
            }  # fmt: skip
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
            tar.addfile(info, _BytesReader(body))
            raw.flush()
            os.fsync(raw.fileno())
    os.replace(partial, archive)
    digest = _sha256_file(archive)
    checksum = archive.with_name(archive.name + ".sha256")
    checksum.write_text(f"{digest}  {archive.name}\n")
    return Result(
        archive=archive,
        tables=len(rows),
        rows=sum(rows.values()),
        files=len(names),
        bytes=archive.stat().st_size,
        seconds=time.monotonic() - started,
    )


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk, self.at = self.data[self.at : end], min(end, len(self.data))
        return chunk


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- restore --------------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and (name in (DATABASE, MANIFEST) or (name.startswith(MEDIA) and len(name) > len(MEDIA)))
    )


def backup_verify(archive: Path, *, progress: bool = True) -> dict[str, Any]:
    """The manifest, once every member's SHA-256 and size match it (nothing missing,
    nothing added, no link, no path outside the archive's own names)."""
    try:
        tar = tarfile.open(archive, mode="r:")  # noqa: SIM115 (closed by the with below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive} is not a Vigie backup archive: {exc}") from exc
    with tar:
        try:
            source = tar.extractfile(MANIFEST)
        except KeyError as exc:
            raise BackupError(f"{archive} has no {MANIFEST}") from exc
        assert source is not None
        manifest = json.load(source)
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        expected: dict[str, dict[str, Any]] = manifest["members"]
        seen: set[str] = set()
        total = sum(int(item["size"]) for item in expected.values())
        with tqdm(
            total=total, desc="Checking", unit="B", unit_scale=True, disable=not progress
        ) as bar:
            for member in tar.getmembers():
                if member.name == MANIFEST:
                    continue
                if not member.isfile() or not _safe_member(member.name):
                    raise BackupError(f"unexpected member in the archive: {member.name!r}")
                if member.name not in expected or member.name in seen:
                    raise BackupError(f"member not in the manifest: {member.name!r}")
                stream = tar.extractfile(member)
                assert stream is not None
                reader = _Hashing(stream, bar)
                while reader.read(CHUNK):
                    pass
                want = expected[member.name]
                if member.size != want["size"] or reader.digest.hexdigest() != want["sha256"]:
                    raise BackupError(f"checksum mismatch: {member.name}")
                seen.add(member.name)
        missing = set(expected) - seen
        if missing:
            raise BackupError(f"{len(missing)} member(s) missing, e.g. {sorted(missing)[0]!r}")
    return manifest


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return sorted(
        f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known
    )


def _database_wipe() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def backup_restore(*, archive: Path, force: bool, say: Say, progress: bool = True) -> Result:
    started = time.monotonic()
    say(f"Checking {archive.name}…")
    manifest = backup_verify(archive, progress=progress)
    newer = _unknown_migrations(manifest)
    if newer:
        raise BackupError(
            f"the archive was made by a newer Vigie ({len(newer)} migration(s) this code "
            f"does not have, e.g. {newer[0]}): restore it with that version"
        )
    storage = default_storage
    media = sorted(name for name in manifest["members"] if name.startswith(MEDIA))
    empty_database = database_is_empty()
    stored = next(storage_files(storage), None)
    if not force and not empty_database:
        raise BackupError("the database is not empty (use --force to replace its content)")
    if not force and stored is not None:
        raise BackupError("the storage already holds files (use --force to overwrite them)")
    pg_restore, _ = _tool("pg_restore")
    conninfo, env = connection_for_tools()

    if not empty_database:
        say("Emptying the database (--force)…")
        _database_wipe()
    with tempfile.TemporaryDirectory(prefix="vigie-restore-") as work:
        dump = Path(work) / DATABASE
        with tarfile.open(archive, mode="r:") as tar:
            source = tar.extractfile(DATABASE)
            assert source is not None
            with dump.open("wb") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
        _run_with_progress(
            [pg_restore, "--verbose", "--exit-on-error", "--single-transaction", "--no-owner",
             "--no-privileges", f"--dbname={conninfo}", str(dump)],
            env, "processing data for table", len(manifest["tables"]), "Database", progress,
        )  # fmt: skip
    connection.close()  # the schema changed under it

    total = sum(int(manifest["members"][name]["size"]) for name in media)
    say(f"Restoring {len(media)} stored files…")
    with (
        tarfile.open(archive, mode="r:") as tar,
        _bytes_bar(total, "Files", progress) as bar,
    ):
        for member_name in media:
            name = member_name[len(MEDIA) :]
            stream = tar.extractfile(member_name)
            assert stream is not None
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, File(stream, name=PurePosixPath(name).name))
            if saved != name:
                raise BackupError(f"the storage renamed {name!r} to {saved!r}")
            with storage.open(name, "rb") as written:
                reader = _Hashing(written, bar)
                while reader.read(CHUNK):
                    pass
            if reader.digest.hexdigest() != manifest["members"][member_name]["sha256"]:
                raise BackupError(f"{name} differs from the archive once stored")

    rows = table_rows()
    if rows != manifest["tables"]:
        differ = sorted(
            t
            for t in set(rows) | set(manifest["tables"])
            if rows.get(t) != manifest["tables"].get(t)
        )
        raise BackupError(f"row counts differ after restore: {', '.join(differ[:5])}")
    return Result(
        archive=archive,
        tables=len(rows),
        rows=sum(rows.values()),
        files=len(media),
        bytes=archive.stat().st_size,
        seconds=time.monotonic() - started,
    )
