"""Navigation by role, shared by every page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.translation import gettext as _

from vigie.core.scoping import scope_for


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    # Entries sharing a group are shown under one drop-down menu of the main menu, so
    # that it fits on one line at 1280 px for the roles that see the most entries.
    group: str = ""
    # Views (namespace:name) that belong to this entry although their path is another's.
    views: frozenset[str] = frozenset()

    def is_current(self, path: str) -> bool:
        return path == self.url if self.url == "/" else path.startswith(self.url)


# The pages of the declaration form live under /declarations/<pk>/ but belong to
# "Declare an incident", not to the list of declarations.
DECLARATION_FORM_VIEWS = frozenset(
    {"declarations:start", "declarations:step", "declarations:summary", "declarations:discard"}
)


_URLS: dict[tuple[str, str, str], str] = {}


def reverse(name: str) -> str:
    """The URL of a view without arguments, looked up once per URLconf and prefix (the
    menu's fifteen entries cost every page a dozen reverse() calls otherwise)."""
    key = (str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix(), name)
    url = _URLS.get(key)
    if url is None:
        url = _URLS[key] = django_reverse(name)
    return url


def navigation_items(request: HttpRequest) -> list[NavItem]:
    scope = scope_for(getattr(request, "user", None))
    items = [NavItem(_("Home"), reverse("home"))]
    # The portal's editors (ACSS, read by HFDS/FSSI: vigie/portal/rules.py) reach its
    # editorial space from the same menu entry as the public portal.
    if scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("Public portal"), reverse("portal:home"), PORTAL))
        items.append(NavItem(_("Editorial space"), reverse("portal:editorial"), PORTAL))
    else:
        items.append(NavItem(_("Portal"), reverse("portal:home")))
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
        items.append(
            NavItem(
                _("Declare an incident"),
                reverse("declarations:start"),
                views=DECLARATION_FORM_VIEWS,
            )
        )
    if scope.structure_ids or scope.is_national or scope.ars_region_ids:
        items.append(NavItem(_("Declarations"), reverse("declarations:list")))
        items.append(NavItem(_("Cases"), reverse("cases:queue")))
    if scope.structure_ids or scope.ars_region_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("SSI action plan"), reverse("actionplan:index")))
    if scope.ars_region_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("RETEX"), reverse("retex:list")))
    if scope.ars_region_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("Statistics"), reverse("insights:dashboard")))
    if scope.has("acss_analyst", "hfds"):
        # What reached the functional mailboxes without naming a case (vigie/inbox).
        items.append(NavItem(_("E-mails to sort"), reverse("inbox:queue"), EXCHANGES))
    if scope.structure_ids or scope.ars_region_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("Community"), reverse("community:thread_list"), EXCHANGES))
        items.append(NavItem(_("Alerts"), reverse("alerts:list"), EXCHANGES))
    if scope.vendor_ids or scope.has("acss_analyst", "hfds"):
        items.append(NavItem(_("Patch requests"), reverse("vendors:list"), EXCHANGES))
    if scope.directed_structure_ids:
        items.append(NavItem(_("Declarants"), reverse("directory:delegation_list")))
    if scope.is_administrator:
        items.append(NavItem(_("Administration"), reverse("admin:index")))
    # "My account" is the person's name in the header tools (copied into the mobile menu).
    return items


EXCHANGES = "exchanges"
PORTAL = "portal"


def group_label(group: str) -> str:
    return {EXCHANGES: _("Exchanges"), PORTAL: _("Portal")}[group]


def navigation_menu(items: list[NavItem], current: NavItem | None) -> list[dict[str, Any]]:
    """Top-level entries of the main menu: plain links, and a drop-down menu per group
    of two entries or more (a group of one is shown as its single link)."""
    sizes = Counter(item.group for item in items if item.group)
    menu: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        link = {"label": item.label, "url": item.url, "current": item is current}
        if not item.group or sizes[item.group] < 2:
            menu.append(link)
        elif item.group in groups:
            groups[item.group]["children"].append(link)
            groups[item.group]["current"] |= link["current"]
        else:
            groups[item.group] = {
                "label": group_label(item.group),
                "id": f"nav-menu-{item.group}",
                "children": [link],
                "current": link["current"],
            }
            menu.append(groups[item.group])
    return menu


def navigation(request: HttpRequest) -> dict[str, object]:
    items = navigation_items(request)
    # Only the most specific match is current ("/declarations/nouvelle/" is not the list).
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    owners = [item for item in items if view_name in item.views]
    matches = owners or [item for item in items if item.is_current(request.path)]
    current = max(matches, key=lambda item: len(item.url)) if matches else None
    return {
        "nav_items": [
            {"label": item.label, "url": item.url, "current": item is current} for item in items
        ],
        "nav_menu": navigation_menu(items, current),
        "vigie_scope": scope_for(getattr(request, "user", None)),
    }
