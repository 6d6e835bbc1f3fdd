"""Proof fixtures: cases built through the real services (copied from tests/cases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vigie.cases.models import Case
from vigie.declarations.services import declaration_submit


@pytest.fixture
def make_case(make_declaration: Callable[..., Any]) -> Callable[..., Case]:
    """Submit a complete declaration for ``structure`` by ``by``; return its open case."""

    def make(structure: Any, by: Any, **overrides: Any) -> Case:
        draft = make_declaration(structure, by, **overrides)
        declaration = declaration_submit(declaration=draft, by=by)
        return Case.objects.get(declaration=declaration)

    return make
