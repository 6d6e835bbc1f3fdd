"""``{% document_comments document %}``: the comments of a published document and the
form to add one, for the portal's document pages (members of the community only)."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.db import models

from vigie.community.forms import CommentForm, HideForm
from vigie.community.scopes import is_community_member, is_moderator
from vigie.community.selectors import document_comments as comments_of
from vigie.core.scoping import scope_for

register = template.Library()


@register.inclusion_tag("community/includes/comments.html", takes_context=True)
def document_comments(context: dict[str, Any], document: models.Model) -> dict[str, Any]:
    request = context["request"]
    scope = scope_for(request.user)
    member = is_community_member(scope)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "member": member,
        "moderator": is_moderator(scope),
        "comments": comments_of(document=document, user=request.user) if member else [],
        "content_type_id": ContentType.objects.get_for_model(document).pk,
        "object_id": str(document.pk),
        "form": CommentForm(),
        "hide_form": HideForm(),
    }
