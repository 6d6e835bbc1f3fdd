"""Reads on the community space; each one starts from visible_to(user)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, QuerySet

from vigie.community.models import Comment, Post, Thread


def thread_list(*, user: Any) -> QuerySet[Thread]:
    visible_posts = Post.objects.visible_to(user)
    return (
        Thread.objects.visible_to(user)
        .select_related("author")
        .annotate(post_count=Count("posts", filter=Q(posts__in=visible_posts.values("pk"))))
        .order_by("-last_post_at", "-pk")
    )


def thread_posts(*, thread: Thread, user: Any) -> QuerySet[Post]:
    return Post.objects.visible_to(user).filter(thread=thread).select_related("author", "hidden_by")


def document_comments(*, document: models.Model, user: Any) -> QuerySet[Comment]:
    return (
        Comment.objects.visible_to(user)
        .filter(
            content_type=ContentType.objects.get_for_model(document),
            object_id=str(document.pk),
        )
        .select_related("author", "hidden_by")
    )
