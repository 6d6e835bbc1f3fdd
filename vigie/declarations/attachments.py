"""Upload checks: extension and actual content must agree, size and count are bounded.

The content type recorded (and later served) is ours, never the browser's claim.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from vigie.core.models import StoredUpload

ZIP_MAGIC = b"PK\x03\x04"
MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "zip": (ZIP_MAGIC,),
}
# extension -> (family, content type served)
ALLOWED = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "txt": ("text", "text/plain"),
    "log": ("text", "text/plain"),
    "csv": ("text", "text/csv"),
    "json": ("text", "application/json"),
    "xml": ("text", "application/xml"),
    "eml": ("text", "message/rfc822"),
    "docx": ("zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "odt": ("zip", "application/vnd.oasis.opendocument.text"),
    "ods": ("zip", "application/vnd.oasis.opendocument.spreadsheet"),
    "zip": ("zip", "application/zip"),
}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return controls <= len(head) // 100


def allowed_extensions() -> str:
    return ", ".join(sorted(ALLOWED))


def check_upload(upload: UploadedFile, *, already: int, total_bytes: int) -> CheckedUpload:
    """Validate ``upload`` against the limits; return what to record. French errors."""
    name = PurePath(upload.name or "").name.strip()[:200] or "fichier"
    max_size = settings.VIGIE_ATTACHMENT_MAX_BYTES
    if already >= settings.VIGIE_ATTACHMENT_MAX_COUNT:
        raise ValidationError(
            _("A declaration can hold at most %(count)s attachments.")
            % {"count": settings.VIGIE_ATTACHMENT_MAX_COUNT}
        )
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name})
    if size > max_size:
        raise ValidationError(
            _("The file “%(name)s” is too large (%(size)s); the limit is %(max)s.")
            % {"name": name, "size": filesizeformat(size), "max": filesizeformat(max_size)}
        )
    if total_bytes + size > settings.VIGIE_ATTACHMENT_MAX_TOTAL_BYTES:
        raise ValidationError(
            _("The attachments of a declaration cannot exceed %(max)s in total.")
            % {"max": filesizeformat(settings.VIGIE_ATTACHMENT_MAX_TOTAL_BYTES)}
        )
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED:
        raise ValidationError(
            _("The file type of “%(name)s” is not accepted. Accepted types: %(types)s.")
            % {"name": name, "types": allowed_extensions()}
        )
    family, content_type = ALLOWED[extension]
    digest = hashlib.sha256()
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        digest.update(chunk)
    upload.seek(0)
    matches = _looks_like_text(head) if family == "text" else head.startswith(MAGIC[family])
    if not matches:
        raise ValidationError(
            _("The content of “%(name)s” does not match its extension “.%(ext)s”.")
            % {"name": name, "ext": extension}
        )
    return CheckedUpload(name=name, content_type=content_type, size=size, sha256=digest.hexdigest())


def upload_store(record: StoredUpload, upload: UploadedFile, checked: CheckedUpload) -> None:
    """Write a checked upload's file and save ``record`` (an Attachment, an Evidence...)
    with its name, type, size and hash; the file is removed if the row cannot be saved."""
    record.original_name = checked.name
    record.content_type = checked.content_type
    record.size = checked.size
    record.sha256 = checked.sha256
    record.file.save(checked.name, upload, save=False)
    stored = record.file
    try:
        record.save()
    except Exception:
        stored.delete(save=False)
        raise
