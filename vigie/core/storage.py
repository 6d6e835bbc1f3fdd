"""Where uploads live, and how a scoped download view hands one out.

By default uploads are files under MEDIA_ROOT (one node, ``make run``). With
``VIGIE_S3_BUCKET`` they live in an S3-compatible bucket that every web node and worker
shares (vigie/settings.py builds the options from the environment). Either way a file is
never public: the bucket is private, objects are written without any ACL (they inherit the
bucket's, private) as opaque bytes, and the only way out is a download view that has
checked the reader may see the record, which streams the bytes itself or, with
``VIGIE_S3_SIGNED_URLS``, redirects to a signed URL valid for a few seconds.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend, private and opaque.

    The browser's claimed content type is never stored (S3Storage would keep it): objects
    are ``application/octet-stream`` with ``Content-Disposition: attachment``, so that even a
    signed URL opened directly downloads instead of rendering. The type a reader gets is the
    one the upload checks recorded, passed when the URL is signed.
    """

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        params = dict(super().get_object_parameters(name))
        params["ContentType"] = "application/octet-stream"
        params["ContentDisposition"] = "attachment"
        params.pop("ACL", None)
        return params


def stored_file_response(
    field: FieldFile, *, filename: str, content_type: str
) -> HttpResponse | FileResponse:
    """The answer of a download view once it has checked the reader may see the file.

    Streams the file with headers that stop a browser from rendering it, or, when the
    uploads are in a bucket and ``VIGIE_S3_SIGNED_URLS`` is on, redirects to a URL signed
    for ``VIGIE_S3_SIGNED_URL_SECONDS`` that downloads it under its name and type.
    A file missing from the storage is a 404.
    """
    storage = field.storage
    if settings.VIGIE_S3_SIGNED_URLS and isinstance(storage, PrivateS3Storage):
        name = field.name or ""
        if not name or not storage.exists(name):
            raise Http404
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, filename),
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private, no-store",
            },
            expire=settings.VIGIE_S3_SIGNED_URL_SECONDS,
        )
        redirect = HttpResponseRedirect(url)
        redirect["Cache-Control"] = "private, no-store"
        # The signed URL is a bearer token for a few seconds: never in a Referer.
        redirect["Referrer-Policy"] = "no-referrer"
        return redirect
    try:
        handle = field.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
