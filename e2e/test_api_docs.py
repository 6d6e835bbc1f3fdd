"""The API documentation renders in a browser under the site's CSP."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_swagger_ui_renders_operations_without_csp_violation(live_server: Any, page: Any) -> None:
    console: list[str] = []
    failed: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI built the page from the schema: the operations are listed.
    page.locator(".opblock-tag", has_text="declarations").first.wait_for(timeout=15000)
    assert page.locator(".opblock").count() >= 2
    assert page.get_by_text("Vigie API").first.is_visible()
    page.wait_for_load_state("networkidle")
    violations = [line for line in console if "Content Security Policy" in line]
    assert violations == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
    assert failed == []
