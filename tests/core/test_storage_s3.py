"""Uploads in an S3-compatible bucket (moto's server, tests/s3server.py): the declaration
form stores them there, private and opaque, with their SHA-256; only the scoped download
view hands them out, by streaming them or by a short-lived signed URL after the check."""

from __future__ import annotations

import hashlib
import os
import runpy
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import client_for
from tests.s3server import S3, s3, s3_server  # noqa: F401 (fixtures)
from vigie.declarations.models import Attachment, Declaration

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
PDF = b"%PDF-1.7\n" + os.urandom(200_000)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def anonymous_get(url: str) -> tuple[int, bytes, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), refused.headers


def upload_through_the_form(draft: Declaration, by: Any) -> list[Attachment]:
    response = client_for(by).post(
        f"/declarations/{draft.pk}/pieces-jointes/",
        {
            "files": [
                # The browser's claims (type) are not what gets stored or served.
                SimpleUploadedFile("capture écran.png", PNG, content_type="text/html"),
                SimpleUploadedFile("rapport.pdf", PDF, content_type="application/pdf"),
            ]
        },
    )
    assert response.status_code == 302
    return list(Attachment.objects.filter(declaration=draft).order_by("original_name"))


def submit(draft: Declaration, by: Any) -> None:
    response = client_for(by).post(f"/declarations/{draft.pk}/recapitulatif/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.reference and draft.case.pk  # type: ignore[attr-defined]


def test_form_uploads_go_to_the_private_bucket_and_out_through_the_scoped_view_only(
    s3: S3,  # noqa: F811
    world: Any,
    make_declaration: Callable[..., Declaration],
    settings: Any,
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    png, pdf = upload_through_the_form(draft, world.declarant_lyon)

    # In the bucket under the prefix, by a name that is not the user's, byte for byte.
    assert sorted(s3.keys()) == sorted(f"vigie/{a.file.name}" for a in (png, pdf))
    assert png.file.name.startswith(f"attachments/{draft.pk}/") and "capture" not in png.file.name
    for attachment, content in ((png, PNG), (pdf, PDF)):
        assert (
            attachment.sha256 == sha256(content) == sha256(s3.get(f"vigie/{attachment.file.name}"))
        )
        assert attachment.size == len(content)
        head = s3.client().head_object(Bucket=s3.bucket, Key=f"vigie/{attachment.file.name}")
        assert head["ContentType"] == "application/octet-stream"
        assert head["ContentDisposition"] == "attachment"
    assert png.content_type == "image/png"
    # Nothing on the node's disk.
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    # Not public: an unsigned request for the object is refused by the store.
    status, body, _ = anonymous_get(s3.object_url(f"vigie/{pdf.file.name}"))
    assert status == 403 and PDF[:100] not in body

    submit(draft, world.declarant_lyon)
    url = f"/declarations/pieces-jointes/{pdf.pk}/"
    for role in ("declarant_lyon", "member_lyon", "ars_ara", "acss"):
        served = client_for(getattr(world, role)).get(url)
        assert served.status_code == 200, role
        assert served["Content-Type"] == "application/pdf"
        assert served["Content-Disposition"].startswith("attachment;")
        assert served["Cache-Control"] == "private, no-store"
        assert sha256(b"".join(served.streaming_content)) == pdf.sha256
    # Another structure's declarant, another region's ARS, no account: nothing.
    for role in ("declarant_reunion", "declarant_lyon_lab", "ars_reunion", "vendor_contact"):
        assert client_for(getattr(world, role)).get(url).status_code == 404, role
    anonymous = client_for(world.nobody)
    anonymous.logout()
    assert anonymous.get(url).status_code == 302  # to the sign-in page


def test_signed_urls_are_issued_after_the_scope_check_and_live_a_minute(
    s3: S3,  # noqa: F811
    world: Any,
    make_declaration: Callable[..., Declaration],
    settings: Any,
) -> None:
    settings.VIGIE_S3_SIGNED_URLS = True
    draft = make_declaration(world.lyon, world.declarant_lyon)
    png, _pdf = upload_through_the_form(draft, world.declarant_lyon)
    submit(draft, world.declarant_lyon)
    url = f"/declarations/pieces-jointes/{png.pk}/"

    # Another structure's user gets a 404 and no URL.
    refused = client_for(world.declarant_reunion).get(url)
    assert refused.status_code == 404 and "Location" not in refused
    assert s3.bucket not in refused.content.decode()

    redirect = client_for(world.ars_ara).get(url)
    assert redirect.status_code == 302
    assert redirect["Cache-Control"] == "private, no-store"
    assert redirect["Referrer-Policy"] == "no-referrer"
    signed = redirect["Location"]
    parts = urlsplit(signed)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}" == s3.endpoint
    assert parts.path == f"/{s3.bucket}/vigie/{png.file.name}"
    assert query["X-Amz-Expires"] == "60" and query["X-Amz-Signature"]
    assert query["X-Amz-Credential"].split("/")[2] == "eu-west-3"

    # Followed by the browser: the bytes, under their name and checked type.
    status, body, headers = anonymous_get(signed)
    assert status == 200
    assert sha256(body) == png.sha256
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert "capture%20%C3%A9cran.png" in headers["Content-Disposition"]
    # The same object without the signature: refused.
    assert anonymous_get(signed.split("?")[0])[0] == 403

    # The lifetime comes from the environment.
    settings.VIGIE_S3_SIGNED_URL_SECONDS = 15
    again = client_for(world.declarant_lyon).get(url)
    assert parse_qs(urlsplit(again["Location"]).query)["X-Amz-Expires"] == ["15"]


def test_a_removed_draft_attachment_leaves_the_bucket(
    s3: S3,  # noqa: F811
    world: Any,
    make_declaration: Callable[..., Declaration],
    django_capture_on_commit_callbacks: Any,
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    png, pdf = upload_through_the_form(draft, world.declarant_lyon)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.declarant_lyon).post(
            f"/declarations/pieces-jointes/{png.pk}/supprimer/"
        )
    assert response.status_code == 302
    assert s3.keys() == [f"vigie/{pdf.file.name}"]


@pytest.mark.parametrize("signed", ["0", "1"])
def test_settings_build_the_storage_from_the_environment(
    s3_server: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    signed: str,
) -> None:
    store = S3(endpoint=s3_server, bucket="vigie-from-env")
    for name, value in {**store.env(), "VIGIE_S3_SIGNED_URLS": signed}.items():
        monkeypatch.setenv(name, value)
    built = runpy.run_path(str(ROOT / "vigie" / "settings.py"))
    assert built["STORAGES"]["default"] == store.storage_options()
    assert built["VIGIE_S3_SIGNED_URLS"] is (signed == "1")
    monkeypatch.delenv("VIGIE_S3_BUCKET")
    local = runpy.run_path(str(ROOT / "vigie" / "settings.py"))
    assert local["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
