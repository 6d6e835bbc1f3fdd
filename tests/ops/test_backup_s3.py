"""manage.py backup and restore with the uploads in an S3-compatible bucket (moto's server,
tests/s3server.py): the archive holds every object of the bucket, and a restore into a new
cluster and an empty bucket gives back every row and every byte, served by the scoped view."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.ops.test_backup import manage, populated, rows_at, second_cluster, sha256  # noqa: F401
from tests.s3server import S3, s3, s3_server  # noqa: F401
from vigie.declarations.models import Attachment
from vigie.ops.backup import table_rows

pytestmark = pytest.mark.django_db(transaction=True)


def test_round_trip_from_a_bucket_into_a_new_cluster_and_bucket(
    s3: S3,  # noqa: F811
    populated: Any,  # noqa: F811
    world: Any,
    second_cluster: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    attachments = list(Attachment.objects.order_by("pk"))
    assert len(attachments) == 2
    assert sorted(s3.keys()) == sorted(f"vigie/{a.file.name}" for a in attachments)
    # An object outside the prefix is not Vigie's and stays out of the archive.
    s3.client().put_object(Bucket=s3.bucket, Key="other-app/notes.txt", Body=b"x")

    call_command("backup", "--output", str(tmp_path), "--no-progress", stdout=io.StringIO())
    [archive] = tmp_path.glob("vigie-backup-*.tar")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    media = sorted(name for name in manifest["members"] if name.startswith("media/"))
    assert media == sorted(f"media/{a.file.name}" for a in attachments)
    for attachment in attachments:
        assert manifest["members"][f"media/{attachment.file.name}"]["sha256"] == attachment.sha256

    # The new site: an empty cluster and an empty bucket (another prefix, too).
    target = S3(endpoint=s3.endpoint, bucket=f"{s3.bucket}-restored", prefix="prod/uploads")
    target.create_bucket()
    env = {**target.env(), "DATABASE_URL": second_cluster}
    restored = manage(["restore", str(archive), "--no-progress"], **env)
    assert restored.returncode == 0, restored.stderr
    assert rows_at(second_cluster) == table_rows()
    assert sorted(target.keys()) == sorted(f"prod/uploads/{a.file.name}" for a in attachments)
    for attachment in attachments:
        assert sha256(target.get(f"prod/uploads/{attachment.file.name}")) == attachment.sha256

    # The restored site serves the attachment from its bucket to the declarant only.
    script = f"""
import hashlib, json
from django.test import Client
from vigie.directory.models import User
def client(email):
    c = Client(); c.force_login(User.objects.get(email=email)); return c
url = "/declarations/pieces-jointes/{attachments[1].pk}/"
mine = client({world.declarant_lyon.email!r}).get(url)
print(json.dumps({{
    "status": mine.status_code,
    "sha256": hashlib.sha256(b"".join(mine.streaming_content)).hexdigest(),
    "other": client({world.declarant_reunion.email!r}).get(url).status_code,
}}))
"""
    served = manage(
        ["shell", "-v", "0", "-c", script], **env, VIGIE_ALLOWED_HOSTS="testserver", VIGIE_DEBUG="1"
    )
    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout.strip().splitlines()[-1]) == {
        "status": 200,
        "sha256": attachments[1].sha256,
        "other": 404,
    }
