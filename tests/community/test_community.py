"""Community space: who reads it, moderation, locking, rate limit, comments."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests.factories import client_for
from vigie.community import services
from vigie.community.models import Comment, Post, Thread

pytestmark = pytest.mark.django_db

MEMBERS = ["declarant_lyon", "member_lyon", "director_paris", "acss", "ars_ara", "hfds"]
OUTSIDERS = ["vendor_contact", "nobody", "admin"]


@pytest.fixture
def thread(world: Any) -> Thread:
    return services.thread_create(by=world.declarant_lyon, title="Télémaintenance", body="Bonjour")


@pytest.mark.parametrize("role", MEMBERS)
def test_members_read_and_reply(world: Any, thread: Thread, role: str) -> None:
    client = client_for(getattr(world, role))
    assert client.get("/communaute/").status_code == 200
    assert "Télémaintenance" in client.get(f"/communaute/discussions/{thread.pk}/").content.decode()
    response = client.post(f"/communaute/discussions/{thread.pk}/repondre/", {"body": "Réponse"})
    assert response.status_code == 302
    assert Thread.objects.visible_to(getattr(world, role)).count() == 1


@pytest.mark.parametrize("role", OUTSIDERS)
def test_vendors_and_accounts_without_structure_have_no_access(
    world: Any, thread: Thread, role: str
) -> None:
    user = getattr(world, role)
    client = client_for(user)
    assert client.get("/communaute/").status_code == 403
    assert client.get(f"/communaute/discussions/{thread.pk}/").status_code == 403
    assert not Thread.objects.visible_to(user).exists()
    assert not Post.objects.visible_to(user).exists()
    with pytest.raises(PermissionDenied):
        services.thread_create(by=user, title="x", body="y")


def test_anonymous_is_sent_to_login(thread: Thread) -> None:
    response = Client().get("/communaute/")
    assert response.status_code == 302 and "/compte/login/" in response["Location"]
    assert not Thread.objects.visible_to(None).exists()


def test_new_thread_page_creates_thread_and_first_post(world: Any) -> None:
    client = client_for(world.member_lyon)
    response = client.post(
        "/communaute/nouvelle-discussion/", {"title": "Sauvegardes", "body": "Quelle rétention ?"}
    )
    thread = Thread.objects.get(title="Sauvegardes")
    assert response["Location"] == f"/communaute/discussions/{thread.pk}/"
    assert list(thread.posts.values_list("body", flat=True)) == ["Quelle rétention ?"]


def test_moderation_hides_content_from_non_moderators(world: Any, thread: Thread) -> None:
    post = services.post_create(thread=thread, by=world.member_lyon, body="Message déplacé")
    page = f"/communaute/discussions/{thread.pk}/"
    # Only the cell moderates.
    assert (
        client_for(world.hfds)
        .post(f"/communaute/messages/{post.pk}/masquer/", {"reason": "x"})
        .status_code
        == 403
    )
    post.refresh_from_db()
    assert not post.is_hidden
    acss = client_for(world.acss)
    acss.post(f"/communaute/messages/{post.pk}/masquer/", {"reason": "Hors charte"})
    post.refresh_from_db()
    assert post.is_hidden and post.hidden_reason == "Hors charte" and post.hidden_by == world.acss
    assert "Message déplacé" not in client_for(world.declarant_lyon).get(page).content.decode()
    assert "Message déplacé" not in client_for(world.ars_ara).get(page).content.decode()
    assert not Post.objects.visible_to(world.hfds).filter(pk=post.pk).exists()
    # The cell and the author still see it, with the reason.
    assert "Hors charte" in acss.get(page).content.decode()
    assert "Message déplacé" in client_for(world.member_lyon).get(page).content.decode()
    # History is kept (pghistory) and the message comes back when restored.
    assert post.events.count() >= 2  # type: ignore[attr-defined]
    acss.post(f"/communaute/messages/{post.pk}/retablir/")
    assert "Message déplacé" in client_for(world.declarant_lyon).get(page).content.decode()


def test_hiding_needs_a_reason(world: Any, thread: Thread) -> None:
    post = thread.posts.get()
    with pytest.raises(ValidationError):
        services.post_hide(post=post, by=world.acss, reason="  ")


def test_locked_thread_refuses_replies(world: Any, thread: Thread) -> None:
    client_for(world.acss).post(f"/communaute/discussions/{thread.pk}/verrouiller/")
    thread.refresh_from_db()
    assert thread.is_locked and thread.locked_by == world.acss
    response = client_for(world.member_lyon).post(
        f"/communaute/discussions/{thread.pk}/repondre/", {"body": "Encore"}
    )
    assert response.status_code == 400
    assert thread.posts.count() == 1
    services.thread_unlock(thread=thread, by=world.acss)
    services.post_create(thread=thread, by=world.member_lyon, body="Encore")
    with pytest.raises(PermissionDenied):
        services.thread_lock(thread=thread, by=world.declarant_lyon)


def test_rate_limit(world: Any, thread: Thread) -> None:
    # The thread's first post counts: 4 more are allowed within the minute.
    for n in range(services.RATE_LIMIT - 1):
        services.post_create(thread=thread, by=world.declarant_lyon, body=f"n{n}")
    with pytest.raises(ValidationError) as refused:
        services.post_create(thread=thread, by=world.declarant_lyon, body="trop")
    assert refused.value.code == "rate_limited"
    response = client_for(world.declarant_lyon).post(
        f"/communaute/discussions/{thread.pk}/repondre/", {"body": "trop"}
    )
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    # Another user is not limited.
    services.post_create(thread=thread, by=world.member_lyon, body="ok")


def test_comments_on_published_documents(
    world: Any, thread: Thread, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any visible model can be a document (generic key); a Thread stands in for the
    # portal's documents here. Unpublished documents refuse comments.
    with pytest.raises(ValidationError):
        services.comment_create(document=thread, by=world.member_lyon, body="Merci")
    monkeypatch.setattr(services, "_is_published", lambda document: True)
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Thread)
    url = f"/communaute/commentaires/{content_type.pk}/{thread.pk}/"
    client_for(world.member_lyon).post(url, {"body": "Merci", "next": "/communaute/"})
    comment = Comment.objects.get()
    assert comment.document == thread and comment.author == world.member_lyon
    assert client_for(world.vendor_contact).post(url, {"body": "x"}).status_code == 403
    services.comment_hide(comment=comment, by=world.acss, reason="Doublon")
    assert not Comment.objects.visible_to(world.declarant_lyon).exists()
    assert Comment.objects.visible_to(world.acss).exists()
