"""Settings of the gunicorn nodes and workers the multi-node tests start: production
settings, except static files served without the collectstatic manifest (collecting
and compressing the DSFR's 10 000 files takes minutes; tests/ops/test_deploy.py runs the
image's collectstatic on Vigie's own files)."""

from vigie.settings import *  # noqa: F403
from vigie.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
