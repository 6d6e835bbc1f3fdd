"""manage.py backup and restore: the round trip into a new PostgreSQL cluster loses no
row and no byte, and the restored instance serves the restored cases."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from vigie.declarations.models import Attachment
from vigie.declarations.services import attachment_add, declaration_submit
from vigie.ops.backup import table_rows

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
PDF = b"%PDF-1.7\n" + os.urandom(300_000)


def _pgcluster() -> Any:
    spec = importlib.util.spec_from_file_location("pgcluster", ROOT / "scripts" / "pgcluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def second_cluster() -> Iterator[str]:
    """A new, empty PostgreSQL cluster (the machine a backup is restored on)."""
    pgcluster = _pgcluster()
    base = Path(tempfile.mkdtemp(prefix="vigie-pg-restore-"))
    pgcluster.chown_postgres(base)
    try:
        yield pgcluster.start(base, fast=True)
    finally:
        try:
            pgcluster.stop(base)
        finally:
            shutil.rmtree(base, ignore_errors=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manage(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def rows_at(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
            for table in tables
        }


@pytest.fixture
def populated(world: Any, make_declaration: Callable[..., Any], settings: Any) -> Any:
    """Two submitted cases, one with two attachments (a PNG and a 300 kB PDF)."""
    draft = make_declaration(world.lyon, world.declarant_lyon)
    for name, content in (("capture.png", PNG), ("rapport.pdf", PDF)):
        attachment_add(
            declaration=draft, by=world.declarant_lyon, upload=SimpleUploadedFile(name, content)
        )
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon)
    other = make_declaration(world.reunion, world.declarant_reunion)
    declaration_submit(declaration=other, by=world.declarant_reunion)
    return declaration


def test_round_trip_into_a_new_cluster(
    populated: Any, world: Any, second_cluster: str, settings: Any, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), "--no-progress", stdout=out)
    [archive] = (tmp_path / "backups").glob("vigie-backup-*.tar")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    digest, name = (tmp_path / "backups" / f"{archive.name}.sha256").read_text().split()
    assert name == archive.name and digest == sha256(archive.read_bytes())
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    attachments = list(Attachment.objects.order_by("pk"))
    assert len(attachments) == 2
    for attachment in attachments:
        assert manifest["members"][f"media/{attachment.file.name}"]["sha256"] == attachment.sha256
    assert manifest["tables"]["cases_case"] == 2
    assert ["cases", "0001_initial"] in manifest["migrations"]

    # The new machine: an empty cluster, an empty upload directory.
    media = tmp_path / "restored-media"
    restored = manage(
        ["restore", str(archive), "--no-progress"],
        DATABASE_URL=second_cluster,
        VIGIE_MEDIA_ROOT=str(media),
    )
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout

    # Every table, row for row; every attachment, byte for byte.
    source_rows = table_rows()
    assert rows_at(second_cluster) == source_rows
    assert source_rows["declarations_attachment"] == 2
    for attachment, content in zip(attachments, (PNG, PDF), strict=True):
        restored_bytes = (media / attachment.file.name).read_bytes()
        assert sha256(restored_bytes) == attachment.sha256 == sha256(content)

    # The restored instance serves the case and its attachment to the declarant, and the
    # case page to the cell.
    case = populated.case
    script = f"""
import hashlib, json
from django.test import Client
from tests.factories import login_with_mfa
from vigie.directory.models import User
declarant = Client(); declarant.force_login(User.objects.get(email={world.declarant_lyon.email!r}))
page = declarant.get("/declarations/{populated.pk}/")
download = declarant.get("/declarations/pieces-jointes/{attachments[1].pk}/")
cell = login_with_mfa(Client(), User.objects.get(email={world.acss.email!r}))
case_page = cell.get("/dossiers/{case.pk}/")
print(json.dumps({{
    "page": page.status_code, "reference": {case.reference!r} in page.content.decode(),
    "download": download.status_code,
    "sha256": hashlib.sha256(b"".join(download.streaming_content)).hexdigest(),
    "case": case_page.status_code,
    "case_reference": {case.reference!r} in case_page.content.decode(),
}}))
"""
    served = manage(
        ["shell", "-v", "0", "-c", script],
        DATABASE_URL=second_cluster,
        VIGIE_MEDIA_ROOT=str(media),
        VIGIE_ALLOWED_HOSTS="testserver",
        VIGIE_DEBUG="1",  # static files from the apps: no collectstatic on this machine
    )
    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout.strip().splitlines()[-1]) == {
        "page": 200,
        "reference": True,
        "download": 200,
        "sha256": attachments[1].sha256,
        "case": 200,
        "case_reference": True,
    }

    # Again on the same machine: refused, the instance is no longer empty...
    again = manage(
        ["restore", str(archive), "--no-progress"],
        DATABASE_URL=second_cluster,
        VIGIE_MEDIA_ROOT=str(media),
    )
    assert again.returncode != 0 and "not empty" in again.stderr
    # ... unless asked to replace it: what was added since the backup is gone.
    with psycopg.connect(second_cluster) as conn:
        conn.execute("DELETE FROM vigie_cache")
        conn.execute("INSERT INTO vigie_cache VALUES ('later', 'x', now())")
    forced = manage(
        ["restore", str(archive), "--force", "--no-progress"],
        DATABASE_URL=second_cluster,
        VIGIE_MEDIA_ROOT=str(media),
    )
    assert forced.returncode == 0, forced.stderr
    assert rows_at(second_cluster) == source_rows


def _rewrite(archive: Path, target: Path, change: Callable[[str, bytes], bytes]) -> None:
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_touched(
    populated: Any, tmp_path: Path
) -> None:
    call_command("backup", "--output", str(tmp_path), "--no-progress", stdout=io.StringIO())
    [archive] = tmp_path.glob("vigie-backup-*.tar")
    before = table_rows()

    flipped = tmp_path / "flipped.tar"
    # One bit of the PDF attachment flipped in transit.
    _rewrite(
        archive,
        flipped,
        lambda name, data: data[:-1] + bytes([data[-1] ^ 1]) if data.startswith(b"%PDF") else data,
    )
    with pytest.raises(CommandError, match="checksum mismatch: media/attachments/"):
        call_command("restore", str(flipped), "--force", "--no-progress", stdout=io.StringIO())

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"].append(["cases", "9999_from_the_future"])
        return json.dumps(manifest).encode()

    future = tmp_path / "future.tar"
    _rewrite(archive, future, newer)
    with pytest.raises(CommandError, match=r"newer Vigie.*cases\.9999_from_the_future"):
        call_command("restore", str(future), "--force", "--no-progress", stdout=io.StringIO())

    escaping = tmp_path / "escaping.tar"
    shutil.copy(archive, escaping)
    with tarfile.open(escaping, "a") as tar:
        info = tarfile.TarInfo("media/../../etc/cron.d/x")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(CommandError, match="unexpected member"):
        call_command("restore", str(escaping), "--force", "--no-progress", stdout=io.StringIO())

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), "--no-progress", stdout=io.StringIO())
    assert table_rows() == before
    assert connection.is_usable()
