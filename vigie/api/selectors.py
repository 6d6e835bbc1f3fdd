"""Reads of the API, always starting from what the caller may see."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from vigie.declarations.models import Declaration, DeclarationRecipient


def declaration_with_recipients(declaration: Declaration) -> Declaration:
    """Reload with what the output needs (structure, recipients and their regions)."""
    return (
        Declaration.objects.select_related("structure")
        .prefetch_related(_recipients())
        .get(pk=declaration.pk)
    )


def declaration_by_reference(*, user: Any, reference: str) -> Declaration:
    """A submitted declaration ``user`` may read; 404 otherwise (not 403: no oracle)."""
    queryset = (
        Declaration.objects.visible_to(user)
        .select_related("structure")
        .prefetch_related(_recipients())
    )
    return get_object_or_404(queryset, reference=reference.strip().upper())


def _recipients() -> Any:
    from django.db.models import Prefetch

    return Prefetch(
        "recipients", queryset=DeclarationRecipient.objects.select_related("region").order_by("pk")
    )
