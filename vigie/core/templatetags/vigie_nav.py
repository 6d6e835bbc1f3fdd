"""The header's navigation menu written in Python (issue 18): base.html drew it with some
fifty template nodes on every page. Same markup as the loop it replaces (tests/core/
test_nav_menu.py renders both)."""

from __future__ import annotations

import weakref
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from vigie.core.memo import Memo

# The nodes, for tests to read what they keep.
_ONCE_NODES: weakref.WeakSet[OncePerLanguageNode] = weakref.WeakSet()

register = template.Library()


def _link(link: dict[str, Any]) -> str:
    current = ' aria-current="page"' if link["current"] else ""
    return (
        f'<a class="fr-nav__link" href="{conditional_escape(link["url"])}" '
        f'target="_self"{current}>{conditional_escape(link["label"])}</a>'
    )


@register.simple_tag
def nav_menu_items(menu: list[dict[str, Any]]) -> SafeString:
    """The menu's items (``context_processors.navigation_menu``): links, and groups of
    links behind a button."""
    parts = []
    for item in menu:
        if item.get("children"):
            current = ' aria-current="true"' if item["current"] else ""
            item_id = conditional_escape(item["id"])
            children = "".join(f"<li>{_link(child)}</li>" for child in item["children"])
            parts.append(
                '<li class="fr-nav__item">'
                f'<button type="button" class="fr-nav__btn" aria-expanded="false" '
                f'aria-controls="{item_id}"{current}>{conditional_escape(item["label"])}</button>'
                f'<div class="fr-collapse fr-menu" id="{item_id}">'
                f'<ul class="fr-menu__list">{children}</ul></div></li>'
            )
        else:
            parts.append(f'<li class="fr-nav__item">{_link(item)}</li>')
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


# --- parts of the layout that depend on the language only ------------------------------


class OncePerLanguageNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist
        self.rendered = Memo()
        _ONCE_NODES.add(self)

    def render(self, context: template.Context) -> SafeString:
        language = get_language()
        html = self.rendered.get(language)
        if html is None:
            html = self.rendered[language] = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered by the template engine, escaped there)
        return html


@register.tag("once_per_language")
def once_per_language(parser: template.base.Parser, token: template.base.Token) -> Any:
    """``{% once_per_language %}…{% endonce_per_language %}``: the enclosed markup rendered
    once per language and process, then served as it was (the layout's skip links, brand,
    footer, display settings: on every page, the same for everyone). Only for markup that
    depends on nothing but the language and the deployment — no user, no request, no
    CSRF token or CSP nonce (tests/core/test_once_per_language.py)."""
    nodelist = parser.parse(("endonce_per_language",))
    parser.delete_first_token()
    return OncePerLanguageNode(nodelist)
