"""Upload checks: the extension must be accepted and match the content; sizes are bounded;
the SHA-256 recorded is the file's."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vigie.declarations.attachments import check_upload

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("rapport.pdf", PDF, "application/pdf"),
        ("capture.PNG", PNG, "image/png"),
        (
            "journal-pare-feu.log",
            "2026-11-23 02:14 DENY 185.0.0.1 → 10.0.0.5\n".encode(),
            "text/plain",
        ),
        ("export.csv", "ip;date\n10.0.0.5;23/11/2026\n".encode("latin-1"), "text/csv"),
        ("courriel.eml", b"From: a@b.test\nSubject: Facture\n\nBonjour", "message/rfc822"),
        (
            "notes.docx",
            b"PK\x03\x04" + b"\x00" * 40,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_accepted_files(name: str, content: bytes, content_type: str) -> None:
    checked = check_upload(upload(name, content), already=0, total_bytes=0)
    # The type served later is ours, whatever the browser claimed.
    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("outil.exe", b"MZ\x90\x00", "n’est pas accepté"),
        ("script.ps1", b"Get-Process", "n’est pas accepté"),
        ("sans-extension", b"hello", "n’est pas accepté"),
        ("faux.pdf", b"MZ\x90\x00 this is a PE file", "ne correspond pas"),
        ("image.png", PDF, "ne correspond pas"),
        ("binaire.txt", b"\x00\x01\x02\x03" * 100, "ne correspond pas"),
        ("vide.pdf", b"", "est vide"),
    ],
)
def test_refused_files_say_why_in_french(name: str, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_upload(upload(name, content), already=0, total_bytes=0)
    assert message in refused.value.messages[0]


def test_size_count_and_total_limits(settings: Any) -> None:
    settings.VIGIE_ATTACHMENT_MAX_BYTES = 1024
    settings.VIGIE_ATTACHMENT_MAX_COUNT = 3
    settings.VIGIE_ATTACHMENT_MAX_TOTAL_BYTES = 2048
    with pytest.raises(ValidationError, match="trop volumineux"):
        check_upload(upload("gros.pdf", PDF + b"0" * 2000), already=0, total_bytes=0)
    with pytest.raises(ValidationError, match="au plus 3"):
        check_upload(upload("rapport.pdf", PDF), already=3, total_bytes=0)
    with pytest.raises(ValidationError, match="au total"):
        check_upload(upload("rapport.pdf", PDF), already=1, total_bytes=2040)
    assert check_upload(upload("rapport.pdf", PDF), already=2, total_bytes=1000).size == len(PDF)


def test_a_path_in_the_name_is_dropped() -> None:
    checked = check_upload(upload("../../etc/rapport.pdf", PDF), already=0, total_bytes=0)
    assert checked.name == "rapport.pdf"
