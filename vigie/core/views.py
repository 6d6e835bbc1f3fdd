"""Error pages (the home and account pages are in vigie/home)."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigie.core.unavailable import database_unavailable, unavailable_response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"status": 400}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"status": 403}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"status": 404}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while Django handles the exception: sys.exc_info() is the one being handled.
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return render(request, "core/error.html", {"status": 500}, status=500)
