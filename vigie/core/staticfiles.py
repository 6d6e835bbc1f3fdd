"""The static files' storage in production: whitenoise's compressed manifest storage,
whose URLs are looked up once per process.

``{% static %}`` asks the storage for each file on every page (a dozen per layout): the
manifest lookup and URL joining were redone each time although the manifest, read at
start-up, cannot change while the process runs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles import storage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class MemoisedURLs(storage.ManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool, bool], str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if name is None:
            return super().url(name, force)  # type: ignore[arg-type]
        key = (name, force, settings.DEBUG)
        url = self._urls.get(key)
        if url is None:
            # A file missing from the manifest raises here each time, as before.
            url = self._urls[key] = super().url(name, force)
        return url


class StaticFilesStorage(MemoisedURLs, CompressedManifestStaticFilesStorage):
    """Production's (settings.STORAGES when DEBUG is off)."""


class ManifestStaticFilesStorage(MemoisedURLs):
    """The same without compression, for benchmarks (collectstatic stays quick)."""
