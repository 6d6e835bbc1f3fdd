"""The API documentation page loads Swagger UI from our own static files: the CSP allows no
CDN, no inline script and no inline style."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_docs_page_uses_same_origin_assets_only(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    styles = re.findall(r"<link\b[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", html)
    assert scripts and styles
    # No inline script or style: each script has a source, there is no <style> element.
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in html
    sources = [re.search(r'src="([^"]+)"', a).group(1) for a, _b in scripts]  # type: ignore[union-attr]
    for url in sources + styles:
        parts = urlsplit(url.replace("&amp;", "&"))
        assert not parts.scheme and not parts.netloc, url  # same origin
    # The bundles come from drf-spectacular-sidecar, found by the static files finders.
    statics = [url for url in sources + styles if url.startswith("/static/")]
    assert any(url.endswith("swagger-ui-bundle.js") for url in statics)
    assert any(url.endswith("swagger-ui.css") for url in statics)
    for url in statics:
        assert finders.find(url.removeprefix("/static/")), url
    # The start-up script is served by the same view, as JavaScript, naming our schema.
    [init] = [url for url in sources if not url.startswith("/static/")]
    script = client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    # And the CSP header stays strict: no CDN, no 'unsafe-inline'.
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "cdn" not in policy


def test_schema_lists_the_declarations_endpoints(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/declarations" in response.content.decode()
