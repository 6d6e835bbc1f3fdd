"""Who was on call when a declaration arrived, for the pages that show a declaration or
its case (the cases app sits above this one and loads the tag from its template)."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.core.scoping import scope_for
from vigie.declarations.models import Declaration, DeclarationRecipient, RecipientKind
from vigie.oncall.scopes import ROTA_ROLES
from vigie.oncall.selectors import oncall_at_arrival as arrivals_of
from vigie.oncall.selectors import oncall_at_arrival_of_readable, rota_board
from vigie.oncall.services import OUT_OF_HOURS_URGENT

register = template.Library()


@register.inclusion_tag("oncall/includes/at_arrival.html", takes_context=True)
def oncall_at_arrival(context: Any, declaration: Declaration) -> dict[str, Any]:
    """A <dt>/<dd> pair for a description list: the people on call at submission (and
    whether they were told at once), or that nobody was on call for an urgent
    declaration out of hours. Only the cell and the FSSI, who keep the rota, read it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not scope_for(user).has(*ROTA_ROLES) or declaration.is_draft:
        return {"show": False}
    # The case page has just asked whether this reader reads the declaration: the rules
    # of both reads below are that (and keeping the rota, checked above).
    readable = (
        context.get("declaration_readable") if context.get("declaration") is declaration else None
    )
    if readable is False:
        return {"show": False}
    if readable is True:
        rows, urgent = oncall_at_arrival_of_readable(
            declaration.pk, kind=RecipientKind.FSSI.value, reasons=[OUT_OF_HOURS_URGENT]
        )
        return {"show": bool(rows) or urgent, "rows": rows, "urgent": urgent}
    rows = arrivals_of(user, declaration.pk)
    urgent = (
        DeclarationRecipient.objects.visible_to(user)
        .filter(
            declaration_id=declaration.pk,
            kind=RecipientKind.FSSI,
            reasons__contains=[OUT_OF_HOURS_URGENT],
        )
        .exists()
    )
    return {"show": bool(rows) or urgent, "rows": rows, "urgent": urgent}


@register.simple_tag(takes_context=True)
def oncall_boards(context: Any) -> list[Any]:
    """Who is on call now for each rota, for the cell and the FSSI (nobody else)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not scope_for(user).has(*ROTA_ROLES):
        return []
    return rota_board(user)
