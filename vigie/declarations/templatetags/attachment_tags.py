"""A declaration's files, read only, written in Python for the case page (issue 18):
`{% load attachment_tags %}{% attachment_list declaration %}` gives the markup of
``{% include "declarations/includes/attachment_list.html" with can_remove=False %}``
(the declaration's own pages still include the template; tests/declarations/
test_attachment_list.py compares both)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from vigie.core.dsfr_render import e
from vigie.declarations import selectors
from vigie.declarations.models import Attachment, Declaration

register = template.Library()


@register.simple_tag(takes_context=True)
def attachment_list(context: template.Context, declaration: Declaration) -> SafeString:
    """The files of ``declaration`` its reader may read. A page that has asked whether
    the reader reads the declaration (the case page's ``declaration_readable``) gives the
    answer of the files' rule: none, or every file by one fixed statement."""
    readable = (
        context.get("declaration_readable") if context.get("declaration") is declaration else None
    )
    user = getattr(context.get("request"), "user", None)
    return attachment_list_html(attachments_for(user, declaration, readable))


def attachments_for(user: Any, declaration: Declaration, readable: bool | None) -> Sequence[Any]:
    """The files of ``declaration`` ``user`` may read; ``readable``, when the page knows
    whether the user reads the declaration, gives the answer of the files' rule."""
    attachments: Sequence[Attachment]
    if readable is None:
        attachments = list(selectors.attachments_of(user, declaration))
    elif readable:
        attachments = selectors.attachments_of_readable(declaration.pk)
    else:
        attachments = []
    return attachments


def attachment_list_html(attachments: Sequence[Any]) -> SafeString:
    """declarations/includes/attachment_list.html with ``can_remove=False``."""
    if not attachments:
        return mark_safe(f'<p class="fr-text--sm">{_("No attachment.")}</p>\n')  # noqa: S308
    rows = []
    for attachment in attachments:
        url = reverse("declarations:attachment_download", args=[attachment.pk])
        rows.append(
            f'<tr data-testid="attachment">\n<td><a href="{e(url)}" download>'
            f"{e(attachment.original_name)}</a></td>\n"
            f"<td>{e(filesizeformat(attachment.size))}</td>\n"
            f'<td><code class="vigie-hash">{e(attachment.sha256)}</code></td>\n</tr>\n'
        )
    html = (
        '<div class="fr-table fr-table--no-caption fr-mb-2w">\n<table>\n'
        f"<caption>{_('Attachments')}</caption>\n<thead>\n<tr>\n"
        f'<th scope="col">{_("File")}</th>\n'
        f'<th scope="col">{_("Size")}</th>\n'
        f'<th scope="col">{_("SHA-256 fingerprint")}</th>\n'
        f"</tr>\n</thead>\n<tbody>\n{''.join(rows)}</tbody>\n</table>\n</div>\n"
    )
    # Every value above went through e(), every text through gettext only.
    return mark_safe(html)  # noqa: S308
