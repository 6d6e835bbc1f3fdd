"""Navigation by role, shared by every page."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from vigie.core.scoping import scope_for


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str

    def is_current(self, path: str) -> bool:
        return path == self.url if self.url == "/" else path.startswith(self.url)


def navigation_items(request: HttpRequest) -> list[NavItem]:
    scope = scope_for(getattr(request, "user", None))
    items = [NavItem(_("Home"), reverse("home")), NavItem(_("Portal"), reverse("portal:home"))]
    if not scope.is_authenticated:
        return items
    if scope.structure_ids or scope.is_national or scope.ars_region_ids or scope.is_administrator:
        label = (
            _("My structures")
            if scope.structure_ids
            and not (scope.is_national or scope.ars_region_ids or scope.is_administrator)
            else _("Structures")
        )
        items.append(NavItem(label, reverse("directory:structure_list")))
    if scope.declarant_structure_ids:
        items.append(NavItem(_("Declare an incident"), reverse("declarations:start")))
    if scope.structure_ids or scope.is_national or scope.ars_region_ids:
        items.append(NavItem(_("Declarations"), reverse("declarations:list")))
        items.append(NavItem(_("Cases"), reverse("cases:queue")))
    if scope.structure_ids or scope.ars_region_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("SSI action plan"), reverse("actionplan:index")))
    if scope.ars_region_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("RETEX"), reverse("retex:list")))
    if scope.ars_region_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("Statistics"), reverse("insights:dashboard")))
    if scope.structure_ids or scope.ars_region_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("Community"), reverse("community:thread_list")))
        items.append(NavItem(_("Alerts"), reverse("alerts:list")))
    if scope.vendor_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("Patch requests"), reverse("vendors:list")))
    if scope.directed_structure_ids:
        items.append(NavItem(_("Declarants"), reverse("directory:delegation_list")))
    if scope.is_administrator:
        items.append(NavItem(_("Administration"), reverse("admin:index")))
    items.append(NavItem(_("My account"), reverse("account")))
    return items


def navigation(request: HttpRequest) -> dict[str, object]:
    items = navigation_items(request)
    # Only the most specific match is current ("/declarations/nouvelle/" is not the list).
    matches = [item for item in items if item.is_current(request.path)]
    current = max(matches, key=lambda item: len(item.url)) if matches else None
    return {
        "nav_items": [
            {"label": item.label, "url": item.url, "current": item is current} for item in items
        ],
        "vigie_scope": scope_for(getattr(request, "user", None)),
    }
