"""In-app notifications: the list, marking read, following a notification's link."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from vigie.notifications import selectors
from vigie.notifications.services import notification_mark_read

if TYPE_CHECKING:  # the user model lives above this app: no import at run time
    from vigie.directory.models import User


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page_obj": page, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notification_mark_read(user=cast("User", request.user))
    if count:
        messages.success(request, _("All notifications were marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and follow its link (a form button, not a GET link)."""
    notification = selectors.notification_get(request.user, pk)
    if notification is None:
        raise Http404
    notification_mark_read(user=cast("User", request.user), notification_ids=[notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")
