"""Nothing shown to a signed-in user is kept by a browser or a proxy cache.

Case and declaration pages, exports (CSV, XLSX, PDF, STIX), attachments and reports are
only ever shown to a signed-in user: a shared computer's cache or a proxy must not hand
them to the next person. Responses to anonymous visitors (the public portal) keep
ordinary caching, and a view that set its own Cache-Control keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


class NoStoreForUsersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Read after the view: the API authenticates its tokens inside the view.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response
