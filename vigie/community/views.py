"""Community pages (thin: forms validate, services write, selectors read)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from vigie.community import selectors, services
from vigie.community.forms import CommentForm, HideForm, LockForm, PostForm, ThreadForm
from vigie.community.models import Comment, Post, Thread
from vigie.community.scopes import is_community_member, is_moderator
from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import scope_for, visible_to
from vigie.directory.models import User


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _member(request: HttpRequest) -> None:
    if not is_community_member(scope_for(request.user)):
        raise PermissionDenied(_("The community space is reserved to structures and staff."))


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_safe
def thread_list(request: HttpRequest) -> HttpResponse:
    _member(request)
    page = Paginator(selectors.thread_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "community/thread_list.html", {"page_obj": page})


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request: HttpRequest) -> HttpResponse:
    _member(request)
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(
                by=_user(request), title=form.cleaned_data["title"], body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Your discussion is published."))
            return redirect("community:thread_detail", pk=thread.pk)
    return render(request, "community/thread_form.html", {"form": form})


def _thread(request: HttpRequest, pk: int) -> Thread:
    _member(request)
    return get_object_or_404(Thread.objects.visible_to(request.user), pk=pk)


def _render_thread(
    request: HttpRequest, thread: Thread, form: PostForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "community/thread_detail.html",
        {
            "thread": thread,
            "posts": selectors.thread_posts(thread=thread, user=request.user),
            "form": form or PostForm(),
            "moderator": is_moderator(scope_for(request.user)),
        },
        status=status,
    )


@login_required
@require_safe
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_thread(request, _thread(request, pk))


@login_required
@require_POST
def thread_reply(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread(request, pk)
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            services.post_create(thread=thread, by=_user(request), body=form.cleaned_data["body"])
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Your reply is published."))
            return redirect("community:thread_detail", pk=thread.pk)
    return _render_thread(request, thread, form, status=400)


def _moderate(request: HttpRequest, action: str, item: Post | Comment | Thread) -> None:
    by = _user(request)
    try:
        if action == "hide":
            form = HideForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give the reason for hiding this message."))
            if isinstance(item, Post):
                services.post_hide(post=item, by=by, reason=form.cleaned_data["reason"])
            elif isinstance(item, Comment):
                services.comment_hide(comment=item, by=by, reason=form.cleaned_data["reason"])
            messages.success(request, _("The message is hidden."))
        elif action == "restore":
            if isinstance(item, Post):
                services.post_restore(post=item, by=by)
            elif isinstance(item, Comment):
                services.comment_restore(comment=item, by=by)
            messages.success(request, _("The message is visible again."))
        elif action == "lock" and isinstance(item, Thread):
            lock = LockForm(request.POST)
            reason = lock.cleaned_data["reason"] if lock.is_valid() else ""
            services.thread_lock(thread=item, by=by, reason=reason)
            messages.success(request, _("The discussion is locked."))
        elif action == "unlock" and isinstance(item, Thread):
            services.thread_unlock(thread=item, by=by)
            messages.success(request, _("The discussion is open again."))
    except ValidationError as error:
        _errors(request, error)


def _post(request: HttpRequest, pk: int) -> Post:
    _member(request)
    return get_object_or_404(Post.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def post_hide(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    _moderate(request, "hide", post)
    return redirect("community:thread_detail", pk=post.thread_id)


@login_required
@require_POST
def post_restore(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    _moderate(request, "restore", post)
    return redirect("community:thread_detail", pk=post.thread_id)


@login_required
@require_POST
def thread_lock(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread(request, pk)
    _moderate(request, "lock", thread)
    return redirect("community:thread_detail", pk=thread.pk)


@login_required
@require_POST
def thread_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread(request, pk)
    _moderate(request, "unlock", thread)
    return redirect("community:thread_detail", pk=thread.pk)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "community:thread_list"
    return redirect(target)


@login_required
@require_POST
def comment_create(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    _member(request)
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is None:
        raise Http404
    try:
        document = (
            visible_to(model._default_manager.all(), request.user).filter(pk=object_id).first()
        )
    except (ValueError, TypeError, ValidationError) as malformed:
        # Not an identifier of this model ("abc" for an integer key): no such document.
        raise Http404 from malformed
    if document is None:
        raise Http404
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message."))
        return _back(request)
    try:
        services.comment_create(
            document=document, by=_user(request), body=form.cleaned_data["body"]
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Your comment is published."))
    return _back(request)


def _comment(request: HttpRequest, pk: int) -> Comment:
    _member(request)
    return get_object_or_404(Comment.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def comment_hide(request: HttpRequest, pk: int) -> HttpResponse:
    _moderate(request, "hide", _comment(request, pk))
    return _back(request)


@login_required
@require_POST
def comment_restore(request: HttpRequest, pk: int) -> HttpResponse:
    _moderate(request, "restore", _comment(request, pk))
    return _back(request)
